"""Real media made on the fly for the fake providers: MP4 clips, images, speech with character times."""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image


@lru_cache(maxsize=8)
def mp4(seconds: float = 5.0, size: tuple[int, int] = (144, 256), fps: int = 24) -> bytes:
    """An H.264 MP4 of a moving gradient (what an image-to-video model returns, in miniature)."""
    import av

    w, h = size
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "30"}
        y, x = np.mgrid[0:h, 0:w]
        for i in range(int(round(seconds * fps))):
            rgb = np.stack([(x * 255 // w + i * 4) % 256, y * 255 // h, np.full_like(x, (i * 9) % 256)], axis=-1)
            frame = av.VideoFrame.from_ndarray(rgb.astype(np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buf.getvalue()


def grey_mp4(out: Path, *, size: tuple[int, int], seconds: float, fps: int = 30) -> Path:
    """A plain grey H.264 video with no audio at ``out`` (x264 ultrafast: well under a second for a few hundred
    frames)."""
    import av

    w, h = size
    grey = av.VideoFrame.from_ndarray(np.full((h, w, 3), 128, np.uint8), format="rgb24")
    with av.open(str(out), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for n in range(round(seconds * fps)):
            grey.pts = n
            container.mux(stream.encode(grey))
        container.mux(stream.encode(None))
    return out


@lru_cache(maxsize=16)
def image(fmt: str = "png", size: tuple[int, int] = (288, 512), color: tuple[int, int, int] = (90, 60, 160)) -> bytes:
    """A soft vertical gradient as PNG, JPEG or WebP (a text-to-image model's output, in miniature)."""
    w, h = size
    ramp = np.linspace(0.6, 1.0, h, dtype=np.float32)[:, None, None]
    rgb = (np.broadcast_to(np.array(color, dtype=np.float32), (h, w, 3)) * ramp).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, {"jpg": "JPEG", "jpeg": "JPEG"}.get(fmt, fmt.upper()))
    return buf.getvalue()


def speech(text: str, rate: int) -> tuple[bytes, dict[str, list]]:
    """Spoken ``text`` as raw 16-bit PCM at ``rate`` Hz, and an ElevenLabs-style character alignment."""
    from adbatch.providers import espeak

    spoken = espeak.synthesize(text, voice="en-us", rate_wpm=175, pitch=50)
    samples = spoken.samples.astype(np.float32)
    n = int(round(len(samples) * rate / spoken.sample_rate))
    resampled = np.interp(np.arange(n) / rate, np.arange(len(samples)) / spoken.sample_rate, samples)
    pcm = np.clip(resampled, -32768, 32767).astype("<i2").tobytes()
    starts, ends = [0.0] * len(text), [0.0] * len(text)
    tokens = list(re.finditer(r"\S+", text))
    for m, word in zip(tokens, spoken.words):
        step = (word.end - word.start) / max(1, len(m.group()))
        for k in range(m.start(), m.end()):
            starts[k] = round(word.start + step * (k - m.start()), 3)
            ends[k] = round(starts[k] + step, 3)
    for k, ch in enumerate(text):  # spaces take the time of the gap they stand for
        if ch.isspace():
            starts[k] = ends[k] = round(ends[k - 1] if k else 0.0, 3)
    return pcm, {"characters": list(text), "character_start_times_seconds": starts, "character_end_times_seconds": ends}
