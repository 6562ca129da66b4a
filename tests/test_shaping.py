"""Shaping: every script is drawn as Pillow's RAQM layout (HarfBuzz + FriBiDi) draws it, font runs and all."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, features

from adbatch.render import fonts, text

SIZE = 48
CANVAS = (640, 120)
BASELINE = (20, 80)


def font(file: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(fonts.FONT_DIR / file), SIZE, layout_engine=ImageFont.Layout.RAQM)


def ours(word: str) -> np.ndarray:
    """``word`` drawn by the renderer's fallback chain."""
    img = Image.new("L", CANVAS, 0)
    fonts.draw(ImageDraw.Draw(img), BASELINE, word, SIZE, fonts.chain(word), fill=255)
    return np.asarray(img)


def reference(*pieces: tuple[str, str], direction: str | None = None) -> np.ndarray:
    """(text, font file) pieces drawn left to right, each by one RAQM call straight through Pillow."""
    img = Image.new("L", CANVAS, 0)
    canvas, (x, y) = ImageDraw.Draw(img), BASELINE
    for s, file in pieces:
        fnt = font(file)
        features = ["-kern"] if file.startswith("DejaVu") else None  # the renderer sets Latin unkerned
        canvas.text((x, y), s, font=fnt, fill=255, anchor="ls", direction=direction, features=features)
        x += fnt.getlength(s, direction=direction, features=features)
    return np.asarray(img)


def one_by_one(word: str, file: str) -> np.ndarray:
    """``word``'s characters drawn one at a time, left to right: what an unshaped layout shows."""
    return reference(*((c, file) for c in word), direction="ltr")


def test_pillow_has_raqm() -> None:
    """The Pillow in use shapes with RAQM (HarfBuzz and FriBiDi), which everything below relies on."""
    assert features.check("raqm")


@pytest.mark.parametrize(
    ("word", "file"),
    [
        ("سلام", "NotoSansArabic-Bold.ttf"),  # joining forms and the lam-alef ligature
        ("नमस्ते", "NotoSansDevanagari-Bold.ttf"),  # a conjunct and a vowel sign drawn before its consonant
        ("สวัสดีครับ", "NotoSansThai-Bold.ttf"),  # vowel and tone marks stacked on their consonants
        ("שלום", "NotoSansHebrew-Bold.ttf"),  # letters right to left
    ],
)
def test_a_word_of_each_script_is_shaped_as_raqm_shapes_it(word: str, file: str) -> None:
    """The word matches RAQM's own drawing in the script's Noto font, which differs from its letters set one by one."""
    got = ours(word)
    assert np.array_equal(got, reference((word, file)))
    assert not np.array_equal(got, one_by_one(word, file))


@pytest.mark.parametrize("sequence", ["👨\u200d👩\u200d👧", "🇯🇵", "👍🏽", "❤️", "#️⃣"])
def test_emoji_sequences_draw_as_one_glyph(sequence: str) -> None:
    """A ZWJ family, a flag, a skin tone, a VS16 heart and a keycap are each one emoji wide, drawn by Noto Emoji."""
    emoji = fonts.face(fonts.EMOJI, SIZE)
    assert fonts.width(sequence, SIZE, fonts.chain(sequence)) == pytest.approx(emoji.getlength("👨"))
    assert np.array_equal(ours(sequence), reference((sequence, "NotoEmoji-Bold.ttf")))


def test_a_word_mixing_fonts_is_drawn_run_by_run() -> None:
    """Latin letters and an emoji in one word: each run in its own font, side by side."""
    assert np.array_equal(ours("Glow🔥"), reference(("Glow", "DejaVuSans-Bold.ttf"), ("🔥", "NotoEmoji-Bold.ttf")))


def test_brackets_of_a_right_to_left_word_are_mirrored() -> None:
    """(שמן)! in Hebrew: the exclamation mark leftmost, brackets mirrored around the right-to-left letters."""
    expected = reference(
        ("!(", "DejaVuSans-Bold.ttf"), ("שמן", "NotoSansHebrew-Bold.ttf"), (")", "DejaVuSans-Bold.ttf")
    )
    assert np.array_equal(ours("(שמן)!"), expected)


@pytest.mark.parametrize(
    ("line", "order"),
    [
        ("Try שמן זית today", ["Try", "זית", "שמן", "today"]),  # a Hebrew name in an English line
        ("زيت الأرغان 50% 🔥", ["🔥", "50%", "الأرغان", "زيت"]),  # an Arabic line: a number and an emoji in it
    ],
)
def test_mixed_direction_lines_put_words_in_bidi_order(line: str, order: list[str]) -> None:
    """Words sit left to right in the Unicode bidi order, and each is drawn exactly as RAQM draws it."""
    style = text.TextStyle(size=SIZE, stroke=None, max_lines=1)
    lay = text.layout(text.units(line), style, 2000, 400)
    pieces = sorted(lay.pieces, key=lambda p: p[1])
    assert [word for *_, word in pieces] == order
    img = Image.new("L", (lay.width, lay.height), 0)
    canvas = ImageDraw.Draw(img)
    for _, x, y, word in pieces:  # the reference: each word by one RAQM call in the font that has it
        spec = fonts.font_for(word[0], lay.specs)
        assert spec is not None
        fnt = fonts.face(spec, lay.size)
        canvas.text((x, y), word, font=fnt, fill=255, anchor="ls", features=list(spec.features or []) or None)
    patch = text.paint(lay, style, fills=[(255, 255, 255)] * len(lay.pieces))
    assert np.array_equal(np.asarray(img) > 127, patch[..., 3] > 127)


def test_latin_text_is_read_back_by_ocr(tmp_path: Path) -> None:
    """Tesseract (English, as CI installs it) reads a boxed hook drawn with the shipped fonts word for word."""
    exe = shutil.which("tesseract")
    assert exe, "tesseract is missing: run `sh tests/system-deps.sh` (apt package: tesseract-ocr)"
    hook = "Cold coffee? Fixed in 6 hours"
    style = text.TextStyle(size=64, fill=(20, 20, 20), stroke=None, box=(255, 255, 255), max_lines=2)
    patch = Image.fromarray(text.render(hook, style, 1000, 400))
    page = Image.new("RGBA", (patch.width + 80, patch.height + 80), (40, 90, 160, 255))
    page.alpha_composite(patch, (40, 40))
    page.convert("RGB").save(tmp_path / "hook.png")
    read = subprocess.run([exe, str(tmp_path / "hook.png"), "stdout"], capture_output=True, text=True, check=True)
    assert read.stdout.split() == hook.split()
