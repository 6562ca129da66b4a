"""Fitting a long voice-over: the writer's "shorter lines" round, for ``plan.fitted``.

When the lines do not fit the video even with the optional ones left out (German or Finnish copy, an
Arabic row, a live writer that ran long), the writer gets one round to cut the body lines to a word
cap each: the offline writer picks its bank's shorter variants, a live one asks Claude to shorten them
(``prompts/shorten.j2``), priced and cached through the Producer like every other call. What it gave
is laid out again; a longer video is the next step (``plan.fitted``).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adbatch.domain import timeline
from adbatch.domain.script import Script, check_structure, spoken_words
from adbatch.providers.base import ScriptRequest, ScriptWriter, ShortenRequest, VoiceSynth
from adbatch.stages.assets import Producer
from adbatch.stages.write import call_params

MARGIN = 0.9  # cut a little deeper than the share that fits: lead, tail and the shot grid do not shrink


def word_caps(script: Script, share: float, slots: Mapping[str, str] | None = None) -> dict[str, int]:
    """Each voiced body line's cap: its spoken words times the share of the voice-over that fits."""
    lines = slots or {s.slot: s.voice for s in script.slots[:-1] if s.voice}
    return {k: max(3, math.floor(spoken_words(v) * share * MARGIN)) for k, v in lines.items()}


async def shorter_script(
    writer: ScriptWriter, producer: Producer, *, request: ScriptRequest, script: Script, words: Mapping[str, int]
) -> Script:
    """The writer's one shortening round, through the cache and the ledger."""
    ask = ShortenRequest(request=request, script=script, words=dict(words))

    async def make(out: Path) -> Any:
        shorter, usage = await writer.shorten(ask)
        out.write_text(shorter.model_dump_json())
        return usage

    parts = {"script": script.model_dump(mode="json"), "words": dict(words), "call": call_params(writer, "shorten")}
    produced = await producer.run(
        stage="shorten",
        provider=writer,
        parts=parts,
        suffix=".json",
        make=make,
        estimate=lambda: writer.estimate(ask),
    )
    return check_structure(Script.model_validate_json(produced.path.read_text()), request.archetype)


class Shortener:
    """``plan.fitted``'s shorten step for one job: it keeps the shortened script (``script``)."""

    def __init__(
        self, writer: ScriptWriter, producer: Producer, *, request: ScriptRequest, script: Script, voice: VoiceSynth
    ) -> None:
        self.writer, self.producer, self.request, self.script, self.voice = writer, producer, request, script, voice

    def __call__(self, share: float) -> dict[str, timeline.SpokenLine]:
        words = word_caps(self.script, share)
        self.script = asyncio.run(
            shorter_script(self.writer, self.producer, request=self.request, script=self.script, words=words)
        )
        wps = self.voice.words_per_second
        return {
            s.slot: timeline.SpokenLine(text=s.voice, duration=spoken_words(s.voice) / wps)
            for s in self.script.slots
            if s.slot in words and s.voice
        }
