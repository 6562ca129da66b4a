"""The offline plates' shortcuts draw what the plain way draws: a backdrop blurred at a quarter of the size,
a photo resampled only where it shows, a shadow blurred as one channel."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from adbatch.media.draw import paste_with_shadow, rounded
from adbatch.providers import offline_art

PHOTO = Path(__file__).resolve().parents[1] / "examples" / "images" / "glow-serum.png"
SIZE = (594, 1056)  # half a plate: the shortcuts scale with the plate, the test stays quick


def test_the_quarter_size_backdrop_matches_blurring_at_full_size() -> None:
    with Image.open(PHOTO) as photo:
        radius = SIZE[0] / offline_art.PLATES.backdrop_blur_divisor
        full = offline_art.cover(photo, SIZE).filter(ImageFilter.GaussianBlur(radius))
        quick = offline_art.backdrop(photo, SIZE, radius)
    diff = np.abs(np.asarray(full, np.int16) - np.asarray(quick, np.int16))
    assert quick.size == SIZE
    assert diff.mean() < 1.5 and np.percentile(diff, 99) < 6, (diff.mean(), np.percentile(diff, 99))


def test_cover_resamples_only_what_shows_and_matches_scaling_the_whole_photo() -> None:
    with Image.open(PHOTO) as photo:
        photo = photo.convert("RGB")
        for zoom, focus in ((1.0, (0.5, 0.5)), (1.4, (0.35, 0.6))):
            scale = max(SIZE[0] / photo.width, SIZE[1] / photo.height) * zoom
            big = photo.resize((int(photo.width * scale) + 1, int(photo.height * scale) + 1), Image.Resampling.LANCZOS)
            x, y = int((big.width - SIZE[0]) * focus[0]), int((big.height - SIZE[1]) * focus[1])
            whole = big.crop((x, y, x + SIZE[0], y + SIZE[1]))
            part = offline_art.cover(photo, SIZE, zoom=zoom, focus=focus)
            diff = np.abs(np.asarray(whole, np.int16) - np.asarray(part, np.int16))
            assert part.size == SIZE and diff.mean() < 1.0, (zoom, diff.mean())


def test_a_shadow_on_an_opaque_base_is_the_same_drawn_either_way() -> None:
    with Image.open(PHOTO) as photo:
        card = rounded(photo, 300, 0.06)
    flat = Image.new("RGB", SIZE, (200, 120, 90))
    layered = Image.new("RGBA", SIZE, (200, 120, 90, 255))
    paste_with_shadow(flat, card, (297, 520))
    paste_with_shadow(layered, card, (297, 520))
    assert np.array_equal(np.asarray(flat), np.asarray(layered.convert("RGB")))
    assert np.asarray(flat)[520 + 160, 297].sum() < 200 + 120 + 90  # the shadow darkens below the card


def test_a_videos_plates_share_one_decode_of_the_photo_and_a_replaced_photo_is_read_again(tmp_path: Path) -> None:
    from adbatch.providers.offline import _photo

    path = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(path)
    first = _photo(path, path.stat().st_mtime_ns)
    assert _photo(path, path.stat().st_mtime_ns) is first
    Image.new("RGB", (40, 30), (10, 10, 200)).save(path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))  # a later mtime, surely
    again = _photo(path, path.stat().st_mtime_ns)
    assert again is not first and again.getpixel((0, 0)) == (10, 10, 200)


def test_the_gradient_is_one_column_repeated_exactly() -> None:
    w, h = 37, 211
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    top, bottom = np.array((34, 51, 68), np.float32), np.array((170, 85, 102), np.float32)
    plain = np.broadcast_to(top * (1 - t) + bottom * t, (h, w, 3)).astype(np.uint8)
    assert np.array_equal(np.asarray(offline_art.gradient((w, h), "#223344", "#aa5566")), plain)
