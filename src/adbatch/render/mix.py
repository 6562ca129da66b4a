"""The soundtrack: voice lines placed on the timeline over a music bed ducked under them.

Mixed once in numpy (a 30 s stereo track is ~10 MB), then handed to MoviePy as one
array clip, instead of a stack of audio clips each running its own FFmpeg reader.
"""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from adbatch.domain.timeline import Timeline

DUCK_DB = -12.0  # music level under the voice, relative to its own level
DUCK_RAMP = 0.12  # seconds to duck and come back
FADE_OUT = 1.2  # music fades out over the last seconds
PEAK_DBFS = -1.0


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A WAV file as float32 (frames, channels) in [-1, 1], and its sample rate."""
    with wave.open(str(path), "rb") as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        raw = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    return data.reshape(-1, channels), rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write float samples in [-1, 1] (frames or frames x channels) as 16-bit PCM."""
    data = samples if samples.ndim == 2 else samples[:, None]
    pcm = (np.clip(data, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(pcm.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())


def resample(data: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear-interpolation resampling per channel (speech and music beds only)."""
    if src == dst:
        return data
    n = int(round(len(data) * dst / src))
    x_old, x_new = np.arange(len(data)) / src, np.arange(n) / dst
    return np.stack([np.interp(x_new, x_old, data[:, c]) for c in range(data.shape[1])], axis=1).astype(np.float32)


def tempo(src: Path, dst: Path, factor: float, ffmpeg: str) -> Path:
    """Speed a voice line up by ``factor`` without changing its pitch (FFmpeg atempo)."""
    subprocess.run(
        [
            ffmpeg,
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(src),
            "-filter:a",
            f"atempo={factor:.4f}",
            "-c:a",
            "pcm_s16le",
            str(dst),
        ],
        check=True,
    )
    return dst


def duck_envelope(timeline: Timeline, n: int, rate: int) -> np.ndarray:
    """Music gain over time: 1.0, dipping to DUCK_DB under every voice line, with ramps."""
    gain = np.ones(n, dtype=np.float32)
    low = 10 ** (DUCK_DB / 20)
    t = np.arange(n, dtype=np.float32) / rate
    for cue in timeline.voice:
        inside = np.clip(np.minimum(t - (cue.start - DUCK_RAMP), (cue.end + DUCK_RAMP) - t) / DUCK_RAMP, 0, 1)
        gain = np.minimum(gain, 1 - (1 - low) * inside)
    fade = np.clip((timeline.duration - t) / FADE_OUT, 0, 1)
    return gain * fade


def mix(
    timeline: Timeline,
    voice_files: Mapping[str, Path],
    music_file: Path | None,
    *,
    rate: int,
    music_gain_db: float = 0.0,
) -> np.ndarray:
    """The final stereo float32 track at ``rate``, exactly the timeline's length."""
    n = int(round(timeline.duration * rate))
    track = np.zeros((n, 2), dtype=np.float32)
    if music_file is not None:
        music, src_rate = read_wav(music_file)
        music = resample(music if music.shape[1] == 2 else np.repeat(music, 2, axis=1), src_rate, rate)
        reps = int(np.ceil(n / len(music)))
        music = np.tile(music, (reps, 1))[:n]
        track += music * (10 ** (music_gain_db / 20)) * duck_envelope(timeline, n, rate)[:, None]
    for cue in timeline.voice:
        voice, src_rate = read_wav(voice_files[cue.slot])
        voice = resample(voice[:, :1], src_rate, rate)
        start = int(round(cue.start * rate))
        end = min(n, start + len(voice))
        track[start:end] += voice[: end - start]
    peak = float(np.abs(track).max()) or 1.0
    return track * min(1.0, 10 ** (PEAK_DBFS / 20) / peak)
