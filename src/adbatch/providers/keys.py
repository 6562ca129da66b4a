"""API keys: read from the environment only, checked before any job runs.

A live adapter class declares the variable it needs (``key_env_var``) and reads it from the
environment for each request, never holding it: building an adapter, its ``params()`` and
``estimate()`` need no key (a dry run prices a live sweep without one). ``check_keys`` reads
``key_env_var`` off the classes a composed ``provider`` config names, without building
anything, so the app and the sweeper refuse to start, naming every missing variable, before a
single job or paid call runs. Keys never go into config: Hydra saves the config it composed
next to every video.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, Protocol

from adbatch.errors import ConfigError

log = logging.getLogger(__name__)
REFUSED_FILE = ".keys-refused"  # in a sweep dir: a job's key was refused, so no further job starts (adbatch.app)

STAGES = ("script", "voice", "scenes", "image", "music")


class MissingKeyError(ConfigError, RuntimeError):
    """A live stage needs an API key that is not set in the environment."""


def require_key(var: str, *, who: str) -> str:
    """The value of environment variable ``var``; MissingKeyError naming it (and ``who`` needs it) if unset."""
    value = os.environ.get(var, "").strip()
    if not value:
        raise MissingKeyError(
            f"{who} needs the {var} environment variable: export {var}=... "
            f"(keys are read from the environment only, never from config)"
        )
    return value


def needed_keys(provider_cfg: Mapping[str, Any]) -> dict[str, str]:
    """stage -> environment variable, for every stage whose ``_target_`` class declares ``key_env_var``."""
    from hydra.utils import get_class

    needed = {}
    for stage in STAGES:
        node = provider_cfg.get(stage)
        target = node.get("_target_") if isinstance(node, Mapping) else None
        var = getattr(get_class(target), "key_env_var", None) if target else None
        if var:
            needed[stage] = var
    return needed


def check_keys(provider_cfg: Mapping[str, Any]) -> None:
    """Raise MissingKeyError naming every unset variable the configured live stages need."""
    missing = {stage: var for stage, var in needed_keys(provider_cfg).items() if not os.environ.get(var, "").strip()}
    if missing:
        lines = [f"provider.{stage} needs {var}" for stage, var in missing.items()]
        names = " ".join(f"{v}=..." for v in dict.fromkeys(missing.values()))
        raise MissingKeyError(
            "missing API key(s): " + "; ".join(lines) + f". Set them in the environment "
            f"(export {names}) or choose offline stages (provider=offline, provider.voice=offline ...)."
        )


class KeyChecked(Protocol):
    """A live adapter that can check its key with one free call (an account or models endpoint)."""

    key_env_var: str

    def check_key(self) -> None: ...


def verify_keys(provider_cfg: Mapping[str, Any]) -> None:
    """One free call per live provider the composed ``provider`` config uses (once per key and endpoint), so a
    wrong key stops the sweep before any job pays any provider: raises ``KeyRefused`` naming the variable. A
    provider that cannot be reached is only warned about (the jobs' own retries deal with an outage)."""
    from hydra.utils import instantiate

    from adbatch.providers.retry import KeyRefused

    seen: set[tuple[str, str | None]] = set()
    for stage, var in needed_keys(provider_cfg).items():
        node = provider_cfg[stage]
        where = (var, node.get("base_url"))
        if where in seen:
            continue
        seen.add(where)
        adapter: KeyChecked = instantiate(node)
        try:
            adapter.check_key()
        except KeyRefused:
            raise
        except Exception as exc:
            log.warning("could not check %s for provider.%s: %s: %s", var, stage, type(exc).__name__, exc)
