"""Frame generation: one numpy frame per time ``t`` from the timeline and its assets.

The hot path is built for speed, since it runs 900 times for a 30 s ad: each still
shot is one ``cv2.warpAffine`` per plane from its pre-scaled plate straight into the
frame (the camera move is the affine matrix), a generated clip is decoded forward and
converted once per source frame, and each text overlay is a patch converted once and
blended only over its own box. Frames are drawn in the layout of their ``Canvas``
(``adbatch.render.canvas``): I420, as the encoder takes them, or packed RGB for stills.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

import cv2
import numpy as np

from adbatch.domain.timeline import Overlay, Shot, Timeline
from adbatch.render.canvas import CHROMA, Canvas, chroma_matrix, picture_size, yuv444
from adbatch.style import MotionStyle

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame

DEFAULT_MOTION = MotionStyle()  # for callers that draw without a composed config
NO_DURATION = 1e-6  # guards the division by a zero-length shot
OPAQUE = 255  # 8-bit alpha
ALPHA_SHIFT = 8  # >> 8 divides by 256: the blend's fast, within-one-level stand-in for / 255
TIME_DIGITS = 6  # transition times are matched rounded to microseconds
SAME_TIME = 1e-6  # clip times this close are the same frame time
SWIPE = "swipe"  # the transition whose pictures slide: texts ride them (``Compositor``)
WATERMARK = "watermark"  # the overlay role that belongs to the brand, not to a shot: it never moves


def ease(u: float) -> float:
    """Smoothstep: camera moves start and end gently."""
    u = min(1.0, max(0.0, u))
    return u * u * (3 - 2 * u)


class StillShot:
    """A plate (larger than the frame, in the canvas's layout) filmed with a camera move."""

    def __init__(
        self,
        plate: np.ndarray | Callable[[], np.ndarray],
        shot: Shot,
        size: tuple[int, int],
        seed: int,
        *,
        motion: MotionStyle = DEFAULT_MOTION,
        canvas: Canvas | None = None,
    ) -> None:
        self._plate, self.shot, (self.w, self.h), self.canvas = plate, shot, size, canvas or Canvas(*size)
        self.cam, self.motion = motion.cameras[shot.camera], motion  # the preset the shot names
        rng = np.random.default_rng(seed + shot.index)
        self.phase = rng.uniform(0, 2 * math.pi, len(motion.shake_rad_s))  # one per wobble

    @property
    def plate(self) -> np.ndarray:
        """The plate, in the canvas's layout. Given as a function, it is asked for every frame: the renderer's
        plates come from a small cache, so a 30 s ad holds the plates on screen, not all of them, and an
        opener-only render never decodes the body's plates."""
        return self._plate() if callable(self._plate) else self._plate

    def matrix(self, t: float) -> np.ndarray:
        return self._matrix(t, self.plate)

    def _matrix(self, t: float, plate: np.ndarray) -> np.ndarray:
        return self.matrix_for(t, picture_size(plate, self.canvas))

    def matrix_for(self, t: float, plate_size: tuple[int, int]) -> np.ndarray:
        """The camera at ``t`` as a plate-to-frame affine matrix, for a plate of ``plate_size`` (the layout asks
        it where the product will be without decoding the plate)."""
        cam, (pw, ph) = self.cam, plate_size
        u = (t - self.shot.start) / max(self.shot.duration, NO_DURATION)
        k = ease(u)
        z0, z1 = cam.zoom
        z = z0 + (z1 - z0) * k
        if cam.jump_at is not None and u >= cam.jump_at:
            z *= self.motion.jump_zoom
        # zoom z maps frame pixels 1:1 to plate pixels at z=1; never show outside the plate
        z = max(z, self.w / pw, self.h / ph)
        free_x, free_y = (pw - self.w / z) / 2, (ph - self.h / z) / 2
        cx = pw / 2 + free_x * (cam.dx[0] + (cam.dx[1] - cam.dx[0]) * k)
        cy = ph / 2 + free_y * (cam.dy[0] + (cam.dy[1] - cam.dy[0]) * k)
        if cam.shake:
            amp, (fx1, fx2, fy1, fy2), second = cam.shake * self.w, self.motion.shake_rad_s, self.motion.shake_second
            cx += amp * (math.sin(fx1 * t + self.phase[0]) + second * math.sin(fx2 * t + self.phase[1]))
            cy += amp * (math.sin(fy1 * t + self.phase[2]) + second * math.sin(fy2 * t + self.phase[3]))
            cx = min(max(cx, self.w / z / 2), pw - self.w / z / 2)
            cy = min(max(cy, self.h / z / 2), ph - self.h / z / 2)
        return np.array([[z, 0, self.w / 2 - z * cx], [0, z, self.h / 2 - z * cy]], dtype=np.float32)

    def frame(self, t: float) -> np.ndarray:
        plate, canvas = self.plate, self.canvas  # fetched once a frame (the renderer's plates sit in a cache)
        out = canvas.empty()
        warp(plate, out, self._matrix(t, plate), canvas)
        return out


def warp(plate: np.ndarray, out: np.ndarray, m: np.ndarray, canvas: Canvas) -> None:
    """``plate`` seen through the plate-to-frame affine matrix ``m`` (the luma plane's), written into ``out``, both
    laid out as ``canvas`` lays out frames: one bilinear ``warpAffine`` per plane, at sub-pixel positions."""
    moves = {1: m, CHROMA: chroma_matrix(m) if canvas.yuv else m}  # per plane step
    for src, dst in zip(canvas.planes(plate), canvas.planes(out), strict=True):
        h, w = dst.pixels.shape[:2]
        cv2.warpAffine(
            src.pixels,
            moves[dst.step],
            (w, h),
            dst=dst.pixels,
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REFLECT,
        )


class ClipShot:
    """A generated video clip, scaled and cropped to cover the frame (around ``focus``), played from its start.

    Decoded forward with PyAV while the shot plays: each source frame is converted (one
    swscale to the covering size, then a crop) only when it becomes the one on screen, and
    reused until the next is due, so a 24 fps clip in a 30 fps video costs 24 conversions a
    second. Asking for an earlier time reopens the file (the thumbnail after the encode);
    the last frame holds if the shot outlasts the clip. ``close()`` releases the reader.
    """

    def __init__(
        self,
        path: Path,
        shot: Shot,
        size: tuple[int, int],
        *,
        focus: tuple[float, float] | None = None,
        canvas: Canvas | None = None,
    ) -> None:
        self.path, self.shot, (self.w, self.h) = Path(path), shot, size
        self.canvas = canvas or Canvas(*size)
        self.focus = focus  # the point (shares of the clip) the crop centres on: the product; None: the middle
        self._container: InputContainer | None = None
        self._decoded: Iterator[VideoFrame] | None = None
        self._pending: VideoFrame | None = None  # the next decoded frame, not yet on screen
        self._shown: np.ndarray | None = None
        self._shown_at = 0.0  # clip time of the frame on screen
        self._t0 = 0.0

    def _open(self) -> None:
        import av

        self.close()
        container = self._container = av.open(str(self.path))
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        self._decoded = decoded = container.decode(stream)
        first = next(decoded, None)
        if first is None:
            raise ValueError(f"clip {self.path} has no video frames")
        self._t0 = float(first.time or 0.0)
        self._shown, self._shown_at = self._convert(first), 0.0
        self._pending = next(decoded, None)

    def _time(self, frame: VideoFrame) -> float:
        return float(frame.time or 0.0) - self._t0

    def _convert(self, frame: VideoFrame) -> np.ndarray:
        """The source frame scaled to cover the canvas (one swscale, into the canvas's pixel format), cut to it."""
        yuv, even = self.canvas.yuv, CHROMA if self.canvas.yuv else 1  # I420 is cut on whole chroma samples
        scale = max(self.w / frame.width, self.h / frame.height)
        sw, sh = (
            max(side, math.ceil(src * scale / even) * even)
            for side, src in ((self.w, frame.width), (self.h, frame.height))
        )
        x, y = (sw - self.w) // 2 // even * even, (sh - self.h) // 2 // even * even
        if self.focus is not None:  # a frame of another shape than the clip: cut around the product
            x = min(max(round((self.focus[0] * sw - self.w / 2) / even) * even, 0), sw - self.w)
            y = min(max(round((self.focus[1] * sh - self.h / 2) / even) * even, 0), sh - self.h)
        scaled: np.ndarray = frame.to_ndarray(format="yuv420p" if yuv else "rgb24", width=sw, height=sh)
        if not yuv:
            return scaled[y : y + self.h, x : x + self.w]  # a view: frame() hands out a contiguous copy
        out = self.canvas.empty()
        for src, dst in zip(self.canvas.planes(scaled), self.canvas.planes(out), strict=True):
            h, w = dst.pixels.shape
            dst.pixels[:] = src.pixels[y // src.step : y // src.step + h, x // src.step : x // src.step + w]
        return out

    def frame(self, t: float) -> np.ndarray:
        local = max(0.0, t - self.shot.start)
        if self._container is None or local < self._shown_at - SAME_TIME:
            self._open()
        assert self._decoded is not None and self._shown is not None  # set by _open
        due = None  # the frame on screen at ``local``: the last one starting at or before it
        while self._pending is not None and self._time(self._pending) <= local + SAME_TIME:
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

    def __init__(self, image: np.ndarray, shot: Shot, *, canvas: Canvas | None = None) -> None:
        self.image, self.shot = np.ascontiguousarray(canvas.picture(image) if canvas else image), shot

    def frame(self, t: float) -> np.ndarray:
        return self.image.copy()


class Layer(Protocol):
    """Anything drawn over the shots for part of the video: a text patch, the caption track."""

    def active(self, t: float) -> bool: ...

    def blend(self, frame: np.ndarray, t: float, canvas: Canvas | None = None) -> None: ...


@runtime_checkable
class Track(Protocol):
    """A layer that shows one text patch at a time (the captions): the compositor asks which, to carry it."""

    def patch(self, t: float) -> OverlayPatch | None: ...


class Ink(NamedTuple):
    """A patch on one plane, premultiplied: blended as ``(dst * inv + pre) >> 8`` over its box at ``x``, ``y``."""

    pre: np.ndarray  # colour x alpha, uint16
    inv: np.ndarray  # 255 - alpha, uint16
    x: int
    y: int


def inks(rgb: np.ndarray, alpha: np.ndarray, xy: tuple[int, int], yuv: bool) -> list[Ink]:
    """A patch (``rgb`` uint8 H x W x 3, ``alpha`` uint8 H x W x 1, top-left at ``xy``) as one ``Ink`` per
    plane of a packed-RGB frame, or of an I420 frame (Y, U, V). For I420 the patch is first padded with clear
    pixels to whole 2x2 blocks, and its chroma is averaged premultiplied, so a text's edge keeps its colour."""
    x, y = xy
    a16 = alpha.astype(np.uint16)
    if not yuv:
        return [Ink(rgb.astype(np.uint16) * a16, OPAQUE - a16, x, y)]
    left, top = x % CHROMA, y % CHROMA
    h, w = alpha.shape[:2]
    pad = ((top, (top + h) % CHROMA), (left, (left + w) % CHROMA))
    full = yuv444(np.pad(rgb, (*pad, (0, 0))))
    a = np.pad(alpha[..., 0], pad)
    luma = Ink(full[..., 0].astype(np.uint16) * a, OPAQUE - a.astype(np.uint16), x - left, y - top)
    half = (full.shape[1] // CHROMA, full.shape[0] // CHROMA)
    pre = cv2.resize(full[..., 1:].astype(np.float32) * a[..., None], half, interpolation=cv2.INTER_AREA)
    cover = cv2.resize(a.astype(np.float32), half, interpolation=cv2.INTER_AREA)
    inv = (OPAQUE - np.rint(cover)).astype(np.uint16)
    cx, cy = luma.x // CHROMA, luma.y // CHROMA
    return [luma, *(Ink(np.rint(pre[..., k]).astype(np.uint16), inv, cx, cy) for k in range(2))]


def apply(
    frame: np.ndarray, canvas: Canvas, ink: list[Ink], columns: tuple[int, int] | None = None, dx: int = 0
) -> None:
    """Blend ``ink`` into ``frame`` in place, ``dx`` frame pixels right of its place, only within the frame's
    ``columns`` (from, to) if given."""
    for plane, part in zip(canvas.planes(frame), ink, strict=True):
        step, dst = plane.step, plane.pixels
        h, w = part.inv.shape[:2]
        left, right = (0, dst.shape[1]) if columns is None else (columns[0] // step, columns[1] // step)
        x = part.x + dx // step
        x0, x1 = max(x, left, 0), min(x + w, right, dst.shape[1])
        if x1 <= x0:
            continue
        cut = slice(x0 - x, x1 - x)
        roi = dst[part.y : part.y + h, x0:x1]
        roi[:] = ((roi * part.inv[:, cut] + part.pre[:, cut]) >> ALPHA_SHIFT).astype(np.uint8)


class OverlayPatch:
    """A text patch placed on the frame for the overlay's time span."""

    def __init__(
        self, overlay: Overlay, rgba: np.ndarray, xy: tuple[int, int], *, motion: MotionStyle = DEFAULT_MOTION
    ) -> None:
        self.overlay, self.x, self.y = overlay, xy[0], xy[1]
        self.pop_seconds, self.pop_from = motion.pop_seconds, motion.pop_from
        self.rgb = np.ascontiguousarray(rgba[..., :3])
        self.alpha = np.ascontiguousarray(rgba[..., 3:])
        self._inks: dict[bool, list[Ink]] = {}  # per layout (I420 or not), made once: per frame only the blend runs

    def ink(self, canvas: Canvas) -> list[Ink]:
        if canvas.yuv not in self._inks:
            self._inks[canvas.yuv] = inks(self.rgb, self.alpha, (self.x, self.y), canvas.yuv)
        return self._inks[canvas.yuv]

    def active(self, t: float) -> bool:
        return self.overlay.start <= t < self.overlay.end

    def blend(self, frame: np.ndarray, t: float, canvas: Canvas | None = None) -> None:
        canvas = canvas or Canvas(frame.shape[1], frame.shape[0])
        age = t - self.overlay.start
        if age < self.pop_seconds and self.overlay.start > 0:
            grown = ease(age / self.pop_seconds)
            self._blend_scaled(frame, canvas, self.pop_from + (1 - self.pop_from) * grown, grown)
            return
        apply(frame, canvas, self.ink(canvas))

    def blend_at(self, frame: np.ndarray, dx: int, columns: tuple[int, int], canvas: Canvas | None = None) -> None:
        """Blend the patch at full size, ``dx`` pixels right of its place, showing only the frame's ``columns``
        (from, to): a text riding its half of a swipe, never popping."""
        canvas = canvas or Canvas(frame.shape[1], frame.shape[0])
        apply(frame, canvas, self.ink(canvas), columns, dx)

    def _blend_scaled(self, frame: np.ndarray, canvas: Canvas, scale: float, opacity: float) -> None:
        h, w = self.alpha.shape[:2]
        sw, sh = max(1, int(w * scale)), max(1, int(h * scale))
        rgb = cv2.resize(self.rgb, (sw, sh), interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(self.alpha, (sw, sh), interpolation=cv2.INTER_AREA).astype(np.float32) * opacity
        xy = (self.x + (w - sw) // 2, self.y + (h - sh) // 2)
        apply(frame, canvas, inks(rgb, alpha.astype(np.uint8)[..., None], xy, canvas.yuv))


class HeldPlates(Protocol):
    """A cache of plates (a ``functools.lru_cache``) that can let them all go."""

    def cache_clear(self) -> None: ...


class Compositor:
    """Turns the timeline plus prepared shots and overlays into frames.

    A text belongs to its shot: during a swipe the outgoing shot carries its text out and the incoming
    one carries its text in (from the swipe's start, without the pop-in), each shown only over its own
    picture's columns, so two texts never meet. A text that spans the cut (one beat over two shots), the
    watermark and every other transition draw in place (``layout.one_layer`` keeps those to one layer).
    """

    def __init__(
        self,
        timeline: Timeline,
        shots: Sequence[StillShot | StaticShot | ClipShot],
        overlays: Sequence[Layer],
        size: tuple[int, int],
        *,
        canvas: Canvas | None = None,
        plates: HeldPlates | None = None,
    ) -> None:
        self.shots, self.overlays = list(shots), list(overlays)
        self.plates = plates  # the cache the still shots' plates come from (``encode.compositor``), if any
        self.w, self.h = size
        self.canvas = canvas or Canvas(*size)  # the shots must draw in it too
        self.starts = np.array([s.shot.start for s in self.shots])
        self.transitions = {round(tr.at, TIME_DIGITS): tr for tr in timeline.transitions}
        self.swipes = {at for at, tr in self.transitions.items() if tr.kind == SWIPE}

    def shot_index(self, t: float) -> int:
        return max(0, int(np.searchsorted(self.starts, t, side="right")) - 1)

    def close(self) -> None:
        """Release the clip readers and the plates held (a closed compositor reopens and reloads them if asked
        for a frame again): between the parts of a video, so the next part's encoder fills its buffers beside
        the plates that part shows, not beside the last ones of the part before (~13 MB at 1080x1920)."""
        if self.plates is not None:
            self.plates.cache_clear()
        for shot in self.shots:
            if isinstance(shot, ClipShot):
                shot.close()

    def frame(self, t: float) -> np.ndarray:
        i = self.shot_index(t)
        frame = self._scene(i, t)
        swipe = self._swipe(i, t)
        for layer in self.overlays:
            ride = self._ride(layer, t, swipe)
            if ride is not None:
                ride[0].blend_at(frame, ride[1], ride[2], self.canvas)
            elif layer.active(t):
                layer.blend(frame, t, self.canvas)
        return frame

    def rgb(self, t: float) -> np.ndarray:
        """The frame at ``t`` as packed RGB, whatever the canvas (thumbnails)."""
        return self.canvas.rgb(self.frame(t))

    def _swipe(self, i: int, t: float) -> tuple[float, int] | None:
        """The cut of the swipe on screen at ``t`` and how far right the incoming picture is; None outside one."""
        for j in (i, i + 1):
            if not 0 < j < len(self.shots):
                continue
            cut = self.shots[j].shot.start
            tr = self.transitions.get(round(cut, TIME_DIGITS))
            if tr and tr.kind == SWIPE and abs(t - cut) < tr.duration / 2:
                return cut, self._offset((t - cut) / tr.duration + 0.5)
        return None

    def _ride(
        self, layer: Layer, t: float, swipe: tuple[float, int] | None
    ) -> tuple[OverlayPatch, int, tuple[int, int]] | None:
        """The text patch of ``layer`` that rides a picture at ``t``, its shift and the columns it may show in:
        during a swipe, a text ending at the cut moves out with the outgoing picture and one starting there
        moves in with the incoming; just after, a text that slid in finishes its pop-in time in place, unpopped.
        None: ``layer`` draws as usual."""
        if isinstance(layer, OverlayPatch):
            patch: OverlayPatch | None = None if layer.overlay.role == WATERMARK else layer
        else:
            patch = layer.patch(max(t, swipe[0]) if swipe else t) if isinstance(layer, Track) else None
        if patch is None:
            return None
        start, end = patch.overlay.start, patch.overlay.end
        if swipe is not None:
            cut, off = swipe
            if abs(start - cut) < SAME_TIME:
                return patch, off, (off, self.w)
            if abs(end - cut) < SAME_TIME and start < cut:
                return patch, off - self.w, (0, off)
            return None
        if round(start, TIME_DIGITS) in self.swipes and start <= t < start + patch.pop_seconds:
            return patch, 0, (0, self.w)
        return None

    def _offset(self, p: float) -> int:
        """How far right the incoming picture of a swipe is at progress ``p`` (0..1); the outgoing one is
        that less the frame's width. Even, so an I420 canvas cuts on whole chroma samples (and an RGB one alike)."""
        return int(round(self.w * (1 - ease(p)) / CHROMA)) * CHROMA

    def _scene(self, i: int, t: float) -> np.ndarray:
        """The shot at ``t``, mixed with its neighbour while a transition straddles the cut."""
        for j, cut in ((i, self.shots[i].shot.start), (i + 1, self.shots[min(i + 1, len(self.shots) - 1)].shot.start)):
            tr = self.transitions.get(round(cut, TIME_DIGITS))
            if tr and 0 < j < len(self.shots) and abs(t - cut) < tr.duration / 2:
                p = (t - (cut - tr.duration / 2)) / tr.duration
                return self._mix(self.shots[j - 1].frame(t), self.shots[j].frame(t), tr.kind, p)
        return self.shots[i].frame(t)

    def _mix(self, out: np.ndarray, inc: np.ndarray, kind: str, p: float) -> np.ndarray:
        if kind == SWIPE:
            frame, shift = np.empty_like(out), self._offset(p)
            for dst, a, b in zip(*(self.canvas.planes(f) for f in (frame, out, inc)), strict=True):
                off, w = shift // dst.step, self.w // dst.step
                dst.pixels[:, :off] = a.pixels[:, w - off :]
                dst.pixels[:, off:] = b.pixels[:, : w - off]
            return frame
        return cv2.addWeighted(out, 1 - p, inc, p, 0)
