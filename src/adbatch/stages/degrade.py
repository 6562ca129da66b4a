"""Degrade, don't discard: what stands in for a paid asset that failed for good (``fallback`` in conf/).

A clip whose generation failed (a content filter, capacity: ``GenerationFailed``) is created
anew as a new prediction ``clip_retries`` times, then becomes its shot's still plate; a failed
end card becomes the offline card; a failed voice line, only when ``fallback.voice=offline``,
the offline voice. ``adbatch.stages.assets.generate`` applies it: each replacement is one line
of ``Assets.degraded`` (the manifest's ``degraded``), and every attempt, failed or not, stays a
call in the manifest and the ledger. A bad or unauthorised key (``NEVER_DEGRADE``) and a cap
refusal are never papered over: they still fail (or skip) the video.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from adbatch.config import FallbackConf
from adbatch.errors import ConfigError, ProviderError
from adbatch.providers.base import GenerationFailed, ImageGenerator, SceneRequest, VoiceSynth

if TYPE_CHECKING:
    from adbatch.stages.assets import Produced

NEVER_DEGRADE = (401, 403)  # a bad or unauthorised key: replacing its assets would hide it behind "ok" videos
CHOICES = {"clip": ("plate", "fail"), "card": ("offline", "fail"), "voice": ("offline", "fail")}


@dataclass(frozen=True)
class Fallback:
    """What replaces a paid asset that failed for good; None (or no retries) where the video should fail."""

    clip_retries: int = 0  # a clip whose generation failed is created anew this many times...
    plate: bool = False  # ...then becomes its shot's still plate (drawn by the scene generator itself)
    card: ImageGenerator | None = None  # draws the end card's background instead of a failed one
    voice: VoiceSynth | None = None  # speaks a voice line whose synthesis failed


def from_conf(conf: FallbackConf, *, plates: Any) -> Fallback:
    """The ``Fallback`` the ``fallback`` config node asks for; the offline card and voice draw in the house
    ``plates`` style and speak with the offline voice's defaults (conf/provider.voice/offline.yaml)."""
    from adbatch.providers.offline import CardImageGenerator, EspeakVoice

    for key, values in CHOICES.items():
        if getattr(conf, key) not in values:
            raise ConfigError(f"fallback.{key}={getattr(conf, key)!r}: use {' or '.join(values)}")
    if conf.clip_retries < 0:
        raise ConfigError(f"fallback.clip_retries={conf.clip_retries}: use 0 or more")
    return Fallback(
        clip_retries=conf.clip_retries,
        plate=conf.clip == "plate",
        card=CardImageGenerator(plates=plates) if conf.card == "offline" else None,
        voice=EspeakVoice() if conf.voice == "offline" else None,
    )


def degradable(exc: BaseException) -> bool:
    """A provider's failure that a replacement may stand in for: not a cap refusal, not a bad key."""
    return isinstance(exc, ProviderError) and exc.status not in NEVER_DEGRADE


Make = Callable[[Any], Awaitable["Produced"]]  # runs one asset's call with the given provider
SceneMake = Callable[[SceneRequest, dict[str, str]], Awaitable["Produced"]]  # one scene's call, cache key marked
Seen = Callable[[SceneRequest, dict[str, str]], bool]  # whether that call would be a cache hit
PLATE = {"fallback": "plate"}  # marks a stand-in plate's cache key: it never poses as the clip itself


def _never(request: SceneRequest, mark: dict[str, str]) -> bool:
    return False


async def backed_up(make: Make, primary: Any, backup: Any, *, what: str, instead: str, degraded: list[str]) -> Produced:
    """``make(primary)``; if it fails in a way a replacement may cover, ``make(backup)``, noted in ``degraded``."""
    try:
        return await make(primary)
    except ProviderError as exc:
        if backup is None or not degradable(exc) or (backup.name, backup.model) == (primary.name, primary.model):
            raise
        made = await make(backup)
        degraded.append(f"{what}: failed ({exc}) -> {instead}")
        return made


async def clip_or_plate(
    make: SceneMake, req: SceneRequest, policy: Fallback, degraded: list[str], *, made_before: Seen = _never
) -> Produced:
    """A clip, created anew up to ``clip_retries`` times while its generation fails, then (when allowed) the
    shot's still plate. A clip an earlier video already gave up on (same clip, its plate cached, e.g. another
    hook variant of this body) goes straight to that plate: the variants keep one body, and no time is spent
    failing again (``regen`` of the scene tries anew)."""
    still, where = replace(req, motion="still"), f"scene {req.slot.id}/{req.shot}"
    if policy.plate and not made_before(req, {}) and made_before(still, PLATE):
        degraded.append(f"{where}: clip failed for an earlier video with the same clip -> still plate")
        return await make(still, PLATE)
    tries = 1
    while True:
        try:
            return await make(req, {})
        except ProviderError as exc:
            if isinstance(exc, GenerationFailed) and tries <= policy.clip_retries:
                tries += 1
                continue
            if not (policy.plate and degradable(exc)):
                raise
            failure = exc
            break
    made = await make(still, PLATE)
    degraded.append(f"{where}: clip failed {tries}x ({failure}) -> still plate")
    return made
