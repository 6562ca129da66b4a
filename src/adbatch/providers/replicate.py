"""Replicate makes the video scenes (image-to-video, Kling by default) and the end card's background (FLUX).

The hybrid (DESIGN.md §4): planning marks which shots become generated clips (the first shot of
the ``video_scenes`` chosen beats, ``adbatch.stages.plan.clip_slots``); each clip starts from the
shot's still plate at 9:16, and every other shot is that still plate, filmed with camera motion.
Stills come from the still generator the adapter is built with (``stills:`` in its config, the
offline plates by default), so this adapter knows no archetype and draws nothing itself. The end
card's background is one FLUX image in the brand's colours. How predictions are run (explicit create
and poll, deadlines, cancellation, no double-paid creates) is in ``adbatch.providers._replicate``.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image

from adbatch.media.probe import probe
from adbatch.providers import offline_art
from adbatch.providers._replicate import KEY_ENV_VAR, OutcomeUnknown, PredictionFailed, Predictions
from adbatch.providers.base import CardRequest, Output, SceneGenerator, SceneRequest
from adbatch.providers.http import Limiter
from adbatch.providers.prices import rate, usd

__all__ = ["OutcomeUnknown", "PredictionFailed", "ReplicateImageGenerator", "ReplicateSceneGenerator"]


class ReplicateSceneGenerator:
    """Hybrid scenes: a generated clip (image-to-video from the shot's still plate) for every request planning
    marked ``motion="clip"``; every still request goes to ``stills``, the still generator it was built with."""

    name = "replicate"
    key_env_var = KEY_ENV_VAR

    def __init__(
        self,
        *,
        stills: SceneGenerator,
        model: str = "kwaivgi/kling-v2.1",
        version: str | None = None,
        input: Mapping[str, Any] | None = None,
        start_image_field: str = "start_image",
        prompt: str = "{visual} Camera: {camera}.",
        camera_prompts: Mapping[str, str] | None = None,
        video_scenes: int | Sequence[str] = 3,
        start_size: Sequence[int] = (720, 1280),
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
        # which beats become clips is planning's choice (adbatch.stages.plan.clip_slots reads this config
        # key); it stays in params() so the cache keys of earlier runs stay valid
        self.video_scenes = video_scenes if isinstance(video_scenes, int) else tuple(video_scenes)
        self.start_size = (int(start_size[0]), int(start_size[1]))
        self.per_second = rate(prices, model, str(self.input.get("mode", "default")), stage="scenes")
        self.prices_checked, self.limit, self.stills = prices_checked, Limiter(concurrency), stills

    def __repr__(self) -> str:
        return f"ReplicateSceneGenerator(model={self.model!r}, stills={self.stills!r})"

    def check_key(self) -> None:
        """A free call that fails fast on a refused token (``Predictions.check_key``)."""
        self.runner.check_key()

    def params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "input": self.input,
            "prompt": self.prompt,
            "cameras": self.cameras,
            "start_size": self.start_size,
            "video_scenes": self.video_scenes,
        } | ({"stills": still} if (still := self.stills.params()) else {})

    def estimate(self, request: Any) -> float:
        """USD: seconds of video x the model's rate for a clip; what the still generator says for a still."""
        if request.motion == "clip":
            return usd(float(self.input.get("duration", 5)) * self.per_second)
        return self.stills.estimate(request)

    async def scene(self, request: SceneRequest, out: Path) -> Output:
        if request.motion != "clip":  # drawn by the still generator: recorded as its call, not a prediction
            drawn = await self.stills.scene(request, out)
            return replace(drawn, made_by=drawn.made_by or (self.stills.name, self.stills.model))
        start, box = await self._start_image(request, out.parent)
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
                "product_box": box,  # the first frame's: the still the clip starts from
            },
            units={
                "video_seconds": billed,
                "predict_seconds": float((prediction.metrics or {}).get("predict_time") or 0.0),
            },
            cost_usd=usd(billed * self.per_second),
            attempts=1 + retries,
        )

    async def _start_image(self, request: SceneRequest, folder: Path) -> tuple[bytes, Any]:
        """The clip's first frame: the shot's still plate, drawn by ``stills`` at the clip's size and aspect,
        and the product's box on it (None if the still's provider does not say)."""
        first = replace(request, width=self.start_size[0], height=self.start_size[1], motion="still")
        with tempfile.TemporaryDirectory(dir=folder, prefix=".start-") as tmp:
            path = Path(tmp) / f"start{first.suffix}"
            drawn = await self.stills.scene(first, path)
            return path.read_bytes(), drawn.meta.get("product_box")


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

    def check_key(self) -> None:
        """A free call that fails fast on a refused token (``Predictions.check_key``)."""
        self.runner.check_key()

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
