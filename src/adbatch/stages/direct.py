"""The creative director: critique a draft timeline and fix what maps to an edit.

Runs after the timeline is laid out and before any paid scene is generated. Each rule
is a small function returning ``Note``s in the seed's voice ("scene 3 drags — cut
0.5 s"); a note may carry an ``Edit`` the director can apply within the pacing rules:

- ``trim``: a beat holds more than ``max_dead_air`` of silence after its line: cap it,
  and the time goes to beats that are tight;
- ``zoom``: a long shot on a slow camera: punch in (jump zoom) to keep motion;
- ``swap_hook``: the chosen hook cannot be read in the hook scene, or scores low: use the
  best-ranked hook that fits (only for ``hook=best``: explicit A/B variants are kept);
- ``reorder``: among the archetype's ``reorderable`` beats, lead with the one carrying the
  strongest proof (a customer's own words, a number);
- notes without an edit (text too long to read, voice too fast, CTA too late) are
  recorded for a human.

With live providers Claude's critique adds notes (``extra``, from ``describe``'s view of the
draft); its edits are checked against the video (``check``) before they are applied, and one
that does not fit is kept as a note with the reason it was refused. Conflicting edits: trims
of one beat keep the shorter, the first reorder wins. Every note and every applied edit goes
into the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adbatch.config import DirectorConf
from adbatch.domain.notes import Edit, Note  # the notes' shape lives in domain/; importable from here too
from adbatch.domain.script import HookCandidate
from adbatch.domain.timeline import ENDCARD, Timeline

SLOW_CAMERAS = ("static", "pan_left", "pan_right", "pan_up", "pull_out")
PROOF_WORDS = ("stars", "reviews", "customers", "sold out", "bestseller", "best seller", "five-star", "5-star")
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Review:
    """What the director looks at."""

    timeline: Timeline
    hook: HookCandidate
    hooks: Sequence[HookCandidate]
    hook_requested: str
    reading_wps: float
    conf: DirectorConf  # max_dead_air, long_shot, hook_min_score, max_voice_wps
    reorderable: tuple[str, ...] = ()  # the archetype's reorderable beats, in the draft's order
    quotes: tuple[str, ...] = ()  # customers' own words (insights): the strongest proof there is


@dataclass
class Direction:
    """The notes, and the edits to lay the timeline out again with."""

    notes: list[Note] = field(default_factory=list)
    soft_max: dict[str, float] = field(default_factory=dict)
    cameras: dict[tuple[str, int], str] = field(default_factory=dict)  # (slot, shot in slot) -> camera
    hook_rank: int | None = None
    order: tuple[str, ...] | None = None  # the reorderable beats' new order


def dead_air(r: Review) -> list[Note]:
    """A beat that keeps going long after its line has ended drags."""
    notes, shots = [], r.timeline.shots
    hook_slot = (
        r.timeline.hook_slot
    )  # the hook beat is sized for its longest candidate on purpose: variants share the body
    for cue in r.timeline.voice:
        if cue.slot == hook_slot:
            continue
        beat_end = max(s.end for s in shots if s.slot == cue.slot)
        silence = beat_end - cue.end
        if silence > r.conf.max_dead_air:
            cut = round(silence - r.conf.max_dead_air / 2, 1)
            beat_start = min(s.start for s in shots if s.slot == cue.slot)
            index = next(s.index for s in shots if s.slot == cue.slot) + 1
            notes.append(
                Note(
                    rule="dead_air",
                    slot=cue.slot,
                    message=f"scene {index} drags — cut {cut:.1f} s of silence after the line",
                    edit=Edit(kind="trim", slot=cue.slot, seconds=round(beat_end - beat_start - cut, 2)),
                )
            )
    return notes


def long_static(r: Review) -> list[Note]:
    """A long shot on a slow camera loses the thumb: punch in halfway."""
    return [
        Note(
            rule="long_static",
            slot=s.slot,
            message=f"scene {s.index + 1} sits still for {s.duration:.1f} s — add a jump zoom",
            edit=Edit(kind="zoom", slot=s.slot, shot=s.shot),
        )
        for s in r.timeline.shots
        if s.layout != ENDCARD and s.index > 0 and s.camera in SLOW_CAMERAS and s.duration >= r.conf.long_shot
    ]


def hook_strength(r: Review) -> list[Note]:
    """The hook must be readable in the hook scene and not generic (by the offline score; when a live
    judge ranked the hooks, its pick is not second-guessed by the score it already weighed)."""
    hook_scene = r.timeline.shots[0].duration
    words = len(r.hook.text.split())
    problems = []
    if words / r.reading_wps > hook_scene + 0.5:
        problems.append(f"hook text needs {words / r.reading_wps:.1f} s to read in a {hook_scene:.1f} s scene")
    if r.hook.ranked_by == "offline" and r.hook.score < r.conf.hook_min_score:  # a judge's pick stands
        problems.append(f"hook is too generic (score {r.hook.score:.0f} < {r.conf.hook_min_score:.0f})")
    if not problems:
        return []
    better = [
        h
        for h in r.hooks
        if h.rank != r.hook.rank
        and len(h.text.split()) / r.reading_wps <= hook_scene + 0.5
        and h.score >= r.hook.score - 5
    ]
    alt = min(better, key=lambda h: h.rank) if better else None
    message = "; ".join(problems) + (f" — try the {alt.angle.replace('_', ' ')} angle" if alt else "")
    edit = Edit(kind="swap_hook", hook_rank=alt.rank) if alt and r.hook_requested == "best" else None
    return [Note(rule="hook_strength", slot=r.timeline.hook_slot, message=message, edit=edit)]


def text_load(r: Review) -> list[Note]:
    """On-screen text must be readable while it is on screen."""
    return [
        Note(
            rule="text_load",
            slot=o.slot,
            message=f"text on '{o.slot}' needs {len(o.text.split()) / r.reading_wps:.1f} s "
            f"to read but shows for {o.end - o.start:.1f} s — shorten it",
        )
        for o in r.timeline.overlays
        if len(o.text.split()) / r.reading_wps > o.end - o.start
    ]


def voice_pace(r: Review) -> list[Note]:
    """A line crammed into its beat sounds rushed."""
    notes = []
    for cue in r.timeline.voice:
        wps = len(cue.text.split()) / max(cue.end - cue.start, 1e-6)
        if wps > r.conf.max_voice_wps or cue.tempo > 1.0:
            notes.append(
                Note(
                    rule="voice_pace",
                    slot=cue.slot,
                    message=f"voice on '{cue.slot}' runs at {wps:.1f} words/s (tempo {cue.tempo:.2f}x) — cut words",
                )
            )
    return notes


def cta_timing(r: Review) -> list[Note]:
    """The offer needs time to land: the CTA line should start 2.5 s before the end."""
    cta = r.timeline.voice[-1] if r.timeline.voice else None
    if cta and r.timeline.duration - cta.start < 2.5:
        return [
            Note(
                rule="cta_timing",
                slot=cta.slot,
                message=f"CTA starts {r.timeline.duration - cta.start:.1f} s before the end — give it more room",
            )
        ]
    return []


def proof_strength(text: str, quotes: Sequence[str]) -> int:
    """How much proof a beat's words carry: a customer's own words (2), a number (1), a
    social-proof word such as "reviews" or "sold out" (1)."""
    low, words = text.lower(), set(_WORD.findall(text.lower()))
    strength = int(bool(re.search(r"\d", text))) + int(any(w in low for w in PROOF_WORDS))
    for quote in quotes:
        said = set(_WORD.findall(quote.lower()))
        if len(said) >= 4 and len(said & words) / len(said) >= 0.6:
            return strength + 2
    return strength


def strongest_first(r: Review) -> list[Note]:
    """Proof holds a viewer past the hook: of the beats whose order is free, lead with the one
    carrying the strongest proof (only when it is clearly stronger than the current first)."""
    if len(r.reorderable) < 2:
        return []
    said = {c.slot: c.text for c in r.timeline.voice}
    shown = {o.slot: o.text for o in r.timeline.overlays}
    strength = {s: proof_strength(f"{shown.get(s, '')} {said.get(s, '')}", r.quotes) for s in r.reorderable}
    best = max(r.reorderable, key=lambda s: strength[s])  # the first of the strongest
    first = r.reorderable[0]
    if strength[best] <= strength[first]:
        return []
    order = (best,) + tuple(s for s in r.reorderable if s != best)
    scene = 1 + next(s.index for s in r.timeline.shots if s.slot == first)
    return [
        Note(
            rule="strongest_first",
            message=f"lead with the '{best}' beat at scene {scene} — it carries the "
            f"strongest proof; move it before '{first}'",
            edit=Edit(kind="reorder", slots=order),
        )
    ]


RULES: tuple[Callable[[Review], list[Note]], ...] = (
    dead_air,
    long_static,
    hook_strength,
    text_load,
    voice_pace,
    cta_timing,
    strongest_first,
)


def critique(review: Review) -> list[Note]:
    """Every rule's notes on the draft, edits not applied yet."""
    return [n for rule in RULES for n in rule(review)]


def body_notes(notes: Sequence[Note], timeline: Timeline) -> tuple[str, ...]:
    """The notes about the body (every beat but the hook), for a critic that must not repeat them.

    Notes on the hook beat differ between hook variants (its words, its pace): leaving them out
    keeps the critic's question, and its cached answer, the same for every variant."""
    hook = timeline.hook_slot
    return tuple(n.message for n in notes if n.slot != hook)


def check(edit: Edit, r: Review) -> str | None:
    """Why ``edit`` cannot be applied to this video, or None when it fits.

    The rules themselves only propose edits that fit; this guards edits from a model."""
    shots = r.timeline.shots
    slots = {s.slot for s in shots}
    hook = r.timeline.hook_slot
    if edit.kind == "trim":
        if edit.slot not in slots or edit.seconds is None:
            return f"there is no beat {edit.slot!r} to trim (beats: {', '.join(dict.fromkeys(s.slot for s in shots))})"
        if edit.slot == hook:
            return "the hook beat is sized for its longest candidate, so every hook variant shares the body"
        now = sum(s.duration for s in shots if s.slot == edit.slot)
        if edit.seconds >= now:
            return f"{edit.seconds:.1f} s is not shorter than the beat's {now:.1f} s"
        return None
    if edit.kind == "zoom":
        shot = next((s for s in shots if s.slot == edit.slot and s.shot == (edit.shot or 0)), None)
        if shot is None:
            return f"there is no shot {edit.shot or 0} in beat {edit.slot!r}"
        return "the end card stays still" if shot.layout == ENDCARD else None
    if edit.kind == "reorder":
        if not r.reorderable:
            return "this archetype's beats keep their order"
        if sorted(edit.slots or ()) != sorted(r.reorderable):
            return f"a reorder must list the beats {list(r.reorderable)} once each, got {list(edit.slots or ())}"
        return None
    if edit.kind == "swap_hook":
        return None if any(h.rank == edit.hook_rank for h in r.hooks) else f"there is no hook ranked {edit.hook_rank}"
    return f"unknown edit {edit.kind!r}"


def direct(
    review: Review, *, auto_fix: bool, extra: Sequence[Note] = (), notes: Sequence[Note] | None = None
) -> Direction:
    """Take the rules' notes (``notes``, else run them) plus ``extra``; collect the edits to apply
    when ``auto_fix``. An edit that does not fit the video, or conflicts with one applied before
    it, is not applied and says why."""
    out = Direction()
    for note in list(critique(review) if notes is None else notes) + list(extra):
        e, rejected = note.edit, None
        if e is not None:
            rejected = check(e, review)
            if rejected is None and e.kind == "reorder" and out.order is not None and out.order != e.slots:
                rejected = "an earlier note already reordered these beats"
            if rejected is None and e.kind == "swap_hook" and out.hook_rank not in (None, e.hook_rank):
                rejected = "an earlier note already swapped the hook"
        applied = auto_fix and e is not None and rejected is None
        if applied and e is not None:
            _apply(e, out)
        out.notes.append(note.model_copy(update={"applied": applied, "rejected": rejected}))
    return out


def _apply(e: Edit, out: Direction) -> None:
    """Record an edit ``check`` let through (so a trim names its beat and seconds, a reorder its beats)."""
    if e.kind == "trim" and e.slot is not None and e.seconds is not None:
        out.soft_max[e.slot] = min(e.seconds, out.soft_max.get(e.slot, e.seconds))
    elif e.kind == "zoom" and e.slot is not None:
        out.cameras[(e.slot, e.shot or 0)] = "jump_zoom"
    elif e.kind == "swap_hook":
        out.hook_rank = e.hook_rank
    elif e.kind == "reorder" and e.slots is not None:
        out.order = tuple(e.slots)


def describe(timeline: Timeline) -> tuple[dict[str, Any], ...]:
    """The draft as a critic reads it: one entry per shot, its beat's text and line on its first
    shot. The hook beat's words are left out: each hook variant has its own, the body is shared."""
    shots, hook = timeline.shots, timeline.hook_slot
    shown = {o.slot: o.text for o in timeline.overlays}
    said = {c.slot: c for c in timeline.voice}
    beats = []
    for s in shots:
        first = s.shot == 0
        entry: dict[str, Any] = {
            "scene": s.index + 1,
            "beat": s.slot,
            "type": s.slot_type,
            "shot": s.shot,
            "start": round(s.start, 2),
            "end": round(s.end, 2),
            "seconds": round(s.duration, 2),
            "camera": s.camera,
            "end_card": s.layout == ENDCARD,
        }
        if first and s.slot != hook:
            cue = said.get(s.slot)
            beat_end = max(x.end for x in shots if x.slot == s.slot)
            entry |= {
                "text": shown.get(s.slot, ""),
                "voice": cue.text if cue else "",
                "voice_seconds": round(cue.end - cue.start, 2) if cue else 0.0,
                "silence_after_line": round(beat_end - cue.end, 2) if cue else None,
            }
        beats.append(entry)
    return tuple(beats)


def from_critique(payload: Mapping[str, Any]) -> list[Note]:
    """Claude's critique (``{"notes": [{"message", "edit"}]}``) as director notes."""
    notes = []
    for item in payload.get("notes", []):
        raw = item.get("edit")
        edit = (
            None
            if not raw
            else Edit(
                kind=raw["kind"],
                slot=raw.get("slot"),
                shot=raw.get("shot"),
                seconds=raw.get("seconds"),
                slots=tuple(raw["slots"]) if raw.get("slots") else None,
            )
        )
        notes.append(
            Note(rule="claude", message=item["message"], edit=edit, source="claude", slot=edit.slot if edit else None)
        )
    return notes
