"""The eight ad archetypes, loaded from ``archetypes/<name>.yaml`` as validated data.

An archetype fixes a video's structure: the ordered beats (slots), what each shows
and how the camera moves. Writers only fill the slots' words, never the structure.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from adbatch.errors import ConfigError

Angle = Literal["curiosity", "benefit", "social_proof", "problem", "bold_claim"]
ANGLES: tuple[Angle, ...] = ("curiosity", "benefit", "social_proof", "problem", "bold_claim")
Camera = Literal["push_in", "pull_out", "pan_left", "pan_right", "pan_up", "handheld", "jump_zoom", "static"]
Layout = Literal["hero", "card", "detail", "tilted", "split"]
SlotType = Literal[
    "hook",
    "problem",
    "agitate",
    "solution",
    "demo",
    "benefit",
    "proof",
    "reveal",
    "reaction",
    "story",
    "before",
    "after",
    "unbox",
    "try_on",
    "cta",
]


class Slot(BaseModel):
    """One beat of an ad: a voice line, an on-screen text and 1+ shots of 2-3 s."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    type: SlotType
    camera: Camera
    layout: Layout = "card"
    weight: float = Field(1.0, gt=0)  # share of the body's duration relative to other slots
    text: bool = True  # shows an on-screen text overlay
    vo: bool = True  # has a voiceover line
    vo_words: tuple[int, int] = (8, 16)  # word budget the writers aim for
    optional: bool = False  # its voice line is the first left out when the voice-over runs long (text stays)


class MusicStyle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    mood: Literal["warm", "upbeat", "building"] = "upbeat"
    bpm: int = Field(default=110, ge=60, le=180)


class Archetype(BaseModel):
    """A validated archetype: first slot is the hook, last is the call to action."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    title: str
    description: str
    tone: str
    emotion: str
    hook_format: str
    hook_angles: tuple[Angle, ...]  # preferred angles, best first
    transition: Literal["cut", "swipe"] = "cut"  # between beats
    camera_feel: Literal["handheld", "smooth", "snappy"] = "smooth"
    music: MusicStyle = MusicStyle()
    slots: tuple[Slot, ...]
    # adjacent body beats that tell no story in order (demo, proof, benefit...): the creative
    # director may put the strongest first; every other beat keeps its place
    reorderable: tuple[str, ...] = ()

    @field_validator("hook_angles")
    @classmethod
    def _all_angles(cls, angles: tuple[Angle, ...]) -> tuple[Angle, ...]:
        if sorted(angles) != sorted(ANGLES):
            raise ValueError(f"hook_angles must rank all five angles {list(ANGLES)}")
        return angles

    @model_validator(mode="after")
    def _shape(self) -> Archetype:
        ids = [s.id for s in self.slots]
        if len(set(ids)) != len(ids):
            raise ValueError(f"slot ids must be unique, got {ids}")
        if len(self.slots) < 3 or self.slots[0].type != "hook" or self.slots[-1].type != "cta":
            raise ValueError("an archetype needs a hook slot first, a cta slot last, and a body")
        if sum(s.type in ("hook", "cta") for s in self.slots) != 2:
            raise ValueError("exactly one hook slot and one cta slot")
        body = [s.id for s in self.body]
        if self.reorderable:
            if not set(self.reorderable) <= set(body) or len(set(self.reorderable)) < 2:
                raise ValueError(f"reorderable must name 2+ body slots of {body}, got {list(self.reorderable)}")
            at = sorted(body.index(i) for i in set(self.reorderable))
            if at != list(range(at[0], at[0] + len(at))):
                raise ValueError(f"reorderable slots {list(self.reorderable)} must be adjacent in {body}")
            if [body[i] for i in at] != list(self.reorderable):
                raise ValueError(f"list the reorderable slots in the order they play: {[body[i] for i in at]}")
        return self

    def arranged(self, order: tuple[str, ...] | list[str]) -> tuple[Slot, ...]:
        """The slots with the reorderable beats in ``order`` (their ids, in the new order)."""
        if sorted(order) != sorted(self.reorderable):
            raise ValueError(
                f"an order must list the reorderable slots {list(self.reorderable)} once each, got {list(order)}"
            )
        by_id, moved = {s.id: s for s in self.slots}, iter(order)
        return tuple(by_id[next(moved)] if s.id in self.reorderable else s for s in self.slots)

    @property
    def body(self) -> tuple[Slot, ...]:
        """The slots between the hook and the call to action."""
        return self.slots[1:-1]


class ArchetypeError(ConfigError, ValueError):
    """An archetype file is missing or does not match the schema."""


def available(directory: Path) -> list[str]:
    """Names of the archetypes in ``directory``."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


@lru_cache(maxsize=32)
def load_archetype(name: str, directory: Path) -> Archetype:
    """Load and validate ``directory/<name>.yaml``."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        raise ArchetypeError(f"unknown archetype {name!r}: no {path}; available: {', '.join(available(directory))}")
    try:
        return Archetype.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except Exception as exc:  # pydantic and YAML errors both become one clear message
        raise ArchetypeError(f"{path}: {exc}") from exc
