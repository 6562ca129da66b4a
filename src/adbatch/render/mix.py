"""The soundtrack: voice lines placed on the timeline over a music bed ducked under them.

Mixed once in numpy (a 30 s stereo track is ~10 MB), then normalised and encoded as one track,
instead of a stack of audio clips each running its own FFmpeg reader.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from adbatch.domain.timeline import Timeline
from adbatch.media import audio
from adbatch.media.wav import read_wav
from adbatch.media.wav import write_wav as write_wav  # re-exported: the renderer's callers write WAVs too
from adbatch.render.levels import gain as db_gain
from adbatch.style import MixStyle

DEFAULT_LEVELS = MixStyle()  # for callers that mix without a composed config


def resample(data: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear-interpolation resampling per channel (speech and music beds only)."""
    if src == dst:
        return data
    n = int(round(len(data) * dst / src))
    x_old = np.arange(len(data)) / src
    out = np.empty((n, data.shape[1]), dtype=np.float32)
    for start in range(0, n, audio.CHUNK):  # a chunk at a time: its float64 times and values, not the track's
        x_new = np.arange(start, min(n, start + audio.CHUNK)) / dst
        for c in range(data.shape[1]):
            out[start : start + len(x_new), c] = np.interp(x_new, x_old, data[:, c])
    return out


def tempo(src: Path, dst: Path, factor: float) -> Path:
    """Speed a voice line up by ``factor`` without changing its pitch (FFmpeg's atempo, run by PyAV), as a
    16-bit WAV."""
    samples, rate = read_wav(src)
    write_wav(dst, audio.filter_track(samples, rate, "atempo", f"{factor:.4f}"), rate)
    return dst


COMP_BLOCK_S = 0.005  # the compressor reads the voice's level over blocks this long (peak of each)
SPEECH_FLOOR = 1e-3  # samples above this share of the peak (-60 dB) are speech, for the voice's own level


def compress(voice: np.ndarray, rate: int, *, style: MixStyle = DEFAULT_LEVELS) -> np.ndarray:
    """The voice bus (mono, float) turned down ``1 - 1/comp_ratio`` of the way above its own level (RMS while
    it speaks) plus ``comp_threshold_db``, so any voice's level gets the same treatment; the gain following each 5 ms block's peak within ``comp_attack_s`` and letting go over ``comp_release_s``.

    Speech peaks 10-15 dB over its loudness; evened out here, gently, the loudness stage reaches its
    target with its limiter taking off a dB or two instead of up to 12 (which flattens consonants).
    """
    if style.comp_ratio <= 1 or not len(voice):
        return voice
    block = max(1, int(rate * COMP_BLOCK_S))
    blocks = -(-len(voice) // block)
    peaks = np.abs(np.pad(voice, (0, blocks * block - len(voice)))).reshape(blocks, block).max(axis=1)
    speech = voice[np.abs(voice) > peaks.max() * SPEECH_FLOOR]
    if not len(speech):
        return voice
    power = speech.astype(np.float64)
    own = 10 * np.log10(float(np.mean(np.square(power, out=power))))  # the voice's level while it speaks
    del power, speech
    over = np.maximum(0.0, 20 * np.log10(np.maximum(peaks, 1e-9)) - (own + style.comp_threshold_db))
    want = over * (1 - 1 / style.comp_ratio)  # dB to take off, per block
    attack = 1 - np.exp(-COMP_BLOCK_S / max(style.comp_attack_s, 1e-6))
    release = 1 - np.exp(-COMP_BLOCK_S / max(style.comp_release_s, 1e-6))
    reduction, level = np.empty(blocks), 0.0
    for i, target in enumerate(want):  # one step per block (6,000 for 30 s): attack fast, release slow
        level += (target - level) * (attack if target > level else release)
        reduction[i] = level
    centres = (np.arange(blocks) + 0.5) * block
    out = np.empty(len(voice), dtype=np.float32)
    for start in range(0, len(voice), audio.CHUNK):  # a chunk at a time: a 30 s bus is 1.4M values
        end = min(len(voice), start + audio.CHUNK)
        # the sample numbers as float32, as a whole-track arange makes them (an offset float32 arange rounds twice)
        gain = np.interp(np.arange(start, end).astype(np.float32), centres, reduction).astype(np.float32)
        np.power(np.float32(10), gain / np.float32(-20), out=gain)  # dB to gain
        np.multiply(voice[start:end], gain, out=out[start:end])
    return out


def duck_envelope(timeline: Timeline, n: int, rate: int, *, style: MixStyle = DEFAULT_LEVELS) -> np.ndarray:
    """Music gain over time: 1.0, dipping to ``style.duck_db`` under every voice line, with ramps,
    and fading out over the last ``style.fade_out_s``."""
    gain = np.ones(n, dtype=np.float32)
    low = db_gain(style.duck_db)
    attack, release = style.duck_attack_s, style.duck_release_s
    for cue in timeline.voice:  # outside its ramps a cue leaves the gain as it is: only its span is computed
        span = _span(cue.start - attack, cue.end + release, n, rate)
        t = _times(span, rate)
        inside = np.clip(np.minimum((t - (cue.start - attack)) / attack, ((cue.end + release) - t) / release), 0, 1)
        np.minimum(gain[span], 1 - (1 - low) * inside, out=gain[span])
    # the fade: 1.0 before it, 0 after the timeline's end; a fade of no length (or less) is computed everywhere
    fading = style.fade_out_s > 0
    tail = slice(_first(timeline.duration - style.fade_out_s, n, rate) if fading else 0, n)
    gain[tail] *= np.clip((timeline.duration - _times(tail, rate)) / style.fade_out_s, 0, 1)
    return gain


def _span(start_s: float, end_s: float, n: int, rate: int) -> slice:
    """The samples of ``n`` from ``start_s`` to ``end_s``, a sample wider on each side (float32 times round)."""
    start = _first(start_s, n, rate)
    return slice(start, start if end_s * rate < start else min(n, math.ceil(end_s * rate) + 2))


def _first(start_s: float, n: int, rate: int) -> int:
    """The first of ``n`` samples at or after ``start_s``, less one (float32 times round)."""
    return min(n, max(0, math.floor(start_s * rate) - 1))


def _times(span: slice, rate: int) -> np.ndarray:
    """The times of ``span``'s samples in float32, as a whole-track ``arange(n, dtype=float32) / rate`` gives them."""
    times: np.ndarray = np.arange(span.start, span.stop).astype(np.float32) / rate
    return times


def mix(
    timeline: Timeline,
    voice_files: Mapping[str, Path],
    music_file: Path | None,
    *,
    rate: int,
    music_gain_db: float = 0.0,
    style: MixStyle = DEFAULT_LEVELS,
) -> np.ndarray:
    """The final stereo float32 track at ``rate``, exactly the timeline's length: the voice at
    ``style.voice_gain_db``, gently compressed (``compress``), the music at ``music_gain_db`` (its source's calibration) plus
    ``style.music_gain_db``, ducked under the voice, the whole peaking at ``style.peak_dbfs``."""
    n = int(round(timeline.duration * rate))
    track = np.zeros((n, 2), dtype=np.float32)
    if music_file is not None:
        music, src_rate = read_wav(music_file)
        music = resample(music if music.shape[1] == 2 else np.repeat(music, 2, axis=1), src_rate, rate)
        reps = int(np.ceil(n / len(music)))
        music = np.tile(music, (reps, 1))[:n]
        music *= db_gain(music_gain_db + style.music_gain_db)  # in place: each copy of the bed is ~10 MB
        music *= duck_envelope(timeline, n, rate, style=style)[:, None]
        track += music
        del music
    bus = np.zeros(n, dtype=np.float32)  # the voice lines on their cues, compressed as one voice
    for cue in timeline.voice:
        voice, src_rate = read_wav(voice_files[cue.slot])
        voice = resample(voice[:, :1], src_rate, rate)
        start = int(round(cue.start * rate))
        end = min(n, start + len(voice))
        bus[start:end] += voice[: end - start, 0]
    bus *= db_gain(style.voice_gain_db)
    track += compress(bus, rate, style=style)[:, None]
    del bus
    track = band_limit(track, rate, style.lowpass_hz, taps=style.lowpass_taps, in_place=True)
    peak = float(max(track.max(), -track.min())) or 1.0
    track *= min(1.0, db_gain(style.peak_dbfs) / peak)
    return track


def band_limit(
    track: np.ndarray, rate: int, cutoff_hz: float | None, *, taps: int, in_place: bool = False
) -> np.ndarray:
    """``track`` low-passed at ``cutoff_hz`` (a Hann-windowed sinc FIR of ``taps`` taps, zero phase); None or
    a cutoff at or above Nyquist: unchanged.

    Why: the AAC encoder drops everything above about 16 kHz at delivery bitrates. A click or a sharp edge in
    a synthesized voice (and the images linear resampling leaves above the source's Nyquist) carries energy up
    there, and the encoder's own cut rings it into true peaks several dB over what the limiter allowed,
    which once cost a video 3 LU of loudness to get back under the ceiling. Cut here, the limiter sees the
    band the codec keeps. ``in_place``: the filtered channels are written over ``track`` (float32) itself."""
    if not cutoff_hz or cutoff_hz >= rate / 2:
        return track
    k = np.arange(taps) - (taps - 1) / 2
    fir = (2 * cutoff_hz / rate) * np.sinc(2 * cutoff_hz / rate * k) * np.hanning(taps)
    fir = (fir / fir.sum()).astype(np.float32)  # the track's precision: a float64 copy of it is 2x the memory
    out = track if in_place and track.dtype == np.float32 else np.empty_like(track, dtype=np.float32)
    for c in range(track.shape[1]):
        out[:, c] = np.convolve(track[:, c], fir, mode="same")  # the column is copied before it is written over
    return out
