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

KIT = BrandConf(
    name="kit",
    brand_name="Northwind",
    logo="examples/brand_logo.png",
    primary="#2F4858",
    secondary="#F2A541",
    cta="Shop Northwind",
    watermark=True,
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
        brand.look(dataclasses.replace(KIT, **{key: value}), product(tmp_path, brand_color=""))


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


def kit_frame(tmp_path: Path, ugc, pacing, *overrides: str) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A draft-size frame while a caption word is highlighted, rendered with the composed config, and the
    caption's box (x, y, w, h)."""
    from adbatch.domain import timeline
    from adbatch.render import captions, encode
    from tests.test_style import composed

    cfg = composed("render=draft", *overrides)
    line = timeline.SpokenLine(text="Cold coffee again", duration=1.2, words=(("Cold", 0, 0.4), ("coffee", 0.4, 0.8)))
    lines = {s.id: line for s in ugc.slots}
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={s.id: "" for s in ugc.slots}, lines=lines, fps=30)
    grey = make_png(tmp_path / "grey.png", size=(cfg.render.width, cfg.render.height), color=(90, 90, 90))
    job = encode.RenderJob(
        timeline=tl,
        shots=[encode.ShotSource(path=grey, kind="static") for _ in tl.shots],
        voice={},
        music=None,
        music_gain_db=0.0,
        seed=1,
        caption_style=captions.CaptionStyle.from_config(cfg.style.captions),
        style=cfg.style,
    )
    comp = encode.compositor(job, cfg.render)
    track = comp.overlays[-1]
    assert isinstance(track, captions.CaptionTrack)
    first = track.captions[1]
    at = first.phrase.starts[0] + 0.2  # its first word highlighted, past the pop-in
    (x, y), (h, w) = first.xy, first.states[0].shape[:2]
    return comp.frame(at), (x, y, w, h)


def covers(frame: np.ndarray, box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> int:
    """Pixels of ``colour`` (within 6 per channel) inside ``box``."""
    x, y, w, h = box
    return int((np.abs(frame[y : y + h, x : x + w].astype(int) - colour).max(axis=2) <= 6).sum())


def test_a_brand_kits_style_changes_the_render(tmp_path: Path, ugc, pacing) -> None:
    """brand=northwind highlights the spoken word in its accent colour (#F2A541) instead of the house yellow."""
    house, box = kit_frame(tmp_path, ugc, pacing)
    kit, kit_box = kit_frame(tmp_path, ugc, pacing, "brand=northwind")
    yellow, accent = (255, 212, 0), (242, 165, 65)
    assert covers(house, box, yellow) > 50 and covers(house, box, accent) == 0
    assert covers(kit, kit_box, accent) > 50 and covers(kit, kit_box, yellow) == 0
