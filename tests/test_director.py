"""The creative director's rules and auto-fixes, on timelines before and after."""

from __future__ import annotations

import dataclasses

import pytest

from adbatch import director, timeline
from adbatch.config import DirectorConf
from adbatch.script import HookCandidate

CONF = dataclasses.asdict(DirectorConf())
FPS = 30


def lines(archetype, seconds: dict[str, float] | None = None, default: float = 2.0) -> dict:
    seconds = seconds or {}
    return {s.id: timeline.SpokenLine(text="word " * 5, duration=seconds.get(s.id, default)) for s in archetype.slots}


def hooks() -> list[HookCandidate]:
    texts = ["Why everyone wants this", "A very long hook that takes far too many words to read in time",
             "You need this", "Tired of cold coffee?", "Best buy ever"]
    angles = ["curiosity", "benefit", "social_proof", "problem", "bold_claim"]
    return [HookCandidate(angle=a, text=t, voice=t, score=80 - 5 * i, rank=i + 1)
            for i, (a, t) in enumerate(zip(angles, texts))]


def review(tl, *, hook_rank: int = 1, requested: str = "best") -> director.Review:
    hs = hooks()
    return director.Review(timeline=tl, hook=hs[hook_rank - 1], hooks=hs, hook_requested=requested, reading_wps=3.5,
                           conf=CONF)


def build(ugc, pacing, seconds=None, default: float = 2.0, **edits) -> timeline.Timeline:
    return timeline.build(archetype=ugc, pacing=pacing, texts={s.id: "Short text" for s in ugc.slots},
                          lines=lines(ugc, seconds, default), fps=FPS, **edits)


def silence(tl, slot: str) -> float:
    cue = next(c for c in tl.voice if c.slot == slot)
    return max(s.end for s in tl.shots if s.slot == slot) - cue.end


def test_dead_air_is_noted_and_trimmed(ugc, pacing) -> None:
    """A beat with a 1 s line in a long span gets 'scene N drags — cut X s'; the trim shortens its silence."""
    before = build(ugc, pacing, {"demo": 0.8})
    notes = director.dead_air(review(before))
    note = next(n for n in notes if n.edit.slot == "demo")
    assert "drags — cut" in note.message and note.edit.kind == "trim"
    direction = director.direct(review(before), auto_fix=True)
    after = build(ugc, pacing, {"demo": 0.8}, soft_max=direction.soft_max, cameras=direction.cameras)
    assert silence(after, "demo") < silence(before, "demo")
    assert after.duration == before.duration
    assert all(2.0 - 1e-6 <= s.duration <= 3.0 + 1e-6 for s in after.shots[1:])


def test_long_slow_shot_gets_a_jump_zoom(ugc, pacing) -> None:
    """A slow-camera shot of 2.6 s or more is noted and becomes a jump zoom when auto-fixed."""
    before = build(ugc, pacing)
    slow = [s for s in before.shots[1:] if s.camera in director.SLOW_CAMERAS and s.duration >= CONF["long_shot"]
            and s.layout != timeline.ENDCARD]
    assert slow, "the fixture should contain a long slow shot"
    direction = director.direct(review(before), auto_fix=True)
    after = build(ugc, pacing, cameras=direction.cameras, soft_max=direction.soft_max)
    by_key = {(s.slot, s.shot): s.camera for s in after.shots}
    assert all(by_key[(s.slot, s.shot)] == "jump_zoom" for s in slow)


def test_unreadable_hook_is_swapped_only_for_hook_best(ugc, pacing) -> None:
    """A hook too long to read in 1.8 s is swapped for hook=best, but an explicit A/B variant is kept."""
    tl = build(ugc, pacing)
    swap = director.direct(review(tl, hook_rank=2, requested="best"), auto_fix=True)
    assert swap.hook_rank == 1
    note = next(n for n in swap.notes if n.rule == "hook_strength")
    assert "to read" in note.message and "try the curiosity angle" in note.message and note.applied
    keep = director.direct(review(tl, hook_rank=2, requested="2"), auto_fix=True)
    assert keep.hook_rank is None


def test_auto_fix_off_records_notes_without_edits(ugc, pacing) -> None:
    """director.auto_fix=false: the same notes, none applied, no edits."""
    direction = director.direct(review(build(ugc, pacing, {"demo": 0.8})), auto_fix=False)
    assert direction.notes and not any(n.applied for n in direction.notes)
    assert not direction.soft_max and not direction.cameras and direction.hook_rank is None


def test_text_too_long_to_read_is_noted(ugc, pacing) -> None:
    """An overlay of 20 words on a 2.5 s beat cannot be read: a note, no edit."""
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={"problem": "word " * 20}, lines=lines(ugc), fps=FPS)
    (note,) = director.text_load(review(tl))
    assert "shorten it" in note.message and note.edit is None


@pytest.mark.parametrize("rule", [director.hook_strength, director.text_load, director.voice_pace,
                                  director.cta_timing])
def test_rules_are_quiet_on_a_clean_timeline(rule, ugc, pacing) -> None:
    """Balanced lines, readable texts, a strong readable hook: the hook, text, voice and CTA rules say nothing."""
    assert rule(review(build(ugc, pacing, default=2.3))) == []


def test_hook_beat_is_never_trimmed(ugc, pacing) -> None:
    """Silence after a short hook line is kept: the hook beat is reserved for the longest candidate."""
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={}, lines=lines(ugc, {"hook": 0.5}), fps=FPS,
                        reserve={"hook": 3.0})
    assert all(n.edit.slot != "hook" for n in director.dead_air(review(tl)))
