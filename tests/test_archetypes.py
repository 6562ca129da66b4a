"""The eight archetypes are data: they load, validate, and keep their shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from adbatch.domain.archetype import ANGLES, ArchetypeError, available, load_archetype
from adbatch.paths import ARCHETYPES_DIR, CONF_DIR

EXPECTED = {
    "ugc",
    "pov",
    "problem_solution",
    "unboxing",
    "tiktok_made_me_buy_it",
    "founder_story",
    "before_after",
    "green_screen",
}


def test_all_eight_archetypes_exist_as_data_and_config() -> None:
    """archetypes/ and conf/archetype/ list the same eight names."""
    assert set(available(ARCHETYPES_DIR)) == EXPECTED
    assert {p.stem for p in (CONF_DIR / "archetype").glob("*.yaml")} == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_archetype_has_hook_body_and_cta(name: str) -> None:
    """Hook first, CTA last, all five hook angles ranked, tone and emotion set."""
    arch = load_archetype(name, ARCHETYPES_DIR)
    assert arch.slots[0].type == "hook" and arch.slots[-1].type == "cta" and len(arch.body) >= 3
    assert sorted(arch.hook_angles) == sorted(ANGLES)
    assert arch.tone and arch.emotion and arch.hook_format


def test_unknown_archetype_lists_the_available_ones() -> None:
    """A typo names the choices."""
    with pytest.raises(ArchetypeError, match="available: before_after"):
        load_archetype("ugcc", ARCHETYPES_DIR)


def test_archetype_without_cta_is_rejected(tmp_path: Path) -> None:
    """Structure rules are enforced when loading."""
    text = (ARCHETYPES_DIR / "ugc.yaml").read_text().replace("type: cta", "type: proof")
    (tmp_path / "broken.yaml").write_text(text.replace("name: ugc", "name: broken"))
    with pytest.raises(ArchetypeError, match="cta"):
        load_archetype("broken", tmp_path)
