"""Encode a video as hook opener + shared body, joined by stream copy.

Hook variants of one product x archetype have the same body (the timeline reserves the
hook beat for its longest candidate, so every shot after it lands on the same frame).
So the body is encoded once, kept in the cache under a hash of what it shows, and each
variant encodes only its opener and joins the two by copying their packets (no
re-encode). The body starts on its own keyframe, both parts share every encoder setting,
and the soundtrack is encoded once over the whole length and muxed in, so the join is
seamless in picture and sound: the delivered audio is, sample for sample, the encoded file whose
true peak ``loudness.encode_under_ceiling`` measured, and no seam can add a peak.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from adbatch import memory
from adbatch.config import RenderConf
from adbatch.domain.timeline import Timeline
from adbatch.store.atomic import atomic_path

if TYPE_CHECKING:
    import av
    import av.container

# every this many frames, the pages the allocator holds free go back to the system (``adbatch.memory``): each
# frame's drawing frees its scratch in the drawing thread's own arena and the soundtrack frees ~10 MB tracks in
# another, so without it a 30 s ad's render climbs ~30 MB over its encoder's buffers; a trim takes ~1.4 ms. Every
# 10 frames, not 30: the freed pages of x264's first frames (its buffers fill over ~25 frames) peaked 20 MB higher
TRIM_EVERY = 10
ENGINE = "i420-pyav-frame-threads"  # how frames are drawn and encoded: part of a cached body's key
BITRATE_UNITS = {"k": 1_000, "M": 1_000_000}  # FFmpeg's SI suffixes on a bitrate
X264_PARAMS = re.compile(r"[a-z0-9_-]+=[^:\s]+(:[a-z0-9_-]+=[^:\s]+)*")  # FFmpeg's -x264-params: key=value:key=value


def split_frame(timeline: Timeline) -> int:
    """The first frame of the body: where the first shot after the hook beat starts."""
    hook_slot = timeline.hook_slot
    first_body = next(s for s in timeline.shots if s.slot != hook_slot)
    return round(first_body.start * timeline.fps)


def body_signature(timeline: Timeline, split: int) -> dict[str, Any]:
    """Everything of the timeline that decides the body's pixels (hook text and voice excluded)."""
    at = split / timeline.fps
    return {
        "split": split,
        "shots": [s.model_dump() for s in timeline.shots if s.end > at - 0.5],
        "overlays": [o.model_dump() for o in timeline.overlays if o.end > at],
        "voice": [c.model_dump() for c in timeline.voice if c.end > at],  # captions follow the voice
        "transitions": [t.model_dump() for t in timeline.transitions if t.at + t.duration >= at],
        "duration": timeline.duration,
        "fps": timeline.fps,
    }


def x264_options(conf: RenderConf) -> dict[str, str]:
    """libx264's options for the preset: the one place they are set, so a whole video and the parts
    joined by stream copy are encoded alike."""
    options = {"preset": str(conf.preset), "crf": str(conf.crf)}
    params = str(conf.x264_params or "")
    if params and not X264_PARAMS.fullmatch(params):  # x264 takes a malformed list no further than its first error
        raise ValueError(
            f"render.x264_params={params!r}: expected key=value pairs joined by ':', e.g. 'sync-lookahead=1'"
        )
    return options | ({"x264-params": params} if params else {})


THREAD_TYPES = {"frame": "FRAME", "slice": "SLICE"}  # render.thread_type -> libavcodec's thread type


def x264_threading(conf: RenderConf) -> str:
    """libavcodec's thread type for ``render.thread_type``; a clear error for anything else."""
    try:
        return THREAD_TYPES[str(conf.thread_type)]
    except KeyError:
        raise ValueError(f"render.thread_type={conf.thread_type!r}: expected one of {sorted(THREAD_TYPES)}") from None


def encode_video(
    frame_function: Callable[[float], np.ndarray], *, start: int, end: int, fps: int, conf: RenderConf, out: Path
) -> Path:
    """Encode frames ``start`` .. ``end`` - 1 (video only, H.264 yuv420p) with the preset's x264 settings.

    ``frame_function`` gives I420 frames (``adbatch.render.canvas``), which PyAV hands to libx264 in this
    process, without a conversion or a pipe. The next frame is drawn on a second thread while this one is
    encoded: OpenCV, NumPy and x264 release the GIL, so drawing and x264's own threads (``render.threads``)
    share the cores instead of taking turns."""
    import av

    threading = x264_threading(conf)
    memory.give_back()  # what the previous part's encoder freed: ~50 MB of its buffers stay in malloc's free lists
    with atomic_path(out) as tmp, ThreadPoolExecutor(max_workers=1, thread_name_prefix="draw") as drawer:
        with av.open(str(tmp), "w", format="mp4") as container:
            stream = container.add_stream(conf.codec, rate=fps, options=x264_options(conf))
            assert isinstance(stream, av.VideoStream), f"{conf.codec} is not a video codec"
            stream.pix_fmt = "yuv420p"
            stream.codec_context.thread_count = int(conf.threads)
            # render.thread_type: x264's frame threads (as the FFmpeg command line runs it) by default, not PyAV's
            # default, slices (each frame cut in slices, the lookahead serial in this thread): a 30 s 1080x1920 ad's
            # frames encode in 27.4 s instead of 31.3 s on 2 cores at the same CPU, for ~50 MB more frame buffers
            stream.codec_context.thread_type = threading
            drawn = drawer.submit(frame_function, start / fps)
            for n in range(start, end):
                frame = drawn.result()
                if n + 1 < end:  # one frame ahead, in order: the compositor draws one frame at a time
                    drawn = drawer.submit(frame_function, (n + 1) / fps)
                if n == start:
                    stream.height, stream.width = frame.shape[0] * 2 // 3, frame.shape[1]
                picture = av.VideoFrame.from_ndarray(frame, format="yuv420p")
                picture.pts = n - start
                container.mux(stream.encode(picture))
                if (n - start) % TRIM_EVERY == TRIM_EVERY - 1:
                    memory.give_back()
            container.mux(stream.encode(None))
    return out


def aac_options(conf: RenderConf) -> dict[str, str]:
    """The AAC encoder's options (``render.aac_coder``); none for another codec."""
    return {"aac_coder": conf.aac_coder} if conf.audio_codec == "aac" else {}


def bits_per_second(rate: str) -> int:
    """A bitrate as FFmpeg writes it (``160k``, ``1.5M``, ``96000``) in bits per second."""
    scale = BITRATE_UNITS.get(rate[-1:], 1)
    return round(float(rate[:-1] if rate[-1:] in BITRATE_UNITS else rate) * scale)


def encode_audio(audio: np.ndarray, *, rate: int, conf: RenderConf, out: Path) -> Path:
    """Encode the float soundtrack as the delivery's AAC (``audio_codec``, ``audio_bitrate``), in an .m4a file."""
    import av

    from adbatch.media.audio import LAYOUTS, frames_of

    memory.give_back()  # what mixing the track freed (~40 MB): the encode runs for seconds beside the video's
    with atomic_path(out) as tmp, av.open(str(tmp), "w", format="mp4") as container:
        stream = container.add_stream(conf.audio_codec, rate=rate, options=aac_options(conf))
        assert isinstance(stream, av.AudioStream), f"{conf.audio_codec} is not an audio codec"
        stream.bit_rate = bits_per_second(conf.audio_bitrate)
        stream.layout = LAYOUTS[audio.shape[1] if audio.ndim == 2 else 1]
        for frame in frames_of(audio, rate):  # PyAV cuts them into the encoder's own frames
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return out


def join(parts: list[Path], audio: Path, *, out: Path) -> Path:
    """Concatenate video ``parts`` and mux the encoded soundtrack ``audio``, all without re-encoding; faststart.

    Each part's packets are shifted by the length of the parts before it; the audio is cut where the
    video ends (the soundtrack's last AAC frame may run past it), as FFmpeg's ``-shortest`` did."""
    import av

    with atomic_path(out) as tmp, ExitStack() as files:  # the container closes (faststart) before the rename
        videos = [files.enter_context(av.open(str(p))) for p in parts]
        sound = files.enter_context(av.open(str(audio)))
        container = files.enter_context(av.open(str(tmp), "w", format="mp4", options={"movflags": "faststart"}))
        picture = container.add_stream_from_template(videos[0].streams.video[0])
        track = container.add_stream_from_template(sound.streams.audio[0])
        pictures, end = _concatenated(videos)
        for packet in pictures:
            packet.stream = picture
        sounds = [p for p in sound.demux(sound.streams.audio[0]) if p.dts is not None and _start(p) < end]
        for packet in sounds:
            packet.stream = track
        for packet in heapq.merge(pictures, sounds, key=_start):
            container.mux(packet)
    return out


def _concatenated(videos: list[av.container.InputContainer]) -> tuple[list[av.Packet[Any]], Fraction]:
    """The video packets of every part, each part shifted to start where the one before ended; and the end."""
    packets: list[av.Packet[Any]] = []
    end = Fraction(0)
    for video in videos:
        stream = video.streams.video[0]
        tick = Fraction(stream.time_base or 1)
        part = [p for p in video.demux(stream) if p.pts is not None and p.dts is not None]
        shift = round(end / tick)
        for packet in part:
            packet.pts, packet.dts = int(packet.pts or 0) + shift, int(packet.dts or 0) + shift
        packets += part
        end = max((int(p.pts or 0) + (p.duration or 0)) * tick for p in part) if part else end
    return packets, end


def _start(packet: av.Packet[Any]) -> Fraction:
    """When a packet is decoded, in seconds (the order packets are interleaved in)."""
    return int(packet.dts or 0) * Fraction(packet.time_base or 1)
