"""Pictures and music the offline provider makes locally, with no model and no network.

Scene plates show the product photo in a few seeded layouts (hero, card, detail,
tilted, split) over brand-coloured backgrounds, always inside the style's product area, and
say where it landed (its box); the end-card background is a brand
gradient; the music bed is a short chord loop synthesized in numpy. Everything is a
pure function of its arguments, so a seed gives the same style every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, TypeVar

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from adbatch.media.color import rgb
from adbatch.media.draw import paste_with_shadow, rounded
from adbatch.style import BedStyle as BedStyle  # re-exported: the offline providers take them
from adbatch.style import PlateStyle as PlateStyle

_Style = TypeVar("_Style", PlateStyle, BedStyle)
PLATES, BED = PlateStyle(), BedStyle()  # the style's defaults, for callers without a composed config
GLOW_DOWNSCALE = 4  # light blobs are drawn and blurred at a quarter of the size: soft anyway, and 16x cheaper
BACKDROP_DOWNSCALE = 4  # the blurred backdrop too: blurred to colour only, it has no detail a quarter size loses
CARD_STREAM = 7  # the end card's random stream, apart from the plates' ([seed, shot, layout])
SAMPLE_RATE_HZ = 44100
SECONDS_PER_MINUTE = 60.0
SEMITONES_PER_OCTAVE = 12
OCTAVE = 2  # an octave up is twice the frequency


def as_style(node: Mapping[str, Any] | _Style | None, default: _Style) -> _Style:
    """The style a provider's config node gives (a dict, or the dataclass itself), else ``default``."""
    if node is None:
        return default
    if isinstance(node, Mapping):
        return type(default)(**node)
    return node


def _between(rng: np.random.Generator, span: list[float]) -> float:
    """A seeded draw from the style's [low, high] range."""
    low, high = span
    return float(rng.uniform(low, high))


def style_params(style: PlateStyle | BedStyle, default: PlateStyle | BedStyle) -> dict[str, Any]:
    """A provider's cache-key parameters for drawing in ``style``: nothing for the default style (so its
    keys are the ones made before style was config), the whole style otherwise."""
    return {} if style == default else {"style": asdict(style)}


def gradient(size: tuple[int, int], top: str, bottom: str) -> Image.Image:
    """A vertical two-colour gradient."""
    w, h = size
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    colors = np.array(rgb(top), np.float32) * (1 - t) + np.array(rgb(bottom), np.float32) * t
    column = Image.fromarray(np.ascontiguousarray(colors.astype(np.uint8)))  # one pixel wide, then repeated across
    return column.resize((w, h), Image.Resampling.NEAREST)


def glow(
    img: Image.Image, rng: np.random.Generator, count: int | None = None, *, style: PlateStyle = PLATES
) -> Image.Image:
    """Soft light blobs (``count``, default ``style.glow_count``): depth without distracting from the product."""
    w, h = img.size
    small = GLOW_DOWNSCALE
    layer = Image.new("L", (w // small, h // small), 0)
    draw = ImageDraw.Draw(layer)
    big_div, small_div = style.glow_radius_divisors
    dim, bright = style.glow_level
    for _ in range(style.glow_count if count is None else count):
        cx, cy, r = rng.uniform(0, w / small), rng.uniform(0, h / small), rng.uniform(w / big_div, w / small_div)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=int(rng.uniform(dim, bright)))
    layer = layer.filter(ImageFilter.GaussianBlur(w / style.glow_blur_divisor)).resize(
        (w, h), Image.Resampling.BILINEAR
    )
    return Image.composite(Image.new("RGB", (w, h), rgb(style.glow_colour)), img, layer)


def cover(
    photo: Image.Image, size: tuple[int, int], zoom: float = 1.0, focus: tuple[float, float] = (0.5, 0.5)
) -> Image.Image:
    """Scale and crop the photo to fill ``size`` (zoomed around ``focus``).

    Only the part of the photo that shows is resampled (``resize``'s box): a detail shot zooms a 1024 px photo
    to about 3,000 px square, of which a plate keeps a third."""
    w, h = size
    scale = max(w / photo.width, h / photo.height) * zoom
    big_w, big_h = int(photo.width * scale) + 1, int(photo.height * scale) + 1
    sx, sy = big_w / photo.width, big_h / photo.height
    x, y = int((big_w - w) * focus[0]), int((big_h - h) * focus[1])
    return photo.resize(size, Image.Resampling.LANCZOS, box=(x / sx, y / sy, (x + w) / sx, (y + h) / sy))


def backdrop(photo: Image.Image, size: tuple[int, int], radius: float) -> Image.Image:
    """The photo covering ``size``, blurred by ``radius`` pixels: covered and blurred at a quarter of the size,
    then scaled up. A blur this wide (a sixth of the frame) leaves only colour, so the result matches
    blurring at full size, at a sixteenth of the pixels (a 2112 px plate: 25 ms instead of 350 ms)."""
    w, h = size
    small = max(1, w // BACKDROP_DOWNSCALE), max(1, h // BACKDROP_DOWNSCALE)
    soft = cover(photo, small).filter(ImageFilter.GaussianBlur(radius * small[0] / w))
    return soft.resize(size, Image.Resampling.BILINEAR)


Box = tuple[float, float, float, float]  # (x0, y0, x1, y1), shares of the plate


def plate_with_box(
    photo: Image.Image,
    *,
    layout: str,
    size: tuple[int, int],
    palette: tuple[str, str],
    seed: int,
    shot: int,
    style: PlateStyle = PLATES,
) -> tuple[Image.Image, Box]:
    """The plate and the product's box on it. Every layout keeps the photo inside ``style.area``, so the
    renderer knows where the product is and puts text and captions in the free bands around it."""
    rng = np.random.default_rng([seed, shot, sum(map(ord, layout))])
    w, h = size
    s = style
    photo = ImageOps.exif_transpose(photo).convert("RGB")
    ax0, ay0, ax1, ay1 = s.area
    area = (ax1 - ax0) * w, (ay1 - ay0) * h
    centre = (int(w * (ax0 + ax1) / 2), int(h * (ay0 + ay1) / 2))
    if layout in ("hero", "detail", "split"):
        base = backdrop(photo, size, w / (s.split_blur_divisor if layout == "split" else s.backdrop_blur_divisor))
        if layout == "split":
            base = Image.blend(base, gradient(size, palette[0], palette[1]), s.split_tint)
        else:
            base = base.point([int(v * (1 - s.backdrop_dim)) for v in range(256)] * 3)  # darkened: a blend with black
    else:
        base = glow(gradient(size, palette[0], palette[1]), rng, style=s)
    angle = 0.0
    if layout == "hero":
        share = s.hero_fill - s.hero_zoom_step * (shot % 2)
    elif layout == "detail":
        # a closer look at one part of the product, framed as a card: still recognisably the product
        zoom = _between(rng, s.detail_zoom)
        focus = (_between(rng, s.detail_focus_x), _between(rng, s.detail_focus_y))
        photo = cover(photo, photo.size, zoom=zoom, focus=focus)
        share = s.detail_fill
    elif layout == "split":
        share = s.split_width
    elif layout == "tilted":
        share = s.tilted_width
        angle = float(rng.choice([-1, 1]) * _between(rng, s.tilted_angle))
        centre = (centre[0] + int(area[0] * _between(rng, s.tilted_x)), centre[1])
    else:
        share = _between(rng, s.card_width)
    scale = share * min(area[0] / photo.width, area[1] / photo.height)
    card = rounded(photo, max(1, int(photo.width * scale)), s.radius)
    cw, ch = paste_with_shadow(base, card, centre, angle)  # a tilted card's box is its rotated bounds
    x, y = centre[0] - cw // 2, centre[1] - ch // 2
    return base, (x / w, y / h, (x + cw) / w, (y + ch) / h)


def card_background(
    size: tuple[int, int], palette: tuple[str, str], seed: int, *, style: PlateStyle = PLATES
) -> Image.Image:
    """The end card's background: a brand gradient with soft light."""
    rng = np.random.default_rng([seed, CARD_STREAM])
    return glow(gradient(size, palette[1], palette[0]), rng, count=style.card_glow_count, style=style)


# Chord progressions (semitones from the key's root) per mood; a bed loops them.
PROGRESSIONS = {
    "warm": [(0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14)],
    "upbeat": [(0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)],
    "building": [(9, 12, 16), (5, 9, 12), (0, 4, 7), (7, 11, 14)],
}


def music_bed(
    *, mood: str, bpm: int, seconds: float, seed: int, rate: int = SAMPLE_RATE_HZ, style: BedStyle = BED
) -> np.ndarray:
    """A stereo float32 bed: pad chords, bass on the beat, light hats; peak at ``style.peak_dbfs``."""
    s = style
    rng = np.random.default_rng(seed)
    low, high = s.transpose
    root = s.root_hz * 2 ** (int(rng.integers(low, high)) / SEMITONES_PER_OCTAVE)
    beat = SECONDS_PER_MINUTE / bpm
    bar = s.beats_per_bar * beat
    n = int(seconds * rate)
    t = np.arange(n, dtype=np.float32) / rate
    out = np.zeros(n, dtype=np.float32)
    chords = PROGRESSIONS.get(mood, PROGRESSIONS["upbeat"])
    for b in range(int(np.ceil(seconds / bar))):
        lo, hi = int(b * bar * rate), min(n, int((b + 1) * bar * rate))
        if lo >= n:
            break
        seg = t[lo:hi] - b * bar
        env = np.minimum(1.0, seg / s.pad_attack_s) * np.minimum(1.0, (bar - seg) / s.pad_release_s)
        for semi in chords[b % len(chords)]:
            f = root * 2 ** (semi / SEMITONES_PER_OCTAVE)
            tone = np.sin(2 * np.pi * f * seg) + s.pad_overtone * np.sin(2 * np.pi * OCTAVE * f * seg)
            out[lo:hi] += s.pad_level * env * tone
        bass_f = root / OCTAVE * 2 ** (chords[b % len(chords)][0] / SEMITONES_PER_OCTAVE)
        pulse = np.exp(-((seg % beat) / (beat * s.bass_decay)))
        out[lo:hi] += s.bass_level * pulse * np.sin(2 * np.pi * bass_f * seg)
    if mood not in s.hatless_moods:
        off = (t + beat / 2) % beat
        hats = np.exp(-off / s.hats_decay_s) * rng.standard_normal(n).astype(np.float32) * s.hats_level
        out += hats
    stereo = np.stack([out, np.roll(out, int(s.stereo_delay_s * rate))], axis=1)
    return stereo * (10 ** (s.peak_dbfs / 20) / (np.abs(stereo).max() or 1.0))
