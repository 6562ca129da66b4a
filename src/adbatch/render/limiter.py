"""The look-ahead peak limiter ``loudness.normalize`` applies after its gain, and its loudness-cost estimate.

Its gain follows the true-peak envelope (peaks between samples included, as a BS.1770 meter sees them), so a
normalised track's true peak stays under the ceiling without metering every guess. Every whole-track
computation here runs in chunks or in place (``audio.CHUNK``): the soundtrack is limited beside the video's
encode, and each full float64 copy of a 30 s track would add ~20 MB to the render's peak.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from adbatch.media import audio
from adbatch.render import levels

BLOCK_S, RELATIVE_GATE_DB = 0.4, -10.0  # BS.1770 gating blocks and relative gate, for the cost estimate
MAX_LIMITING_DB, BISECTIONS = 24.0, 12  # search range for the gain, and steps (24 dB / 2^12 ~ 0.006 dB)
TINY_PEAK = 1e-12  # guards the division by a silent stretch's peak
COARSE = 16  # frames per group in the loudness-cost estimate
OVERSAMPLE = 4  # peaks between samples are estimated at quarter-sample steps (as BS.1770 true peak)
SINC_TAPS = 16


class Limiter:
    """A static gain followed by a look-ahead peak limiter, with a cheap prediction of how much
    loudness the limiting costs, so the gain that lands on the target is found without metering each guess.

    The limiter's gain at frame n is ceiling / (largest true-peak estimate over [n - release,
    n + attack]), capped at 1 and averaged over a ramp no wider than the attack: every averaged
    value is a bound from a window containing n, so the curve never lets a peak through. Gain
    falls before a peak and holds after it, so low notes are not distorted by a gain that moves
    within their period.
    """

    def __init__(self, track: np.ndarray, rate: int, *, attack_s: float, release_s: float) -> None:
        self.track = track.astype(np.float32, copy=False)
        attack, release = int(attack_s * rate), int(release_s * rate)
        peaks = np.concatenate(
            [np.zeros(release, np.float32), _peak_envelope(self.track), np.zeros(attack, np.float32)]
        )
        self.held = _running_max(peaks, release + attack + 1)  # over [n - release, n + attack]
        del peaks
        self.ramp = max(1, attack // 2)
        # the cost estimate runs many times: on groups of COARSE frames (peak: max, power: sum)
        per_block = int(BLOCK_S * rate) // COARSE
        n = len(self.held) // (per_block * COARSE) * per_block * COARSE
        self.coarse_held = self.held[:n].reshape(-1, COARSE).max(axis=1)
        power = np.empty(n // COARSE)
        step = per_block * COARSE  # a block at a time: the track's squares in float64 are 4x the track
        for start in range(0, n, step):
            square = self.track[start : start + step].astype(np.float64)
            power[start // COARSE : (start + step) // COARSE] = (
                np.square(square, out=square).sum(axis=1).reshape(-1, COARSE).sum(axis=1)
            )
        self.power = power.reshape(-1, per_block)
        loud = self.power.sum(axis=1)
        self.gated = loud >= loud.mean() * levels.power_gain(RELATIVE_GATE_DB)  # blocks the meter would count

    def apply(self, gain_db: float, ceiling_db: float, *, out: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """The gained and limited track (written into ``out`` when given), and the deepest reduction in dB."""
        out = np.empty_like(self.track) if out is None else out
        lows, start = [], 0
        for curve in _curve_chunks(self.held, self.ramp, levels.gain(ceiling_db - gain_db)):
            end = start + len(curve)
            lows.append(curve.min())
            curve *= levels.gain(gain_db)
            np.multiply(self.track[start:end], curve.astype(np.float32)[:, None], out=out[start:end])
            start = end
        return out, max(0.0, -levels.to_db(float(np.min(lows))))

    def gain_for(self, rise_db: float, ceiling_db: float) -> float:
        """The static gain whose result, after the limiter's predicted loudness cost, is ``rise_db``
        louder: gain + cost(gain) rises with gain, so bisection finds it."""
        lo, hi = rise_db, rise_db + MAX_LIMITING_DB
        for _ in range(BISECTIONS):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if mid + self._cost_db(mid, ceiling_db) < rise_db else (lo, mid)
        return (lo + hi) / 2

    def _cost_db(self, gain_db: float, ceiling_db: float) -> float:
        """Loudness the limiter takes away (<= 0 dB), from the energy of the gated 400 ms blocks."""
        curve = _curve(self.coarse_held, max(1, self.ramp // COARSE), levels.gain(ceiling_db - gain_db))
        kept = self.power[self.gated]
        if not kept.size:  # shorter than one block: nothing to estimate from
            return 0.0
        return levels.power_to_db((curve.reshape(self.power.shape)[self.gated] ** 2 * kept).sum() / kept.sum())


def _curve(held: np.ndarray, ramp: int, allowed: float) -> np.ndarray:
    """Limiter gain per frame: ``allowed / held`` capped at 1, then a moving average of width
    2 * ramp + 1 (edges extended, which keeps the average a bound at the ends too)."""
    return np.concatenate(list(_curve_chunks(held, ramp, allowed)))


def _curve_chunks(held: np.ndarray, ramp: int, allowed: float, chunk: int = audio.CHUNK) -> Iterator[np.ndarray]:
    """``_curve``, ``chunk`` frames at a time (float64), from running sums made a window at a time.

    The curve at frame i is (S[i + width] - S[i]) / width, S the running sum of the needed gains with the
    edges extended. Each window of S is summed on from the sum before it, in order, so every value is the
    one a single pass over the track makes; but only a chunk's window is held, not a float64 sum and a
    float32 copy of the whole envelope (~16 MB for 30 s at 44.1 kHz, made while the encoder holds its frames)."""
    n, width = len(held), 2 * ramp + 1
    carry = 0.0  # S just before the window
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        # the extended gains of S[start : stop + width]: need[0] ramp + 1 times, need, need[-1] ramp times
        first, last = start - ramp - 1, stop + ramp
        edges = np.full(max(0, -first), held[0]), np.full(max(0, last - n), held[-1])
        need = np.concatenate([edges[0], held[max(0, first) : min(n, last)], edges[1]])
        np.maximum(need, TINY_PEAK, out=need)
        np.divide(allowed, need, out=need)
        np.minimum(1.0, need, out=need)
        sums = need.astype(np.float64)
        sums[0] += carry
        np.cumsum(sums, out=sums)
        carry = float(sums[stop - start - 1])
        curve: np.ndarray = sums[width : width + stop - start] - sums[: stop - start]
        curve /= width
        yield curve


def _peak_envelope(track: np.ndarray) -> np.ndarray:
    """Per frame, the largest magnitude over all channels including the peaks between samples
    (windowed-sinc interpolation at 1/4, 2/4 and 3/4 of a sample), which a true-peak meter sees."""
    half = SINC_TAPS // 2
    j = np.arange(-half + 1, half + 1)  # y(n + p) = sum_j x[n + j] * sinc(p - j) * window(j)
    window = np.cos(np.pi * (j - 0.5) / (SINC_TAPS + 1)) ** 2
    envelope: np.ndarray = np.abs(track[:, 0])
    for channel in track.T[1:]:  # a channel at a time: |track| whole would be a full copy of it
        np.maximum(envelope, np.abs(channel), out=envelope)
    for k in range(1, OVERSAMPLE):
        taps = (np.sinc(k / OVERSAMPLE - j) * window)[::-1].astype(track.dtype)  # the track's precision: float32
        for channel in track.T:
            between = np.convolve(channel, taps)[half : half + len(channel)]
            np.maximum(envelope, np.abs(between, out=between), out=envelope)
    return envelope


def _running_max(x: np.ndarray, k: int) -> np.ndarray:
    """max(x[i:i + k]) for every full window, in O(n) (van Herk / Gil-Werman blocks), in ``x``'s dtype: a
    30 s track's envelope at 48 kHz is 1.4M values, and each copy of it counts toward the render's peak."""
    n = len(x)
    blocks = np.concatenate([x, np.full((-n) % k, -np.inf, x.dtype)]).reshape(-1, k)
    suffix = np.maximum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1]
    prefix = np.maximum.accumulate(blocks, axis=1, out=blocks).ravel()  # blocks is not needed past here
    out: np.ndarray = np.maximum(suffix.ravel()[: n - k + 1], prefix[k - 1 : n])
    return out
