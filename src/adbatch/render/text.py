"""Text drawn once with Pillow into RGBA patches, sized to fit, never cut off.

Drawing text ourselves (rather than MoviePy's TextClip) keeps descenders and accents
inside the patch and lets the renderer blend only the patch's box on each frame.
Glyphs come from the fallback chain in ``adbatch.render.fonts`` (DejaVu Sans, then Noto for
Arabic, Hebrew, Devanagari, Thai, CJK and emoji, all shipped in ``adbatch/fonts``), shaped by
Pillow's RAQM layout, so names in any of those scripts draw joined, ordered and without tofu,
without any system font.

Text is laid out as words (``Unit``): Chinese and Japanese, written without spaces,
become one unit per character so lines can break between them. ``layout`` finds the
largest size whose wrapped words fit the box and places every word once; ``paint``
draws a layout, optionally in one colour per word (the captions' active word).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from adbatch.media.color import rgb
from adbatch.render import fonts
from adbatch.style import TextLook

FONT_CACHE = 64  # sizes x faces kept open
OPAQUE = 255  # 8-bit alpha
MIN_FONT_PX = 12  # below this, text is scaled down as an image instead of set smaller
SHRINK_STEP = 0.92  # each try at fitting sets the text this much smaller
# A Han/kana character (with any closing punctuation that must not start a line) is a word of its own.
_CJK_WORD = re.compile(
    "[\u2e80-\u30ff\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"
    "[\u3001\u3002\u300d\u300f\u3011\uff01\uff09\uff0c\uff0e\uff1a\uff1b\uff1f\u30fc]*"
    "|[^\u2e80-\u30ff\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+"
)


def font_dir() -> Path:
    """The folder of the fonts adbatch ships (package data ``adbatch/fonts``)."""
    return fonts.FONT_DIR


@lru_cache(maxsize=FONT_CACHE)
def font(size: int, bold: bool = True, path: str | None = None) -> ImageFont.FreeTypeFont:
    """The primary font at ``size`` px, RAQM layout: ``path`` if given, else DejaVu Sans (Bold)."""
    spec = fonts.primary_spec(path) if path else fonts.DEJAVU if bold else fonts.DEJAVU_REGULAR
    return fonts.face(spec, size)


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
    radius_ratio: float = 0.35  # box corner radius as a share of the font size
    font_path: str | None = None

    @classmethod
    def from_look(cls, look: TextLook, width: int, *, font_path: str | None = None) -> TextStyle:
        """The style a ``TextLook`` of the style config asks for, on a frame ``width`` px wide."""
        return cls(
            size=int(width * look.size),
            fill=rgb(look.fill),
            stroke=rgb(look.stroke) if look.stroke else None,
            stroke_ratio=look.stroke_ratio,
            box=rgb(look.box) if look.box else None,
            box_alpha=look.box_alpha,
            pad_ratio=look.pad_ratio,
            max_lines=look.max_lines,
            line_spacing=look.line_spacing,
            radius_ratio=look.radius_ratio,
            font_path=font_path,
        )


@dataclass(frozen=True)
class Unit:
    """One word of a layout; ``glue``: it follows the previous word with no space (CJK)."""

    text: str
    glue: bool = False


@dataclass(frozen=True)
class Layout:
    """Words placed in a patch: ``pieces`` holds (unit index, x, baseline y, text as shaped)."""

    size: int
    width: int
    height: int
    stroke: int
    lines: tuple[tuple[int, ...], ...]  # unit indices per line, logical order
    pieces: tuple[tuple[int, float, float, str], ...]
    specs: tuple[fonts.FontSpec, ...]
    box: tuple[int, int]  # the (max width, max height) it was fitted to


def units(text: str) -> list[Unit]:
    """``text`` split into words; Han and kana characters each become a word glued to its neighbours."""
    out = []
    for chunk in text.split():
        for k, m in enumerate(_CJK_WORD.finditer(chunk)):
            out.append(Unit(m.group(), glue=k > 0))
    return out


class _Measure:
    """Shaped words and their widths at one size, for one chain."""

    def __init__(self, words: Sequence[Unit], size: int, specs: tuple[fonts.FontSpec, ...]) -> None:
        self.words, self.size, self.specs = words, size, specs
        self.shaped = [fonts.normalize(u.text) for u in words]
        self.widths = [fonts.width(s, size, specs) for s in self.shaped]
        self.space = fonts.face(specs[0], size).getlength(" ")

    def gap(self, a: int, b: int) -> float:
        """Space between two words shown side by side (none inside glued CJK)."""
        return 0.0 if abs(a - b) == 1 and self.words[max(a, b)].glue else self.space

    def line_width(self, line: Sequence[int]) -> float:
        return sum(self.widths[i] for i in line) + sum(self.gap(a, b) for a, b in zip(line, line[1:]))

    def wrap(self, max_width: float) -> list[list[int]]:
        """Greedy wrap; a single word wider than ``max_width`` stays on its own line."""
        lines: list[list[int]] = []
        for i in range(len(self.words)):
            if lines and self.line_width([*lines[-1], i]) <= max_width:
                lines[-1].append(i)
            else:
                lines.append([i])
        return lines or [[]]


def _spec_chain(fnt: ImageFont.FreeTypeFont, text: str) -> tuple[fonts.FontSpec, ...]:
    primary = str(fnt.path) if Path(str(fnt.path)) != fonts.DEJAVU.path else None
    return fonts.chain(text, primary)


def wrap(text: str, fnt: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy word wrap; a single word wider than ``max_width`` stays on its own line."""
    words = units(text)
    m = _Measure(words, int(fnt.size), _spec_chain(fnt, text))
    return [_join(words, line) for line in m.wrap(max_width)]


def _join(words: Sequence[Unit], line: Sequence[int]) -> str:
    return "".join(("" if words[i].glue and k else " " * (k > 0)) + words[i].text for k, i in enumerate(line))


def layout(words: Sequence[Unit], style: TextStyle, max_width: int, max_height: int) -> Layout:
    """The largest size (down from ``style.size``) whose wrapped words fit the box, laid out.

    At ``MIN_FONT_PX`` the layout is returned even if it is still too large; ``paint``
    then scales the patch down, so text is never cut off.
    """
    specs = fonts.chain(" ".join(u.text for u in words), style.font_path)
    size = style.size
    while True:
        placed = _place(_Measure(words, size, specs), style, (max_width, max_height))
        fits = len(placed.lines) <= style.max_lines and placed.width <= max_width and placed.height <= max_height
        if fits or size <= MIN_FONT_PX:
            return placed
        size = max(MIN_FONT_PX, int(size * SHRINK_STEP))


def _place(m: _Measure, style: TextStyle, box: tuple[int, int]) -> Layout:
    """Wrap ``m``'s words to the box's width (padding and outline included) and place them."""
    size = m.size
    stroke = max(1, int(size * style.stroke_ratio)) if style.stroke else 0
    pad = int(size * style.pad_ratio) if style.box else stroke + 2
    lines = m.wrap(box[0] - 2 * (pad + stroke))
    widths = [m.line_width(line) for line in lines]
    w = int(np.ceil(max(widths))) + 2 * pad + 2 * stroke
    y, pieces = pad + stroke, []
    base_asc, base_desc = fonts.face(m.specs[0], size).getmetrics()
    for line, lw in zip(lines, widths):
        asc, desc = base_asc, base_desc
        for i in line:
            a, d = fonts.metrics(m.shaped[i], size, m.specs)
            asc, desc = max(asc, a), max(desc, d)
        line_h = int(max(size * style.line_spacing, asc + desc))
        baseline = y + (line_h - asc - desc) / 2 + asc
        x = (w - lw) / 2
        order = [line[k] for k in fonts.visual_order([m.words[i].text for i in line])]
        for k, i in enumerate(order):
            x += m.gap(order[k - 1], i) if k else 0.0
            pieces.append((i, x, baseline, m.shaped[i]))
            x += m.widths[i]
        y += line_h
    return Layout(
        size=size,
        width=w,
        height=int(y) + pad + stroke,
        stroke=stroke,
        lines=tuple(map(tuple, lines)),
        pieces=tuple(pieces),
        specs=m.specs,
        box=box,
    )


def paint(lay: Layout, style: TextStyle, fills: Sequence[tuple[int, int, int]] | None = None) -> np.ndarray:
    """An RGBA uint8 patch of ``lay``, each word in ``fills[i]`` (default ``style.fill``).

    A layout larger than its box (only possible at ``MIN_FONT_PX``) is scaled down to fit.
    """
    img = Image.new("RGBA", (lay.width, lay.height), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(img)
    if style.box:
        canvas.rounded_rectangle(
            (0, 0, lay.width - 1, lay.height - 1),
            radius=int(lay.size * style.radius_ratio),
            fill=(*style.box, style.box_alpha),
        )
    stroke_fill = (*style.stroke, OPAQUE) if style.stroke else None
    for i, x, y, shaped in lay.pieces:
        fill = fills[i] if fills is not None else style.fill
        fonts.draw(
            canvas,
            (x, y),
            shaped,
            lay.size,
            lay.specs,
            fill=(*fill, OPAQUE),
            stroke_width=lay.stroke,
            stroke_fill=stroke_fill,
        )
    size = painted_size(lay)
    if size != (lay.width, lay.height):
        img = img.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")
    return np.asarray(img)


def painted_size(lay: Layout) -> tuple[int, int]:
    """(width, height) of ``paint(lay, ...)``'s patch, without painting it: the layout's, or scaled down to
    its box."""
    scale = min(1.0, lay.box[0] / lay.width, lay.box[1] / lay.height)
    if scale < 1.0:
        return max(1, int(lay.width * scale)), max(1, int(lay.height * scale))
    return lay.width, lay.height


def fit(text: str, style: TextStyle, max_width: int, max_height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font (down from ``style.size``) whose wrapped text fits the box, and its lines."""
    words = units(text)
    lay = layout(words, style, max_width, max_height)
    return font(lay.size, path=style.font_path), [_join(words, line) for line in lay.lines]


def render(text: str, style: TextStyle, max_width: int, max_height: int) -> np.ndarray:
    """An RGBA uint8 patch holding ``text`` centred, wrapped and shrunk to fit."""
    return paint(layout(units(text), style, max_width, max_height), style)
