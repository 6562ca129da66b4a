"""A generated clip's prompt, written from ``prompts/clip.j2``: the beat's line, filmed the archetype's way.

Structure lives in the template (one camera per archetype, one framing per beat type), never in code, so a
creative lead edits prompts without touching Python; the job records each scene's prompt in the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from adbatch.paths import PROMPTS_DIR

TEMPLATE = "clip.j2"
_WORD = re.compile(r"[a-z]{4,}")


@cache
def _template() -> Template:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(PROMPTS_DIR)), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    return env.get_template(TEMPLATE)


def clip_prompt(
    *, archetype: str, slot_type: str, line: str, visual: str, product: str, cues: Sequence[str] = ()
) -> str:
    """The prompt for one beat's clip: ``line`` (its voice line) and ``visual`` (the writer's scene note) shown
    the way ``archetype`` films, one line of plain text. ``cues``: features the photo shows (the vision
    notes); the one the line names is what a demo beat frames."""
    text = _template().render(
        archetype=archetype,
        slot_type=slot_type,
        line=line.strip(),
        visual=visual.strip().rstrip("."),
        product=product,
        feature=named_feature(line, cues),
    )
    return " ".join(text.split())


def named_feature(line: str, cues: Sequence[str]) -> str:
    """The visible feature (of ``cues``) that ``line`` names: the one sharing the most words with it (words
    of 4+ letters, so "the" and "it" never match); empty when the line names none."""
    said = set(_WORD.findall(line.lower()))
    best = max(cues, key=lambda cue: len(said & set(_WORD.findall(cue.lower()))), default="")
    return best if said & set(_WORD.findall(best.lower())) else ""
