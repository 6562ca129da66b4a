"""The stage Protocols every provider implements, and the requests they take.

A provider is a small adapter chosen by Hydra ``_target_`` in ``conf/provider/``; it
knows its engine or SDK and nothing about other stages. Caching, cost recording and
retries are wrappers written once (``adbatch.stages.assets``), not repeated per adapter.

Each generating method writes its result to the path it is given and returns an
``Output``: the facts to keep (duration, word timings...) and the usage that is billed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from adbatch.domain.archetype import Archetype, Slot
from adbatch.domain.insights import Insights
from adbatch.domain.product import Product
from adbatch.domain.script import HookCandidate, Script
from adbatch.errors import ProviderError


@dataclass(frozen=True)
class Output:
    """What a provider call produced besides its file: facts, billed units and cost."""

    meta: dict[str, Any] = field(default_factory=dict)
    units: dict[str, float] = field(default_factory=dict)  # tokens, characters, seconds, images
    cost_usd: float = 0.0  # actual cost, from the usage and the dated price table in conf/
    attempts: int = 1  # HTTP attempts the call took (retries + 1)
    lost: int = 0  # of those, paid requests whose reply was lost after sending: the provider may have billed them
    # (provider, model) that really made it, when not the stage's provider itself: a hybrid's still plate is
    # drawn locally, and its call must not read as one more Kling prediction in the provider stats
    made_by: tuple[str, str] | None = None


class GenerationFailed(ProviderError):
    """The provider took the request and its generation failed on its side (a content filter refused it, it ran
    out of capacity, the model errored): unlike a bad request or key, a new request may well succeed."""


@dataclass(frozen=True)
class ScriptRequest:
    product: Product
    insights: Insights
    archetype: Archetype
    seed: int
    words_per_second: float  # the voice's speaking rate, so lines fit their slots
    speech_seconds: Mapping[str, float]  # slot id -> seconds of speech it can hold (timeline.speech_budget)


@dataclass(frozen=True)
class ShortenRequest:
    """A script whose voice-over runs long: ``words`` caps the listed slots' voice lines (spoken words,
    ``adbatch.domain.script.spoken_words``); the other lines, the hooks and every on-screen text stay."""

    request: ScriptRequest  # what the script was written from
    script: Script
    words: Mapping[str, int]  # slot id -> spoken words its voice line may take at most


@dataclass(frozen=True)
class HookRankRequest:
    """Five scored hooks to rank by scroll-stop strength (a judge, not the writer, ranks them)."""

    product: Product
    insights: Insights
    archetype: Archetype
    hooks: tuple[HookCandidate, ...]  # ranked by the offline score, features filled in
    hook_seconds: float  # how long the hook scene lasts (the text must be read in it)


@dataclass(frozen=True)
class CritiqueRequest:
    """A draft video for the creative director's critique: its beats, and the rules' own notes.

    The beats describe the body only (the hook beat's words are left out), so every hook
    variant of a script gets the same critique and keeps sharing one body."""

    product: Product
    archetype: Archetype
    beats: tuple[Mapping[str, Any], ...]  # adbatch.stages.direct.describe(): one dict per shot
    rule_notes: tuple[str, ...]  # what the deterministic rules already said
    pacing: Mapping[str, float]  # the rules the edits must respect (scene_min, scene_max, ...)
    reorderable: tuple[str, ...]  # body beats whose order the director may change


Motion = Literal["clip", "still"]
SUFFIX: dict[Motion, str] = {"clip": ".mp4", "still": ".jpg"}  # the file a scene of each motion is written to


@dataclass(frozen=True)
class SceneRequest:
    """One shot's picture. Planning (``adbatch.stages.plan.asset_plan``) decides its ``motion``: a generated
    clip, or a still plate the renderer films with a camera move; a generator never guesses it."""

    product: Product
    slot: Slot
    shot: int  # index of the shot within its slot (varies the framing)
    prompt: str
    width: int  # plate size in pixels (larger than the frame: room for camera moves)
    height: int
    seed: int
    palette: tuple[str, str]  # brand primary and secondary colours, #RRGGBB
    motion: Motion = "still"
    photo: Path | None = None  # the product photo this shot shows (planning cycles a feed's photos); None: the hero

    @property
    def picture(self) -> Path:
        """The product photo to draw or animate: this shot's ``photo``, else the product's hero image."""
        return self.photo or self.product.image

    @property
    def suffix(self) -> str:
        """The file type this scene is written as: .mp4 for a clip, .jpg for a still plate."""
        return SUFFIX[self.motion]


@dataclass(frozen=True)
class CardRequest:
    product: Product
    width: int
    height: int
    seed: int
    palette: tuple[str, str]


@dataclass(frozen=True)
class MusicRequest:
    mood: str
    bpm: int
    seconds: float
    seed: int


@runtime_checkable
class Provider(Protocol):
    name: str  # provider name recorded in manifests (offline, anthropic, ...)
    model: str  # model or engine name recorded in manifests and cache keys

    def params(self) -> dict[str, Any]:
        """Settings that change the output: part of every cache key."""

    def estimate(self, request: Any) -> float:
        """USD this call would cost for ``request`` (reserved against the caps before calling)."""


class ScriptWriter(Provider, Protocol):
    """The script stage: writes the script; may also analyse the product and judge (its capabilities).

    Callers check ``supports_vision`` before ``analyze`` and ``judge_model`` before ``rank_hooks`` and
    ``critique``, never ``hasattr``. A writer without those steps subclasses this Protocol and
    inherits the defaults below: no vision, no judge, no per-call settings."""

    supports_vision: bool = False  # analyze() reads the product's photo, description and reviews
    judge_model: str | None = None  # the model that ranks hooks and critiques drafts; None: no judge

    @property
    def label(self) -> str:
        """Who ranked the hooks and wrote critique notes, as manifests and reports say it."""
        return self.name

    def call_params(self, kind: str) -> dict[str, Any]:
        """The settings one kind of call (script | vision | hooks | critique) depends on: part of its cache key."""
        return {}

    def expected(self, request: Any) -> float:
        """USD a call usually costs, what a dry run prints (``estimate`` is the upper bound reserved)."""
        return self.estimate(request)

    async def write(self, request: ScriptRequest) -> tuple[Script, Output]:
        """Fill the archetype's slots and write 5 hooks (one per angle), unranked."""
        raise NotImplementedError

    async def shorten(self, request: ShortenRequest) -> tuple[Script, Output]:
        """The script with the listed slots' voice lines cut to their word caps, as one round (fitting a
        long voice-over, ``adbatch.stages.fit``). The default: the script unchanged, nothing shorter."""
        return request.script, Output()

    async def lead_with(self, request: ScriptRequest, script: Script) -> tuple[Script, Output]:
        """``script`` (its hooks ranked, best first) with a body that leaves unsaid what its leading hook
        says: that hook opens every hook=best video, and a beat saying it again spends seconds on what the
        viewer just heard. The default: the script unchanged (a live writer writes hooks and body at once,
        told that a beat never repeats a hook). A writer whose rewrite costs money does not override this."""
        return script, Output()

    async def analyze(self, product: Product, out: Path) -> Output:
        """Write notes on the product (its photo, description and reviews) to ``out`` (JSON)."""
        raise NotImplementedError(f"the {self.name} writer does not analyse products (supports_vision is False)")

    async def rank_hooks(self, request: HookRankRequest, out: Path) -> Output:
        """Write the hooks' ranking, best first, one reason each, to ``out`` (JSON)."""
        raise NotImplementedError(f"the {self.name} writer does not judge (judge_model is None)")

    async def critique(self, request: CritiqueRequest, out: Path) -> Output:
        """Write notes on the draft, each with an optional edit, to ``out`` (JSON)."""
        raise NotImplementedError(f"the {self.name} writer does not judge (judge_model is None)")


class VoiceSynth(Provider, Protocol):
    @property
    def words_per_second(self) -> float:
        """The voice's speaking rate, so lines are sized to their slots before they are spoken."""

    async def speak(self, text: str, out: Path) -> Output:
        """Speak ``text`` into the WAV file ``out``; meta has ``duration`` and ``words``."""


class SceneGenerator(Provider, Protocol):
    async def scene(self, request: SceneRequest, out: Path) -> Output:
        """Write one scene as ``request.motion`` says: a still plate (JPEG) or a clip (MP4); meta has ``kind``."""


class ImageGenerator(Provider, Protocol):
    async def card(self, request: CardRequest, out: Path) -> Output:
        """Write the end card's background image at the requested size."""


class MusicSource(Provider, Protocol):
    gain_db: float  # the bed's level in the mix, dB (0: as written)

    async def bed(self, request: MusicRequest, out: Path) -> Output:
        """Write a music bed (WAV) at least ``seconds`` long."""
