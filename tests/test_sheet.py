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


def tile_diffs(tile: np.ndarray, refs: list[np.ndarray]) -> list[float]:
    """Mean absolute difference of ``tile`` to each reference frame scaled to its size."""
    h, w = tile.shape[:2]
    return [
        np.abs(tile.astype(int) - np.asarray(Image.fromarray(ref).resize((w, h), Image.BILINEAR)).astype(int)).mean()
        for ref in refs
    ]


def test_the_render_keeps_each_shots_middle_frame_as_its_tile(tmp_path) -> None:
    """Handed to the render, ``Stills`` keeps one tile per shot, each the drawn frame the encoded video shows at
    the shot's middle (less the codec's loss); a sheet made with only some of them decodes the others, and
    tile by tile it matches the sheet decoded from the file; tiles kept for other shots are not used."""
    job = speech_music_job(tmp_path)
    stills = sheet.Stills(job.timeline, THUMB)
    done = encode.render(
        job, TINY, video=tmp_path / "video.mp4", thumb=tmp_path / "thumb.jpg", work_dir=tmp_path, on_frame=stills.take
    )
    mids = sheet.middles(job.timeline)
    assert sorted(stills.tiles) == list(range(len(job.timeline.shots)))
    refs = decoded_frames(done.video, mids)
    for k, tile in stills.tiles.items():
        assert tile.shape == (round(THUMB * 320 / 180), THUMB, 3)
        diffs = tile_diffs(tile, refs)
        assert int(np.argmin(diffs)) == k and diffs[k] < 8, (k, diffs)
    half = sheet.Stills(job.timeline, THUMB)
    half.tiles = {k: tile for k, tile in stills.tiles.items() if k % 2}
    mixed = sheet.make(
        done.video, job.timeline, tmp_path / "mixed.jpg", columns=COLUMNS, thumb_width=THUMB, stills=half
    )
    plain = sheet.make(done.video, job.timeline, tmp_path / "plain.jpg", columns=COLUMNS, thumb_width=THUMB)
    assert mixed.tiles == plain.tiles
    with Image.open(mixed.path) as a, Image.open(plain.path) as b:
        one, other = np.asarray(a.convert("RGB")).astype(int), np.asarray(b.convert("RGB")).astype(int)
    for x, y, w, h in mixed.tiles:
        assert np.abs(one[y : y + h, x : x + w] - other[y : y + h, x : x + w]).mean() < 8
    shifted = job.timeline.model_copy(update={"shots": job.timeline.shots[1:]})  # other shots, other middles
    elsewhere = sheet.Stills(shifted, THUMB)
    elsewhere.tiles = {k: np.zeros_like(tile) for k, tile in stills.tiles.items()}  # black: seen if used
    again = sheet.make(
        done.video, job.timeline, tmp_path / "again.jpg", columns=COLUMNS, thumb_width=THUMB, stills=elsewhere
    )
    with Image.open(again.path) as c:
        assert np.abs(np.asarray(c.convert("RGB")).astype(int) - other).mean() < 1


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


def test_frames_at_gives_an_exact_reference_frame_within_two_frames(tmp_path) -> None:
    """On an x264 stream with B-frames and two keyframes, each frame ``frames_at`` returns is bit-exact one of
    the decoded frames, within two frames of the time asked (the nearest frame others are predicted from);
    past the end, the last frame."""
    fps, n, w, h = 30, 150, 64, 96
    video = tmp_path / "numbered.mp4"
    texture = np.random.default_rng(0).integers(0, 255, (h, w), dtype=np.uint8)
    with av.open(str(video), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "18", "g": "75"})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for k in range(n):  # a texture sliding a pixel every third frame, a brightness per frame: all differ
            luma = np.clip(np.roll(texture, k // 3, axis=1).astype(np.int16) + k % 7, 0, 255).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(np.dstack([luma] * 3), format="rgb24")
            frame.pts = k
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with av.open(str(video)) as container:
        decoded = list(container.decode(video=0))
        every = [f.to_ndarray(format="rgb24") for f in decoded]
        kinds = [av.video.frame.PictureType(f.pict_type).name for f in decoded]
    assert "B" in kinds and kinds.count("I") >= 2  # B-frames to skip, a keyframe to seek to
    times = [0.0, 0.5, 1.03, 2.4, 2.5, 3.33, 4.9, 9.0]
    for t, got in zip(times, sheet.frames_at(video, times), strict=True):
        matches = [k for k, f in enumerate(every) if np.array_equal(f, got)]
        assert matches, f"the frame at {t} s is none of the decoded frames"
        want = min(round(t * fps), n - 1)
        assert min(abs(k - want) for k in matches) <= 2, (t, matches)


def test_a_caption_quotes_on_screen_text_once(made) -> None:
    """On-screen text is quoted under its tile, but a customer's words, already in quotes, are not quoted twice."""
    tl, _, _ = made
    look = sheet.SheetStyle()
    plain = sheet._caption(tl.shots[0], "Brighter skin", None, 400, 14, look)
    quoted = sheet._caption(tl.shots[0], "“Love it” — a customer", None, 400, 14, look)
    opens = sheet._caption(tl.shots[0], '"New" formula, same price', None, 400, 14, look)
    assert plain[1][0] == "“Brighter skin”"
    assert quoted[1][0] == "“Love it” — a customer"
    assert opens[1][0].startswith('“"New"')
