"""The brand kit: merged with per-product overrides, validated, and drawn on the end card."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from adbatch.config import BrandConf
from adbatch.domain import brand
from adbatch.paths import PROJECT_ROOT
from adbatch.render import endcard
from adbatch.render.safezone import SafeZone
from adbatch.stages.catalog import load_catalog
from tests.conftest import make_png, product_row, write_catalog

KIT = dataclasses.asdict(
    BrandConf(
        name="kit",
        brand_name="Northwind",
        logo="examples/brand_logo.png",
        primary="#2F4858",
        secondary="#F2A541",
        cta="Shop Northwind",
        watermark=True,
    )
)


def product(tmp_path: Path, **over: str):
    make_png(tmp_path / "images" / "p.png")
    path = write_catalog(tmp_path, [product_row("p", **over)])
    return load_catalog(path).validate_row(1, image_cache=tmp_path, max_mb=10, timeout_s=5)


def test_kit_applies_when_the_product_has_no_own_values(tmp_path: Path) -> None:
    """No brand_color/cta in the row: the kit's colours, CTA and logo are used."""
    look = brand.look(KIT, product(tmp_path, brand_color="", cta=""))
    assert look.palette == ("#2F4858", "#F2A541") and look.cta == "Shop Northwind"
    assert look.logo == (PROJECT_ROOT / "examples" / "brand_logo.png").resolve() and look.watermark


def test_product_values_win_over_the_kit(tmp_path: Path) -> None:
    """A row's brand_color and cta override the kit; its colour brings its own partner colour."""
    look = brand.look(KIT, product(tmp_path, brand_color="#E8A33D", cta="Get yours"))
    assert look.palette[0] == "#E8A33D" and look.palette[1] != "#F2A541" and look.cta == "Get yours"


@pytest.mark.parametrize(
    ("key", "value", "message"), [("primary", "navy", "#RRGGBB"), ("logo", "nope/missing.png", "not found")]
)
def test_bad_kit_is_a_clear_error(tmp_path: Path, key: str, value: str, message: str) -> None:
    """A bad colour or a missing logo names the brand field."""
    with pytest.raises(brand.BrandError, match=message):
        brand.look(KIT | {key: value}, product(tmp_path, brand_color=""))


def test_end_card_keeps_text_in_the_safe_zone_for_long_names() -> None:
    """A very long product name wraps and shrinks; nothing is drawn in the bottom 20 % band."""
    bg = Image.new("RGB", (540, 960), (40, 60, 90))
    photo = Image.new("RGB", (400, 400), (230, 230, 230))
    frame = endcard.compose(
        background=bg,
        photo=photo,
        name="An Extraordinarily Long Product Name " * 3,
        price="$1,299.99",
        cta="Get yours today",
        url="https://www.example.com/x",
        palette=("#2F4858", "#F2A541"),
        logo=Image.open(PROJECT_ROOT / "examples" / "brand_logo.png"),
        size=(540, 960),
        brand_name="Northwind",
    )
    zone = SafeZone(540, 960)
    below = frame[zone.bottom :]
    assert np.abs(below.astype(int) - np.array([40, 60, 90])).max() <= 2  # untouched background only
