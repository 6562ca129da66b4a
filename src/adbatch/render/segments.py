"""Encode a video as hook opener + shared body, joined by stream copy.

Hook variants of one product x archetype have the same body (the timeline reserves the
hook beat for its longest candidate, so every shot after it lands on the same frame).
So the body is encoded once, kept in the cache under a hash of what it shows, and each
variant encodes only its opener and joins the two with FFmpeg's concat demuxer (no
re-encode). The body starts on its own keyframe, both parts share every encoder setting,
and the soundtrack is encoded once over the whole length and muxed in, so the join is
seamless in picture and sound: the delivered audio is, sample for sample, the encoded file whose
true peak ``loudness.encode_under_ceiling`` measured, and no seam can add a peak.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from adbatch.config import RenderConf
from adbatch.domain.timeline import Timeline
from adbatch.store.atomic import atomic_path

ENGINE = "i420-pyav"  # how frames are drawn and encoded: part of a cached body's key


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
    return {"preset": str(conf.preset), "crf": str(conf.crf)}


def encode_video(
    frame_function: Callable[[float], np.ndarray], *, start: int, end: int, fps: int, conf: RenderConf, out: Path
) -> Path:
    """Encode frames ``start`` .. ``end`` - 1 (video only, H.264 yuv420p) with the preset's x264 settings.

    ``frame_function`` gives I420 frames (``adbatch.render.canvas``), which PyAV hands to libx264 in this
    process, without a conversion or a pipe. The next frame is drawn on a second thread while this one is
    encoded: OpenCV, NumPy and x264 release the GIL, so drawing and x264's own threads (``render.threads``)
    share the cores instead of taking turns."""
    import av

    with atomic_path(out) as tmp, ThreadPoolExecutor(max_workers=1, thread_name_prefix="draw") as drawer:
        with av.open(str(tmp), "w", format="mp4") as container:
            stream = container.add_stream(conf.codec, rate=fps, options=x264_options(conf))
            assert isinstance(stream, av.VideoStream), f"{conf.codec} is not a video codec"
            stream.pix_fmt = "yuv420p"
            stream.codec_context.thread_count = int(conf.threads)
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
            container.mux(stream.encode(None))
    return out


def aac_options(conf: RenderConf) -> list[str]:
    """FFmpeg's options for the AAC encoder (``render.aac_coder``); none for another codec."""
    return ["-aac_coder", conf.aac_coder] if conf.audio_codec == "aac" else []


def encode_audio(audio: np.ndarray, *, rate: int, conf: RenderConf, out: Path, ffmpeg: str) -> Path:
    """Encode the soundtrack as the delivery's AAC (``audio_codec``, ``audio_bitrate``), in an .m4a file."""
    from adbatch.render.mix import write_wav

    wav = out.with_suffix(".wav")
    write_wav(wav, audio, rate)
    with atomic_path(out) as tmp:
        subprocess.run(
            [
                ffmpeg,
                "-y",
                "-loglevel",
                "error",
                "-i",
                str(wav),
                "-c:a",
                conf.audio_codec,
                *aac_options(conf),
                "-b:a",
                conf.audio_bitrate,
                "-f",
                "mp4",
                str(tmp),
            ],
            check=True,
        )
    wav.unlink()
    return out


def join(parts: list[Path], audio: Path, *, out: Path, ffmpeg: str, work: Path) -> Path:
    """Concatenate video ``parts`` and mux the encoded soundtrack ``audio``, all without re-encoding; faststart."""
    listing = work / "parts.txt"
    listing.write_text("".join(f"file '{p.resolve().as_posix()}'\n" for p in parts))
    with atomic_path(out) as tmp:
        subprocess.run(
            [
                ffmpeg,
                "-y",
                "-loglevel",
                "error",
                "-f",
                "concat",
                "-safe",
                "0",
                "-i",
                str(listing),
                "-i",
                str(audio),
                "-map",
                "0:v",
                "-map",
                "1:a",
                "-c",
                "copy",
                "-shortest",
                "-movflags",
                "+faststart",
                "-f",
                "mp4",
                str(tmp),
            ],
            check=True,
        )
    return out
