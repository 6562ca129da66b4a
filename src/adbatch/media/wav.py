"""16-bit PCM WAV files as float arrays: what voices and music beds write and the mixer reads."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

PCM_FULL_SCALE = 32768.0  # 16-bit PCM: samples in [-32768, 32767]
PCM_MAX = 32767
PCM_BYTES = 2  # bytes per 16-bit sample


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A WAV file as float32 (frames, channels) in [-1, 1], and its sample rate."""
    with wave.open(str(path), "rb") as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        raw = wav.readframes(wav.getnframes())
    if width != PCM_BYTES:
        raise ValueError(f"{path}: only 16-bit PCM WAV is supported")
    data = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    del raw
    data /= PCM_FULL_SCALE  # in place: a music bed is ~10 MB a copy
    return data.reshape(-1, channels), rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    """Write float samples in [-1, 1] (frames or frames x channels) as 16-bit PCM."""
    data = samples if samples.ndim == 2 else samples[:, None]
    pcm = (np.clip(data, -1.0, 1.0) * PCM_MAX).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(pcm.shape[1])
        wav.setsampwidth(PCM_BYTES)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
