"""Replicate makes the video scenes (image-to-video, Kling by default) and the end card's background (FLUX).

The hybrid (DESIGN.md §4): only the first shot of the ``video_scenes`` chosen beats is a
generated clip, started from a 9:16 plate of the product photo; every other scene is a still
plate with camera motion, drawn offline at $0. The end card's background is one FLUX image
in the brand's colours. How predictions are run (explicit create and poll, deadlines,
cancellation, no double-paid creates) is in ``adbatch.providers._replicate``.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image

from adbatch.domain.archetype import Archetype, Slot, available, load_archetype
from adbatch.media.probe import probe
from adbatch.paths import ARCHETYPES_DIR, or_default
from adbatch.providers import offline_art
from adbatch.providers._replicate import KEY_ENV_VAR, OutcomeUnknown, Predictions
from adbatch.providers.base import CardRequest, Output, SceneRequest
from adbatch.providers.http import Limiter
from adbatch.providers.offline import PlateSceneGenerator
from adbatch.providers.prices import rate, usd

__all__ = ["OutcomeUnknown", "ReplicateImageGenerator", "ReplicateSceneGenerator", "video_slots"]


class ReplicateSceneGenerator:
    """Hybrid scenes: generated clips for the chosen slots (image-to-video from a plate of the product photo),
    offline still plates with camera motion for every other shot."""

    name = "replicate"
    key_env_var = KEY_ENV_VAR

    def __init__(
        self,
        *,
        model: str = "kwaivgi/kling-v2.1",
        version: str | None = None,
        input: Mapping[str, Any] | None = None,
        start_image_field: str = "start_image",
        prompt: str = "{visual} Camera: {camera}.",
        camera_prompts: Mapping[str, str] | None = None,
        video_scenes: int | Sequence[str] = 3,
        start_size: Sequence[int] = (720, 1280),
        archetypes_dir: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        poll_s: float = 2.0,
        deadline_s: float = 900.0,
        reconcile_s: float = 3.0,
        max_download_mb: float = 200.0,
        concurrency: int = 3,
        prices: Mapping[str, Any],
        prices_checked: str = "",
        retry: Mapping[str, Any] | None = None,
    ) -> None:
        self.runner = Predictions(
            model=model,
            version=version,
            base_url=base_url,
            timeout=timeout,
            poll_s=poll_s,
            deadline_s=deadline_s,
            reconcile_s=reconcile_s,
            max_download_mb=max_download_mb,
            retry=retry,
            who="provider.scenes (Replicate)",
        )
        self.model, self.version, self.input = model, version, dict(input or {"mode": "standard", "duration": 5})
        self.field, self.prompt, self.cameras = start_image_field, prompt, dict(camera_prompts or {})
        self.video_scenes = video_scenes if isinstance(video_scenes, int) else tuple(video_scenes)
        self.start_size = (int(start_size[0]), int(start_size[1]))
        self.archetypes_dir = or_default(archetypes_dir, ARCHETYPES_DIR)
        self.per_second = rate(prices, model, str(self.input.get("mode", "default")), stage="scenes")
        self.prices_checked, self.limit, self.stills = prices_checked, Limiter(concurrency), PlateSceneGenerator()

    def __repr__(self) -> str:
        return f"ReplicateSceneGenerator(model={self.model!r}, video_scenes={self.video_scenes!r})"

    def params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "input": self.input,
            "prompt": self.prompt,
            "cameras": self.cameras,
            "start_size": self.start_size,
            "video_scenes": self.video_scenes,
        }

    def is_clip(self, request: SceneRequest) -> bool:
        """Shot 0 of a chosen slot: the ``video_scenes`` heaviest body slots, or the slots of the listed types."""
        if request.shot != 0:
            return False
        if isinstance(self.video_scenes, int):
            return _chosen_everywhere(request.slot, self.video_scenes, self.archetypes_dir)
        return request.slot.type in self.video_scenes

    def suffix_for(self, request: SceneRequest) -> str:
        """The file type this scene will be: a clip (.mp4) or a still plate (.jpg)."""
        return ".mp4" if self.is_clip(request) else ".jpg"

    def estimate(self, request: Any) -> float:
        """USD: seconds of video x the model's rate for a clip, $0 for a still plate."""
        if isinstance(request, SceneRequest) and self.is_clip(request):
            return usd(float(self.input.get("duration", 5)) * self.per_second)
        return 0.0

    async def scene(self, request: SceneRequest, out: Path) -> Output:
        if not self.is_clip(request):
            return await self.stills.scene(request, out)
        start = await asyncio.to_thread(self._start_image, request)
        camera = self.cameras.get(request.slot.camera, request.slot.camera.replace("_", " "))
        inputs = {**self.input, "prompt": self.prompt.format(visual=request.prompt, camera=camera)}
        billed = float(self.input.get("duration", 5))
        async with self.limit():
            prediction, retries = await self.runner.predict(
                inputs, out, kind="video", cost_usd=usd(billed * self.per_second), upload=(self.field, start)
            )
        info = await asyncio.to_thread(probe, out)
        return Output(
            meta={
                "kind": "clip",
                "prediction": prediction.id,
                "seconds": info.duration,
                "width": info.width,
                "height": info.height,
                "prices_checked": self.prices_checked,
            },
            units={
                "video_seconds": billed,
                "predict_seconds": float((prediction.metrics or {}).get("predict_time") or 0.0),
            },
            cost_usd=usd(billed * self.per_second),
            attempts=1 + retries,
        )

    def _start_image(self, request: SceneRequest) -> bytes:
        """The clip's first frame: the slot's plate of the product photo, at the clip's size and aspect."""
        with Image.open(request.product.image) as photo:
            img = offline_art.plate(
                photo,
                layout=request.slot.layout,
                size=self.start_size,
                palette=request.palette,
                seed=request.seed,
                shot=request.shot,
            )
        buf = io.BytesIO()
        img.convert("RGB").save(buf, "JPEG", quality=90)
        return buf.getvalue()


class ReplicateImageGenerator:
    """The end card's background from a text-to-image model (FLUX schnell by default), in brand colours."""

    name = "replicate"
    key_env_var = KEY_ENV_VAR

    def __init__(
        self,
        *,
        model: str = "black-forest-labs/flux-schnell",
        version: str | None = None,
        input: Mapping[str, Any] | None = None,
        prompt: str,
        seed_field: str | None = "seed",
        base_url: str | None = None,
        timeout: float = 60.0,
        poll_s: float = 1.0,
        deadline_s: float = 300.0,
        reconcile_s: float = 3.0,
        max_download_mb: float = 30.0,
        concurrency: int = 3,
        prices: Mapping[str, Any],
        prices_checked: str = "",
        retry: Mapping[str, Any] | None = None,
    ) -> None:
        self.runner = Predictions(
            model=model,
            version=version,
            base_url=base_url,
            timeout=timeout,
            poll_s=poll_s,
            deadline_s=deadline_s,
            reconcile_s=reconcile_s,
            max_download_mb=max_download_mb,
            retry=retry,
            who="provider.image (Replicate)",
        )
        self.model, self.version, self.input = model, version, dict(input or {})
        self.prompt, self.seed_field = prompt, seed_field
        self.per_image = rate(prices, model, stage="image")
        self.prices_checked, self.limit = prices_checked, Limiter(concurrency)

    def __repr__(self) -> str:
        return f"ReplicateImageGenerator(model={self.model!r})"

    def params(self) -> dict[str, Any]:
        return {"model": self.model, "version": self.version, "input": self.input, "prompt": self.prompt}

    def estimate(self, request: Any) -> float:
        return usd(self.per_image)

    async def card(self, request: CardRequest, out: Path) -> Output:
        inputs = {**self.input, "prompt": self.prompt.format(primary=request.palette[0], secondary=request.palette[1])}
        if self.seed_field:
            inputs[self.seed_field] = request.seed % 2**31
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".card-") as tmp:
            raw = Path(tmp) / "image"
            async with self.limit():
                prediction, retries = await self.runner.predict(inputs, raw, kind="image", cost_usd=usd(self.per_image))
            size = await asyncio.to_thread(_cover_jpeg, raw, out, (request.width, request.height))
        return Output(
            meta={"prediction": prediction.id, "source_size": size, "prices_checked": self.prices_checked},
            units={"images": 1},
            cost_usd=usd(self.per_image),
            attempts=1 + retries,
        )


def _cover_jpeg(src: Path, out: Path, size: tuple[int, int]) -> list[int]:
    with Image.open(src) as im:
        source = list(im.size)
        offline_art.cover(im.convert("RGB"), size).save(out, "JPEG", quality=92)
    return source


@lru_cache(maxsize=256)
def _chosen_everywhere(slot: Slot, n: int, directory: Path) -> bool:
    """Whether ``slot`` is among the ``n`` heaviest body slots of every archetype that has it.

    A SceneRequest carries its slot but not its archetype, so the archetype is found by the
    slot's exact definition; when two archetypes share one, it must be chosen in both, so an
    ambiguity can only save money, never spend it.
    """
    owners = [a for a in (load_archetype(name, directory) for name in available(directory)) if slot in a.body]
    return bool(owners) and all(slot.id in video_slots(a, n) for a in owners)


def video_slots(archetype: Archetype, n: int) -> set[str]:
    """Ids of the ``n`` heaviest body slots (earlier first on ties): their first shots become clips."""
    ranked = sorted(enumerate(archetype.body), key=lambda pair: (-pair[1].weight, pair[0]))
    return {slot.id for _, slot in ranked[:n]}
