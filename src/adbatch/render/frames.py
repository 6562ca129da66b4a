"""Frame generation: one numpy frame per time ``t`` from the timeline and its assets.

The hot path is built for speed, since it runs 900 times for a 30 s ad: each still
shot is a single ``cv2.warpAffine`` from its pre-scaled plate into a uint8 RGB frame
(the camera move is the affine matrix), a generated clip is decoded forward and
converted once per source frame, and each text overlay is a patch drawn once
and blended only over its own box. Frames are plain rgb24, with no mask, so they go
straight down FFmpeg's pipe.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from adbatch.domain.timeline import Overlay, Shot, Timeline

POP_SECONDS = 0.15  # text pops in (scale + fade) over this long


def ease(u: float) -> float:
    """Smoothstep: camera moves start and end gently."""
    u = min(1.0, max(0.0, u))
    return u * u * (3 - 2 * u)


@dataclass(frozen=True)
class Camera:
    """Zoom and centre offset (as shares of the plate's free margin) over a shot."""

    z0: float
    z1: float
    dx: tuple[float, float] = (0.0, 0.0)  # -1..1 of the horizontal margin
    dy: tuple[float, float] = (0.0, 0.0)
    shake: float = 0.0  # handheld wobble amplitude, share of the frame width
    jump_at: float | None = None  # a punch-in at this share of the shot


CAMERAS = {
    "push_in": Camera(1.0, 1.12, dy=(0.0, -0.1)),
    "pull_out": Camera(1.15, 1.0),
    "pan_left": Camera(1.06, 1.06, dx=(0.7, -0.7)),
    "pan_right": Camera(1.06, 1.06, dx=(-0.7, 0.7)),
    "pan_up": Camera(1.06, 1.06, dy=(0.7, -0.7)),
    "handheld": Camera(1.04, 1.09, shake=0.006),
    "jump_zoom": Camera(1.0, 1.04, jump_at=0.45),
    "static": Camera(1.0, 1.0),
}


class StillShot:
    """A plate (larger than the frame) filmed with a camera move."""

    def __init__(
        self, plate: np.ndarray | Callable[[], np.ndarray], shot: Shot, size: tuple[int, int], seed: int
    ) -> None:
        self._plate, self.shot, (self.w, self.h) = plate, shot, size
        self.cam = CAMERAS[shot.camera]
        rng = np.random.default_rng(seed + shot.index)
        self.phase = rng.uniform(0, 2 * math.pi, 4)

    @property
    def plate(self) -> np.ndarray:
        """The plate, decoded on first use: an opener-only render never decodes the body's plates."""
        if callable(self._plate):
            self._plate = self._plate()
        return self._plate

    def matrix(self, t: float) -> np.ndarray:
        cam, ph, pw = self.cam, self.plate.shape[0], self.plate.shape[1]
        u = (t - self.shot.start) / max(self.shot.duration, 1e-6)
        k = ease(u)
        z = cam.z0 + (cam.z1 - cam.z0) * k
        if cam.jump_at is not None and u >= cam.jump_at:
            z *= 1.22
        # zoom z maps frame pixels 1:1 to plate pixels at z=1; never show outside the plate
        z = max(z, self.w / pw, self.h / ph)
        free_x, free_y = (pw - self.w / z) / 2, (ph - self.h / z) / 2
        cx = pw / 2 + free_x * (cam.dx[0] + (cam.dx[1] - cam.dx[0]) * k)
        cy = ph / 2 + free_y * (cam.dy[0] + (cam.dy[1] - cam.dy[0]) * k)
        if cam.shake:
            amp = cam.shake * self.w
            cx += amp * (math.sin(2.1 * t + self.phase[0]) + 0.5 * math.sin(5.3 * t + self.phase[1]))
            cy += amp * (math.sin(1.7 * t + self.phase[2]) + 0.5 * math.sin(4.1 * t + self.phase[3]))
            cx = min(max(cx, self.w / z / 2), pw - self.w / z / 2)
            cy = min(max(cy, self.h / z / 2), ph - self.h / z / 2)
        return np.float32([[z, 0, self.w / 2 - z * cx], [0, z, self.h / 2 - z * cy]])

    def frame(self, t: float) -> np.ndarray:
        return cv2.warpAffine(
            self.plate, self.matrix(t), (self.w, self.h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )


class ClipShot:
    """A generated video clip, scaled and centre-cropped to cover the frame, played from its start.

    Decoded forward with PyAV while the shot plays: each source frame is converted (one
    swscale to the covering size, then a crop) only when it becomes the one on screen, and
    reused until the next is due, so a 24 fps clip in a 30 fps video costs 24 conversions a
    second. Asking for an earlier time reopens the file (the thumbnail after the encode);
    the last frame holds if the shot outlasts the clip. ``close()`` releases the reader.
    """

    def __init__(self, path: Path, shot: Shot, size: tuple[int, int]) -> None:
        self.path, self.shot, (self.w, self.h) = Path(path), shot, size
        self._container = None
        self._decoded: Iterator | None = None
        self._pending = None  # the next decoded frame, not yet on screen
        self._shown: np.ndarray | None = None
        self._shown_at = 0.0  # clip time of the frame on screen
        self._t0 = 0.0

    def _open(self) -> None:
        import av

        self.close()
        self._container = av.open(str(self.path))
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        self._decoded = self._container.decode(stream)
        first = next(self._decoded, None)
        if first is None:
            raise ValueError(f"clip {self.path} has no video frames")
        self._t0 = float(first.time or 0.0)
        self._shown, self._shown_at = self._convert(first), 0.0
        self._pending = next(self._decoded, None)

    def _time(self, frame) -> float:
        return float(frame.time or 0.0) - self._t0

    def _convert(self, frame) -> np.ndarray:
        scale = max(self.w / frame.width, self.h / frame.height)
        sw, sh = max(self.w, math.ceil(frame.width * scale)), max(self.h, math.ceil(frame.height * scale))
        rgb = frame.to_ndarray(format="rgb24", width=sw, height=sh)
        x, y = (sw - self.w) // 2, (sh - self.h) // 2
        return rgb[y : y + self.h, x : x + self.w]  # a view: frame() hands out a contiguous copy

    def frame(self, t: float) -> np.ndarray:
        local = max(0.0, t - self.shot.start)
        if self._container is None or local < self._shown_at - 1e-6:
            self._open()
        due = None  # the frame on screen at ``local``: the last one starting at or before it
        while self._pending is not None and self._time(self._pending) <= local + 1e-6:
            due, self._pending = self._pending, next(self._decoded, None)
        if due is not None:
            self._shown, self._shown_at = self._convert(due), self._time(due)
        return self._shown.copy()

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container = self._decoded = self._pending = None


class StaticShot:
    """A full-frame image shown as is (the end card)."""

    def __init__(self, image: np.ndarray, shot: Shot) -> None:
        self.image, self.shot = np.ascontiguousarray(image), shot

    def frame(self, t: float) -> np.ndarray:
        return self.image.copy()


class OverlayPatch:
    """A text patch placed on the frame for the overlay's time span."""

    def __init__(self, overlay: Overlay, rgba: np.ndarray, xy: tuple[int, int]) -> None:
        self.overlay, self.x, self.y = overlay, xy[0], xy[1]
        self.rgb = rgba[..., :3].astype(np.uint16)
        self.alpha = rgba[..., 3:].astype(np.uint16)
        self.pre = self.rgb * self.alpha  # premultiplied once; per frame only the blend runs
        self.inv = 255 - self.alpha

    def active(self, t: float) -> bool:
        return self.overlay.start <= t < self.overlay.end

    def blend(self, frame: np.ndarray, t: float) -> None:
        age = t - self.overlay.start
        if age < POP_SECONDS and self.overlay.start > 0:
            self._blend_scaled(frame, 0.85 + 0.15 * ease(age / POP_SECONDS), ease(age / POP_SECONDS))
            return
        h, w = self.alpha.shape[:2]
        roi = frame[self.y : self.y + h, self.x : self.x + w]
        roi[:] = ((roi * self.inv + self.pre) >> 8).astype(np.uint8)

    def _blend_scaled(self, frame: np.ndarray, scale: float, opacity: float) -> None:
        h, w = self.alpha.shape[:2]
        sw, sh = max(1, int(w * scale)), max(1, int(h * scale))
        rgb = cv2.resize(self.rgb.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_AREA).astype(np.uint16)
        alpha = (
            cv2.resize(self.alpha.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32) * opacity
        ).astype(np.uint16)[..., None]
        x, y = self.x + (w - sw) // 2, self.y + (h - sh) // 2
        roi = frame[y : y + sh, x : x + sw]
        roi[:] = ((roi * (255 - alpha) + rgb * alpha) >> 8).astype(np.uint8)


class Compositor:
    """Turns the timeline plus prepared shots and overlays into frames."""

    def __init__(
        self,
        timeline: Timeline,
        shots: Sequence[StillShot | StaticShot | ClipShot],
        overlays: Sequence[OverlayPatch],
        size: tuple[int, int],
    ) -> None:
        self.shots, self.overlays = list(shots), list(overlays)
        self.w, self.h = size
        self.starts = np.array([s.shot.start for s in self.shots])
        self.transitions = {round(tr.at, 6): tr for tr in timeline.transitions}

    def shot_index(self, t: float) -> int:
        return max(0, int(np.searchsorted(self.starts, t, side="right")) - 1)

    def close(self) -> None:
        """Release the clip readers (a closed compositor reopens them if asked for a frame again)."""
        for shot in self.shots:
            if isinstance(shot, ClipShot):
                shot.close()

    def frame(self, t: float) -> np.ndarray:
        i = self.shot_index(t)
        frame = self._scene(i, t)
        for patch in self.overlays:
            if patch.active(t):
                patch.blend(frame, t)
        return frame

    def _scene(self, i: int, t: float) -> np.ndarray:
        """The shot at ``t``, mixed with its neighbour while a transition straddles the cut."""
        for j, cut in ((i, self.shots[i].shot.start), (i + 1, self.shots[min(i + 1, len(self.shots) - 1)].shot.start)):
            tr = self.transitions.get(round(cut, 6))
            if tr and 0 < j < len(self.shots) and abs(t - cut) < tr.duration / 2:
                p = (t - (cut - tr.duration / 2)) / tr.duration
                return self._mix(self.shots[j - 1].frame(t), self.shots[j].frame(t), tr.kind, p)
        return self.shots[i].frame(t)

    def _mix(self, out: np.ndarray, inc: np.ndarray, kind: str, p: float) -> np.ndarray:
        if kind == "swipe":
            off = int(round(self.w * (1 - ease(p))))
            frame = np.empty_like(out)
            frame[:, :off] = out[:, self.w - off :]
            frame[:, off:] = inc[:, : self.w - off]
            return frame
        return cv2.addWeighted(out, 1 - p, inc, p, 0)
