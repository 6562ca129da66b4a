"""Render a timeline and its assets to ``video.mp4`` and ``thumb.jpg``.

The compositor (``adbatch.render.frames``) draws I420 frames that PyAV encodes with libx264 in this
process (``segments.encode_video``); the mixed soundtrack (``adbatch.render.mix``) is encoded to AAC
first and muxed by stream copy, so its true peak is measured in the very packets delivered
(``loudness.encode_under_ceiling``). Outputs are written under temporary names and renamed when complete.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image

from adbatch import memory
from adbatch.config import RenderConf
from adbatch.domain.timeline import TextBox, Timeline
from adbatch.render import captions, layout, loudness, mix, segments
from adbatch.render.canvas import Canvas
from adbatch.render.frames import ClipShot, Compositor, Layer, OverlayPatch, StaticShot, StillShot
from adbatch.render.overlays import overlay_patches, watermark_patch
from adbatch.render.safezone import Margins
from adbatch.store.atomic import atomic_path
from adbatch.style import ReflowStyle, StyleConf

THUMB_JPEG_QUALITY = 88  # thumb.jpg: a preview image, not a delivery
FILL_SHRINK = 4  # the blurred fill of a re-framed plate is made at 1/4 size
# plates held ready at once: the shots on screen during a transition and the next; frames are drawn in time
# order, so an older plate is rarely needed again (a hook re-drawn after its body decodes its plate anew)
PLATES_HELD = 3


@dataclass(frozen=True)
class ShotSource:
    """The picture behind one shot: a plate to film with its camera, a generated clip (MP4) to
    play covering the frame, or a full static frame."""

    path: Path
    kind: Literal["still", "clip", "static"]
    box: tuple[float, float, float, float] | None = None  # the product on the picture (shares); None: unknown


@dataclass(frozen=True)
class RenderJob:
    timeline: Timeline
    shots: Sequence[ShotSource]  # one per timeline shot, in order
    voice: Mapping[str, Path]  # slot id -> WAV (already at the timeline's tempo)
    music: Path | None
    music_gain_db: float
    seed: int
    caption_style: captions.CaptionStyle | None = None  # burned-in word captions; None: off
    text_lead: float = captions.DEFAULT_LEAD  # captions show this long before a line's first word (pacing.text_lead)
    font_path: str | None = None  # the brand's headline font for text overlays
    watermark: Path | None = None  # the brand logo, top-left on every shot but the end card
    watermark_opacity: float = 0.85
    style: StyleConf = field(default_factory=StyleConf)  # the house style (the ``style`` config node)
    margins: Margins | None = None  # the platforms' UI margins (safezone.strictest); None: every platform's
    size: tuple[int, int] | None = None  # the frame (a feed format's, adbatch.render.formats); None: the preset's
    soundtrack: Path | None = None  # an encoded soundtrack to reuse (another format's); None: mix and encode one


@dataclass(frozen=True)
class RenderResult:
    video: Path
    thumb: Path
    frame_seconds: float  # time spent making frames (the rest of the render is encoding)
    total_seconds: float
    body_reused: bool = False  # the body came from the cache: only the opener was encoded
    text_boxes: tuple[tuple[int, int, int, int], ...] = ()  # (x, y, w, h) of every text overlay as drawn
    texts: tuple[TextBox, ...] = ()  # every text drawn over the shots (overlays and caption phrases), when and where
    soundtrack: loudness.Encoded | None = None  # the encoded soundtrack: its reading and any re-encodes


def load_rgb(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """An image file as a contiguous RGB uint8 array, resized to ``size`` if given."""
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot read image {path}")
    cv2.cvtColor(img, cv2.COLOR_BGR2RGB, dst=img)  # in place: a plate is ~9 MB
    if size and (img.shape[1], img.shape[0]) != size:
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img)


def compositor(job: RenderJob, conf: RenderConf, *, yuv: bool = False) -> Compositor:
    """Prepare every shot and overlay once; the result makes frames on demand, in I420 (what the encoder
    takes) if ``yuv``, else in packed RGB."""
    size = frame_size(job, conf)
    canvas = Canvas(*size, yuv=yuv)
    plate_size = conf.plate_size

    @functools.lru_cache(maxsize=PLATES_HELD)  # shots that share a plate share its re-framed copy
    def cut(path: Path, box: tuple[float, float, float, float] | None) -> np.ndarray:
        """The plate re-framed for the frame's shape around the product (the whole plate at its own shape)."""
        return canvas.picture(reframe(load_rgb(path, plate_size), size, box, job.style.reflow, plate_size))

    reshaped = layout.window(plate_size, size, None)[2:] != plate_size  # a feed format: clips are cut around it
    shots: list[StillShot | StaticShot | ClipShot] = []
    for shot, src in zip(job.timeline.shots, job.shots, strict=True):
        if src.kind == "static":
            shots.append(StaticShot(load_rgb(src.path, size), shot, canvas=canvas))
        elif src.kind == "clip":
            focus = ((src.box[0] + src.box[2]) / 2, (src.box[1] + src.box[3]) / 2) if reshaped and src.box else None
            shots.append(ClipShot(src.path, shot, size, focus=focus, canvas=canvas))
        else:
            plate = functools.partial(cut, src.path, src.box)
            shots.append(StillShot(plate, shot, size, job.seed, motion=job.style.motion, canvas=canvas))
    overlays: list[Layer] = []
    overlays += overlay_patches(job.timeline, size, font_path=job.font_path, style=job.style, margins=job.margins)
    if job.watermark is not None:
        overlays.append(
            watermark_patch(
                job.timeline, job.watermark, size, job.watermark_opacity, style=job.style.overlay, margins=job.margins
            )
        )
    if job.caption_style is not None:  # last, so captions draw over the text overlays
        overlays.append(
            captions.build(
                job.timeline,
                size,
                style=job.caption_style,
                text_lead=job.text_lead,
                margins=job.margins,
                motion=job.style.motion,
            )
        )
    return Compositor(job.timeline, shots, overlays, size, canvas=canvas, plates=cut)


def reframe(
    plate: np.ndarray,
    size: tuple[int, int],
    box: tuple[float, float, float, float] | None,
    look: ReflowStyle,
    plate_size: tuple[int, int],
) -> np.ndarray:
    """A 9:16 plate as a ``size``-shaped plate for a feed format (``layout.window``): cut around the product,
    zoomed out when it would take over ``look.product_height`` of the frame, where the window passes the plate's
    edges filled with the edge mirrored and blurred; scaled to the plain cut's size, so the camera moves it as
    it would the 9:16 plate."""
    x, y, w, h = layout.window(plate_size, size, box, most=look.product_height)
    if (w, h) == plate_size:
        return plate
    pw, ph = plate_size
    left, top, right, bottom = max(0, -x), max(0, -y), max(0, x + w - pw), max(0, y + h - ph)
    if left or top or right or bottom:
        grown = cv2.copyMakeBorder(plate, top, bottom, left, right, cv2.BORDER_REFLECT)
        soft = _soft(grown, max(1.0, size[0] * look.fill_blur))
        soft[top : top + ph, left : left + pw] = plate  # the plate itself stays sharp; only the fill is blurred
        plate, x, y = soft, x + left, y + top
    shown = layout.window(plate_size, size, None)[2:]
    return np.ascontiguousarray(cv2.resize(plate[y : y + h, x : x + w], shown, interpolation=cv2.INTER_AREA))


def _soft(image: np.ndarray, radius: float) -> np.ndarray:
    """``image`` blurred by about ``radius`` px, cheaply: blurred at a quarter of its size and scaled back (the
    fill around a re-framed plate is colour, not detail; a full-size blur of it cost ~0.3 s a plate)."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, w // FILL_SHRINK), max(1, h // FILL_SHRINK)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(0.5, radius / FILL_SHRINK))
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def frame_size(job: RenderJob, conf: RenderConf) -> tuple[int, int]:
    """The size of the frames ``job`` draws: its format's, else the preset's."""
    return job.size or (int(conf.width), int(conf.height))


def render(
    job: RenderJob,
    conf: RenderConf,
    *,
    video: Path,
    thumb: Path,
    work_dir: Path,
    body_cache: Path | None = None,
    on_frame: Callable[[int, np.ndarray, Canvas], None] | None = None,
) -> RenderResult:
    """Encode the video (H.264 yuv420p + AAC, faststart) and its thumbnail.

    With ``body_cache``, the body (everything after the hook beat) is encoded once per
    distinct body and kept there; this video encodes only its opener and joins the two
    by stream copy (``adbatch.render.segments``), which is what makes hook variants cheap.
    ``on_frame(n, frame, canvas)`` is handed every frame drawn (the contact sheet keeps its tiles so).
    """
    started = time.perf_counter()
    comp = compositor(job, conf, yuv=True)
    spent = [0.0]
    fps = int(conf.fps)

    def frame_function(t: float) -> np.ndarray:
        tic = time.perf_counter()
        frame = comp.frame(t)
        if on_frame is not None:
            on_frame(round(t * fps), frame, comp.canvas)
        spent[0] += time.perf_counter() - tic
        return frame

    body_hit, audio = False, None
    try:
        # the soundtrack is mixed, normalised and encoded while the frames are drawn and encoded (unless another
        # format's, already encoded, is given: it is muxed as is)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="soundtrack") as pool:
            aac = functools.partial(
                segments.encode_audio,
                rate=int(conf.audio_fps),
                conf=conf,
                out=work_dir / "soundtrack.m4a",
            )
            ready = job.soundtrack
            pending = None if ready else pool.submit(_soundtrack_then_give_back, job, conf, encoder=aac)

            def soundtrack() -> Path:
                if ready is not None:
                    return ready
                assert pending is not None  # submitted when no soundtrack was given
                return pending.result().path

            body_hit = _encode_in_parts(
                frame_function,
                soundtrack,
                job,
                conf,
                video=video,
                work_dir=work_dir,
                body_cache=body_cache,
                between_parts=comp.close,
            )
            audio = pending.result() if pending else None
        with atomic_path(thumb) as tmp:
            Image.fromarray(comp.rgb(min(conf.thumb_time, job.timeline.duration / 2))).save(
                tmp, "JPEG", quality=THUMB_JPEG_QUALITY
            )
    finally:
        comp.close()  # clip readers and plates
    return RenderResult(
        video=video,
        thumb=thumb,
        frame_seconds=spent[0],
        total_seconds=time.perf_counter() - started,
        body_reused=body_hit,
        soundtrack=audio,
        text_boxes=tuple(
            (p.x, p.y, p.alpha.shape[1], p.alpha.shape[0])
            for p in comp.overlays
            if isinstance(p, OverlayPatch) and p.overlay.role != "watermark"
        ),
        texts=tuple(layout.drawn_texts(comp.overlays)),
    )


def premix(job: RenderJob, conf: RenderConf) -> np.ndarray:
    """The mixed soundtrack (voice over the ducked music bed), before loudness normalisation."""
    style = job.style.mix
    return mix.mix(
        job.timeline, job.voice, job.music, rate=int(conf.audio_fps), music_gain_db=job.music_gain_db, style=style
    )


def encoded_soundtrack(job: RenderJob, conf: RenderConf, *, encoder: Callable[[np.ndarray], Path]) -> loudness.Encoded:
    """The soundtrack normalised and AAC-encoded by ``encoder``, its encoded true peak within
    ``conf.true_peak_db`` (re-normalised with more headroom when the codec overshoots)."""
    mixed = functools.partial(premix, job, conf)  # mixed when needed, not held through the encode
    return loudness.encode_under_ceiling(mixed, int(conf.audio_fps), encode=encoder, **_levels(job, conf))


def _soundtrack_then_give_back(
    job: RenderJob, conf: RenderConf, *, encoder: Callable[[np.ndarray], Path]
) -> loudness.Encoded:
    """``encoded_soundtrack``, then the memory its working copies took handed back to the system: they were
    freed in this thread's own malloc arena, which would otherwise keep them through the encode (~50 MB)."""
    try:
        return encoded_soundtrack(job, conf, encoder=encoder)
    finally:
        memory.give_back()


def _levels(job: RenderJob, conf: RenderConf) -> dict[str, float]:
    """``loudness.normalize``'s targets and limiter settings, from the preset and the house style."""
    style = job.style.mix
    return {
        "target_lufs": conf.loudness_lufs,
        "true_peak_db": conf.true_peak_db,
        "codec_headroom_db": style.codec_headroom_db,
        "attack_s": style.limiter_attack_s,
        "release_s": style.limiter_release_s,
    }


def body_key(job: RenderJob, conf: RenderConf, split: int) -> str:
    """Content hash of everything that decides the body's pixels."""
    from adbatch import __version__
    from adbatch.store.cache import content_key

    return content_key(
        {
            "timeline": segments.body_signature(job.timeline, split),
            "shots": [{"file": s.path, "kind": s.kind} for s in job.shots],
            "conf": asdict(conf),
            "seed": job.seed,
            "font": job.font_path,
            "watermark": job.watermark,
            "opacity": job.watermark_opacity,
            "lead": job.text_lead,
            "version": __version__,
            "engine": segments.ENGINE,  # a body joins only openers encoded the same way
            "captions": asdict(job.caption_style) if job.caption_style else None,
            "style": asdict(job.style),
            "margins": asdict(job.margins) if job.margins else None,
            "size": frame_size(job, conf),
            "boxes": [s.box for s in job.shots],
        }
    )


def _encode_in_parts(
    frame_function: Callable[[float], np.ndarray],
    audio: Callable[[], Path],
    job: RenderJob,
    conf: RenderConf,
    *,
    video: Path,
    work_dir: Path,
    body_cache: Path | None,
    between_parts: Callable[[], None] = lambda: None,
) -> bool:
    """Encode the opener, and the body unless an identical one is cached; join them with ``audio()``
    (the encoded soundtrack, waited for only now). Without ``body_cache``, the whole video is one part.
    ``between_parts()`` runs after the body is encoded, before the opener is (the compositor lets go of the
    body's pictures)."""
    from filelock import FileLock

    fps = int(conf.fps)
    total = round(job.timeline.duration * fps)
    if body_cache is None:
        whole = segments.encode_video(
            frame_function, start=0, end=total, fps=fps, conf=conf, out=work_dir / "whole.mp4"
        )
        segments.join([whole], audio(), out=video)
        return False
    split = segments.split_frame(job.timeline)
    body = body_cache / f"{body_key(job, conf, split)}.mp4"
    body.parent.mkdir(parents=True, exist_ok=True)
    hit = True
    with FileLock(str(body) + ".lock"):  # concurrent variants of one body encode it once
        if not body.is_file():
            hit = False
            segments.encode_video(frame_function, start=split, end=total, fps=fps, conf=conf, out=body)
            between_parts()
        else:
            os.utime(body)  # a hit keeps the body from ``python -m adbatch.cache prune``
    opener = segments.encode_video(frame_function, start=0, end=split, fps=fps, conf=conf, out=work_dir / "opener.mp4")
    segments.join([opener, body], audio(), out=video)
    return hit
