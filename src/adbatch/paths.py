"""Where the project's data folders are, for an in-repo or editable install.

The archetypes and prompt templates are data files at the top of the repository
(see DESIGN.md §2); config keys ``archetypes_dir`` and ``prompts_dir`` override them.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARCHETYPES_DIR = PROJECT_ROOT / "archetypes"
PROMPTS_DIR = PROJECT_ROOT / "prompts"
CONF_DIR = PROJECT_ROOT / "conf"


def or_default(value: str | None, default: Path) -> Path:
    """Return ``value`` as an absolute Path, or ``default`` when it is unset."""
    return Path(value).expanduser().resolve() if value else default
