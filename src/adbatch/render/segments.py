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
from pathlib import Path
from typing import Any

import numpy as np

from adbatch.config import RenderConf
from adbatch.domain.timeline import Timeline
from adbatch.store.atomic import atomic_path

MOVIEPY_AUDIO_BYTES, MOVIEPY_AUDIO_BUFFER = 4, 2000  # write_videofile's defaults (audio_nbytes, audio_bufsize)


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


def x264_args(conf: RenderConf, *extra: str) -> dict[str, Any]:
    """MoviePy ``write_videofile`` arguments for the preset's H.264 encoding: the one place they are
    set, so a whole video and the parts joined by stream copy are encoded alike (plus ``extra``
    FFmpeg flags)."""
    return {
        "codec": conf.codec,
        "preset": conf.preset,
        "threads": conf.threads,
        "ffmpeg_params": ["-crf", str(conf.crf), "-pix_fmt", "yuv420p", *extra],
    }


def encode_video(
    frame_function: Callable[[float], np.ndarray], *, start: int, end: int, fps: int, conf: RenderConf, out: Path
) -> Path:
    """Encode frames ``start`` .. ``end`` - 1 (video only) with the preset's x264 settings."""
    from moviepy import VideoClip

    offset = start / fps
    clip = VideoClip(frame_function=lambda t: frame_function(t + offset), duration=(end - start) / fps)
    with atomic_path(out) as tmp:
        clip.write_videofile(str(tmp), fps=fps, audio=False, logger=None, **x264_args(conf))
    clip.close()
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


def encode_audio_moviepy(audio: np.ndarray, *, conf: RenderConf, out: Path) -> Path:
    """Encode the soundtrack as the whole-video path always has: MoviePy's ``write_videofile`` audio
    (32-bit PCM piped to FFmpeg, then muxed by copy), so such a video's bytes stay what they were."""
    from moviepy.audio.AudioClip import AudioArrayClip

    rate = int(conf.audio_fps)
    AudioArrayClip(audio, fps=rate).write_audiofile(
        str(out),
        fps=rate,
        nbytes=MOVIEPY_AUDIO_BYTES,
        buffersize=MOVIEPY_AUDIO_BUFFER,
        codec=conf.audio_codec,
        bitrate=conf.audio_bitrate,
        ffmpeg_params=aac_options(conf) or None,
        logger=None,
    )
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
