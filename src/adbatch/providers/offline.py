"""The offline provider: every stage with no key and no network, at $0.

- ``OfflineScriptWriter`` fills the archetype's slots from the copy banks in
  ``prompts/offline/copy.yaml`` (Jinja2, sandboxed; product text is only ever data).
- ``EspeakVoice`` speaks with eSpeak NG (pip-installed) and returns word timings.
- ``PlateSceneGenerator`` and ``CardImageGenerator`` draw from the product photo.
- ``SynthMusic`` synthesizes a music bed.
CPU-bound work runs in threads so a video's assets are still produced concurrently.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from PIL import Image

from adbatch.domain.archetype import ANGLES
from adbatch.domain.script import HookCandidate, Script, SlotCopy, spoken_words
from adbatch.paths import PROMPTS_DIR
from adbatch.providers import espeak, offline_art
from adbatch.providers.base import CardRequest, MusicRequest, Output, SceneRequest, ScriptRequest
from adbatch.render.mix import write_wav
from adbatch.store.cache import file_digest

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_ENV.filters["capfirst"] = lambda s: s[:1].upper() + s[1:]


def _fill(template: str, facts: dict[str, str]) -> str | None:
    """Render one bank entry; None when it needs a fact this product does not have."""
    try:
        return " ".join(_ENV.from_string(template).render(**facts).split())
    except UndefinedError:
        return None


def _facts(req: ScriptRequest, rng: random.Random) -> dict[str, str]:
    """The product's facts as template variables; empty facts are left out on purpose."""
    p, ins = req.product, req.insights
    benefits = list(ins.benefits)
    rng.shuffle(benefits)
    first_sentence = p.description.split(". ")[0].rstrip(".")
    words = first_sentence.split()
    facts = {
        "name": p.name,
        "price": p.price_text,
        "benefit": benefits[0] if benefits else "",
        "benefit2": benefits[1] if len(benefits) > 1 else "",
        "benefit3": benefits[2] if len(benefits) > 2 else "",
        "quote": rng.choice(ins.quotes[:3]) if ins.quotes else "",
        "pain": ins.pains[0] if ins.pains else "",
        "audience": p.audience,
        "cta": p.cta or "Shop now",
        "desc_short": " ".join(words[:12]) + ("…" if len(words) > 12 else "."),
    }
    facts = {k: v for k, v in facts.items() if v}
    facts["price_line"] = f"Only {p.price_text}." if p.price_text else ""
    return facts


class OfflineScriptWriter:
    """Deterministic copywriter: seeded choice among bank variants that fit each slot's budget."""

    name = "offline"
    model = "copybank-v1"

    def __init__(self, copy_bank: str | None = None) -> None:
        self.path = Path(copy_bank) if copy_bank else PROMPTS_DIR / "offline" / "copy.yaml"
        self.bank = yaml.safe_load(self.path.read_text(encoding="utf-8"))

    def params(self) -> dict[str, Any]:
        return {"bank": file_digest(self.path)}

    def estimate(self, request: Any) -> float:
        return 0.0

    async def write(self, request: ScriptRequest) -> tuple[Script, Output]:
        script = self.write_now(request)
        return script, Output(units={"hooks": len(script.hooks), "slots": len(script.slots)})

    def write_now(self, req: ScriptRequest) -> Script:
        rng = random.Random(f"{req.seed}:{req.product.id}:{req.archetype.name}")
        facts = _facts(req, rng)
        budgets = {
            s.id: min(s.vo_words[1], int(req.speech_seconds[s.id] * req.words_per_second)) for s in req.archetype.slots
        }
        hook_budget = budgets[req.archetype.slots[0].id]
        hooks = [
            HookCandidate(angle=a, **self._pick(self.bank["hooks"][a], facts, hook_budget, rng, req)) for a in ANGLES
        ]
        slots = []
        for slot in req.archetype.slots[1:]:
            chosen = self._pick(self.bank["slots"][slot.type], facts, budgets[slot.id], rng, req)
            slots.append(SlotCopy(slot=slot.id, **chosen))
        slots = self._fit_total(slots, hooks, req)
        return Script(writer=f"{self.name}/{self.model}", hooks=tuple(hooks), slots=tuple(slots))

    @staticmethod
    def _fit_total(slots: list[SlotCopy], hooks: list[HookCandidate], req: ScriptRequest) -> list[SlotCopy]:
        """Short videos cannot voice every beat: mute the lightest body beats (their text stays)."""
        allowed = sum(req.speech_seconds.values()) * req.words_per_second
        longest_hook = max(spoken_words(h.voice) for h in hooks)
        weights = {s.id: s.weight for s in req.archetype.slots}
        body = sorted((i for i, s in enumerate(slots[:-1])), key=lambda i: weights[slots[i].slot])
        for i in body:
            if longest_hook + sum(spoken_words(s.voice) for s in slots) <= allowed:
                break
            slots[i] = slots[i].model_copy(update={"voice": ""})
        return slots

    def _pick(
        self, variants: list[dict], facts: dict[str, str], budget: int, rng: random.Random, req: ScriptRequest
    ) -> dict[str, str]:
        filled = []
        for v in variants:
            entry = {k: _fill(t, facts) for k, t in v.items()}
            if all(entry.values()):
                entry.setdefault("visual", f"{req.product.name}, {req.archetype.tone}")
                filled.append(entry)
        if not filled:
            raise ValueError(f"no copy variant fits product {req.product.id!r} (bank {self.path})")
        fitting = [e for e in filled if spoken_words(e["voice"]) <= budget]
        pool = fitting or [min(filled, key=lambda e: spoken_words(e["voice"]))]
        return dict(rng.choice(pool))


class EspeakVoice:
    """eSpeak NG through ``espeakng-loader``: intelligible speech with word timings."""

    name = "offline"
    model = "espeak-ng"

    def __init__(self, voice: str = "en-us", rate_wpm: int = 170, pitch: int = 48) -> None:
        self.voice, self.rate_wpm, self.pitch = voice, rate_wpm, pitch

    @property
    def words_per_second(self) -> float:
        return self.rate_wpm / 60 * 0.92  # eSpeak pauses at punctuation

    def params(self) -> dict[str, Any]:
        return {"voice": self.voice, "rate_wpm": self.rate_wpm, "pitch": self.pitch}

    def estimate(self, request: Any) -> float:
        return 0.0

    async def speak(self, text: str, out: Path) -> Output:
        speech = await asyncio.to_thread(
            espeak.synthesize, text, voice=self.voice, rate_wpm=self.rate_wpm, pitch=self.pitch
        )
        write_wav(out, speech.samples.astype("float32") / 32768.0, speech.sample_rate)
        words = [[w.word, round(w.start, 4), round(w.end, 4)] for w in speech.words]
        return Output(meta={"duration": speech.duration, "words": words}, units={"characters": len(text)})


class PlateSceneGenerator:
    """Scene plates drawn from the product photo (no generated video offline)."""

    name = "offline"
    model = "plates-v1"

    def params(self) -> dict[str, Any]:
        return {}

    def estimate(self, request: Any) -> float:
        return 0.0

    async def scene(self, request: SceneRequest, out: Path) -> Output:
        def draw() -> None:
            with Image.open(request.product.image) as photo:
                img = offline_art.plate(
                    photo,
                    layout=request.slot.layout,
                    size=(request.width, request.height),
                    palette=request.palette,
                    seed=request.seed,
                    shot=request.shot,
                )
            img.save(out, "JPEG", quality=92)

        await asyncio.to_thread(draw)
        return Output(meta={"kind": "still"}, units={"images": 1})


class CardImageGenerator:
    """The end card's background: a brand gradient."""

    name = "offline"
    model = "gradient-v1"

    def params(self) -> dict[str, Any]:
        return {}

    def estimate(self, request: Any) -> float:
        return 0.0

    async def card(self, request: CardRequest, out: Path) -> Output:
        img = await asyncio.to_thread(
            offline_art.card_background, (request.width, request.height), request.palette, request.seed
        )
        img.save(out, "JPEG", quality=92)
        return Output(units={"images": 1})


class SynthMusic:
    """A synthesized chord-loop bed, made once per (mood, tempo, length) and cached."""

    name = "offline"
    model = "synth-v1"

    def __init__(self, gain_db: float = -16.0) -> None:
        self.gain_db = gain_db

    def params(self) -> dict[str, Any]:
        return {}

    def estimate(self, request: Any) -> float:
        return 0.0

    async def bed(self, request: MusicRequest, out: Path) -> Output:
        audio = await asyncio.to_thread(
            offline_art.music_bed, mood=request.mood, bpm=request.bpm, seconds=request.seconds, seed=request.seed
        )
        write_wav(out, audio, 44100)
        return Output(meta={"seconds": request.seconds}, units={"seconds": request.seconds})
