"""Contact sheets of a real render: one tile per shot in a grid, each tile that shot's frame, captioned."""

from __future__ import annotations

import io
import math
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageOps

from adbatch.render import encode, sheet
from tests.test_loudness import speech_music_job
from tests.test_render import TINY

COLUMNS, THUMB = 4, 216


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A 15 s 180x320 render (a different colour per shot), its timeline.json and its sheet."""
    folder = tmp_path_factory.mktemp("sheet")
    job = speech_music_job(folder)
    done = encode.render(job, TINY, video=folder / "video.mp4", thumb=folder / "thumb.jpg", work_dir=folder)
    (folder / "timeline.json").write_text(job.timeline.model_dump_json())
    result = sheet.make(
        done.video,
        folder / "timeline.json",
        folder / "sheet.jpg",
        columns=COLUMNS,
        thumb_width=THUMB,
        product="Alpha Mug",
        archetype="pov",
        hook="1",
    )
    return job.timeline, done.video, result


def decoded_frames(video: Path, times: list[float]) -> list[np.ndarray]:
    """Reference frames by plain sequential decoding: the first frame at or after each time."""
    frames, wanted = [], iter(times)
    t = next(wanted)
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            while t is not None and frame.time >= t - 1e-3:
                frames.append(frame.to_ndarray(format="rgb24"))
                t = next(wanted, None)
    return frames


def ocr(image: Image.Image) -> str:
    """Text tesseract reads in ``image`` (light-on-dark captions, inverted and enlarged for it)."""
    big = ImageOps.invert(image.convert("L")).resize((image.width * 3, image.height * 3), Image.LANCZOS)
    png = io.BytesIO()
    big.save(png, "PNG")
    return subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", "6"], input=png.getvalue(), capture_output=True, check=True
    ).stdout.decode("utf-8", "replace")


def test_one_tile_per_shot_in_a_grid(made) -> None:
    """Every shot gets one thumb_width-wide tile, four to a row, and the JPEG has the reported size."""
    tl, _, result = made
    assert len(result.tiles) == len(tl.shots)
    with Image.open(result.path) as img:
        assert img.size == result.size and img.format == "JPEG"
    assert {(w, h) for _, _, w, h in result.tiles} == {(THUMB, round(THUMB * 320 / 180))}
    assert len({x for x, *_ in result.tiles}) == min(COLUMNS, len(tl.shots))
    assert len({y for _, y, *_ in result.tiles}) == math.ceil(len(tl.shots) / COLUMNS)
    assert all(x + w <= result.size[0] and y + h <= result.size[1] for x, y, w, h in result.tiles)


def test_each_tile_is_the_middle_frame_of_its_shot(made) -> None:
    """Tile k matches the decoded frame at shot k's midpoint, and no other shot's frame as well."""
    tl, video, result = made
    refs = decoded_frames(video, [(s.start + s.end) / 2 for s in tl.shots])
    with Image.open(result.path) as img:
        sheet_rgb = np.asarray(img.convert("RGB")).astype(int)
    for k, (x, y, w, h) in enumerate(result.tiles):
        tile = sheet_rgb[y : y + h, x : x + w]
        diffs = [
            np.abs(tile - np.asarray(Image.fromarray(ref).resize((w, h), Image.BILINEAR)).astype(int)).mean()
            for ref in refs
        ]
        assert int(np.argmin(diffs)) == k and diffs[k] < 8, (k, diffs)


def test_caption_names_shot_times_slot_text_and_voice(made) -> None:
    """Under a tile: its index, start-end time, slot, on-screen text and voice-over line, readable by OCR."""
    tl, _, result = made
    x, y, w, h = result.tiles[1]
    with Image.open(result.path) as img:
        words = ocr(img.crop((x, y + h, x + w, min(img.height, y + h + 110))))
    shot = tl.shots[1]
    for expected in ("#1", f"{shot.start:.2f}-{shot.end:.2f}", shot.slot, "Mornings were chaos"):
        assert expected in words, (expected, words)


def test_title_bar_names_product_archetype_and_hook(made) -> None:
    """The title bar reads 'Alpha Mug · pov · hook: 1' above the tiles."""
    _, _, result = made
    with Image.open(result.path) as img:
        words = ocr(img.crop((0, 0, img.width, result.tiles[0][1])))
    assert "Alpha Mug" in words and "pov" in words and "hook: 1" in words, words
