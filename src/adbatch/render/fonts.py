"""Font fallback: every character drawn with the first font that has its glyph, never tofu.

The chain (``CHAIN``) starts with DejaVu Sans Bold from matplotlib's wheel, the font
adbatch always drew with, and falls back to Noto fonts shipped by two pip packages
(OFL-1.1): ``manimgx-fonts`` (Noto Sans Arabic, Hebrew, Symbols, Noto Sans and the
monochrome Noto Emoji) and ``manimgx-fonts-cjk`` (the Noto Sans CJK collection).
Script fonts are *preferred* for their own blocks even where DejaVu has a glyph, since
DejaVu's Arabic and emoji are sparse. Coverage comes from each font's cmap (fontTools),
read once per process.

Text is laid out one word at a time, so one word's glyphs may come from several fonts
and a caption can colour single words:

- ``visual(word)`` shapes a word: Arabic letters get their joined forms
  (arabic-reshaper), right-to-left words are put in visual order with mirrored brackets
  (python-bidi), and characters that draw nothing (joiners, variation selectors,
  skin-tone modifiers of a monochrome emoji) are dropped.
- ``visual_order(words)`` orders a line's words for display: the Unicode bidi
  algorithm's level rules (UAX #9 W/N/L2) applied with the word as the unit.
- ``runs`` splits a shaped word into same-font runs; ``draw`` draws them on a baseline.

All fonts use Pillow's BASIC layout (no libraqm). Pillow's wheels load libraqm's
fribidi from the system at run time, so with raqm the same video would shape
differently on machines with and without libfribidi; and since a word may span
several fonts, no single raqm call could shape it anyway. The cost: no HarfBuzz
ligatures, so an emoji ZWJ sequence shows as its component emoji.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageDraw, ImageFont

BOLD = 700  # wght of the variable Noto fonts (DejaVu Sans Bold is a static bold)
CHAIN_CACHE, FACE_CACHE, CHAR_CACHE = 32, 512, 65536  # primaries x languages, faces x sizes, characters


@dataclass(frozen=True)
class FontSpec:
    """One font of the chain: where its file is and which characters it is preferred for."""

    name: str
    package: str  # the Python package that ships it (found without importing it)
    file: str  # path inside that package
    index: int = 0  # face in a collection (.ttc)
    weight: int | None = BOLD  # wght axis value for a variable font, None for a static one
    prefer: tuple[tuple[int, int], ...] = ()  # code point ranges this font takes first

    @property
    def path(self) -> Path:
        return _package_dir(self.package) / self.file if self.package else Path(self.file)


_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_HEBREW = ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))
_CJK = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0x1100, 0x11FF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
_EMOJI = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2300, 0x23FF), (0x2B00, 0x2BFF))

DEJAVU = FontSpec("DejaVu Sans Bold", "matplotlib", "mpl-data/fonts/ttf/DejaVuSans-Bold.ttf", weight=None)
_NOTO = "manimgx_fonts"
CJK_FILE = "NotoSansCJK-VF.otf.ttc"
# faces of the collection by language: each covers all of CJK, in that language's glyph forms
CJK_FACES = {"ja": (0, "Noto Sans CJK JP"), "ko": (1, "Noto Sans CJK KR"), "zh": (2, "Noto Sans CJK SC")}
CHAIN: tuple[FontSpec, ...] = (
    DEJAVU,
    FontSpec("Noto Sans Arabic", _NOTO, "NotoSansArabic[wght].ttf", prefer=_ARABIC),
    FontSpec("Noto Sans Hebrew", _NOTO, "NotoSansHebrew[wght].ttf", prefer=_HEBREW),
    FontSpec("Noto Sans CJK SC", "manimgx_fonts_cjk", CJK_FILE, index=CJK_FACES["zh"][0], prefer=_CJK),
    FontSpec("Noto Emoji", _NOTO, "NotoEmoji[wght].ttf", prefer=_EMOJI),
    FontSpec("Noto Sans Symbols", _NOTO, "NotoSansSymbols[wght].ttf"),
    FontSpec("Noto Sans", _NOTO, "NotoSans[wght].ttf"),
)

# Characters that draw nothing here: joiners and variation selectors (no ligatures without
# raqm), bidi controls (already applied), and skin-tone modifiers (a monochrome emoji has no skin).
_INVISIBLE = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff\U0001f3fb-\U0001f3ff\U000e0000-\U000e0fff]"
)
_ARABIC_CHAR = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


@cache
def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"the font package {package!r} is not installed; run `pip install -e .` "
            "(adbatch depends on matplotlib, manimgx-fonts and manimgx-fonts-cjk for its fonts)"
        )
    return Path(spec.submodule_search_locations[0])


def chain(text: str = "", primary: str | None = None) -> tuple[FontSpec, ...]:
    """The fallback chain for ``text``: ``primary`` (a font file) first if given, and the
    CJK face matching the text's language (Japanese if it has kana, Korean if hangul)."""
    lang = "ja" if _KANA.search(text) else "ko" if _HANGUL.search(text) else "zh"
    return _chain(primary, lang)


@lru_cache(maxsize=CHAIN_CACHE)
def _chain(primary: str | None, lang: str) -> tuple[FontSpec, ...]:
    index, name = CJK_FACES[lang]
    specs = tuple(replace(s, index=index, name=name) if s.file == CJK_FILE else s for s in CHAIN)
    if primary:
        specs = (FontSpec(Path(primary).stem, "", primary, weight=None), *specs)
    return specs


def coverage(spec: FontSpec) -> frozenset[int]:
    """The code points ``spec``'s cmap maps to a glyph (read once per file and face)."""
    return _cmap(str(spec.path), spec.index)


@cache
def _cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as ttf:
        return frozenset(ttf.getBestCmap())


@lru_cache(maxsize=FACE_CACHE)
def face(spec: FontSpec, size: int) -> ImageFont.FreeTypeFont:
    """``spec`` at ``size`` px, BASIC layout, at its bold weight if it is variable."""
    fnt = ImageFont.truetype(str(spec.path), size=size, index=spec.index, layout_engine=ImageFont.Layout.BASIC)
    if spec.weight is not None:
        fnt.set_variation_by_axes([spec.weight])
    return fnt


@lru_cache(maxsize=CHAR_CACHE)
def font_for(char: str, specs: tuple[FontSpec, ...]) -> FontSpec | None:
    """The font that draws ``char``: the first preferring it that has it, else the first that has it."""
    cp = ord(char)
    for spec in specs:  # only the preferred fonts' cmaps are read here
        if any(lo <= cp <= hi for lo, hi in spec.prefer) and cp in coverage(spec):
            return spec
    return next((spec for spec in specs if cp in coverage(spec)), None)


def visual(word: str) -> str:
    """A word as drawn: NFC, Arabic joined, right-to-left put in visual order, invisibles dropped."""
    word = unicodedata.normalize("NFC", word)
    if _ARABIC_CHAR.search(word):
        import arabic_reshaper  # type: ignore[import-untyped]

        word = arabic_reshaper.reshape(word)
    if any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in word):
        from bidi import get_display  # type: ignore[import-untyped]

        word = get_display(word)
    return _INVISIBLE.sub("", word)


def missing_glyphs(text: str, primary: str | None = None) -> set[str]:
    """Characters of ``text`` that no font of the chain can draw (they would come out as tofu)."""
    specs = chain(text, primary)
    return {c for word in text.split() for c in visual(word) if font_for(c, specs) is None}


def runs(word: str, size: int, specs: tuple[FontSpec, ...]) -> list[tuple[str, ImageFont.FreeTypeFont]]:
    """A shaped word (see ``visual``) split into same-font runs, left to right."""
    out: list[tuple[str, FontSpec]] = []
    for c in word:
        spec = font_for(c, specs) or specs[0]  # no font has it: the primary's .notdef
        if out and out[-1][1] == spec:
            out[-1] = (out[-1][0] + c, spec)
        else:
            out.append((c, spec))
    return [(text, face(spec, size)) for text, spec in out]


def width(word: str, size: int, specs: tuple[FontSpec, ...]) -> float:
    """Advance width in px of a shaped word at ``size``."""
    return sum(fnt.getlength(text) for text, fnt in runs(word, size, specs))


def metrics(word: str, size: int, specs: tuple[FontSpec, ...]) -> tuple[int, int]:
    """(ascent, descent) in px: the largest of the fonts the word is drawn with."""
    pairs = [fnt.getmetrics() for _, fnt in runs(word, size, specs)] or [face(specs[0], size).getmetrics()]
    return max(a for a, _ in pairs), max(d for _, d in pairs)


def draw(
    canvas: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    word: str,
    size: int,
    specs: tuple[FontSpec, ...],
    *,
    fill: tuple[int, ...],
    stroke_width: int = 0,
    stroke_fill: tuple[int, ...] | None = None,
) -> float:
    """Draw a shaped word with its left end at ``xy`` on the baseline; return its advance."""
    x, y = xy
    for text, fnt in runs(word, size, specs):
        canvas.text((x, y), text, font=fnt, fill=fill, anchor="ls", stroke_width=stroke_width, stroke_fill=stroke_fill)
        x += fnt.getlength(text)
    return x - xy[0]


def _direction(word: str) -> str:
    """L or R from the word's first strong character; N (neutral) for numbers, signs, emoji."""
    for c in word:
        kind = unicodedata.bidirectional(c)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return "N"


def visual_order(words: Sequence[str]) -> list[int]:
    """Indices of a line's (logical-order) words in display order, left to right.

    The paragraph direction is that of the first strong word; a neutral word takes the
    direction of its strong neighbours when they agree, else the paragraph's (N1/N2);
    then runs are reversed from the highest level down to 1 (L2).
    """
    dirs = [_direction(w) for w in words]
    strong = [d for d in dirs if d != "N"]
    base = 1 if strong and strong[0] == "R" else 0
    levels = []
    for i, d in enumerate(dirs):
        if d == "N":
            before = next((x for x in reversed(dirs[:i]) if x != "N"), None)
            after = next((x for x in dirs[i + 1 :] if x != "N"), None)
            d = before if before and before == after else "RL"[base == 0]
        levels.append(base if (d == "R") == (base == 1) else base + 1)
    order = list(range(len(words)))
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < len(order):
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = reversed(order[i:j])
            i = j + 1
    return order
