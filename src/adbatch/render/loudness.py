"""Loudness: measure a soundtrack with FFmpeg's EBU R128 meter and bring it to the delivery target.

``mix.mix`` peaks the soundtrack at -1 dBFS, which says nothing about how loud it sounds: a
speech-over-music ad mixed that way measures about -20 LUFS, 6 dB under the ad before it in the
feed. So the mix is normalised to an integrated loudness (default -14 LUFS, where YouTube and the
streaming services normalise playback) with its true peak at or below -1 dBTP, the ceiling that
keeps a platform's re-encode from clipping.

Measuring is FFmpeg's ``ebur128`` filter with ``peak=true`` (true peak from an oversampled signal),
run in this process by PyAV on the float samples (or a file's decoded audio); its figures are the
Summary it logs as it closes, read exactly as they were from the FFmpeg command line. Normalising is a linear gain plus, only when that gain would push
peaks over the ceiling, a look-ahead limiter (``adbatch.render.limiter``, numpy), then a re-measurement that
corrects the gain until both figures hold; the ceiling keeps headroom for the AAC encode's
overshoot, and adbatch.stages.qa measures the delivered file. The headroom is a typical figure, not
a bound (a dense, transient-heavy mix can overshoot it), so ``encode_under_ceiling`` measures the
encoded file and, when its true peak is over the ceiling, normalises again with the headroom
widened by what the encoder added, a few rounds at most. FFmpeg's ``loudnorm`` is not used:
with ``linear=true`` it silently falls back to its dynamic mode whenever the gain would overshoot
the true-peak target, and that mode resamples to 192 kHz and rides the level in 3 s windows, which
pumps audibly under a voice-over.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from adbatch.config import RenderConf
from adbatch.errors import RenderError
from adbatch.media import audio
from adbatch.render.limiter import Limiter
from adbatch.style import MixStyle

if TYPE_CHECKING:
    import av

_LEVELS = MixStyle()  # the style's defaults, for callers without a composed config
_TARGET = RenderConf()  # the delivery target's defaults (render.loudness_lufs, render.true_peak_db)
SILENT_LUFS = -70.0  # ebur128's absolute gate: at or below this there is nothing to normalise
ROUNDS = 4  # measure-and-correct passes; the second almost always lands
SETTLE_LU = 0.3  # stop correcting once the measured loudness is this close to the target
CODEC_ROUNDS = 3  # re-normalise-and-encode passes allowed after the first encode overshoots
CODEC_MARGIN_DB = 0.3  # beyond the measured overshoot: a re-encode of a quieter track overshoots a little differently

METER = "peak=true:metadata=1"  # true peak (4x oversampled); metadata=1 keeps the 100 ms lines out of the log
_SUMMARY = {
    "integrated_lufs": re.compile(r"I:\s+(-?inf|-?[\d.]+) LUFS"),
    "lra": re.compile(r"LRA:\s+(-?inf|-?[\d.]+) LU\b"),
    "true_peak_dbtp": re.compile(r"Peak:\s+(-?inf|-?[\d.]+) dBFS"),
}
_LOG_LOCK = threading.Lock()


class LoudnessError(RenderError, RuntimeError):
    """The meter could not measure the audio (no audio stream, unreadable file)."""


def measure(source: str | Path | np.ndarray, *, rate: int | None = None) -> dict[str, float]:
    """Integrated loudness (LUFS), true peak (dBTP) and loudness range (LU) of a file's audio or of
    a float track ``(frames, channels)`` at ``rate``, as FFmpeg's ebur128 meter sums them up (its Summary)."""
    if isinstance(source, np.ndarray):
        if rate is None:
            raise ValueError("measure(track) needs the track's sample rate")
        frames: Iterable[av.AudioFrame] = audio.frames_of(source, rate)
    else:
        frames = audio.decoded(Path(source))
    try:
        summary = _metered(frames)
    except (OSError, ValueError) as err:  # PyAV's errors are OSError or ValueError subclasses
        raise LoudnessError(f"FFmpeg ebur128 could not measure {_name(source)}: {err}") from err
    found = {key: pattern.search(summary) for key, pattern in _SUMMARY.items()}
    if not all(found.values()):
        raise LoudnessError(f"FFmpeg ebur128 could not measure {_name(source)}: it has no audio to measure")
    return {key: float(match.group(1)) for key, match in found.items() if match is not None}


def _metered(frames: Iterable[av.AudioFrame]) -> str:
    """The meter's Summary of ``frames``: the text it logs as it closes, caught from libav's log.

    Why the log: the Summary's true peak counts every sample, while the figures the meter attaches to
    frames leave out the last partial 100 ms and give the peak linear to three decimals (0.3 dB off at
    -40 dBTP). libav's log level and PyAV's repeat filter are process-wide, so they are set for the
    meter's run only, one meter at a time; another thread's libav messages in that moment go to
    Python's ``libav`` loggers."""
    import av.logging

    with _LOG_LOCK:
        level, skip = av.logging.get_level(), av.logging.get_skip_repeated()
        av.logging.set_level(max(level or av.logging.INFO, av.logging.INFO))
        av.logging.set_skip_repeated(False)  # two identical readings in a row are two Summaries
        try:
            with av.logging.Capture() as logs:
                for _ in audio.filtered(frames, "ebur128", METER):
                    pass  # the graph closes when the frames run out, and the meter logs its Summary
        finally:
            av.logging.set_skip_repeated(skip)
            av.logging.set_level(level)
    return "".join(message for _, name, message in logs if name == "ebur128").rpartition("Summary:")[2]


def normalize(
    track: np.ndarray,
    rate: int,
    *,
    target_lufs: float = _TARGET.loudness_lufs,
    true_peak_db: float = _TARGET.true_peak_db,
    codec_headroom_db: float = _LEVELS.codec_headroom_db,
    attack_s: float = _LEVELS.limiter_attack_s,
    release_s: float = _LEVELS.limiter_release_s,
) -> tuple[np.ndarray, dict[str, Any]]:
    """``track`` at ``target_lufs`` with its true peak ``codec_headroom_db`` under ``true_peak_db``,
    and the figures: ``before`` and ``after`` (as ``measure`` returns them), ``gain_db`` and
    ``limiter_db`` (the deepest gain reduction the limiter applied, 0 when the gain was enough).

    The headroom is for the lossy encode that follows: over 21 offline ads normalised to -2.0 dBTP,
    FFmpeg's AAC encoder added up to 0.9 dB of true peak at 160 kb/s, 1.3 dB at 128 kb/s and
    2.7 dB at 96 kb/s; 1.5 dB covers 160 kb/s with margin (a 96 kb/s delivery needs about 3 dB).
    The limiter's gain falls over ``attack_s`` before a peak and holds ``release_s`` after it.
    """
    before = measure(track, rate=rate)
    if before["integrated_lufs"] <= SILENT_LUFS:
        return track, {"before": before, "after": before, "gain_db": 0.0, "limiter_db": 0.0}
    limiter = Limiter(track, rate, attack_s=attack_s, release_s=release_s)
    allowed = true_peak_db - codec_headroom_db
    aim, ceiling_db = target_lufs, allowed
    last: np.ndarray | None = None  # each round writes over the last one's track (~10 MB), not beside it
    for _ in range(ROUNDS):
        gain_db = limiter.gain_for(aim - before["integrated_lufs"], ceiling_db)
        out, reduction = limiter.apply(gain_db, ceiling_db, out=last)
        after = measure(out, rate=rate)
        miss, overshoot = target_lufs - after["integrated_lufs"], after["true_peak_dbtp"] - allowed
        if abs(miss) <= SETTLE_LU and overshoot <= 0:
            break
        aim += miss  # the limiter's loudness cost is predicted, not measured: correct by what the meter says
        ceiling_db -= max(0.0, overshoot)  # a peak the envelope underestimated: aim that much lower
        last = out
    return out, {"before": before, "after": after, "gain_db": round(gain_db, 2), "limiter_db": round(reduction, 2)}


@dataclass(frozen=True)
class Encoded:
    """An encoded soundtrack, what the meter reads in it, and the codec headroom each encode used."""

    path: Path
    reading: dict[str, float]  # ``measure`` of the encoded file (of the last encode)
    headroom_db: tuple[float, ...]  # true peak kept under the ceiling before each encode; the style's first
    true_peak_dbtp: tuple[float, ...]  # the encoded file's true peak after each encode

    @property
    def reencoded(self) -> int:
        """How many times the soundtrack was normalised again and re-encoded (0 for most videos)."""
        return len(self.headroom_db) - 1

    def as_log(self) -> dict[str, Any]:
        """The figures a job's log line records."""
        return {
            "codec_headroom_db": [round(h, 2) for h in self.headroom_db],
            "encoded_true_peak_dbtp": list(self.true_peak_dbtp),
            "encoded_lufs": self.reading["integrated_lufs"],
        }


def encode_under_ceiling(
    premix: np.ndarray | Callable[[], np.ndarray],
    rate: int,
    *,
    encode: Callable[[np.ndarray], Path],
    target_lufs: float = _TARGET.loudness_lufs,
    true_peak_db: float = _TARGET.true_peak_db,
    codec_headroom_db: float = _LEVELS.codec_headroom_db,
    attack_s: float = _LEVELS.limiter_attack_s,
    release_s: float = _LEVELS.limiter_release_s,
) -> Encoded:
    """``premix`` normalised (as ``normalize``) and passed to ``encode``, whose file's true peak is
    then measured; while it is over ``true_peak_db`` (at most ``CODEC_ROUNDS`` times) the premix is
    normalised again with its peak that much (plus ``CODEC_MARGIN_DB``) lower and encoded again.

    The first encode is exactly the one ``normalize`` with the style's headroom would give, so a
    video the codec leaves under the ceiling is unchanged. The new headroom is counted from where
    the normalised peak really was, which may be under the ceiling when a plain gain sufficed.

    ``premix`` may be the function that mixes it: then it is mixed again for a re-encode (rare) instead of being
    held through the encode, which runs beside the video's (a 30 s stereo track is ~10 MB).
    """
    headroom = codec_headroom_db
    tried: list[float] = []  # the headroom of each encode
    peaks: list[float] = []  # and its encoded true peak
    while True:
        track, figures = normalize(
            premix() if callable(premix) else premix,
            rate,
            target_lufs=target_lufs,
            true_peak_db=true_peak_db,
            codec_headroom_db=headroom,
            attack_s=attack_s,
            release_s=release_s,
        )
        path = encode(track)
        del track  # a re-encode normalises the premix anew
        reading = measure(path)
        tried.append(headroom)
        peaks.append(reading["true_peak_dbtp"])
        overshoot = reading["true_peak_dbtp"] - true_peak_db
        if overshoot <= 0 or len(tried) > CODEC_ROUNDS:
            return Encoded(path=path, reading=reading, headroom_db=tuple(tried), true_peak_dbtp=tuple(peaks))
        headroom = max(headroom, true_peak_db - figures["after"]["true_peak_dbtp"]) + overshoot + CODEC_MARGIN_DB


def _name(source: str | Path | np.ndarray) -> str:
    return "the track" if isinstance(source, np.ndarray) else str(source)
