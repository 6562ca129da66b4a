"""The script: five ranked hook candidates plus the words of every archetype slot.

The archetype owns the structure; a writer (offline or an LLM) only fills it. This
module holds the data shapes, the structure check every writer's output passes, and
the JSON extraction an LLM writer needs (models wrap JSON in markdown fences).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adbatch.domain.archetype import ANGLES, Angle, Archetype
from adbatch.errors import AdbatchError


class ScriptError(AdbatchError, ValueError):
    """A script does not fit its archetype or cannot be parsed."""


class HookCandidate(BaseModel):
    """One opening line: on-screen text, spoken line, and its scroll-stop score."""

    model_config = ConfigDict(frozen=True)
    angle: Angle
    text: str = Field(min_length=1, max_length=80)
    voice: str = Field(min_length=1, max_length=200)
    score: float = 0.0
    rank: int = 0  # 1 = best; 0 = not ranked yet
    features: dict[str, float] = {}
    reason: str = ""  # why it ranks where it does, in a sentence
    ranked_by: str = "offline"  # offline (the feature score) | claude (a live judge; the score is kept)
    offline_rank: int = 0  # its rank by the offline score, whoever ranked it in the end


class SlotCopy(BaseModel):
    """The words of one archetype slot (not the hook: that comes from the chosen hook)."""

    model_config = ConfigDict(frozen=True)
    slot: str
    text: str = Field(max_length=80)
    voice: str = Field(max_length=300)
    visual: str = Field(default="", max_length=400)  # prompt for generated scenes


class Script(BaseModel):
    """A filled archetype: hooks ranked best first, body and CTA slots in order."""

    model_config = ConfigDict(frozen=True)
    writer: str
    hooks: tuple[HookCandidate, ...]
    slots: tuple[SlotCopy, ...]

    @model_validator(mode="after")
    def _five_distinct_angles(self) -> Script:
        angles = sorted(h.angle for h in self.hooks)
        if angles != sorted(ANGLES):
            raise ValueError(f"need exactly one hook per angle {list(ANGLES)}, got {angles}")
        return self

    def hook(self, choice: str | int) -> HookCandidate:
        """The hook to render: ``best`` or a 1-based rank."""
        rank = 1 if str(choice) == "best" else int(choice)
        for hook in self.hooks:
            if hook.rank == rank:
                return hook
        raise ScriptError(f"hook={choice!r}: ranks are 1..{len(self.hooks)} or 'best'")

    def slot(self, slot_id: str) -> SlotCopy:
        return next(s for s in self.slots if s.slot == slot_id)


def check_structure(script: Script, archetype: Archetype) -> Script:
    """Raise ScriptError unless the script fills exactly the archetype's non-hook slots."""
    want = [s.id for s in archetype.slots[1:]]
    got = [s.slot for s in script.slots]
    if got != want:
        raise ScriptError(f"script slots {got} do not match archetype {archetype.name!r} {want}")
    return script


def parse_hook_choice(choice: str | int) -> str:
    """Normalize the ``hook`` config value; raise ScriptError for anything but best or 1..5."""
    text = str(choice).strip().lower()
    if text == "best" or (text.isdigit() and 1 <= int(text) <= len(ANGLES)):
        return text
    raise ScriptError(f"hook={choice!r}: use 'best' or a rank from 1 to {len(ANGLES)}")


_NUMBER = re.compile(r"\d")
_PAUSE = re.compile(r"[.?!:;,\u2014](?=\s)")  # punctuation inside a line, where a voice pauses
PAUSE_WORDS = 2.0  # a pause lasts about as long as two words (eSpeak NG: 0.65 s against 0.28 s a word)


def spoken_words(text: str) -> float:
    """Words as a voice says them: "$29.99" is read as about five words, not one, and each pause at a
    comma or a full stop inside the line takes the time of two."""
    tokens = text.split()
    return len(tokens) + sum(2.5 for t in tokens if _NUMBER.search(t)) + PAUSE_WORDS * len(_PAUSE.findall(text))


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def extract_json(text: str) -> dict[str, Any]:
    """The JSON object in an LLM reply, fenced in markdown or not; ScriptError if none."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for chunk in candidates:
        start, end = chunk.find("{"), chunk.rfind("}")
        if start == -1 or end <= start:
            continue
        try:
            value = json.loads(chunk[start : end + 1])
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ScriptError("no JSON object found in the model's reply")
