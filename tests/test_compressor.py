"""The voice's gentle compressor: the final limiter has less to take off, quiet speech is left alone."""

from __future__ import annotations

import numpy as np
import pytest

from adbatch.providers import espeak
from adbatch.render import loudness, mix
from adbatch.style import MixStyle

RATE = 22050


def speech_like(seconds: float = 6.0, seed: int = 3) -> np.ndarray:
    """Syllables at ~5 Hz: a 140 Hz voice with harmonics under a fast-attack envelope, random loudness, and a
    plosive click on some: peaks 12-15 dB over the level, as speech has."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 8))
    env = np.zeros_like(t)
    start = 0.0
    while start < seconds - 0.2:
        length = rng.uniform(0.12, 0.25)
        at = (t >= start) & (t < start + length)
        phase = (t[at] - start) / length
        env[at] = rng.uniform(0.2, 1.0) * np.minimum(1.0, phase * 20) * (1 - phase) ** 0.5
        if rng.random() < 0.3:
            env[np.flatnonzero(at)[:40]] *= 3.0  # a plosive
        start += length + rng.uniform(0.02, 0.1)
    voice = tone * env
    return (0.9 * voice / np.abs(voice).max()).astype(np.float32)


def limiter_db(track: np.ndarray) -> float:
    _, figures = loudness.normalize(track[:, None].repeat(2, axis=1), RATE)
    return float(figures["limiter_db"])


def test_the_compressor_leaves_the_limiter_less_to_take_off() -> None:
    """Normalised to -14 LUFS, a spoken line (eSpeak, peaks ~17 dB over its level) needs at least 3 dB less
    limiting compressed than raw."""
    speech = espeak.synthesize("My knees used to ache after 5k. I did 10k on Sunday and felt fine.", voice="en-us")
    voice = (speech.samples / 32768.0).astype(np.float32)
    assert speech.sample_rate == RATE
    raw, compressed = limiter_db(voice), limiter_db(mix.compress(voice, RATE, style=MixStyle()))
    assert compressed <= raw - 3.0, (raw, compressed)


def test_the_compressor_is_gentle_on_the_body_of_the_speech() -> None:
    """Most of the speech is turned down by a few dB at most; only the peaks are turned down more."""
    voice = speech_like()
    out = mix.compress(voice, RATE, style=MixStyle())
    loud = np.abs(voice) > 0.05
    change = 20 * np.log10(np.abs(out[loud]) / np.abs(voice[loud]))
    assert np.median(change) > -6.0 and change.min() < -3.0


def test_ratio_one_turns_the_compressor_off() -> None:
    """comp_ratio: 1 leaves the voice exactly as it was."""
    voice = speech_like(2.0)
    assert np.array_equal(mix.compress(voice, RATE, style=MixStyle(comp_ratio=1.0)), voice)


@pytest.mark.parametrize("gain_db", [-20.0, 0.0])
def test_the_threshold_follows_the_voice_own_level(gain_db: float) -> None:
    """A quieter recording of the same voice is compressed the same way (the threshold is relative)."""
    voice = speech_like(2.0)
    quiet = voice * 10 ** (gain_db / 20)
    out = mix.compress(quiet, RATE, style=MixStyle())
    reference = mix.compress(voice, RATE, style=MixStyle()) * 10 ** (gain_db / 20)
    assert np.allclose(out, reference, atol=1e-4)
