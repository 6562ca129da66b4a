"""Produce a video's assets concurrently, each through the content-addressed cache.

``Producer.run`` is the one wrapper every provider call goes through: it derives the
cache key, reuses a cached file (at $0, recorded as a hit with the money saved), or
calls the provider and records units, cost and latency. ``generate`` puts all of a
video's asset calls in flight at once, so a video's wall time is about its slowest
asset, not their sum.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adbatch.cache import AssetCache, content_key
from adbatch.providers.base import (
    CardRequest, ImageGenerator, MusicRequest, MusicSource, Output, ProviderCall, SceneGenerator,
    SceneRequest, VoiceSynth,
)


@dataclass(frozen=True)
class Produced:
    path: Path
    meta: dict[str, Any]
    call: ProviderCall


class Producer:
    """Runs provider calls through the cache and keeps the record of every call."""

    def __init__(self, cache: AssetCache, log: Any) -> None:
        self.cache, self.log = cache, log
        self.calls: list[ProviderCall] = []

    async def run(self, *, stage: str, provider: Any, parts: Mapping[str, Any], suffix: str,
                  make: Callable[[Path], Awaitable[Output]]) -> Produced:
        key = content_key({"stage": stage, "provider": provider.name, "model": provider.model,
                           "params": provider.params(), **parts})
        tic = time.perf_counter()

        async def produce(tmp: Path) -> dict[str, Any]:
            out = await make(tmp)
            return {"meta": out.meta, "units": out.units, "cost_usd": out.cost_usd, "attempts": out.attempts}

        try:
            entry = await self.cache.get_or_make(key, suffix, produce)
        except Exception as exc:
            self.calls.append(ProviderCall(stage=stage, provider=provider.name, model=provider.model, key=key,
                                           units={}, cost_usd=0.0, latency_s=time.perf_counter() - tic,
                                           ok=False, error=f"{type(exc).__name__}: {exc}"))
            raise
        cost = float(entry.record.get("cost_usd", 0.0))
        call = ProviderCall(stage=stage, provider=provider.name, model=provider.model, key=key,
                            units=entry.record.get("units", {}), cost_usd=0.0 if entry.hit else cost,
                            latency_s=round(time.perf_counter() - tic, 4), cache_hit=entry.hit,
                            attempts=0 if entry.hit else int(entry.record.get("attempts", 1)),
                            saved_usd=cost if entry.hit else 0.0)
        self.calls.append(call)
        self.log.info("provider_call", stage=stage, provider=provider.name, model=provider.model,
                      cache_hit=entry.hit, latency_s=call.latency_s, cost_usd=call.cost_usd)
        return Produced(path=entry.path, meta=entry.record.get("meta", {}), call=call)


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


async def generate(plan: AssetPlan, providers: Providers, producer: Producer) -> Assets:
    """Run every asset call of the plan concurrently; the first failure cancels the rest."""
    assets = Assets()

    async def voice(slot: str, line: str) -> None:
        assets.voice[slot] = await producer.run(
            stage="voice", provider=providers.voice, parts={"text": line}, suffix=".wav",
            make=lambda out: providers.voice.speak(line, out))

    async def scene(key: tuple[str, int], req: SceneRequest) -> None:
        parts = {"image": req.product.image, "layout": req.slot.layout, "prompt": req.prompt,
                 "size": [req.width, req.height], "seed": req.seed, "shot": req.shot, "palette": req.palette,
                 "camera": req.slot.camera}
        assets.scenes[key] = await producer.run(
            stage="scenes", provider=providers.scenes, parts=parts, suffix=getattr(providers.scenes, "suffix", ".jpg"),
            make=lambda out: providers.scenes.scene(req, out))

    async def card() -> None:
        req = plan.card
        parts = {"size": [req.width, req.height], "seed": req.seed, "palette": req.palette,
                 "product": req.product.name}
        assets.card = await producer.run(stage="image", provider=providers.image, parts=parts, suffix=".jpg",
                                         make=lambda out: providers.image.card(req, out))

    async def music() -> None:
        req = plan.music
        parts = {"mood": req.mood, "bpm": req.bpm, "seconds": req.seconds, "seed": req.seed}
        assets.music = await producer.run(stage="music", provider=providers.music, parts=parts, suffix=".wav",
                                          make=lambda out: providers.music.bed(req, out))

    async with asyncio.TaskGroup() as group:
        for slot, line in plan.voice.items():
            group.create_task(voice(slot, line))
        for key, req in plan.scenes.items():
            group.create_task(scene(key, req))
        group.create_task(card())
        group.create_task(music())
    return assets
