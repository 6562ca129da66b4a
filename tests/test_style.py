"""The house style is config: conf/style mirrors the schema, brand kits and overrides reach it, and
safe zones come from conf/platforms."""

from __future__ import annotations

import yaml

from adbatch.config import AdbatchConf, register_configs, typed
from adbatch.paths import CONF_DIR
from adbatch.providers import offline
from adbatch.render import safezone
from adbatch.style import PlateStyle, StyleConf

register_configs()


def composed(*overrides: str) -> AdbatchConf:
    """The real config, composed with ``overrides`` and typed as a job sees it."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return typed(compose(config_name="config", overrides=["products=x.csv", *overrides]))


def test_the_default_style_yaml_is_the_schemas_defaults() -> None:
    """conf/style/default.yaml holds exactly the dataclass defaults, so renders without a config match."""
    assert composed().style == StyleConf()


def test_a_command_line_override_reaches_the_style() -> None:
    """Any style key can be set on the command line (style.mix.duck_db=-9)."""
    assert composed("style.mix.duck_db=-9").style.mix.duck_db == -9.0


def test_the_brand_kit_overrides_the_house_style() -> None:
    """brand=northwind sets its caption highlight; the rest of the style stays the house style."""
    cfg = composed("brand=northwind")
    assert cfg.brand.brand_name == "Northwind Goods" and cfg.style.captions.highlight == "#F2A541"
    assert cfg.style.endcard == StyleConf().endcard


def test_the_safe_zone_is_the_strictest_of_the_chosen_platforms() -> None:
    """Each side takes the widest margin of the platforms in qa.platforms, read from conf/platforms."""
    specs = yaml.safe_load((CONF_DIR / "platforms" / "default.yaml").read_text())
    tiktok = specs["tiktok"]["safe_zone"]
    assert safezone.strictest(specs, ["tiktok"]) == safezone.Margins(**tiktok)
    both = safezone.strictest(specs, ["tiktok", "shorts"])
    assert both.bottom == max(tiktok["bottom"], specs["shorts"]["safe_zone"]["bottom"])
    every = safezone.strictest(specs, list(specs))
    assert every == safezone.default_margins() and safezone.SafeZone(1000, 1000).bottom == int(
        1000 * (1 - every.bottom)
    )


def test_a_restyled_plate_provider_keys_its_cache_on_the_style() -> None:
    """The default style keeps the plate cache keys; another style gets keys of its own."""
    assert offline.PlateSceneGenerator().params() == {}
    assert offline.PlateSceneGenerator({"split_tint": 0.5}).params()["style"]["split_tint"] == 0.5
    assert offline.PlateSceneGenerator(PlateStyle()).params() == {}
