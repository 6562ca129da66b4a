"""The offline provider: every stage with no key and no network, at $0.

- ``OfflineScriptWriter`` (in ``offline_writer``) fills the archetype's slots from the row's typed
  facts with the grammar-aware templates of ``prompts/offline/copy.yaml``.
- ``EspeakVoice`` speaks with eSpeak NG (pip-installed) and returns word timings.
- ``PlateSceneGenerator`` and ``CardImageGenerator`` draw from the product photo.
- ``SynthMusic`` synthesizes a music bed.
CPU-bound work runs in threads so a video's assets are still produced concurrently.
"""

from __future__ import annotations

import asyncio
import functools
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image

from adbatch.media.wav import write_wav
from adbatch.providers import espeak, offline_art
from adbatch.providers.base import CardRequest, MusicRequest, Output, SceneRequest
from adbatch.providers.offline_writer import OfflineScriptWriter  # noqa: F401  (conf's _target_ names it here)


class EspeakVoice:
    """eSpeak NG through ``espeakng-loader``: intelligible speech with word timings."""

    name = "offline"
    model = "espeak-ng"

    def __init__(self, voice: str = "en-us", rate_wpm: int = 170, pitch: int = 48) -> None:
        self.voice, self.rate_wpm, self.pitch = voice, rate_wpm, pitch

    @property
    def words_per_second(self) -> float:
        # measured: the offline copy of examples/catalog.csv x 8 archetypes (265 lines, written to fill their
        # beats) at 170 wpm is spoken at 3.44 spoken words a second (adbatch.domain.script.spoken_words:
        # numbers and pauses counted), within 0.47 s a line
        return self.rate_wpm / 60 * 1.214

    def params(self) -> dict[str, Any]:
        return {"voice": self.voice, "rate_wpm": self.rate_wpm, "pitch": self.pitch, "script_voices": 1}

    def estimate(self, request: Any) -> float:
        return 0.0

    async def speak(self, text: str, out: Path) -> Output:
        voice = voice_for(text, self.voice)
        speech = await asyncio.to_thread(espeak.synthesize, text, voice=voice, rate_wpm=self.rate_wpm, pitch=self.pitch)
        write_wav(out, speech.samples.astype("float32") / 32768.0, speech.sample_rate)
        words = [[w.word, round(w.start, 4), round(w.end, 4)] for w in speech.words]
        return Output(meta={"duration": speech.duration, "words": words}, units={"characters": len(text)})


# eSpeak voices for lines written mostly in another script: an English voice spells Arabic letter by
# letter (a three-word product name took 13 s), so a line in Arabic is read by the Arabic voice
SCRIPT_VOICES = {
    "ARABIC": "ar",
    "HEBREW": "he",
    "CYRILLIC": "ru",
    "GREEK": "el",
    "CJK": "cmn",
    "HANGUL": "ko",
    "HIRAGANA": "ja",
    "KATAKANA": "ja",
    "DEVANAGARI": "hi",
    "THAI": "th",
}


def voice_for(text: str, default: str) -> str:
    """The eSpeak voice for ``text``: ``default``, unless most of its letters are of a script in SCRIPT_VOICES."""
    scripts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "").split(" ")[0]
            scripts[name] = scripts.get(name, 0) + 1
    if not scripts:
        return default
    top = max(scripts, key=lambda k: scripts[k])
    return SCRIPT_VOICES.get(top, default) if scripts[top] * 2 > sum(scripts.values()) else default


class PlateSceneGenerator:
    """Scene plates drawn from the product photo (no generated video offline)."""

    name = "offline"
    model = "plates-v3"  # v2: the photo stays inside the style's product area, and its box is returned; v3: the
    # blurred backdrop is made at a quarter of the size (another picture, so not the v2 key)

    def __init__(self, plates: Mapping[str, Any] | offline_art.PlateStyle | None = None) -> None:
        self.style = offline_art.as_style(plates, offline_art.PLATES)  # conf: ${style.plates}

    def params(self) -> dict[str, Any]:
        return offline_art.style_params(self.style, offline_art.PLATES)

    def estimate(self, request: Any) -> float:
        return 0.0

    async def scene(self, request: SceneRequest, out: Path) -> Output:
        def draw() -> offline_art.Box:
            picture = Path(request.picture)
            img, box = offline_art.plate_with_box(
                _photo(picture, picture.stat().st_mtime_ns),
                layout=request.slot.layout,
                size=(request.width, request.height),
                palette=request.palette,
                seed=request.seed,
                shot=request.shot,
                style=self.style,
            )
            img.save(out, "JPEG", quality=self.style.jpeg_quality)
            return box

        box = await asyncio.to_thread(draw)
        # where the photo landed, so the layout keeps text off it (shares of the plate: x0, y0, x1, y1)
        return Output(meta={"kind": "still", "product_box": [round(v, 4) for v in box]}, units={"images": 1})


PHOTOS_HELD = 4  # decoded product photos kept: a video's plates (a dozen) all draw from one or two


@functools.lru_cache(maxsize=PHOTOS_HELD)
def _photo(path: Path, stamp: int) -> Image.Image:
    """The product photo, decoded once for all of a video's plates (a 1024 px PNG: ~35 ms each time);
    ``stamp`` (its mtime) keeps a replaced file from being served stale. ``plate_with_box`` turns it upright
    and RGB on its own copy, so drawing never changes it."""
    with Image.open(path) as photo:
        photo.load()
        decoded: Image.Image = photo.copy()
    return decoded


class CardImageGenerator:
    """The end card's background: a brand gradient."""

    name = "offline"
    model = "gradient-v1"

    def __init__(self, plates: Mapping[str, Any] | offline_art.PlateStyle | None = None) -> None:
        self.style = offline_art.as_style(plates, offline_art.PLATES)  # conf: ${style.plates}

    def params(self) -> dict[str, Any]:
        return offline_art.style_params(self.style, offline_art.PLATES)

    def estimate(self, request: Any) -> float:
        return 0.0

    async def card(self, request: CardRequest, out: Path) -> Output:
        img = await asyncio.to_thread(
            offline_art.card_background,
            (request.width, request.height),
            request.palette,
            request.seed,
            style=self.style,
        )
        img.save(out, "JPEG", quality=self.style.jpeg_quality)
        return Output(units={"images": 1})


class SynthMusic:
    """A synthesized chord-loop bed, made once per (mood, tempo, length) and cached."""

    name = "offline"
    model = "synth-v1"

    def __init__(self, gain_db: float = -16.0, bed: Mapping[str, Any] | offline_art.BedStyle | None = None) -> None:
        self.gain_db = gain_db
        self.style = offline_art.as_style(bed, offline_art.BED)  # conf: ${style.bed}

    def params(self) -> dict[str, Any]:
        return offline_art.style_params(self.style, offline_art.BED)

    def estimate(self, request: Any) -> float:
        return 0.0

    async def bed(self, request: MusicRequest, out: Path) -> Output:
        audio = await asyncio.to_thread(
            offline_art.music_bed,
            mood=request.mood,
            bpm=request.bpm,
            seconds=request.seconds,
            seed=request.seed,
            style=self.style,
        )
        write_wav(out, audio, offline_art.SAMPLE_RATE_HZ)
        return Output(meta={"seconds": request.seconds}, units={"seconds": request.seconds})
