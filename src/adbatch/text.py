"""Text drawn once with Pillow into RGBA patches, sized to fit, never cut off.

Drawing text ourselves (rather than MoviePy's TextClip) keeps descenders and accents
inside the patch and lets the renderer blend only the patch's box on each frame.
Fonts come from matplotlib's wheel (DejaVu Sans, wide Unicode coverage), so no
system font is needed.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

MIN_FONT_PX = 12


@lru_cache(maxsize=1)
def font_dir() -> Path:
    """matplotlib's bundled TrueType folder, found without importing matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: it provides adbatch's fonts (pip install matplotlib)")
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


@lru_cache(maxsize=64)
def font(size: int, bold: bool = True, path: str | None = None) -> ImageFont.FreeTypeFont:
    """A TrueType font at ``size`` px: ``path`` if given, else DejaVu Sans (Bold)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(path or str(font_dir() / name), size=size)


@dataclass(frozen=True)
class TextStyle:
    size: int  # starting font size in px; shrunk until the text fits
    fill: tuple[int, int, int] = (255, 255, 255)
    stroke: tuple[int, int, int] | None = (0, 0, 0)  # outline colour, None for none
    stroke_ratio: float = 0.08  # outline width as a share of the font size
    box: tuple[int, int, int] | None = None  # rounded background box colour
    box_alpha: int = 235
    pad_ratio: float = 0.35  # box padding as a share of the font size
    max_lines: int = 3
    line_spacing: float = 1.15
    font_path: str | None = None


def wrap(text: str, fnt: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap; a single word wider than ``max_width`` stays on its own line."""
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and fnt.getlength(trial) <= max_width:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines or [""]


def fit(text: str, style: TextStyle, max_width: int, max_height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (down from ``style.size``) whose wrapped text fits the box."""
    size = style.size
    while True:
        fnt = font(size, path=style.font_path)
        pad = int(size * style.pad_ratio) if style.box else int(size * style.stroke_ratio) + 2
        lines = wrap(text, fnt, max_width - 2 * pad)
        widest = max(fnt.getlength(line) for line in lines)
        height = len(lines) * size * style.line_spacing + 2 * pad
        if (len(lines) <= style.max_lines and widest + 2 * pad <= max_width and height <= max_height) \
                or size <= MIN_FONT_PX:
            return fnt, lines
        size = max(MIN_FONT_PX, int(size * 0.92))


def render(text: str, style: TextStyle, max_width: int, max_height: int) -> np.ndarray:
    """An RGBA uint8 patch holding ``text`` centred, wrapped and shrunk to fit."""
    fnt, lines = fit(text, style, max_width, max_height)
    size = fnt.size
    stroke = max(1, int(size * style.stroke_ratio)) if style.stroke else 0
    pad = int(size * style.pad_ratio) if style.box else stroke + 2
    ascent, descent = fnt.getmetrics()
    line_h = int(max(size * style.line_spacing, ascent + descent))
    widths = [fnt.getlength(line) for line in lines]
    w = int(max(widths)) + 2 * pad + 2 * stroke
    h = line_h * len(lines) + 2 * pad + 2 * stroke
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    if style.box:
        draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=int(size * 0.35), fill=(*style.box, style.box_alpha))
    for i, (line, lw) in enumerate(zip(lines, widths)):
        x = (w - lw) / 2
        y = pad + stroke + i * line_h + (line_h - ascent - descent) / 2
        draw.text((x, y), line, font=fnt, fill=(*style.fill, 255),
                  stroke_width=stroke, stroke_fill=(*style.stroke, 255) if style.stroke else None)
    return np.asarray(img)
