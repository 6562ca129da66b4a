"""ElevenLabs as the voice, through the real elevenlabs SDK, against the fake server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from adbatch.providers.elevenlabs import word_times
from adbatch.providers.retry import ProviderError
from adbatch.render.mix import read_wav
from tests.fakes import faults
from tests.fakes.live import KEY, build, run

pytest_plugins = ["tests.fakes.fixtures"]  # fixtures: fake, keys, product

LINE = "Honestly, this mug keeps coffee hot for $29.99!"


@pytest.fixture
def voice(fake):
    return build("voice", fake)


def test_speaks_a_wav_with_word_times_like_the_offline_voice(fake, voice, tmp_path: Path) -> None:
    """16-bit WAV at the requested rate; meta has the real duration and [word, start, end] per word."""
    out = run(voice.speak(LINE, tmp_path / "line.wav"))
    audio, rate = read_wav(tmp_path / "line.wav")
    assert rate == 24000 and out.meta["duration"] == pytest.approx(len(audio) / rate)
    words = out.meta["words"]
    assert [w[0] for w in words] == ["Honestly", "this", "mug", "keeps", "coffee", "hot", "for", "$29.99"]
    starts = [w[1] for w in words]
    assert (
        starts == sorted(starts)
        and all(s <= e for _, s, e in words)
        and words[-1][2] == pytest.approx(out.meta["duration"], abs=1e-3)
    )


def test_cost_is_billed_characters_times_the_model_rate(fake, voice, tmp_path: Path) -> None:
    """units.characters comes from ElevenLabs' character-cost header; multilingual v2 is $0.10 per 1k."""
    out = run(voice.speak(LINE, tmp_path / "line.wav"))
    assert out.units == {"characters": len(LINE)} and out.cost_usd == pytest.approx(len(LINE) / 1000 * 0.10)
    assert out.attempts == 1 and voice.estimate(LINE) == pytest.approx(out.cost_usd)


def test_request_uses_the_with_timestamps_endpoint_and_config(fake, voice, tmp_path: Path) -> None:
    """Voice id, model, PCM format, settings and seed come from config; the key goes in xi-api-key."""
    run(voice.speak(LINE, tmp_path / "line.wav"))
    seen = fake.seen("elevenlabs.tts")[0]
    assert seen.path == "/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb/with-timestamps"
    assert seen.headers["xi-api-key"] == KEY
    assert seen.json["model_id"] == "eleven_multilingual_v2" and seen.json["seed"] == 1
    assert seen.json["voice_settings"]["stability"] == 0.45


@pytest.mark.parametrize(
    "fault",
    [faults.rate_limited(0), faults.server_error(500), faults.server_error(503), faults.drop()],
    ids=["429", "500", "503", "dropped"],
)
def test_transient_errors_are_retried_exactly_once(fake, voice, fault, tmp_path: Path) -> None:
    """One transient failure: two requests in all (the SDK's own retries are off), attempts recorded."""
    fake.script("elevenlabs.tts", fault)
    out = run(voice.speak(LINE, tmp_path / "line.wav"))
    assert fake.count("elevenlabs.tts") == 2 and out.attempts == 2


def test_persistent_errors_stop_after_four_attempts(fake, voice, tmp_path: Path) -> None:
    """Four 500s: exactly four requests, then a clear error."""
    fake.script("elevenlabs.tts", *[faults.server_error(500)] * 4)
    with pytest.raises(ProviderError, match="elevenlabs text-to-speech.*failed after 4 attempt"):
        run(voice.speak(LINE, tmp_path / "line.wav"))
    assert fake.count("elevenlabs.tts") == 4


@pytest.mark.parametrize("code", [400, 401, 422])
def test_validation_errors_fail_fast(fake, voice, code: int, tmp_path: Path) -> None:
    """400 (quota, limits), 401 (bad key) and 422 (validation) are not retried."""
    fake.script("elevenlabs.tts", faults.bad_request(code))
    with pytest.raises(ProviderError, match=f"after 1 attempt.*HTTP {code}"):
        run(voice.speak(LINE, tmp_path / "line.wav"))
    assert fake.count("elevenlabs.tts") == 1


def test_only_raw_pcm_output_formats_are_accepted(fake) -> None:
    """An mp3 output format is refused when the adapter is built, saying what to use."""
    with pytest.raises(Exception, match="use pcm_<rate>"):
        build("voice", fake, output_format="mp3_44100_128")


def test_word_times_group_characters_into_words() -> None:
    """Spaces split words; punctuation is stripped as the offline voice does; each word ends where the next starts."""
    chars = list("Hi, you!")
    starts = [0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6]
    assert word_times(chars, starts, 0.9) == [["Hi", 0.0, 0.3], ["you", 0.3, 0.9]]
