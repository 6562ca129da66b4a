"""One timeline, every feed format: 9:16, 4:5 and 1:1 cuts of the same ad, each laid out, checked and recorded."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from adbatch.config import RenderConf
from adbatch.domain import timeline
from adbatch.domain.manifest import read
from adbatch.errors import ConfigError
from adbatch.paths import CONF_DIR, PROJECT_ROOT
from adbatch.render import encode, formats, layout
from adbatch.render.probe import probe
from adbatch.render.safezone import SafeZone
from adbatch.style import MotionStyle, ReflowStyle
from tests.conftest import run_adbatch

SPECS = yaml.safe_load((CONF_DIR / "platforms" / "default.yaml").read_text())
PLATFORMS = ["tiktok", "reels", "shorts", "feed_4x5", "feed_1x1"]
FINAL, DRAFT = RenderConf(), RenderConf(name="draft", width=540, height=960)
PRODUCT = (0.15, 0.41, 0.85, 0.73)
THREE = (  # one example ad, short draft, in three formats: the e2e tests make it, then reuse it
    f"products={PROJECT_ROOT / 'examples' / 'catalog.csv'}",
    "product_id=glow-serum",
    "archetype=ugc",
    "render=draft",
    "pacing=short",
    "render.formats=[9x16,4x5,1x1]",
)  # where the offline plates put the product (style.plates.area)


def test_each_format_has_its_size_and_the_platforms_that_take_its_shape() -> None:
    conf = RenderConf(formats=["9x16", "4x5", "1x1"])
    tall, feed, square = formats.resolve(conf, SPECS, PLATFORMS)
    assert (tall.size, feed.size, square.size) == ((1080, 1920), (1080, 1350), (1080, 1080))
    assert tall.platforms == ("tiktok", "reels", "shorts")
    assert (feed.platforms, square.platforms) == (("feed_4x5",), ("feed_1x1",))
    assert (
        tall.main
        and not feed.main
        and (tall.file("video", "mp4"), feed.file("video", "mp4"))
        == (
            "video.mp4",
            "video_4x5.mp4",
        )
    )
    # each format keeps clear of its own platforms' UI: the feed's thin margin, not TikTok's bottom 23 %
    assert feed.margins.bottom == SPECS["feed_4x5"]["safe_zone"]["bottom"] < tall.margins.bottom
    draft = formats.resolve(RenderConf(width=540, height=960, formats=["4x5", "1x1"]), SPECS, PLATFORMS)
    assert [f.size for f in draft] == [(540, 676), (540, 540)] and draft[0].main  # even heights for 4:2:0


@pytest.mark.parametrize(
    ("shapes", "message"),
    [
        (["16x9"], "no platform of qa.platforms"),
        (["portrait"], "'portrait' is not a frame shape"),
        (["9x16", "4x5", "4x5"], "lists 4x5 more than once"),
        (["0x5"], "not a frame shape"),
    ],
)
def test_a_format_that_cannot_be_made_is_a_clear_config_error(shapes: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        formats.resolve(RenderConf(formats=shapes), SPECS, PLATFORMS)


def test_the_run_stops_before_any_job_on_a_format_no_platform_takes(tmp_path: Path) -> None:
    proc = run_adbatch(
        f"products={PROJECT_ROOT / 'examples' / 'catalog.csv'}",
        "render.formats=[9x16,16x9]",
        f"hydra.run.dir={tmp_path / 'run'}",
        f"cache_dir={tmp_path / 'cache'}",
    )
    assert proc.returncode != 0 and "no platform of qa.platforms" in proc.stderr and "16:9" in proc.stderr
    assert not (tmp_path / "run" / "manifest.json").exists()


def test_a_plate_of_the_frames_shape_is_shown_whole() -> None:
    assert layout.window(DRAFT.plate_size, (540, 960), PRODUCT, most=0.45) == (0, 0, *DRAFT.plate_size)


@pytest.mark.parametrize("size", [(540, 676), (540, 540)])
def test_a_feed_cut_is_framed_around_the_product_and_zooms_out_until_it_leaves_room(size: tuple[int, int]) -> None:
    """The 9:16 plate is cut to the feed's shape around the product, zoomed out so the product is at most
    ``reflow.product_height`` of the frame, and its filled sides keep the plate's colours (no black bars)."""
    plate_size, look = DRAFT.plate_size, ReflowStyle()
    win = layout.window(plate_size, size, PRODUCT, most=look.product_height)
    assert abs(win[2] / win[3] - size[0] / size[1]) < 0.01
    rng = np.random.default_rng(3)
    plate = np.full((plate_size[1], plate_size[0], 3), 120, np.uint8)
    plate[..., 0] = rng.integers(100, 140, plate.shape[:2])
    shot = timeline.Shot(index=0, slot="s", slot_type="demo", shot=0, start=0, end=2, camera="static", layout="hero")
    framed = encode.reframe(plate, size, PRODUCT, look, plate_size)
    cover = layout.window(plate_size, size, None)[2:]
    assert framed.shape[:2] == (cover[1], cover[0]) and framed.min() > 60  # the filled sides are the plate's
    x0, y0, x1, y1 = layout.extent_on_frame(
        PRODUCT, kind="still", shot=shot, size=size, plate_size=plate_size, motion=MotionStyle(), seed=1,
        most=look.product_height,
    )  # fmt: skip
    assert y1 - y0 <= look.product_height + 0.01 and y0 >= 0 and y1 <= 1 and 0 <= x0 < x1 <= 1


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real draft ad in three formats, made as a user makes it."""
    out = tmp_path_factory.mktemp("formats")
    proc = run_adbatch(
        *THREE,
        f"cache_dir={out / 'cache'}",
        f"hydra.run.dir={out / 'video'}",
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out / "video"


def test_every_format_is_its_own_file_of_the_same_ad(three: Path) -> None:
    m = read(three / "manifest.json")
    assert m.status == "ok" and [f.format for f in m.formats] == ["9x16", "4x5", "1x1"]
    main = m.formats[0]
    assert (main.video, main.thumb, main.timeline) == (m.outputs.video, m.outputs.thumb, m.outputs.timeline)
    sizes = {"9x16": (540, 960), "4x5": (540, 676), "1x1": (540, 540)}
    for cut in m.formats:
        info = probe(three / cut.video)
        assert (info.width, info.height) == (cut.width, cut.height) == sizes[cut.format]
        assert (info.video_codec, info.audio_codec) == ("h264", "aac")
        assert abs(info.duration - m.outputs.duration_s) < 1 / 30 + 1e-3  # one timeline: the same length
        assert (three / cut.thumb).is_file() and (three / cut.timeline).is_file()


def test_every_format_passes_its_own_platforms_on_one_soundtrack(three: Path) -> None:
    m = read(three / "manifest.json")
    checked = {f.format: sorted(f.qa.platforms) for f in m.formats if f.qa}
    assert checked == {"9x16": ["reels", "shorts", "tiktok"], "4x5": ["feed_4x5"], "1x1": ["feed_1x1"]}
    assert all(f.qa and f.qa.passed for f in m.formats), [f.qa.reason for f in m.formats if f.qa]
    assert len({json.dumps(f.qa.loudness, sort_keys=True) for f in m.formats if f.qa}) == 1  # the same packets


@pytest.mark.parametrize("shape", ["4x5", "1x1"])
def test_a_feed_cut_keeps_text_off_the_product_inside_its_safe_zone_one_layer_at_a_time(
    three: Path, shape: str
) -> None:
    cut = next(f for f in read(three / "manifest.json").formats if f.format == shape)
    tl = json.loads((three / cut.timeline).read_text())
    margins = formats.resolve(
        RenderConf(width=540, height=960, formats=[shape]), SPECS, PLATFORMS
    )[0].margins  # fmt: skip
    zone = SafeZone(cut.width, cut.height, margins=margins)
    assert len(tl["boxes"]) == len(tl["shots"])
    for shot in tl["boxes"]:
        product = shot["product_box"]
        assert product is not None
        texts = [t for t in shot["text_boxes"]]
        for t in texts:
            assert zone.contains(*t["box"]), (shape, t)
            assert layout.overlap(tuple(t["box"]), tuple(product)) <= 0.05 * product[2] * product[3], (shape, t)
        for a in texts:  # two texts on screen together never sit on each other
            for b in texts:
                if a is not b and a["start"] < b["end"] and b["start"] < a["end"]:
                    assert not layout.overlap(tuple(a["box"]), tuple(b["box"])), (shape, a["text"], b["text"])


def test_a_rerun_reuses_every_format_and_the_report_lists_them(three: Path, tmp_path: Path) -> None:
    proc = run_adbatch(
        *THREE,
        f"cache_dir={three.parent / 'cache'}",
        f"hydra.run.dir={tmp_path / 'again'}",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    again = read(tmp_path / "again" / "manifest.json")
    assert again.status == "cached" and [f.format for f in again.formats] == ["9x16", "4x5", "1x1"]
    assert all((tmp_path / "again" / f.video).stat().st_size == f.size_bytes for f in again.formats)
    report = run_adbatch(str(tmp_path / "again"), module="adbatch.report")
    assert report.returncode == 0, report.stderr[-2000:]
    row = next(csv.DictReader((tmp_path / "again" / "report.csv").open()))
    assert row["formats"] == "9x16 4x5 1x1" and row["qa_feed_4x5"] == "pass" and row["qa_feed_1x1"] == "pass"
    assert row["qa_tiktok"] == "pass" and row["qa_passed"] == "True"
