"""Produce a video's assets concurrently, each through the content-addressed cache.

``Producer.run`` is the one wrapper every provider call goes through: it derives the
cache key, reuses a cached file (at $0, recorded as a hit with the money saved), or
calls the provider and records units, cost and latency. ``generate`` puts all of a
video's asset calls in flight at once, so a video's wall time is about its slowest
asset, not their sum.

A paid asset that fails for good is replaced as the ``fallback`` policy allows
(``adbatch.stages.degrade``), and listed in ``Assets.degraded``.

A paid request whose reply was lost after it was sent (``Output.lost``, ``ProviderError.lost``)
may have been billed: each such request is recorded at the call's estimate as
``possibly_billed_usd``, apart from the confirmed ``cost_usd``, and held in the ledger against the caps.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adbatch.domain.manifest import LOGGED_CALL_FIELDS, Call
from adbatch.errors import ProviderError
from adbatch.providers.base import (
    CardRequest,
    ImageGenerator,
    MusicRequest,
    MusicSource,
    Output,
    SceneGenerator,
    SceneRequest,
    VoiceSynth,
)
from adbatch.stages.degrade import Fallback, backed_up, clip_or_plate
from adbatch.store.cache import AssetCache, content_key
from adbatch.store.ledger import CapExceeded, Ledger


@dataclass(frozen=True)
class Produced:
    path: Path
    meta: dict[str, Any]
    call: Call


class Producer:
    """Runs provider calls through the cache and the spend ledger, and keeps the record of every call."""

    def __init__(self, cache: AssetCache, log: Any, *, ledger: Ledger | None = None, video: str = "") -> None:
        self.cache, self.log, self.ledger, self.video = cache, log, ledger, video
        self.calls: list[Call] = []

    async def run(
        self,
        *,
        stage: str,
        provider: Any,
        parts: Mapping[str, Any],
        suffix: str,
        make: Callable[[Path], Awaitable[Output]],
        estimate: Callable[[], float] = lambda: 0.0,
        prompt: str | None = None,
    ) -> Produced:
        """The asset for ``parts``: from the cache at $0, or made once after reserving its ``estimate()``
        (asked for only on a miss: pricing an LLM call renders its whole prompt); ``prompt``: what the asset
        was asked to show, as the manifest records it (scenes)."""
        key = self.key(stage=stage, provider=provider, parts=parts)
        tic = time.perf_counter()
        priced = {"estimate_usd": 0.0}  # what the call was reserved at, once it is made (a miss)

        async def produce(tmp: Path) -> dict[str, Any]:
            estimate_usd = priced["estimate_usd"] = estimate()
            reservation = self._reserve(estimate_usd)
            try:
                out = await make(tmp)
            except asyncio.CancelledError:
                self._settle(reservation, 0.0, estimate_usd)  # in flight: may have been billed, so held
                raise
            except BaseException as exc:  # a failed call may still have been billed, or possibly billed
                self._settle(reservation, _billed(exc), _possibly(_lost(exc), estimate_usd))
                raise
            self._settle(reservation, out.cost_usd, _possibly(out.lost, estimate_usd))
            return {
                "meta": out.meta,
                "units": out.units,
                "cost_usd": out.cost_usd,
                "possibly_billed_usd": _possibly(out.lost, estimate_usd),
                "attempts": out.attempts,
                "estimate_usd": estimate_usd,
                "stage": stage,
                "provider": out.made_by[0] if out.made_by else provider.name,
                "model": out.made_by[1] if out.made_by else provider.model,
            }

        try:
            entry = await self.cache.get_or_make(key, suffix, produce)
        except Exception as exc:
            failed = Call(
                stage=stage,
                provider=provider.name,
                model=provider.model,
                key=key,
                units={},
                cost_usd=_billed(exc),
                possibly_billed_usd=_possibly(_lost(exc), priced["estimate_usd"]),
                latency_s=round(time.perf_counter() - tic, 4),
                attempts=_attempts(exc),
                ok=False,
                error=f"{type(exc).__name__}: {exc}",
                prompt=prompt,
            )
            self.calls.append(failed)
            self.log.warning("provider_call_failed", error=str(exc), **_logged(failed))
            raise
        cost = float(entry.record.get("cost_usd", 0.0))
        call = Call(
            stage=stage,
            provider=str(entry.record.get("provider", provider.name)),
            model=str(entry.record.get("model", provider.model)),
            key=key,
            units=entry.record.get("units", {}),
            cost_usd=0.0 if entry.hit else cost,
            possibly_billed_usd=0.0 if entry.hit else float(entry.record.get("possibly_billed_usd", 0.0)),
            latency_s=round(time.perf_counter() - tic, 4),
            cache_hit=entry.hit,
            attempts=0 if entry.hit else int(entry.record.get("attempts", 1)),
            saved_usd=cost if entry.hit else 0.0,
            prompt=prompt,
        )
        self.calls.append(call)
        # its provider is who really made it (a hybrid's still: the still generator)
        self.log.info("provider_call", **_logged(call))
        return Produced(path=entry.path, meta=entry.record.get("meta", {}), call=call)

    @staticmethod
    def key(*, stage: str, provider: Any, parts: Mapping[str, Any]) -> str:
        """The cache key of the asset ``provider`` makes for ``parts``: everything that decides it."""
        return content_key(
            {"stage": stage, "provider": provider.name, "model": provider.model, "params": provider.params(), **parts}
        )

    def cached(self, *, stage: str, provider: Any, parts: Mapping[str, Any], suffix: str) -> bool:
        """True when ``run`` with these arguments would be a cache hit (nothing made, nothing paid)."""
        return self.cache.lookup(self.key(stage=stage, provider=provider, parts=parts), suffix) is not None

    def _settle(self, reservation: str | None, actual: float, possibly_billed: float = 0.0) -> None:
        if reservation and self.ledger is not None:  # a reservation exists only when there is a ledger
            self.ledger.settle(reservation, actual, possibly_billed)

    def _reserve(self, estimate_usd: float) -> str | None:
        if self.ledger is None or estimate_usd <= 0:
            return None
        return self.ledger.reserve(self.video, estimate_usd)


def _logged(call: Call) -> dict[str, Any]:
    """A call's fields for its log line: enough to rebuild the call from ``log.jsonl`` when the job dies
    before its manifest (``adbatch.store.lost``), so what it spent is never lost with it."""
    return call.model_dump(include=LOGGED_CALL_FIELDS)


def _billed(exc: BaseException) -> float:
    """What a failed call still cost: a ProviderError says (a clip made, then lost), anything else cost nothing."""
    return exc.cost_usd if isinstance(exc, ProviderError) else 0.0


def _lost(exc: BaseException) -> int:
    """Paid requests of a failed call whose reply was lost after sending (a ProviderError counts them)."""
    return exc.lost if isinstance(exc, ProviderError) else 0


def _possibly(lost: int, estimate_usd: float) -> float:
    """What ``lost`` unanswered paid requests may have been billed: the call's estimate each (an upper bound)."""
    return round(lost * estimate_usd, 6)


def _attempts(exc: BaseException) -> int:
    """HTTP attempts a failed call made: a ProviderError counts them, a cap refusal made none, else one."""
    if isinstance(exc, ProviderError):
        return exc.attempts
    return 0 if isinstance(exc, CapExceeded) else 1


@dataclass(frozen=True)
class AssetPlan:
    """Everything one video needs generated, decided before any call is made."""

    voice: Mapping[str, str]  # slot id -> spoken line
    scenes: Mapping[tuple[str, int], SceneRequest]  # (slot id, shot) -> request
    card: CardRequest
    music: MusicRequest


@dataclass(frozen=True)
class Providers:
    voice: VoiceSynth
    scenes: SceneGenerator
    image: ImageGenerator
    music: MusicSource


@dataclass
class Assets:
    voice: dict[str, Produced] = field(default_factory=dict)
    scenes: dict[tuple[str, int], Produced] = field(default_factory=dict)
    card: Produced | None = None
    music: Produced | None = None
    degraded: list[str] = field(default_factory=list)  # what was replaced: "scene demo/0: clip failed (...) -> ..."


async def generate(plan: AssetPlan, providers: Providers, producer: Producer, policy: Fallback | None = None) -> Assets:
    """Run every asset call of the plan concurrently, each replaced as ``policy`` allows when it fails for
    good; raise an ExceptionGroup of the failures nothing replaced.

    A failure does not cancel the calls in flight: they are already reserved and likely
    billed, so they finish and land in the cache, where a rerun (or a higher cap) reuses them.
    """
    assets, policy = Assets(), policy or Fallback()

    async def voice(slot: str, line: str) -> None:
        def make(synth: VoiceSynth) -> Awaitable[Produced]:
            return producer.run(
                stage="voice",
                provider=synth,
                parts={"text": line},
                suffix=".wav",
                make=lambda out: synth.speak(line, out),
                estimate=lambda: synth.estimate(line),
            )

        what = f"voice line {slot}"
        assets.voice[slot] = await backed_up(
            make, providers.voice, policy.voice, what=what, instead="offline voice", degraded=assets.degraded
        )

    async def scene(key: tuple[str, int], req: SceneRequest) -> None:
        parts = {
            "image": req.picture,
            "layout": req.slot.layout,
            "prompt": req.prompt,
            "size": [req.width, req.height],
            "seed": req.seed,
            "shot": req.shot,
            "palette": req.palette,
            "camera": req.slot.camera,
        }

        def make(request: SceneRequest, mark: dict[str, str]) -> Awaitable[Produced]:
            return producer.run(
                stage="scenes",
                provider=providers.scenes,
                parts=parts | mark,
                suffix=request.suffix,  # planning chose clip (.mp4) or still (.jpg)
                make=lambda out: providers.scenes.scene(request, out),
                estimate=lambda: providers.scenes.estimate(request),
                prompt=req.prompt,
            )

        def made_before(request: SceneRequest, mark: dict[str, str]) -> bool:
            return producer.cached(stage="scenes", provider=providers.scenes, parts=parts | mark, suffix=request.suffix)

        if req.motion == "clip":
            assets.scenes[key] = await clip_or_plate(make, req, policy, assets.degraded, made_before=made_before)
        else:
            assets.scenes[key] = await make(req, {})

    async def card() -> None:
        req = plan.card
        parts = {"size": [req.width, req.height], "seed": req.seed, "palette": req.palette, "product": req.product.name}

        def make(image: ImageGenerator) -> Awaitable[Produced]:
            return producer.run(
                stage="image",
                provider=image,
                parts=parts,
                suffix=".jpg",
                make=lambda out: image.card(req, out),
                estimate=lambda: image.estimate(req),
            )

        assets.card = await backed_up(
            make, providers.image, policy.card, what="end card", instead="offline card", degraded=assets.degraded
        )

    async def music() -> None:
        req = plan.music
        parts = {"mood": req.mood, "bpm": req.bpm, "seconds": req.seconds, "seed": req.seed}
        assets.music = await producer.run(
            stage="music",
            provider=providers.music,
            parts=parts,
            suffix=".wav",
            make=lambda out: providers.music.bed(req, out),
            estimate=lambda: providers.music.estimate(req),
        )

    calls = [voice(slot, line) for slot, line in plan.voice.items()]
    calls += [scene(key, req) for key, req in plan.scenes.items()]
    results = await asyncio.gather(*calls, card(), music(), return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    if errors:
        raise BaseExceptionGroup("asset generation failed", errors)
    assets.degraded.sort()  # calls finish in any order; the record should not
    for entry in assets.degraded:
        producer.log.warning("asset_degraded", replaced=entry)
    return assets
