"""The soundtrack made a piece at a time is, sample for sample, the soundtrack made whole.

The mixer and the limiter work on spans and chunks instead of whole-track temporaries, because the soundtrack is
made while the encoder holds its frames and every full float64 copy of a 30 s track (~20 MB) added to a render's
peak. Each reference here is the whole-track formula, written out; the chunked code must match it exactly, with
tracks longer than a chunk so that the seams are crossed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from adbatch.config import RenderConf
from adbatch.domain.timeline import Timeline
from adbatch.render import encode, levels, loudness, mix, segments
from adbatch.style import MixStyle
from tests.test_loudness import RATE, soundtrack, speech_music_job, square_bursts_over_a_tone

LONG = 3 * mix.CHUNK + 12_345  # samples: crosses three chunk seams and ends on a short chunk


@pytest.fixture(scope="module")
def job(tmp_path_factory) -> encode.RenderJob:  # type: ignore[no-untyped-def]
    """A real speech-over-music ad in miniature (eSpeak lines over the offline music bed)."""
    return speech_music_job(tmp_path_factory.mktemp("ad"))


def noise(n: int, *, seed: int, channels: int = 2) -> np.ndarray:
    """Speech-like bursts of noise: loud and quiet stretches, so the compressor and the limiter both act."""
    rng = np.random.default_rng(seed)
    level = np.repeat(rng.uniform(0.01, 1.0, n // 2000 + 1), 2000)[:n]
    return (rng.standard_normal((n, channels)) * level[:, None] * 0.3).astype(np.float32)


def whole_duck_envelope(timeline: Timeline, n: int, rate: int, style: MixStyle) -> np.ndarray:
    gain = np.ones(n, dtype=np.float32)
    low = levels.gain(style.duck_db)
    attack, release = style.duck_attack_s, style.duck_release_s
    t = np.arange(n, dtype=np.float32) / rate
    for cue in timeline.voice:
        inside = np.clip(np.minimum((t - (cue.start - attack)) / attack, ((cue.end + release) - t) / release), 0, 1)
        gain = np.minimum(gain, 1 - (1 - low) * inside)
    return gain * np.clip((timeline.duration - t) / style.fade_out_s, 0, 1)


@pytest.mark.parametrize("rate", [1000, 44100, 48000])
def test_the_ducking_computed_over_each_cue_is_the_ducking_computed_over_the_track(job, rate: int) -> None:
    """Only the samples under a cue's ramps (and the fade) are computed; every sample equals the whole formula's,
    also for a first cue whose ramp starts before the track does."""
    style = MixStyle(duck_attack_s=0.4, duck_release_s=0.35)
    n = int(job.timeline.duration * rate)
    assert job.timeline.voice[0].start - style.duck_attack_s < 0  # the first ramp is cut by the start
    got = mix.duck_envelope(job.timeline, n, rate, style=style)
    assert np.array_equal(got, whole_duck_envelope(job.timeline, n, rate, style))
    assert got.min() < 0.5  # it did duck
    assert got.dtype == np.float32


def test_the_compressor_in_chunks_is_the_compressor_over_the_whole_voice() -> None:
    """The gain curve is interpolated and applied a chunk at a time: the same samples as all at once."""
    voice = noise(LONG, seed=3, channels=1)[:, 0]
    style = MixStyle()
    got = mix.compress(voice, RATE, style=style)
    # the whole formula, from the block gains the compressor computes first (its own reduction, recomputed here)
    block = max(1, int(RATE * mix.COMP_BLOCK_S))
    blocks = -(-len(voice) // block)
    peaks = np.abs(np.pad(voice, (0, blocks * block - len(voice)))).reshape(blocks, block).max(axis=1)
    speech = voice[np.abs(voice) > peaks.max() * mix.SPEECH_FLOOR]
    own = 10 * np.log10(float(np.mean(speech.astype(np.float64) ** 2)))
    want = np.maximum(0.0, 20 * np.log10(np.maximum(peaks, 1e-9)) - (own + style.comp_threshold_db))
    want *= 1 - 1 / style.comp_ratio
    attack = 1 - np.exp(-mix.COMP_BLOCK_S / style.comp_attack_s)
    release = 1 - np.exp(-mix.COMP_BLOCK_S / style.comp_release_s)
    reduction, level = np.empty(blocks), 0.0
    for i, target in enumerate(want):
        level += (target - level) * (attack if target > level else release)
        reduction[i] = level
    gain = np.interp(np.arange(len(voice), dtype=np.float32), (np.arange(blocks) + 0.5) * block, reduction)
    gain = np.power(np.float32(10), gain.astype(np.float32) / np.float32(-20))
    assert np.array_equal(got, (voice * gain).astype(np.float32))
    assert float(np.abs(got - voice).max()) > 0.01  # it did compress


def test_resampling_in_chunks_is_resampling_the_whole_track() -> None:
    data = noise(LONG, seed=5)
    got = mix.resample(data, 22050, RATE)
    n = int(round(len(data) * RATE / 22050))
    x_old, x_new = np.arange(len(data)) / 22050, np.arange(n) / RATE
    want = np.stack([np.interp(x_new, x_old, data[:, c]) for c in range(2)], axis=1).astype(np.float32)
    assert got.shape == (n, 2) and np.array_equal(got, want)


def test_band_limiting_in_place_writes_what_a_new_track_would_hold() -> None:
    track = noise(LONG, seed=7)
    style = mix.DEFAULT_LEVELS
    apart = mix.band_limit(track, RATE, style.lowpass_hz, taps=style.lowpass_taps)
    same = mix.band_limit(track.copy(), RATE, style.lowpass_hz, taps=style.lowpass_taps, in_place=True)
    assert np.array_equal(apart, same) and not np.array_equal(apart, track)


@pytest.mark.parametrize("gain_db", [3.0, 12.0])
def test_the_limiter_applied_in_chunks_is_the_limiter_applied_whole(gain_db: float) -> None:
    """The gain curve is made a chunk at a time from its running sums: the limited track and the deepest
    reduction equal the whole curve's."""
    track = noise(LONG, seed=11)
    limiter = loudness._Limiter(track, RATE, attack_s=0.005, release_s=0.05)
    ceiling_db = -2.5
    got, deepest = limiter.apply(gain_db, ceiling_db)
    curve = loudness._curve(limiter.held, limiter.ramp, levels.gain(ceiling_db - gain_db))
    want = track * (curve * levels.gain(gain_db))[:, None].astype(np.float32)
    assert np.array_equal(got, want)
    assert deepest == max(0.0, -levels.to_db(curve.min())) and deepest > 0


@pytest.mark.parametrize("kind", ["voice", "bursts"])
def test_a_premix_given_as_its_mixer_is_mixed_again_only_to_re_encode(job, kind: str, tmp_path: Path) -> None:
    """encode_under_ceiling takes the function that mixes the premix: one mix for a soundtrack encoded once, one
    more per re-encode (square bursts overshoot at 96 kb/s), and the same encoded figures as from the premix itself."""
    make = (lambda: soundtrack(job)) if kind == "voice" else square_bursts_over_a_tone
    mixed: list[int] = []

    def mixer() -> np.ndarray:
        mixed.append(1)
        return make()

    def aac(name: str) -> Callable[[np.ndarray], Path]:
        conf = RenderConf(audio_bitrate="96k")
        return lambda track: segments.encode_audio(track, rate=RATE, conf=conf, out=tmp_path / name)

    by_mixer = loudness.encode_under_ceiling(mixer, RATE, encode=aac("by-mixer.m4a"))
    by_track = loudness.encode_under_ceiling(make(), RATE, encode=aac("by-track.m4a"))
    assert len(mixed) == len(by_mixer.headroom_db) >= (2 if kind == "bursts" else 1)
    assert (by_mixer.headroom_db, by_mixer.true_peak_dbtp) == (by_track.headroom_db, by_track.true_peak_dbtp)
