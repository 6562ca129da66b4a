"""The soundtrack made a piece at a time is, sample for sample, the soundtrack made whole.

The mixer and the limiter work on spans and chunks instead of whole-track temporaries, because the soundtrack is
made while the encoder holds its frames and every full float64 copy of a 30 s track (~20 MB) added to a render's
peak. Each reference here is the whole-track formula, written out; the chunked code must match it exactly, with
tracks longer than a chunk so that the seams are crossed.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from adbatch.config import RenderConf
from adbatch.domain.timeline import Timeline
from adbatch.media import audio
from adbatch.render import encode, levels, limiter, loudness, mix, segments
from adbatch.style import MixStyle
from tests.test_loudness import RATE, soundtrack, speech_music_job, square_bursts_over_a_tone

LONG = 3 * audio.CHUNK + 12_345  # samples: crosses three chunk seams and ends on a short chunk


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
    assert job.timeline.voice[0].start - style.duck_attack_s < 0  # the first ramp is cut by the start
    for n in (int(job.timeline.duration * rate), int(job.timeline.duration * rate) + rate // 2):  # and past the end
        got = mix.duck_envelope(job.timeline, n, rate, style=style)
        assert np.array_equal(got, whole_duck_envelope(job.timeline, n, rate, style))
    cue = job.timeline.voice[1]
    assert got[int((cue.start + cue.end) / 2 * rate)] < 0.5 and got[-1] == 0  # it ducked, and faded out
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


def whole_envelope(track: np.ndarray) -> np.ndarray:
    """The true-peak envelope as one pass over the whole track: |track| per frame, then the inter-sample peaks."""
    half, j = limiter.SINC_TAPS // 2, np.arange(-limiter.SINC_TAPS // 2 + 1, limiter.SINC_TAPS // 2 + 1)
    window = np.cos(np.pi * (j - 0.5) / (limiter.SINC_TAPS + 1)) ** 2
    envelope = np.abs(track).max(axis=1)
    for k in range(1, limiter.OVERSAMPLE):
        taps = (np.sinc(k / limiter.OVERSAMPLE - j) * window)[::-1].astype(track.dtype)
        for channel in track.T:
            envelope = np.maximum(envelope, np.abs(np.convolve(channel, taps)[half : half + len(channel)]))
    return envelope


@pytest.mark.parametrize("gain_db", [3.0, 12.0])
def test_the_limiter_in_chunks_is_the_limiter_over_the_whole_track(gain_db: float) -> None:
    """The true-peak envelope a channel at a time, the block powers a block at a time and the gain curve a chunk
    at a time from its running sums: the limited track, the deepest reduction and the loudness-cost inputs equal
    the whole-track formulas'."""
    track = noise(LONG, seed=11)
    attack, release = int(0.005 * RATE), int(0.05 * RATE)
    limiting = limiter.Limiter(track, RATE, attack_s=0.005, release_s=0.05)
    envelope = np.concatenate([np.zeros(release, np.float32), whole_envelope(track), np.zeros(attack, np.float32)])
    held = np.array([envelope[i : i + release + attack + 1].max() for i in range(0, len(track), 997)])
    assert np.array_equal(limiting.held[::997], held)
    per_block = int(limiter.BLOCK_S * RATE) // limiter.COARSE
    n = len(limiting.held) // (per_block * limiter.COARSE) * per_block * limiter.COARSE
    power = (track[:n].astype(np.float64) ** 2).sum(axis=1).reshape(-1, limiter.COARSE).sum(axis=1)
    assert np.array_equal(limiting.power, power.reshape(-1, per_block))
    ceiling_db = -2.5
    got, deepest = limiting.apply(gain_db, ceiling_db)
    need = np.minimum(1.0, levels.gain(ceiling_db - gain_db) / np.maximum(limiting.held, limiter.TINY_PEAK))
    ramp = limiting.ramp
    sums = np.cumsum(np.pad(need, (ramp + 1, ramp), mode="edge"), dtype=np.float64)
    curve = (sums[2 * ramp + 1 :] - sums[: -2 * ramp - 1]) / (2 * ramp + 1)
    assert np.array_equal(got, track * (curve * levels.gain(gain_db))[:, None].astype(np.float32))
    assert deepest == max(0.0, -levels.to_db(curve.min())) and deepest > 0
    assert np.array_equal(limiter._curve(limiting.held, ramp, levels.gain(ceiling_db - gain_db)), curve)


def test_the_limiter_applies_beside_its_output_a_chunk_at_a_time_not_whole_track_sums() -> None:
    """Applying the limiter holds its output and a chunk's running sums, not float64 sums of the whole track (what
    it held before: about as much again as the track, beside the output, while the encoder holds its frames)."""
    track = noise(16 * audio.CHUNK, seed=13)
    limiting = limiter.Limiter(track, RATE, attack_s=0.005, release_s=0.05)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out, deepest = limiting.apply(12.0, -2.5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert deepest > 0 and out.shape == track.shape
    assert peak - base - out.nbytes < track.nbytes / 3, (
        f"{(peak - base - out.nbytes) / 2**20:.1f} MiB beside the output"
    )


def test_the_mix_made_in_place_is_the_mix_made_in_copies(job) -> None:
    """``mix.mix`` scales the bed and the voice in place and low-passes over its own track: the same samples as
    the formula in fresh arrays (its parts, held to theirs above, are shared)."""
    style, rate = mix.DEFAULT_LEVELS, RATE
    n = int(round(job.timeline.duration * rate))
    music, src = mix.read_wav(job.music)
    music = mix.resample(music if music.shape[1] == 2 else np.repeat(music, 2, axis=1), src, rate)
    music = np.tile(music, (int(np.ceil(n / len(music))), 1))[:n]
    track = np.zeros((n, 2), np.float32)
    level = levels.gain(job.music_gain_db + style.music_gain_db)
    track += music * level * mix.duck_envelope(job.timeline, n, rate, style=style)[:, None]
    bus = np.zeros(n, np.float32)
    for cue in job.timeline.voice:
        voice, src = mix.read_wav(job.voice[cue.slot])
        voice = mix.resample(voice[:, :1], src, rate)
        start = int(round(cue.start * rate))
        bus[start : start + len(voice)] += voice[: n - start, 0]
    track += mix.compress(bus * levels.gain(style.voice_gain_db), rate, style=style)[:, None]
    track = mix.band_limit(track, rate, style.lowpass_hz, taps=style.lowpass_taps)
    want = track * min(1.0, levels.gain(style.peak_dbfs) / float(np.abs(track).max()))
    got = mix.mix(job.timeline, job.voice, job.music, rate=rate, music_gain_db=job.music_gain_db, style=style)
    assert np.array_equal(got, want)


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
