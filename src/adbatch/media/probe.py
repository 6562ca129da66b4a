"""Read what a rendered file really is (codec, size, fps, duration, audio) with PyAV.

Used by the manifest and QA (what the encoder was asked for is not trusted; the output is), by providers on
the clips they download, and by tests.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class MediaInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    width: int
    height: int
    fps: float
    video_codec: str
    pix_fmt: str
    duration: float  # seconds, from the container
    audio_codec: str | None
    audio_rate: int | None
    size_bytes: int
    faststart: bool  # the moov atom comes before the media data


def probe(path: str | Path) -> MediaInfo:
    """Facts about a media file, read from its streams."""
    import av

    path = Path(path)
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        rate = video.average_rate or video.base_rate or Fraction(0)
        return MediaInfo(
            width=video.codec_context.width,
            height=video.codec_context.height,
            fps=round(float(rate), 3),
            video_codec=video.codec_context.name,
            pix_fmt=video.codec_context.pix_fmt or "",
            duration=round(float(container.duration or 0) / 1_000_000, 3),
            audio_codec=audio.codec_context.name if audio else None,
            audio_rate=audio.codec_context.sample_rate if audio else None,
            size_bytes=path.stat().st_size,
            faststart=_moov_first(path),
        )


def _moov_first(path: Path) -> bool:
    """Walk the top-level MP4 boxes: True if ``moov`` precedes ``mdat``."""
    with path.open("rb") as fh:
        while header := fh.read(8):
            if len(header) < 8:
                return False
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if kind in (b"moov", b"mdat"):
                return kind == b"moov"
            if size == 1:
                size = int.from_bytes(fh.read(8), "big") - 8
            fh.seek(size - 8, 1)
    return False
