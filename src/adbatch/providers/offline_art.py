"""Pictures and music the offline provider makes locally, with no model and no network.

Scene plates show the product photo in a few seeded layouts (hero, card, detail,
tilted, split) over brand-coloured backgrounds; the end-card background is a brand
gradient; the music bed is a short chord loop synthesized in numpy. Everything is a
pure function of its arguments, so a seed gives the same style every time.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from adbatch.render.palette import rgb


def gradient(size: tuple[int, int], top: str, bottom: str) -> Image.Image:
    """A vertical two-colour gradient."""
    w, h = size
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    colors = np.array(rgb(top), np.float32) * (1 - t) + np.array(rgb(bottom), np.float32) * t
    return Image.fromarray(np.broadcast_to(colors, (h, w, 3)).astype(np.uint8))


def glow(img: Image.Image, rng: np.random.Generator, count: int = 3) -> Image.Image:
    """Soft light blobs: depth without distracting from the product."""
    w, h = img.size
    layer = Image.new("L", (w // 4, h // 4), 0)
    draw = ImageDraw.Draw(layer)
    for _ in range(count):
        cx, cy, r = rng.uniform(0, w / 4), rng.uniform(0, h / 4), rng.uniform(w / 16, w / 7)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=int(rng.uniform(40, 80)))
    layer = layer.filter(ImageFilter.GaussianBlur(w / 40)).resize((w, h), Image.BILINEAR)
    return Image.composite(Image.new("RGB", (w, h), (255, 255, 255)), img, layer)


def rounded(photo: Image.Image, width: int, radius_ratio: float = 0.06) -> Image.Image:
    """The photo scaled to ``width`` with rounded corners (RGBA)."""
    scale = width / photo.width
    card = photo.resize((width, max(1, int(photo.height * scale))), Image.LANCZOS).convert("RGBA")
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, card.width - 1, card.height - 1), radius=int(width * radius_ratio), fill=255
    )
    card.putalpha(mask)
    return card


def paste_with_shadow(base: Image.Image, card: Image.Image, center: tuple[int, int], angle: float = 0.0) -> None:
    """Paste an RGBA card centred at ``center`` with a soft drop shadow, optionally rotated."""
    if angle:
        card = card.rotate(angle, resample=Image.BICUBIC, expand=True)
    alpha = card.getchannel("A")
    blur = max(4, card.width // 30)
    shadow = Image.new("RGBA", (card.width + 4 * blur, card.height + 4 * blur), (0, 0, 0, 0))
    shadow.paste((0, 0, 0, 110), (2 * blur, 2 * blur), alpha)
    shadow = shadow.filter(ImageFilter.GaussianBlur(blur))
    x, y = center[0] - card.width // 2, center[1] - card.height // 2
    base.paste(shadow, (x - 2 * blur + blur // 2, y - 2 * blur + blur), shadow)
    base.paste(card, (x, y), card)


def cover(
    photo: Image.Image, size: tuple[int, int], zoom: float = 1.0, focus: tuple[float, float] = (0.5, 0.5)
) -> Image.Image:
    """Scale and crop the photo to fill ``size`` (zoomed around ``focus``)."""
    w, h = size
    scale = max(w / photo.width, h / photo.height) * zoom
    big = photo.resize((int(photo.width * scale) + 1, int(photo.height * scale) + 1), Image.LANCZOS)
    x = int((big.width - w) * focus[0])
    y = int((big.height - h) * focus[1])
    return big.crop((x, y, x + w, y + h))


def plate(
    photo: Image.Image, *, layout: str, size: tuple[int, int], palette: tuple[str, str], seed: int, shot: int
) -> Image.Image:
    """One scene plate: the product photo in ``layout`` over a brand background."""
    rng = np.random.default_rng([seed, shot, sum(map(ord, layout))])
    w, h = size
    photo = ImageOps.exif_transpose(photo).convert("RGB")
    if layout == "hero":
        return cover(photo, size, zoom=1.0 + 0.08 * (shot % 2), focus=(0.5, 0.45))
    if layout == "detail":
        focus = (float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.3, 0.6)))
        return cover(photo, size, zoom=float(rng.uniform(1.5, 1.9)), focus=focus)
    if layout == "split":
        base = cover(photo, size).filter(ImageFilter.GaussianBlur(w / 45))
        base = Image.blend(base, gradient(size, palette[0], palette[1]), 0.35)
        paste_with_shadow(base, rounded(photo, int(w * 0.7)), (w // 2, int(h * 0.46)))
        return base
    base = glow(gradient(size, palette[0], palette[1]), rng)
    if layout == "tilted":
        angle = float(rng.choice([-1, 1]) * rng.uniform(3.0, 6.0))
        paste_with_shadow(base, rounded(photo, int(w * 0.74)), (int(w * rng.uniform(0.46, 0.54)), int(h * 0.47)), angle)
        return base
    paste_with_shadow(base, rounded(photo, int(w * rng.uniform(0.74, 0.82))), (w // 2, int(h * 0.46)))
    return base


def card_background(size: tuple[int, int], palette: tuple[str, str], seed: int) -> Image.Image:
    """The end card's background: a brand gradient with soft light."""
    return glow(gradient(size, palette[1], palette[0]), np.random.default_rng([seed, 7]), count=4)


# Chord progressions (semitones from the key's root) per mood; a bed loops them.
PROGRESSIONS = {
    "warm": [(0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14)],
    "upbeat": [(0, 4, 7), (7, 11, 14), (9, 12, 16), (5, 9, 12)],
    "building": [(9, 12, 16), (5, 9, 12), (0, 4, 7), (7, 11, 14)],
}


def music_bed(*, mood: str, bpm: int, seconds: float, seed: int, rate: int = 44100) -> np.ndarray:
    """A stereo float32 bed: pad chords, bass on the beat, light hats; peak at -3 dBFS."""
    rng = np.random.default_rng(seed)
    root = 220.0 * 2 ** (int(rng.integers(-5, 3)) / 12)
    beat = 60.0 / bpm
    bar = 4 * beat
    n = int(seconds * rate)
    t = np.arange(n, dtype=np.float32) / rate
    out = np.zeros(n, dtype=np.float32)
    chords = PROGRESSIONS.get(mood, PROGRESSIONS["upbeat"])
    for b in range(int(np.ceil(seconds / bar))):
        lo, hi = int(b * bar * rate), min(n, int((b + 1) * bar * rate))
        if lo >= n:
            break
        seg = t[lo:hi] - b * bar
        env = np.minimum(1.0, seg / 0.4) * np.minimum(1.0, (bar - seg) / 0.3)
        for semi in chords[b % len(chords)]:
            f = root * 2 ** (semi / 12)
            out[lo:hi] += 0.08 * env * (np.sin(2 * np.pi * f * seg) + 0.3 * np.sin(4 * np.pi * f * seg))
        bass_f = root / 2 * 2 ** (chords[b % len(chords)][0] / 12)
        pulse = np.exp(-((seg % beat) / (beat * 0.35)))
        out[lo:hi] += 0.16 * pulse * np.sin(2 * np.pi * bass_f * seg)
    if mood != "warm":
        off = (t + beat / 2) % beat
        hats = np.exp(-off / 0.025) * rng.standard_normal(n).astype(np.float32) * 0.05
        out += hats
    stereo = np.stack([out, np.roll(out, int(0.012 * rate))], axis=1)
    return stereo * (10 ** (-3 / 20) / (np.abs(stereo).max() or 1.0))
