"""Tests for the offline eSpeak NG engine: real synthesis, no mocks."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from adbatch.providers.espeak import Speech, SpeechEngineError, synthesize

SENTENCE = "Fresh coffee, delivered to your door every morning, on time!"
PRICE = "Only $29.99 — café crème!"


@pytest.fixture(scope="module")
def speech() -> Speech:
    return synthesize(SENTENCE)


def test_sentence_gives_seconds_of_audible_int16_audio(speech: Speech) -> None:
    """A 60-character sentence gives 2.5-6 s of non-silent int16 mono audio at 22050 Hz."""
    assert len(SENTENCE) == 60
    assert speech.samples.dtype == np.int16 and speech.samples.ndim == 1
    assert speech.sample_rate == 22050
    assert 2.5 <= speech.duration <= 6.0
    rms = np.sqrt(np.mean(speech.samples.astype(np.float64) ** 2))
    assert rms > 500


def test_one_monotonic_timing_per_token(speech: Speech) -> None:
    """There is one WordTiming per whitespace token, in order, with monotonic times inside the audio."""
    tokens = SENTENCE.split()
    assert [w.word for w in speech.words] == [t.strip(",!") for t in tokens]
    for word in speech.words:
        assert 0.0 <= word.start <= word.end
        assert word.start < speech.duration
    for previous, current in zip(speech.words, speech.words[1:]):
        assert previous.end <= current.start + 1e-9
        assert previous.start < current.start
    assert speech.words[-1].end <= speech.duration + 1e-6


def test_faster_rate_gives_shorter_audio() -> None:
    """A higher rate_wpm gives shorter audio for the same text."""
    assert synthesize(SENTENCE, rate_wpm=260).duration < synthesize(SENTENCE, rate_wpm=120).duration


def test_empty_text_gives_empty_speech() -> None:
    """Empty or whitespace-only text gives zero samples and no words."""
    for text in ("", "  \n\t "):
        speech = synthesize(text)
        assert speech.samples.size == 0 and speech.samples.dtype == np.int16
        assert speech.words == () and speech.duration == 0.0


def test_same_text_twice_gives_identical_samples() -> None:
    """Synthesis is deterministic even with other calls in between."""
    first = synthesize(SENTENCE)
    synthesize(PRICE, rate_wpm=90, pitch=80)
    second = synthesize(SENTENCE)
    assert np.array_equal(first.samples, second.samples)
    assert first.words == second.words


def test_concurrent_threads_match_serial_call(speech: Speech) -> None:
    """Four threads synthesising at once all succeed and match a serial call."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: synthesize(SENTENCE), range(8)))
    for result in results:
        assert np.array_equal(result.samples, speech.samples)
        assert result.words == speech.words


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_child_process_matches_parent(speech: Speech, method: str) -> None:
    """A freshly forked or spawned worker process gives the same speech as the parent."""
    with multiprocessing.get_context(method).Pool(2) as pool:
        results = pool.map(synthesize, [SENTENCE, SENTENCE])
    for result in results:
        assert np.array_equal(result.samples, speech.samples)


def test_unknown_voice_raises() -> None:
    """An unknown voice name raises SpeechEngineError naming the voice."""
    with pytest.raises(SpeechEngineError, match="no-such-voice"):
        synthesize("Hello there.", voice="no-such-voice")


def test_price_and_unicode_map_to_tokens() -> None:
    """A price, a dash and accented words map to one timing per token, with the right words."""
    speech = synthesize(PRICE)
    assert len(speech.words) == len(PRICE.split())
    assert [w.word for w in speech.words] == ["Only", "$29.99", "—", "café", "crème"]
    starts = [w.start for w in speech.words]
    assert starts == sorted(starts) and starts[0] == 0.0
    # "$29.99" is spoken as several words, so it must last longer than "Only".
    only, price = speech.words[0], speech.words[1]
    assert price.end - price.start > only.end - only.start
    assert speech.words[-1].end == pytest.approx(speech.duration)
