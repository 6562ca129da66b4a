"""ElevenLabs speaks the voiceover, with real word times (the with-timestamps endpoint).

The reply carries the audio (base64) and the start and end time of every character; words
are grouped from those, so on-screen text and captions sync to the voice actually spoken.
Audio is requested as raw 16-bit PCM (``pcm_<rate>``) and written as the WAV the mixer
reads: no decoding step. The SDK's retries are off (``max_retries: 0``); ``adbatch.providers.retry``
is the only policy.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from adbatch.media.wav import write_wav
from adbatch.providers.base import Output
from adbatch.providers.espeak import _strip_punctuation  # one rule for what a "word" is, offline or live
from adbatch.providers.http import Limiter
from adbatch.providers.keys import require_key
from adbatch.providers.prices import rate, usd
from adbatch.providers.retry import (
    KEY_REFUSED,
    KeyRefused,
    Tried,
    Verdict,
    classify_httpx,
    http_verdict,
    policy,
    refused_message,
)

PCM = re.compile(r"^pcm_(\d+)$")


class ElevenLabsVoice:
    """Text-to-speech with word timings through ElevenLabs' ``/with-timestamps`` endpoint."""

    name = "elevenlabs"
    key_env_var = "ELEVENLABS_API_KEY"

    def __init__(
        self,
        *,
        voice_id: str,
        model: str = "eleven_multilingual_v2",
        output_format: str = "pcm_24000",
        voice_settings: Mapping[str, Any] | None = None,
        seed: int | None = None,
        language_code: str | None = None,
        words_per_second: float,  # one home: conf/provider.voice/elevenlabs.yaml
        base_url: str | None = None,
        timeout: float = 60.0,
        concurrency: int = 3,
        prices: Mapping[str, Any],
        prices_checked: str = "",
        retry: Mapping[str, Any] | None = None,
    ) -> None:
        import elevenlabs.client  # noqa: F401 (now, not on first use: importing it inside the event loop stalls it)

        match = PCM.match(output_format)
        if not match:
            raise ValueError(
                f"provider.voice.output_format={output_format!r}: use pcm_<rate> (e.g. pcm_24000; "
                f"pcm_44100 needs a Pro plan): the mixer takes raw 16-bit PCM, no decoding"
            )
        self.voice_id, self.model, self.output_format, self.sample_rate = voice_id, model, output_format, int(match[1])
        self.voice_settings = dict(voice_settings or {})
        self.seed, self.language_code, self.wps = seed, language_code, float(words_per_second)
        self.base_url, self.timeout = base_url, float(timeout)
        self.per_1k = rate(prices, model, stage="voice")
        self.prices_checked, self.retry, self.limit = prices_checked, policy(retry), Limiter(concurrency)

    def __repr__(self) -> str:
        return f"ElevenLabsVoice(voice_id={self.voice_id!r}, model={self.model!r}, base_url={self.base_url!r})"

    @property
    def words_per_second(self) -> float:
        """The voice's speaking rate, so the writer sizes lines to their slots (config: words_per_second)."""
        return self.wps

    def check_key(self) -> None:
        """One free call (the key's user) that fails fast, naming the variable, on a refused key."""
        from elevenlabs.client import ElevenLabs
        from elevenlabs.core.api_error import ApiError

        key = require_key(self.key_env_var, who="provider.voice (ElevenLabs)")
        try:
            ElevenLabs(api_key=key, base_url=self.base_url, timeout=self.timeout).user.get()
        except ApiError as exc:
            if exc.status_code not in KEY_REFUSED:
                raise
            what = f"elevenlabs key check (GET /v1/user) answered {exc.status_code}"
            raise KeyRefused(refused_message(self.key_env_var, what), status=exc.status_code) from exc

    def params(self) -> dict[str, Any]:
        return {
            "voice_id": self.voice_id,
            "model": self.model,
            "output_format": self.output_format,
            "voice_settings": self.voice_settings,
            "seed": self.seed,
            "language_code": self.language_code,
        }

    def estimate(self, request: Any) -> float:
        """USD for speaking ``request`` (the line's text): characters x the model's rate."""
        return usd(len(str(request)) / 1000 * self.per_1k)

    async def speak(self, text: str, out: Path) -> Output:
        """Speak ``text`` into the WAV file ``out``; meta has ``duration`` and ``words`` ([word, start, end], s)."""
        reply, headers, tried = await self._request(text)
        pcm = np.frombuffer(base64.b64decode(reply.audio_base_64), dtype="<i2")
        write_wav(out, pcm.astype(np.float32) / 32768.0, self.sample_rate)
        duration = len(pcm) / self.sample_rate
        a = reply.alignment
        words = word_times(a.characters, a.character_start_times_seconds, duration) if a else []
        characters = int(headers.get("character-cost") or len(text))  # what ElevenLabs says it billed
        return Output(
            meta={
                "duration": duration,
                "words": words,
                "request_id": headers.get("request-id"),
                "prices_checked": self.prices_checked,
            },
            units={"characters": characters},
            cost_usd=usd(characters / 1000 * self.per_1k),
            attempts=tried.attempts,
            lost=tried.lost,  # replies lost to a reset or timeout before this one: possibly billed
        )

    async def _request(self, text: str) -> tuple[Any, Mapping[str, str], Tried[Any]]:
        import httpx
        from elevenlabs import VoiceSettings
        from elevenlabs.client import AsyncElevenLabs

        optional = {
            k: v
            for k, v in {
                "seed": self.seed,
                "language_code": self.language_code,
                "voice_settings": VoiceSettings(**self.voice_settings) if self.voice_settings else None,
            }.items()
            if v is not None
        }
        async with self.limit(), httpx.AsyncClient(timeout=self.timeout) as http:
            key = require_key(self.key_env_var, who="provider.voice (ElevenLabs)")
            client = AsyncElevenLabs(api_key=key, base_url=self.base_url, timeout=self.timeout, httpx_client=http)
            raw = client.text_to_speech.with_raw_response
            tried = await self.retry.run(
                lambda: raw.convert_with_timestamps(
                    self.voice_id,
                    text=text,
                    model_id=self.model,
                    output_format=self.output_format,
                    request_options={"max_retries": 0},
                    **optional,
                ),
                classify=classify,
                what=f"elevenlabs text-to-speech ({len(text)} characters)",
                key_env_var=self.key_env_var,
            )
        response = tried.result
        return response.data, {k.lower(): v for k, v in response.headers.items()}, tried


def word_times(chars: Sequence[str], starts: Sequence[float], duration: float) -> list[list[Any]]:
    """Group character times into whitespace words: [word, start, end], each ending where the next starts
    (the offline voice's shape, so captions behave the same)."""
    tokens: list[tuple[str, float]] = []
    current, began = "", 0.0
    for ch, t in zip(chars, starts):
        if ch.isspace():
            if current:
                tokens.append((current, began))
            current = ""
        else:
            if not current:
                began = float(t)
            current += ch
    if current:
        tokens.append((current, began))
    ends = [s for _, s in tokens[1:]] + [duration]
    return [[_strip_punctuation(w), round(s, 4), round(max(e, s), 4)] for (w, s), e in zip(tokens, ends)]


def classify(exc: BaseException) -> Verdict:
    """Retry verdicts for the ElevenLabs SDK (ApiError carries status, headers and body) and httpx errors."""
    from elevenlabs.core.api_error import ApiError

    if isinstance(exc, ApiError) and exc.status_code is not None:
        verdict = http_verdict(exc.status_code, exc.headers, exc.body)
        detail = exc.body.get("detail") if isinstance(exc.body, dict) else None
        status = detail.get("status") if isinstance(detail, dict) else None
        return Verdict(verdict.retry, f"{verdict.reason} {status or ''}".strip(), verdict.after)
    return classify_httpx(exc)
