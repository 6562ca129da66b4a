"""The creative director: critique a draft timeline and fix what maps to an edit.

Runs after the timeline is laid out and before any paid scene is generated. Each rule
is a small function returning ``Note``s in the seed's voice ("scene 3 drags — cut
0.5 s"); a note may carry an ``Edit`` the director can apply within the pacing rules:

- ``trim``: a beat holds more than ``max_dead_air`` of silence after its line: cap it,
  and the time goes to beats that are tight;
- ``zoom``: a long shot on a slow camera: punch in (jump zoom) to keep motion;
- ``swap_hook``: the chosen hook cannot be read in the hook scene, or scores low: use the
  best-ranked hook that fits (only for ``hook=best``: explicit A/B variants are kept);
- notes without an edit (text too long to read, voice too fast, CTA too late) are
  recorded for a human.

With live providers Claude's critique adds notes (``extra``); they are recorded the same
way. Every note and every applied edit goes into the manifest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from adbatch.script import HookCandidate
from adbatch.timeline import ENDCARD, Timeline

SLOW_CAMERAS = ("static", "pan_left", "pan_right", "pan_up", "pull_out")


class Edit(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str  # trim | zoom | swap_hook
    slot: str | None = None
    shot: int | None = None  # zoom: the shot's index within its slot
    seconds: float | None = None  # trim: the beat's new soft maximum
    hook_rank: int | None = None  # swap_hook: the rank to use


class Note(BaseModel):
    model_config = ConfigDict(frozen=True)
    rule: str
    message: str
    edit: Edit | None = None
    applied: bool = False
    source: str = "rules"  # rules | claude


@dataclass(frozen=True)
class Review:
    """What the director looks at."""

    timeline: Timeline
    hook: HookCandidate
    hooks: Sequence[HookCandidate]
    hook_requested: str
    reading_wps: float
    conf: Mapping  # director config: max_dead_air, long_shot, hook_min_score, max_voice_wps


@dataclass
class Direction:
    """The notes, and the edits to lay the timeline out again with."""

    notes: list[Note] = field(default_factory=list)
    soft_max: dict[str, float] = field(default_factory=dict)
    cameras: dict[tuple[str, int], str] = field(default_factory=dict)  # (slot, shot in slot) -> camera
    hook_rank: int | None = None


def dead_air(r: Review) -> list[Note]:
    """A beat that keeps going long after its line has ended drags."""
    notes, shots = [], r.timeline.shots
    hook_slot = shots[0].slot  # the hook beat is sized for its longest candidate on purpose: variants share the body
    for cue in r.timeline.voice:
        if cue.slot == hook_slot:
            continue
        beat_end = max(s.end for s in shots if s.slot == cue.slot)
        silence = beat_end - cue.end
        if silence > r.conf["max_dead_air"]:
            cut = round(silence - r.conf["max_dead_air"] / 2, 1)
            beat_start = min(s.start for s in shots if s.slot == cue.slot)
            index = next(s.index for s in shots if s.slot == cue.slot) + 1
            notes.append(Note(rule="dead_air", message=f"scene {index} drags — cut {cut:.1f} s of silence after the line",
                              edit=Edit(kind="trim", slot=cue.slot, seconds=round(beat_end - beat_start - cut, 2))))
    return notes


def long_static(r: Review) -> list[Note]:
    """A long shot on a slow camera loses the thumb: punch in halfway."""
    return [Note(rule="long_static", message=f"scene {s.index + 1} sits still for {s.duration:.1f} s — add a jump zoom",
                 edit=Edit(kind="zoom", slot=s.slot, shot=s.shot))
            for s in r.timeline.shots
            if s.layout != ENDCARD and s.index > 0 and s.camera in SLOW_CAMERAS and s.duration >= r.conf["long_shot"]]


def hook_strength(r: Review) -> list[Note]:
    """The hook must be readable in the hook scene and not generic."""
    hook_scene = r.timeline.shots[0].duration
    words = len(r.hook.text.split())
    problems = []
    if words / r.reading_wps > hook_scene + 0.5:
        problems.append(f"hook text needs {words / r.reading_wps:.1f} s to read in a {hook_scene:.1f} s scene")
    if r.hook.score < r.conf["hook_min_score"]:
        problems.append(f"hook is too generic (score {r.hook.score:.0f} < {r.conf['hook_min_score']:.0f})")
    if not problems:
        return []
    better = [h for h in r.hooks if h.rank != r.hook.rank and len(h.text.split()) / r.reading_wps <= hook_scene + 0.5
              and h.score >= r.hook.score - 5]
    alt = min(better, key=lambda h: h.rank) if better else None
    message = "; ".join(problems) + (f" — try the {alt.angle.replace('_', ' ')} angle" if alt else "")
    edit = Edit(kind="swap_hook", hook_rank=alt.rank) if alt and r.hook_requested == "best" else None
    return [Note(rule="hook_strength", message=message, edit=edit)]


def text_load(r: Review) -> list[Note]:
    """On-screen text must be readable while it is on screen."""
    return [Note(rule="text_load", message=f"text on '{o.slot}' needs {len(o.text.split()) / r.reading_wps:.1f} s "
                 f"to read but shows for {o.end - o.start:.1f} s — shorten it")
            for o in r.timeline.overlays if len(o.text.split()) / r.reading_wps > o.end - o.start]


def voice_pace(r: Review) -> list[Note]:
    """A line crammed into its beat sounds rushed."""
    notes = []
    for cue in r.timeline.voice:
        wps = len(cue.text.split()) / max(cue.end - cue.start, 1e-6)
        if wps > r.conf["max_voice_wps"] or cue.tempo > 1.0:
            notes.append(Note(rule="voice_pace", message=f"voice on '{cue.slot}' runs at {wps:.1f} words/s "
                              f"(tempo {cue.tempo:.2f}x) — cut words"))
    return notes


def cta_timing(r: Review) -> list[Note]:
    """The offer needs time to land: the CTA line should start 2.5 s before the end."""
    cta = r.timeline.voice[-1] if r.timeline.voice else None
    if cta and r.timeline.duration - cta.start < 2.5:
        return [Note(rule="cta_timing", message=f"CTA starts {r.timeline.duration - cta.start:.1f} s before the end "
                     "— give it more room")]
    return []


RULES: tuple[Callable[[Review], list[Note]], ...] = (dead_air, long_static, hook_strength, text_load, voice_pace,
                                                    cta_timing)


def direct(review: Review, *, auto_fix: bool, extra: Sequence[Note] = ()) -> Direction:
    """Run every rule (plus ``extra`` notes); collect the edits to apply when ``auto_fix``."""
    out = Direction()
    for note in [n for rule in RULES for n in rule(review)] + list(extra):
        applied = auto_fix and note.edit is not None
        if applied:
            e = note.edit
            if e.kind == "trim":
                out.soft_max[e.slot] = e.seconds
            elif e.kind == "zoom":
                out.cameras[(e.slot, e.shot)] = "jump_zoom"
            elif e.kind == "swap_hook":
                out.hook_rank = e.hook_rank
        out.notes.append(note.model_copy(update={"applied": applied}))
    return out
