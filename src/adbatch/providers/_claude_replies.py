"""Claude's replies as data: the JSON shapes the prompts ask for, parsed and checked.

Each reply is validated twice: by its schema (pydantic: types, lengths, an edit's required
fields), then by its meaning (every hook angle ranked once, the script's structure, quotes that
a review really contains). A reply that fails either gets the adapter's one repair round-trip.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from adbatch.domain.archetype import Angle
from adbatch.domain.script import ScriptError, extract_json
from adbatch.errors import ProviderError

MIN_QUOTE_WORDS = 4  # a shorter "customer phrase" is too generic to count as a quote

Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ReplyError(ProviderError, ScriptError):
    """Claude's reply stays unusable after the repair round, or it refused: a ScriptError that, like any
    failed provider call, carries what its requests cost (they were billed) and how many attempts they took."""


class ProductNotes(BaseModel):
    """What Claude finds in the product's photo, description and reviews (fed to the script as data)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    benefits: list[Phrase] = Field(default_factory=list, max_length=8)
    pains: list[Phrase] = Field(default_factory=list, max_length=6)
    usps: list[Phrase] = Field(default_factory=list, max_length=6)
    quotes: list[Phrase] = Field(default_factory=list, max_length=8)  # verbatim from the reviews (checked)
    style: str = Field(default="", max_length=300)
    audience: list[Phrase] = Field(default_factory=list, max_length=5)
    visual_cues: list[Phrase] = Field(default_factory=list, max_length=8)
    setting: str = Field(default="", max_length=300)
    dropped_quotes: list[str] = Field(default_factory=list)  # quotes the reviews do not contain word for word


class Ranked(BaseModel):
    model_config = ConfigDict(extra="ignore")
    angle: Angle
    reason: str = Field(min_length=1, max_length=400)


class Ranking(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ranking: list[Ranked]


class CritiqueEdit(BaseModel):
    """An edit Claude proposes; ``adbatch.stages.direct`` decides whether it can be applied."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    kind: Literal["trim", "zoom", "reorder"]
    slot: str | None = None
    shot: int | None = Field(default=None, ge=0)
    seconds: float | None = Field(default=None, gt=0)
    slots: list[str] | None = None

    @model_validator(mode="after")
    def _complete(self) -> CritiqueEdit:
        need = {"trim": ("slot", "seconds"), "zoom": ("slot",), "reorder": ("slots",)}[self.kind]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.kind} edit needs {', '.join(missing)}")
        return self


class CritiqueNote(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    message: str = Field(min_length=1, max_length=300)
    edit: CritiqueEdit | None = None


class Critique(BaseModel):
    model_config = ConfigDict(extra="ignore")
    notes: list[CritiqueNote] = Field(default_factory=list)


class ScriptHook(BaseModel):
    model_config = ConfigDict(extra="ignore")
    angle: Angle
    text: str
    voice: str


class ScriptBeat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    slot: str
    text: str = ""
    voice: str = ""
    visual: str = ""


class ScriptReply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    hooks: list[ScriptHook]
    slots: list[ScriptBeat]


def product_notes(text: str) -> ProductNotes:
    return ProductNotes.model_validate(extract_json(text))


def notes_skeleton() -> dict[str, Any]:
    return {
        "benefits": ["…"],
        "pains": ["…"],
        "usps": ["…"],
        "quotes": ["…"],
        "style": "…",
        "audience": ["…"],
        "visual_cues": ["…"],
        "setting": "…",
    }


_SPACE = re.compile(r"\s+")
_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def _plain(text: str) -> str:
    return _SPACE.sub(" ", text.translate(_QUOTE_MARKS)).strip().lower()


def verbatim_quotes(notes: ProductNotes, reviews: Sequence[str]) -> ProductNotes:
    """Keep only the quotes a review contains word for word (case, spacing and curly quotes aside),
    whole words, at least ``MIN_QUOTE_WORDS`` of them (a fragment like "love it" proves nothing).

    A "customer phrase" the model paraphrased or invented is not authentic: it is dropped and
    listed in ``dropped_quotes``, so the manifest shows what was refused."""
    corpus = [_plain(r) for r in reviews]
    kept: list[str] = []
    dropped: list[str] = []
    for quote in notes.quotes:
        core = _plain(quote).strip("\"' ").rstrip(".!?…")
        said = re.compile(rf"(?<!\w){re.escape(core)}(?!\w)") if len(core.split()) >= MIN_QUOTE_WORDS else None
        (kept if said and any(said.search(r) for r in corpus) else dropped).append(quote.strip().strip('"“”'))
    return notes.model_copy(update={"quotes": kept, "dropped_quotes": dropped})


def ranking(text: str, angles: Sequence[str]) -> Ranking:
    """The ranking, checked: every angle of the candidates exactly once."""
    ranking = Ranking.model_validate(extract_json(text))
    got = [r.angle for r in ranking.ranking]
    if sorted(got) != sorted(angles):
        raise ScriptError(f"the ranking must list every angle {sorted(angles)} exactly once, got {got}")
    return ranking


class ShortLine(BaseModel):
    model_config = ConfigDict(extra="ignore")
    slot: str
    voice: str = Field(min_length=1, max_length=300)


class Shortened(BaseModel):
    model_config = ConfigDict(extra="ignore")
    slots: list[ShortLine]


def shortened(text: str, slots: list[str]) -> dict[str, str]:
    """The shortened voice lines of a reply, slot id -> line; ScriptError unless it gives every slot asked once."""
    reply = Shortened.model_validate(extract_json(text))
    got = [s.slot for s in reply.slots]
    if sorted(got) != sorted(slots):
        raise ScriptError(f"the reply must give the slots {slots} once each, got {got}")
    return {s.slot: s.voice.strip() for s in reply.slots}
