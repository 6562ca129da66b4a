"""Font fallback and text layout: names in any script draw without tofu, in order, never cut off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

import adbatch
from adbatch.render import fonts, text

NAMES = {
    "latin": "Crème Brûlée Façial Öl №5 — “50%” off",
    "chinese": "超级保温杯 Pro",
    "japanese": "抹茶ラテ・ほうじ茶",
    "korean": "한국 화장품 세트",
    "arabic": "زيت الأرغان المغربي",
    "hebrew": "שמן זית כתית",
    "hindi": "आयुर्वेदिक तेल",
    "thai": "ชาไทยเย็น",
    "emoji": "Glow 🔥✨💯❤️👍🏽🇯🇵☕🧴🎁😍🚀",
}
# Characters DejaVu Sans lacks, two per script: drawn with DejaVu alone, both come out as its .notdef box.
MISSING_IN_DEJAVU = {"chinese": "漢字", "japanese": "かな", "korean": "한글", "emoji": "🦄🧴"}


def glyph(char: str, draw_with) -> np.ndarray:
    """A 1-bit-ish bitmap of ``char`` drawn by ``draw_with(canvas, char)`` on a 96x96 canvas."""
    img = Image.new("L", (96, 96), 0)
    draw_with(ImageDraw.Draw(img), char)
    return np.asarray(img) > 127


def dejavu_alone(canvas: ImageDraw.ImageDraw, char: str) -> None:
    fnt = ImageFont.truetype(str(fonts.DEJAVU.path), 48, layout_engine=ImageFont.Layout.BASIC)
    canvas.text((10, 70), char, font=fnt, fill=255, anchor="ls")


def fallback_chain(canvas: ImageDraw.ImageDraw, char: str) -> None:
    fonts.draw(canvas, (10, 70), char, 48, fonts.chain(char), fill=255)


@pytest.mark.parametrize("script", list(NAMES))
def test_names_in_every_script_have_no_missing_glyphs(script: str) -> None:
    """Latin, Chinese, Japanese, Korean, Arabic, Hebrew and emoji names are fully covered by the chain."""
    assert fonts.missing_glyphs(NAMES[script]) == set()


def test_a_glyph_no_font_has_is_reported_missing() -> None:
    """A private-use code point has no glyph anywhere, and missing_glyphs says so."""
    assert fonts.missing_glyphs("Mug \ue000") == {"\ue000"}


@pytest.mark.parametrize("script", list(MISSING_IN_DEJAVU))
def test_dejavu_alone_draws_tofu_where_the_chain_draws_glyphs(script: str) -> None:
    """Two different characters DejaVu lacks draw the same .notdef box with DejaVu alone,
    and two different real glyphs, neither of them that box, with the fallback chain."""
    a, b = MISSING_IN_DEJAVU[script]
    tofu_a, tofu_b = glyph(a, dejavu_alone), glyph(b, dejavu_alone)
    assert tofu_a.any() and np.array_equal(tofu_a, tofu_b)
    real_a, real_b = glyph(a, fallback_chain), glyph(b, fallback_chain)
    assert real_a.any() and real_b.any() and not np.array_equal(real_a, real_b)
    assert not np.array_equal(real_a, tofu_a) and not np.array_equal(real_b, tofu_a)


@pytest.mark.parametrize(
    ("char", "family"),
    [
        ("س", "Noto Sans Arabic"),
        ("ש", "Noto Sans Hebrew"),
        ("क", "Noto Sans Devanagari"),
        ("ก", "Noto Sans Thai"),
        ("🔥", "Noto Emoji"),
        ("☕", "Noto Emoji"),
        ("A", "DejaVu Sans Bold"),
    ],
)
def test_script_fonts_are_preferred_for_their_own_letters(char: str, family: str) -> None:
    """Arabic, Hebrew, Devanagari, Thai and emoji come from their Noto fonts, Latin from DejaVu Sans Bold."""
    assert fonts.font_for(char, fonts.chain(char)).name == family


@pytest.mark.parametrize(
    ("sample", "face"),
    [("抹茶ラテ", "Noto Sans CJK JP"), ("한국 화장품", "Noto Sans CJK KR"), ("保温杯", "Noto Sans CJK SC")],
)
def test_cjk_text_uses_the_face_of_its_language(sample: str, face: str) -> None:
    """Kana picks the Japanese face, hangul the Korean one, Han alone the Simplified Chinese one."""
    assert fonts.font_for(sample[0], fonts.chain(sample)).name == face


def test_clusters_are_never_split_across_fonts() -> None:
    """Joiners, selectors, skin tones and vowel signs stay in the run of the character they belong to."""
    for word in ["❤️👍🏽👨‍👩‍👧", "नमस्ते", "ที่"]:
        assert len(fonts.runs(word, 48, fonts.chain(word))) == 1


def test_punctuation_follows_the_font_of_its_word() -> None:
    """Arabic digits and percent sign stay in the Arabic run; Latin punctuation stays with Latin letters."""
    assert [r.text for r in fonts.runs("سعر٥٠٪", 48, fonts.chain("سعر"))] == ["سعر٥٠٪"]
    assert [r.text for r in fonts.runs("Wow!🔥", 48, fonts.chain())] == ["Wow!", "🔥"]


def test_joiners_and_selectors_are_not_reported_missing() -> None:
    """Characters that draw nothing on their own (ZWJ, VS16, bidi marks) never count as tofu."""
    assert fonts.missing_glyphs("Love‍❤️‏") == set()


def test_fonts_are_adbatch_package_data_with_licences() -> None:
    """Every font of the chain is a file of adbatch's own package, and each source ships its licence."""
    package = Path(adbatch.__file__).parent / "fonts"
    for spec in {*fonts.chain("a"), *fonts.chain("かな"), *fonts.chain("한글")}:
        assert spec.path.parent == package and spec.path.is_file()
    assert len(list(package.glob("LICENSE-*.txt"))) >= 7
    assert "SIL Open Font License" in (package / "LICENSE-noto-emoji.txt").read_text()


@pytest.mark.parametrize(
    ("words", "order"),
    [
        ("Try שמן זית today", [0, 2, 1, 3]),  # a right-to-left name inside an English line
        ("שמן זית 50% הנחה", [3, 2, 1, 0]),  # a right-to-left line, a number in it
        ("מבצע iPhone 15 Pro עכשיו", [4, 1, 2, 3, 0]),  # an English name inside a right-to-left line
        ("Café 🔥 Crème", [0, 1, 2]),
    ],
)
def test_words_are_ordered_by_the_bidi_rules(words: str, order: list[int]) -> None:
    """Right-to-left runs of words are reversed; the paragraph takes the first strong word's direction."""
    assert fonts.visual_order(words.split()) == order


def test_cjk_text_wraps_between_characters() -> None:
    """Chinese without spaces breaks between characters instead of shrinking to one line."""
    style = text.TextStyle(size=60, max_lines=4)
    fnt, lines = text.fit("超级好用的保温杯一整天都很热", style, 400, 600)
    assert len(lines) > 1 and fnt.size == 60
    assert "".join(lines) == "超级好用的保温杯一整天都很热"


def test_closing_punctuation_never_starts_a_line() -> None:
    """A CJK full stop or comma stays with the character before it."""
    assert [u.text for u in text.units("好用。真的！")] == ["好", "用。", "真", "的！"]


@pytest.mark.parametrize("name", list(NAMES.values()))
def test_every_word_is_drawn_inside_the_patch(name: str) -> None:
    """The patch's ink spans the laid-out width (each word's runs added up): nothing is dropped or clipped."""
    style = text.TextStyle(size=48, max_lines=1)
    lay = text.layout(text.units(name), style, 4000, 400)
    patch = text.paint(lay, style)
    cols = np.flatnonzero(patch[..., 3].max(axis=0) > 0)
    ink = cols[-1] - cols[0] + 1
    line = lay.lines[0]
    measured = sum(fonts.width(text.units(name)[i].text, lay.size, lay.specs) for i in line)
    gaps = len(line) - 1 - sum(text.units(name)[i].glue for i in line[1:])
    expected = measured + gaps * fonts.face(lay.specs[0], lay.size).getlength(" ")
    assert abs(ink - expected) <= 2 * lay.stroke + 0.25 * lay.size
    assert cols[0] > 0 and cols[-1] < patch.shape[1] - 1


def test_text_too_long_for_its_box_is_scaled_down_not_cut() -> None:
    """Even below the smallest font size, the patch is shrunk to fit its box."""
    patch = text.render("Supercalifragilisticexpialidocious" * 3, text.TextStyle(size=40, max_lines=1), 120, 40)
    assert patch.shape[1] <= 120 and patch.shape[0] <= 40 and patch[..., 3].any()


def test_existing_callers_keep_their_api() -> None:
    """font, wrap, fit and render keep their signatures and meaning."""
    fnt = text.font(40)
    assert fnt.size == 40 and text.wrap("one two three four five", fnt, 200)[0] == "one two"
    style = text.TextStyle(size=80, box=(255, 255, 255))
    small, lines = text.fit("Stop scrolling right now please", style, 300, 400)
    assert small.size < 80 and all(small.getlength(line) <= 300 for line in lines)
    patch = text.render("Stop scrolling", style, 300, 400)
    assert patch.dtype == np.uint8 and patch.shape[2] == 4 and patch.shape[1] <= 300


def test_a_brand_font_comes_first_and_still_falls_back() -> None:
    """With a brand font, its glyphs are used first and CJK still comes from Noto, without tofu."""
    brand = str(text.font_dir() / "DejaVuSans.ttf")  # any font file: here the regular weight stands in
    specs = fonts.chain("Mug 保温杯", brand)
    assert fonts.font_for("M", specs).path.name == "DejaVuSans.ttf"
    assert fonts.font_for("保", specs).name == "Noto Sans CJK SC"
    assert fonts.missing_glyphs("Mug 保温杯", brand) == set()
    serif = text.render("Mug", text.TextStyle(size=48, font_path=brand), 400, 200)
    sans = text.render("Mug", text.TextStyle(size=48), 400, 200)
    assert serif.shape != sans.shape or not np.array_equal(serif, sans)


def test_coverage_is_every_code_point_the_fonts_cmap_maps() -> None:
    """A font's coverage (read with numbered glyph names, the fast way) is exactly the code points fontTools'
    own reading of its best cmap maps to a glyph, for every font the renderer ships."""
    from fontTools.ttLib import TTFont

    shipped = sorted((Path(adbatch.__file__).parent / "fonts").glob("*.[ot]tf"))
    assert len(shipped) >= 8
    for path in shipped:
        with TTFont(path, lazy=True) as ttf:
            named = frozenset(ttf.getBestCmap())
        assert fonts.coverage(fonts.FontSpec(path.stem, path)) == named, path.name
