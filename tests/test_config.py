"""The real Hydra config composes, every group option instantiates, and schema errors fail early."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException
from hydra.utils import instantiate
from omegaconf import OmegaConf
from omegaconf.errors import ConfigAttributeError, ValidationError

from adbatch.config import register_configs
from adbatch.paths import CONF_DIR
from tests.conftest import run_adbatch

register_configs()
GROUPS = ("archetype", "pacing", "provider", "cost_cap", "render", "style", "brand")


def cfg(*overrides: str):
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=list(overrides))


def test_default_config_is_offline_final_ugc() -> None:
    """Defaults: provider=offline, render=final (1080x1920 @ 30 fps), archetype=ugc, hook=best."""
    c = cfg()
    assert c.provider.name == "offline" and c.archetype.name == "ugc" and c.hook == "best"
    assert (c.render.width, c.render.height, c.render.fps) == (1080, 1920, 30)


@pytest.mark.parametrize("group", GROUPS)
def test_every_group_option_composes(group: str) -> None:
    """Each YAML in each group composes onto the schema."""
    for option in sorted(p.stem for p in (CONF_DIR / group).glob("*.yaml")):
        assert cfg(f"{group}={option}")[group].name == option


def test_draft_preset_is_a_quarter_size_at_the_same_fps() -> None:
    """render=draft is 540x960 at 30 fps."""
    r = cfg("render=draft").render
    assert (r.width, r.height, r.fps) == (540, 960, 30)


def test_lean_preset_is_final_with_x264_holding_fewer_frames() -> None:
    """render=lean delivers what render=final does (size, rate, codecs, quality settings); only x264's lookahead
    buffering differs."""
    final, lean = cfg().render, cfg("render=lean").render
    assert lean.x264_params == "sync-lookahead=1:lookahead-threads=2" and final.x264_params == ""
    assert {k: v for k, v in lean.items() if k not in ("name", "x264_params")} == {
        k: v for k, v in final.items() if k not in ("name", "x264_params")
    }


def test_every_provider_stage_instantiates() -> None:
    """Each stage's _target_ builds a provider with a name, model and params()."""
    c = cfg()
    for stage in ("script", "voice", "scenes", "image", "music"):
        provider = instantiate(c.provider[stage])
        assert provider.name and provider.model and isinstance(provider.params(), dict)


def test_misspelled_key_is_an_error() -> None:
    """pacing.duraton does not exist: composition fails naming it."""
    with pytest.raises(ConfigCompositionException) as info:
        cfg("pacing.duraton=20")
    assert "duraton" in str(info.value.__cause__ or info.value)


def test_wrong_type_is_an_error() -> None:
    """A string for a float field fails before any job starts."""
    with pytest.raises((ConfigCompositionException, ValidationError)):
        cfg("pacing.duration=long")


def test_schema_is_strict_for_new_keys_in_groups() -> None:
    """Adding an unknown key to a typed node is refused."""
    c = cfg()
    with pytest.raises(ConfigAttributeError, match="bogus"):
        OmegaConf.update(c, "render.bogus", 1, merge=False)


@pytest.mark.slow
def test_help_shows_groups_and_an_example() -> None:
    """python -m adbatch --help lists the config groups and a usage line."""
    out = run_adbatch("--help", check=True).stdout
    assert "products=examples/catalog.csv archetype=ugc,pov -m" in out
    for group in GROUPS:
        assert f"{group}:" in out


def test_missing_products_is_a_clear_error(tmp_path: Path) -> None:
    """Running without products= exits non-zero and says what to pass."""
    proc = run_adbatch(f"hydra.run.dir={tmp_path}")
    assert proc.returncode != 0 and "products=<catalog.csv> is required" in proc.stderr
