"""Offline text-to-speech: eSpeak NG through ctypes, with per-word timings.

Library and data come from the ``espeakng-loader`` wheel: no system package, no
network, no subprocess. Timings come from eSpeak's own word events, so captions
line up with the audio they are drawn over.

Each call dlopens a *fresh* library instance and unloads it afterwards, because
libespeak-ng keeps static state that espeak_Terminate/espeak_Initialize never
reset (pitch-flutter phase, voice-cycle counter, gain control): in one
long-lived instance the same text comes out a few samples different every time.
A fresh instance costs ~2 ms and makes output depend only on the arguments, as
caching and reproducible renders need. On Linux it is loaded from an in-memory
copy of the .so (memfd), so it never shares state with another user of the file.
"""

from __future__ import annotations

import _ctypes
import bisect
import ctypes
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np

from adbatch.errors import ProviderError

SAMPLE_RATE = 22050  # what espeak-ng produces
# Constants from espeak-ng's speak_lib.h.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_DONT_EXIT = 0x8000  # espeakINITIALIZE_DONT_EXIT: else missing data makes espeak exit(1)
_POS_CHARACTER = 1
_CHARS_UTF8 = 1  # espeakSSML (0x10) is left off: the text is spoken literally
_EVENT_LIST_TERMINATED, _EVENT_WORD = 0, 1
_PARAM_RATE, _PARAM_PITCH = 1, 3
_EE_OK, _EE_NOT_FOUND = 0, 2


class SpeechEngineError(ProviderError, RuntimeError):
    """eSpeak NG could not be loaded or initialised, or refused a request."""


@dataclass(frozen=True)
class WordTiming:
    """When one whitespace-separated token of the input is spoken.

    ``word`` is the token without leading/trailing punctuation (spoken signs stay:
    "$29.99," gives "$29.99", "100%!" gives "100%"). ``start``/``end`` are seconds
    from the start of the returned samples; ``end`` is the next word's start.
    """

    word: str
    start: float
    end: float


@dataclass(frozen=True)
class Speech:
    """Mono int16 audio plus one WordTiming per input token, in input order."""

    samples: np.ndarray
    sample_rate: int
    words: tuple[WordTiming, ...]

    @property
    def duration(self) -> float:
        """Length of ``samples`` in seconds (the real audio length)."""
        return len(self.samples) / self.sample_rate


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """espeak_EVENT. text_position: 1-based, in characters (code points) of the
    UTF-8 input, not bytes; audio_position: milliseconds into the audio."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
_SYNTH_ARGTYPES: list[Any] = [
    ctypes.c_char_p,
    ctypes.c_size_t,
    ctypes.c_uint,
    ctypes.c_int,
    ctypes.c_uint,
    ctypes.c_uint,
    ctypes.c_void_p,
    ctypes.c_void_p,
]

_lock = threading.Lock()  # the library is one global state: one synthesis at a time
_paths: tuple[str, str] | None = None  # (library to dlopen, espeak-ng-data dir), per process


def _after_fork_in_child() -> None:
    """Give a forked child a usable lock; if the fork caught a synthesis midway,
    that instance stays mapped in the child, so the child makes its own copy."""
    global _lock, _paths
    if _lock.locked():
        _paths = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _library_paths() -> tuple[str, str]:
    """Find the wheel's library and data once per process; copy the .so into memory."""
    global _paths
    if _paths is None:
        try:
            import espeakng_loader

            lib_path = espeakng_loader.get_library_path()
            data_path = espeakng_loader.get_data_path()
            if hasattr(os, "memfd_create"):
                fd = os.memfd_create("libespeak-ng")  # closed on exec, kept across fork
                with open(lib_path, "rb") as src, open(fd, "wb", closefd=False) as dst:
                    dst.write(src.read())
                lib_path = f"/proc/self/fd/{fd}"
        except (ImportError, OSError, RuntimeError) as exc:
            msg = f"cannot locate eSpeak NG ({exc}); run `pip install espeakng-loader`"
            raise SpeechEngineError(msg) from exc
        _paths = (lib_path, data_path)
    return _paths


def _run_espeak(text: str, voice: str, rate_wpm: int, pitch: int) -> tuple[bytes, list[tuple[int, int]], int]:
    """Synthesise on a fresh library instance: (pcm, [(char offset, ms) per word event], rate)."""
    lib_path, data_path = _library_paths()
    try:
        lib = ctypes.CDLL(lib_path)
    except OSError as exc:
        raise SpeechEngineError(f"cannot load {lib_path}: {exc}; reinstall espeakng-loader") from exc
    pcm: list[bytes] = []
    words: list[tuple[int, int]] = []

    def collect(wav: Any, n_samples: int, events: Any) -> int:  # espeak calls this for every chunk of audio
        if wav and n_samples > 0:
            pcm.append(ctypes.string_at(wav, 2 * n_samples))
        i = 0
        while events and events[i].type != _EVENT_LIST_TERMINATED:
            if events[i].type == _EVENT_WORD:
                words.append((events[i].text_position - 1, events[i].audio_position))
            i += 1
        return 0  # 0 = go on

    callback = _SynthCallback(collect)  # referenced until espeak_Terminate
    try:
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), _DONT_EXIT)
        if rate <= 0:
            msg = f"espeak_Initialize failed on {data_path}; reinstall espeakng-loader"
            raise SpeechEngineError(msg)
        try:
            status = lib.espeak_SetVoiceByName(voice.encode())
            if status != _EE_OK:
                why = "unknown eSpeak voice" if status == _EE_NOT_FOUND else f"error {status} on voice"
                raise SpeechEngineError(f"{why} {voice!r}; try 'en-us', 'en-gb', 'de', 'fr' or 'es'")
            lib.espeak_SetParameter(_PARAM_RATE, int(rate_wpm), 0)
            lib.espeak_SetParameter(_PARAM_PITCH, int(pitch), 0)
            lib.espeak_SetSynthCallback(callback)
            lib.espeak_Synth.argtypes = _SYNTH_ARGTYPES  # size is a size_t
            data = text.replace("\0", " ").encode("utf-8")
            status = lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if status != _EE_OK:
                raise SpeechEngineError(f"espeak_Synth failed with error {status}")
            lib.espeak_Synchronize()
        finally:
            lib.espeak_Terminate()
    finally:
        _ctypes.dlclose(lib._handle)  # so the next call starts from pristine static state
    return b"".join(pcm), words, rate


def _strip_punctuation(token: str) -> str:
    """Drop Unicode punctuation at both ends, but keep signs read aloud ("100%", "#1");
    a token that is nothing but punctuation ("—") is kept whole."""
    chars = [c for c in set(token) if unicodedata.category(c)[0] == "P" and c not in "%‰#&@"]
    return token.strip("".join(chars)) or token


def _word_timings(text: str, events: list[tuple[int, int]], duration: float) -> tuple[WordTiming, ...]:
    """One timing per whitespace token, from its first word event (in it or in the space after).

    eSpeak can emit several events for one token ("$29.99" is five spoken words) or
    none (a lone dash, a word merged into a neighbour); tokens without an event get
    a start interpolated by character offset between the neighbouring known ones.
    """
    tokens = list(re.finditer(r"\S+", text))
    offsets = [m.start() for m in tokens]
    known: dict[int, float] = {}
    for char_pos, ms in events:  # an offset in whitespace belongs to the token before it
        known.setdefault(max(bisect.bisect_right(offsets, char_pos) - 1, 0), ms / 1000)
    known.setdefault(0, 0.0)
    idx = sorted(known)
    x_known = [offsets[i] for i in idx] + [len(text)]
    starts = np.interp(offsets, x_known, [known[i] for i in idx] + [duration])
    starts = np.clip(np.maximum.accumulate(starts), 0.0, duration)
    ends = [*starts[1:], duration]
    return tuple(
        WordTiming(_strip_punctuation(m.group()), float(start), float(end))
        for m, start, end in zip(tokens, starts, ends)
    )


def synthesize(text: str, *, voice: str = "en-us", rate_wpm: int = 175, pitch: int = 50) -> Speech:
    """Speak ``text`` with eSpeak NG and time each whitespace token of it.

    rate_wpm is words per minute (eSpeak clamps it to its supported range, 80 up);
    pitch is 0-100 (50 = the voice's normal pitch). Output depends only on the
    arguments, and the call is safe from any thread or forked/spawned process.
    Raises SpeechEngineError if eSpeak cannot be loaded or the voice is unknown.
    """
    if not text.strip():
        return Speech(np.zeros(0, dtype=np.int16), SAMPLE_RATE, ())
    with _lock:
        pcm, events, sample_rate = _run_espeak(text, voice, rate_wpm, pitch)
    samples = np.frombuffer(pcm, dtype=np.int16).copy()
    return Speech(samples, sample_rate, _word_timings(text, events, len(samples) / sample_rate))
