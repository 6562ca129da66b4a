"""Decibels: the one place level maths is written, so mix, limiter and meter agree.

An amplitude ratio is 20 dB per decade, a power (energy) ratio 10 dB per decade.
"""

from __future__ import annotations

import numpy as np

DECADE = 10
AMPLITUDE_DB = 20  # dB per decade of amplitude
POWER_DB = 10  # dB per decade of power


def gain(db: float) -> float:
    """The amplitude factor of a level change of ``db``."""
    return float(DECADE ** (db / AMPLITUDE_DB))


def power_gain(db: float) -> float:
    """The power factor of a level change of ``db``."""
    return float(DECADE ** (db / POWER_DB))


def to_db(amplitude: float) -> float:
    """The level change, in dB, of an amplitude factor."""
    return float(AMPLITUDE_DB * np.log10(amplitude))


def power_to_db(power: float) -> float:
    """The level change, in dB, of a power factor."""
    return float(POWER_DB * np.log10(power))
