"""Font fallback and shaping: every character drawn with the first font that has its glyph, shaped.

The fonts are adbatch's own package data (``adbatch/fonts/``, rebuilt by ``examples/build_fonts.py``;
sources and licences in its README): DejaVu Sans Bold, the face adbatch always drew Latin with, then
Noto Sans Arabic, Hebrew, Devanagari and Thai, the monochrome Noto Emoji and Noto Sans CJK (one face per
language, in that language's glyph forms). Script fonts are *preferred* for their own blocks even where
an earlier font has a glyph. Coverage comes from each font's cmap (fontTools), read once per process.

A word is itemised into font runs (``runs``): each character goes to the font that draws it, while
marks, joiners, variation selectors, emoji modifiers and punctuation stay in the run before them when
that font has them, so a cluster (an emoji ZWJ sequence, a flag, a keycap, a letter with its vowel
signs) is never split across fonts. Each run is shaped by Pillow's RAQM layout (HarfBuzz for joining,
ligatures and Indic/Thai reordering; FriBiDi for right-to-left order and mirrored brackets). A word
with several runs puts its runs in order by its own direction; a line's words are put in order by
``visual_order``, so each word can be coloured on its own (the captions' active word).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

from PIL import ImageDraw, ImageFont, features

CHAIN_CACHE, FACE_CACHE, CHAR_CACHE, RUN_CACHE = 32, 512, 65536, 4096  # chains, faces x sizes, chars, words
FONT_DIR = Path(str(files("adbatch") / "fonts"))


@dataclass(frozen=True)
class FontSpec:
    """One font of the chain: its file, face in a collection, and the characters it is preferred for."""

    name: str
    path: Path
    index: int = 0  # face in a collection (.ttc)
    prefer: tuple[tuple[int, int], ...] = ()  # code point ranges this font takes first
    features: tuple[str, ...] | None = None  # OpenType features for RAQM (None: HarfBuzz's defaults)


def _ours(name: str, file: str, prefer: tuple[tuple[int, int], ...] = ()) -> FontSpec:
    return FontSpec(name, FONT_DIR / file, prefer=prefer)


# Latin primaries are set without pair kerning, as Pillow's BASIC layout always set them: kerning
# tightens a line by about 1 % and would move line breaks and box widths of every existing hook.
UNKERNED = ("-kern",)


_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_HEBREW = ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))
_DEVANAGARI = ((0x0900, 0x097F), (0xA8E0, 0xA8FF), (0x1CD0, 0x1CFF))
_THAI = ((0x0E00, 0x0E7F),)
_CJK = ((0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0x1100, 0x11FF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
_EMOJI = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2300, 0x23FF), (0x2B00, 0x2BFF))

DEJAVU = replace(_ours("DejaVu Sans Bold", "DejaVuSans-Bold.ttf"), features=UNKERNED)
DEJAVU_REGULAR = replace(_ours("DejaVu Sans", "DejaVuSans.ttf"), features=UNKERNED)
EMOJI = _ours("Noto Emoji", "NotoEmoji-Bold.ttf", _EMOJI)
# one face per language, each in its own glyph forms; the text's language comes first (``chain``)
CJK_FACES = {
    "ja": _ours("Noto Sans CJK JP", "NotoSansCJKjp-Bold.otf", _CJK),
    "ko": _ours("Noto Sans CJK KR", "NotoSansCJKkr-Bold.otf", _CJK),
    "zh": _ours("Noto Sans CJK SC", "NotoSansCJKsc-Bold.otf", _CJK),
}
CHAIN: tuple[FontSpec, ...] = (
    DEJAVU,
    _ours("Noto Sans Arabic", "NotoSansArabic-Bold.ttf", _ARABIC),
    _ours("Noto Sans Hebrew", "NotoSansHebrew-Bold.ttf", _HEBREW),
    _ours("Noto Sans Devanagari", "NotoSansDevanagari-Bold.ttf", _DEVANAGARI),
    _ours("Noto Sans Thai", "NotoSansThai-Bold.ttf", _THAI),
    EMOJI,
)

_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_EMOJI_PRESENTATION = ("\ufe0f", "\u20e3")  # a following VS16 or keycap asks for the emoji font
_MODIFIERS = ((0x1F3FB, 0x1F3FF), (0xE0020, 0xE007F))  # skin tones, tag characters (subdivision flags)
_STRONG = {"L": "L", "R": "R", "AL": "R"}


class Run(NamedTuple):
    """A piece of a word in one font, shaped in one call; ``direction`` is passed to RAQM."""

    text: str
    font: ImageFont.FreeTypeFont
    direction: str | None
    features: list[str] | None

    def length(self) -> float:
        """Advance width in px."""
        return float(self.font.getlength(self.text, direction=self.direction, features=self.features))


def chain(text: str = "", primary: str | None = None) -> tuple[FontSpec, ...]:
    """The fallback chain for ``text``: ``primary`` (a font file) first if given, and the
    CJK faces with the text's language first (Japanese if it has kana, Korean if hangul)."""
    lang = "ja" if _KANA.search(text) else "ko" if _HANGUL.search(text) else "zh"
    return _chain(primary, lang)


@lru_cache(maxsize=CHAIN_CACHE)
def _chain(primary: str | None, lang: str) -> tuple[FontSpec, ...]:
    cjk = (CJK_FACES[lang], *(spec for key, spec in CJK_FACES.items() if key != lang))
    specs = (*CHAIN[:-1], *cjk, CHAIN[-1])
    if primary:
        specs = (primary_spec(primary), *specs)
    return specs


def primary_spec(path: str) -> FontSpec:
    """A brand's own font file as the head of a chain (unkerned, like DejaVu)."""
    return FontSpec(Path(path).stem, Path(path), features=UNKERNED)


def coverage(spec: FontSpec) -> frozenset[int]:
    """The code points ``spec``'s cmap maps to a glyph (read once per file and face)."""
    return _cmap(str(spec.path), spec.index)


@cache
def _cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as ttf:
        # the cmap maps code points to glyph *names*: deriving them (from the post or CFF table, else from the
        # cmap itself, 3917 of them for DejaVu) took 0.19 s for the bundled fonts; numbered names take 0.06 s,
        # and which code points have a glyph is all that is asked
        ttf.setGlyphOrder([f"glyph{i}" for i in range(ttf["maxp"].numGlyphs)])
        return frozenset(ttf.getBestCmap())


@cache
def _require_raqm() -> None:
    if not features.check("raqm"):
        raise RuntimeError(
            "Pillow's RAQM text layout is unavailable, so Arabic, Indic and emoji text cannot be shaped: "
            "install FriBiDi (`apt-get install libfribidi0`; Pillow's wheels load it at run time)"
        )


@lru_cache(maxsize=FACE_CACHE)
def face(spec: FontSpec, size: int) -> ImageFont.FreeTypeFont:
    """``spec`` at ``size`` px with RAQM layout (HarfBuzz shaping, FriBiDi ordering)."""
    _require_raqm()
    return ImageFont.truetype(str(spec.path), size=size, index=spec.index, layout_engine=ImageFont.Layout.RAQM)


@lru_cache(maxsize=CHAR_CACHE)
def font_for(char: str, specs: tuple[FontSpec, ...]) -> FontSpec | None:
    """The font that draws ``char``: the first preferring it that has it, else the first that has it."""
    cp = ord(char)
    for spec in specs:  # only the preferred fonts' cmaps are read here
        if any(lo <= cp <= hi for lo, hi in spec.prefer) and cp in coverage(spec):
            return spec
    return next((spec for spec in specs if cp in coverage(spec)), None)


def _extends(char: str) -> bool:
    """A character that belongs to the cluster before it: a mark, joiner, selector, modifier or tag."""
    cp = ord(char)
    return unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf") or any(lo <= cp <= hi for lo, hi in _MODIFIERS)


def _common(char: str) -> bool:
    """Punctuation, digits and signs: no script of their own, so they may follow their neighbour's font."""
    return unicodedata.category(char)[0] in "PNSZ" and not any(lo <= ord(char) <= hi for lo, hi in _EMOJI)


def ignorable(char: str) -> bool:
    """A character that draws nothing on its own (joiner, selector, bidi control): never tofu."""
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F


def normalize(word: str) -> str:
    """A word as it is shaped: NFC, so a letter and its accent typed apart find the precomposed glyph."""
    return unicodedata.normalize("NFC", word)


def missing_glyphs(text: str, primary: str | None = None) -> set[str]:
    """Characters of ``text`` that no font of the chain can draw (they would come out as tofu)."""
    specs = chain(text, primary)
    return {c for c in normalize(text) if not c.isspace() and not ignorable(c) and font_for(c, specs) is None}


def _itemise(word: str, specs: tuple[FontSpec, ...]) -> list[tuple[str, FontSpec]]:
    """``word`` (logical order) split into same-font pieces; clusters and common characters stay whole."""
    out: list[tuple[str, FontSpec]] = []
    for k, c in enumerate(word):
        prev = out[-1][1] if out else None
        if prev is not None and (_extends(c) or (_common(c) and ord(c) in coverage(prev))):
            spec = prev
        elif word[k + 1 : k + 2] in _EMOJI_PRESENTATION and ord(c) in coverage(EMOJI) and EMOJI in specs:
            spec = EMOJI
        else:
            spec = font_for(c, specs) or specs[0]  # no font has it: the primary's .notdef
        if prev == spec:
            out[-1] = (out[-1][0] + c, spec)
        else:
            out.append((c, spec))
    return out


def direction(text: str) -> str:
    """L or R from the first strong character; N (neutral) for numbers, signs, emoji."""
    return next((_STRONG[k] for k in map(unicodedata.bidirectional, text) if k in _STRONG), "N")


@lru_cache(maxsize=RUN_CACHE)
def _runs(word: str, size: int, specs: tuple[FontSpec, ...]) -> tuple[Run, ...]:
    pieces = _itemise(normalize(word), specs)
    if len(pieces) == 1 or direction(word) != "R":  # one font: RAQM orders the whole word itself
        return tuple(_run(text, spec, size, None) for text, spec in pieces)
    # a right-to-left word: pieces right to left, neutral ones shaped right to left (mirrored brackets)
    return tuple(_run(text, spec, size, "rtl" if direction(text) == "N" else None) for text, spec in reversed(pieces))


def _run(text: str, spec: FontSpec, size: int, direction: str | None) -> Run:
    return Run(text, face(spec, size), direction, list(spec.features) if spec.features is not None else None)


def runs(word: str, size: int, specs: tuple[FontSpec, ...]) -> list[Run]:
    """``word`` (logical order) as shaped runs, left to right."""
    return list(_runs(word, size, specs))


def width(word: str, size: int, specs: tuple[FontSpec, ...]) -> float:
    """Advance width in px of ``word`` at ``size``."""
    return sum(r.length() for r in _runs(word, size, specs))


def metrics(word: str, size: int, specs: tuple[FontSpec, ...]) -> tuple[int, int]:
    """(ascent, descent) in px: the largest of the fonts the word is drawn with."""
    pairs = [r.font.getmetrics() for r in _runs(word, size, specs)] or [face(specs[0], size).getmetrics()]
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
    """Draw ``word`` with its left end at ``xy`` on the baseline; return its advance."""
    x, y = xy
    for r in _runs(word, size, specs):
        canvas.text(
            (x, y),
            r.text,
            font=r.font,
            fill=fill,
            anchor="ls",
            direction=r.direction,
            features=r.features,
            stroke_width=stroke_width,
            stroke_fill=stroke_fill,
        )
        x += r.length()
    return x - xy[0]


def visual_order(words: Sequence[str]) -> list[int]:
    """Indices of a line's (logical-order) words in display order, left to right.

    The paragraph direction is that of the first strong word; a neutral word takes the
    direction of its strong neighbours when they agree, else the paragraph's (N1/N2);
    then runs are reversed from the highest level down to 1 (L2).
    """
    dirs = [direction(w) for w in words]
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
