"""The creative director's rules and auto-fixes, on timelines before and after."""

from __future__ import annotations

import dataclasses

import pytest

from adbatch.config import DirectorConf
from adbatch.domain import timeline
from adbatch.domain.script import HookCandidate
from adbatch.stages import direct

CONF = DirectorConf()
FPS = 30


def lines(archetype, seconds: dict[str, float] | None = None, default: float = 2.0) -> dict:
    seconds = seconds or {}
    return {s.id: timeline.SpokenLine(text="word " * 5, duration=seconds.get(s.id, default)) for s in archetype.slots}


def hooks() -> list[HookCandidate]:
    texts = [
        "Why everyone wants this",
        "A very long hook that takes far too many words to read in time",
        "You need this",
        "Tired of cold coffee?",
        "Best buy ever",
    ]
    angles = ["curiosity", "benefit", "social_proof", "problem", "bold_claim"]
    return [
        HookCandidate(angle=a, text=t, voice=t, score=80 - 5 * i, rank=i + 1)
        for i, (a, t) in enumerate(zip(angles, texts))
    ]


def review(tl, *, hook_rank: int = 1, requested: str = "best") -> direct.Review:
    hs = hooks()
    return direct.Review(
        timeline=tl, hook=hs[hook_rank - 1], hooks=hs, hook_requested=requested, reading_wps=3.5, conf=CONF
    )


def build(ugc, pacing, seconds=None, default: float = 2.0, **edits) -> timeline.Timeline:
    return timeline.build(
        archetype=ugc,
        pacing=pacing,
        texts={s.id: "Short text" for s in ugc.slots},
        lines=lines(ugc, seconds, default),
        fps=FPS,
        **edits,
    )


def silence(tl, slot: str) -> float:
    cue = next(c for c in tl.voice if c.slot == slot)
    return max(s.end for s in tl.shots if s.slot == slot) - cue.end


def test_dead_air_is_noted_and_trimmed(ugc, pacing) -> None:
    """A beat with a 1 s line in a long span gets 'scene N drags — cut X s'; the trim shortens its silence."""
    before = build(ugc, pacing, {"demo": 0.8})
    notes = direct.dead_air(review(before))
    note = next(n for n in notes if n.edit.slot == "demo")
    assert "drags — cut" in note.message and note.edit.kind == "trim"
    direction = direct.direct(review(before), auto_fix=True)
    after = build(ugc, pacing, {"demo": 0.8}, soft_max=direction.soft_max, cameras=direction.cameras)
    assert silence(after, "demo") < silence(before, "demo")
    assert after.duration == before.duration
    assert all(2.0 - 1e-6 <= s.duration <= 3.0 + 1e-6 for s in after.shots[1:])


def test_long_slow_shot_gets_a_jump_zoom(ugc, pacing) -> None:
    """A slow-camera shot of 2.6 s or more is noted and becomes a jump zoom when auto-fixed."""
    before = build(ugc, pacing)
    slow = [
        s
        for s in before.shots[1:]
        if s.camera in direct.SLOW_CAMERAS and s.duration >= CONF.long_shot and s.layout != timeline.ENDCARD
    ]
    assert slow, "the fixture should contain a long slow shot"
    direction = direct.direct(review(before), auto_fix=True)
    after = build(ugc, pacing, cameras=direction.cameras, soft_max=direction.soft_max)
    by_key = {(s.slot, s.shot): s.camera for s in after.shots}
    assert all(by_key[(s.slot, s.shot)] == "jump_zoom" for s in slow)


def test_unreadable_hook_is_swapped_only_for_hook_best(ugc, pacing) -> None:
    """A hook too long to read in 1.8 s is swapped for hook=best, but an explicit A/B variant is kept."""
    tl = build(ugc, pacing)
    swap = direct.direct(review(tl, hook_rank=2, requested="best"), auto_fix=True)
    assert swap.hook_rank == 1
    note = next(n for n in swap.notes if n.rule == "hook_strength")
    assert "to read" in note.message and "try the curiosity angle" in note.message and note.applied
    keep = direct.direct(review(tl, hook_rank=2, requested="2"), auto_fix=True)
    assert keep.hook_rank is None


def test_auto_fix_off_records_notes_without_edits(ugc, pacing) -> None:
    """director.auto_fix=false: the same notes, none applied, no edits."""
    direction = direct.direct(review(build(ugc, pacing, {"demo": 0.8})), auto_fix=False)
    assert direction.notes and not any(n.applied for n in direction.notes)
    assert not direction.soft_max and not direction.cameras and direction.hook_rank is None


def test_text_too_long_to_read_is_noted(ugc, pacing) -> None:
    """An overlay of 20 words on a 2.5 s beat cannot be read: a note, no edit."""
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={"problem": "word " * 20}, lines=lines(ugc), fps=FPS)
    (note,) = direct.text_load(review(tl))
    assert "shorten it" in note.message and note.edit is None


@pytest.mark.parametrize("rule", [direct.hook_strength, direct.text_load, direct.voice_pace, direct.cta_timing])
def test_rules_are_quiet_on_a_clean_timeline(rule, ugc, pacing) -> None:
    """Balanced lines, readable texts, a strong readable hook: the hook, text, voice and CTA rules say nothing."""
    assert rule(review(build(ugc, pacing, default=2.3))) == []


def test_hook_beat_is_never_trimmed(ugc, pacing) -> None:
    """Silence after a short hook line is kept: the hook beat is reserved for the longest candidate."""
    tl = timeline.build(
        archetype=ugc, pacing=pacing, texts={}, lines=lines(ugc, {"hook": 0.5}), fps=FPS, reserve={"hook": 3.0}
    )
    assert all(n.edit.slot != "hook" for n in direct.dead_air(review(tl)))


def proof_review(ugc, pacing, voice: dict[str, str], quotes=()) -> direct.Review:
    """A review whose body lines are ``voice`` (slot -> line)."""
    ls = {s.id: timeline.SpokenLine(text=voice.get(s.id, "word " * 5), duration=2.0) for s in ugc.slots}
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={}, lines=ls, fps=FPS)
    hs = hooks()
    return direct.Review(
        timeline=tl,
        hook=hs[0],
        hooks=hs,
        hook_requested="best",
        reading_wps=3.5,
        conf=CONF,
        reorderable=ugc.reorderable,
        quotes=tuple(quotes),
    )


def test_the_beat_with_the_strongest_proof_leads_its_group(ugc, pacing) -> None:
    """ugc's demo, proof and benefit may swap: the beat quoting a customer goes first, the rest keep
    their order, and the timeline laid out with that order plays it first with the same length."""
    quote = "I was tired of cold coffee every single morning"
    r = proof_review(
        ugc, pacing, {"proof": "one buyer said I was tired of cold coffee every single morning"}, quotes=[quote]
    )
    [note] = direct.strongest_first(r)
    assert note.edit.kind == "reorder" and note.edit.slots == ("proof", "demo", "benefit")
    assert "lead with the 'proof' beat" in note.message
    direction = direct.direct(r, auto_fix=True)
    assert direction.order == ("proof", "demo", "benefit")
    after = build(ugc, pacing, order=direction.order)
    slots = list(dict.fromkeys(s.slot for s in after.shots))
    assert slots == ["hook", "problem", "discovery", "proof", "demo", "benefit", "cta"]
    assert after.duration == r.timeline.duration


def test_no_reorder_when_the_first_beat_is_as_strong(ugc, pacing) -> None:
    assert (
        direct.strongest_first(proof_review(ugc, pacing, {"demo": "hot for 3 hours", "proof": "rated 5 by me"})) == []
    )
    assert direct.strongest_first(proof_review(ugc, pacing, {})) == []


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (direct.Edit(kind="trim", slot="outro", seconds=2.0), "there is no beat 'outro'"),
        (direct.Edit(kind="trim", slot="hook", seconds=1.0), "every hook variant shares the body"),
        (direct.Edit(kind="trim", slot="demo", seconds=30.0), "is not shorter than"),
        (direct.Edit(kind="zoom", slot="demo", shot=7), "there is no shot 7"),
        (direct.Edit(kind="reorder", slots=("proof", "demo")), "once each"),
        (direct.Edit(kind="swap_hook", hook_rank=9), "no hook ranked 9"),
    ],
)
def test_edits_that_do_not_fit_the_video_are_refused_with_the_reason(ugc, pacing, edit, why) -> None:
    """A critic's edit is checked against the video: refused ones stay as notes, not applied, saying why."""
    r = dataclasses.replace(review(build(ugc, pacing)), reorderable=ugc.reorderable)
    note = direct.Note(rule="claude", message="do it", edit=edit, source="claude")
    direction = direct.direct(r, auto_fix=True, notes=[], extra=[note])
    [out] = direction.notes
    assert not out.applied and why in out.rejected
    assert (
        direction.soft_max == {} and direction.cameras == {} and direction.order is None and direction.hook_rank is None
    )


def test_zooming_the_end_card_is_refused(ugc, pacing) -> None:
    tl = build(ugc, pacing)
    card = tl.shots[-1]
    assert (
        direct.check(direct.Edit(kind="zoom", slot=card.slot, shot=card.shot), review(tl)) == "the end card stays still"
    )


def test_claude_notes_apply_alongside_the_rules_and_conflicts_resolve(ugc, pacing) -> None:
    """Two trims of one beat keep the shorter; a second, different reorder is refused; valid edits apply."""
    r = dataclasses.replace(review(build(ugc, pacing, {"demo": 0.8})), reorderable=ugc.reorderable)
    payload = {
        "notes": [
            {"message": "scene 5 drags — cut 1.0 s", "edit": {"kind": "trim", "slot": "demo", "seconds": 2.0}},
            {"message": "add a jump zoom on scene 3", "edit": {"kind": "zoom", "slot": "problem", "shot": 0}},
            {"message": "lead with benefit", "edit": {"kind": "reorder", "slots": ["benefit", "demo", "proof"]}},
            {"message": "no, lead with proof", "edit": {"kind": "reorder", "slots": ["proof", "demo", "benefit"]}},
            {"message": "the CTA could be warmer", "edit": None},
        ]
    }
    extra = direct.from_critique(payload)
    assert all(n.source == "claude" for n in extra)
    direction = direct.direct(r, auto_fix=True, extra=extra)
    rules_trim = next(n.edit.seconds for n in direction.notes if n.rule == "dead_air" and n.edit.slot == "demo")
    assert direction.soft_max["demo"] == min(2.0, rules_trim)
    assert direction.cameras[("problem", 0)] == "jump_zoom" and direction.order == ("benefit", "demo", "proof")
    by_message = {n.message: n for n in direction.notes}
    assert by_message["no, lead with proof"].rejected == "an earlier note already reordered these beats"
    assert not by_message["the CTA could be warmer"].applied and by_message["the CTA could be warmer"].rejected is None


def test_the_critics_view_leaves_out_the_hook_words(ugc, pacing) -> None:
    """describe(): one entry per shot; body beats carry their text, line and silence; the hook beat does not,
    so every hook variant of a script shows the critic the same draft."""
    tl = build(ugc, pacing)
    beats = direct.describe(tl)
    assert len(beats) == len(tl.shots) and beats[-1]["end_card"] is True
    assert all("voice" not in b and "text" not in b for b in beats if b["beat"] == "hook")
    demo = next(b for b in beats if b["beat"] == "demo" and b["shot"] == 0)
    assert demo["text"] == "Short text" and demo["voice"] and demo["silence_after_line"] >= 0
    other = timeline.build(
        archetype=ugc,
        pacing=pacing,
        texts={s.id: "Short text" for s in ugc.slots} | {"hook": "A different hook"},
        lines=lines(ugc),
        fps=FPS,
    )
    assert direct.describe(other) == beats


def test_archetype_reorderable_beats_must_be_adjacent_body_slots(ugc) -> None:
    from adbatch.domain.archetype import Archetype

    data = ugc.model_dump()
    with pytest.raises(ValueError, match="must be adjacent"):
        Archetype.model_validate(data | {"reorderable": ["problem", "proof"]})
    with pytest.raises(ValueError, match="2\\+ body slots"):
        Archetype.model_validate(data | {"reorderable": ["hook", "cta"]})
    with pytest.raises(ValueError, match="once each"):
        ugc.arranged(("demo", "demo", "proof"))


def test_critic_sees_the_same_rule_notes_for_every_hook_variant(ugc, pacing) -> None:
    """Notes on the hook beat (its pace, its text) differ between variants: the critic is not shown them,
    so every variant asks it the same question and shares its cached answer (and the body)."""

    def notes_for(hook_line: str) -> tuple[list[direct.Note], timeline.Timeline]:
        ls = lines(ugc) | {"hook": timeline.SpokenLine(text=hook_line, duration=2.0)}
        tl = timeline.build(
            archetype=ugc, pacing=pacing, texts={"hook": hook_line}, lines=ls, fps=FPS, reserve={"hook": 2.0}, tempo=1.2
        )
        return direct.critique(dataclasses.replace(review(tl), reorderable=ugc.reorderable)), tl

    (a, tl_a), (b, tl_b) = notes_for("one two three four five six seven eight nine"), notes_for("Short hook")
    assert [n.message for n in a if n.slot == "hook"] != [n.message for n in b if n.slot == "hook"]
    assert direct.body_notes(a, tl_a) == direct.body_notes(b, tl_b) and direct.body_notes(a, tl_a)


def test_a_judges_pick_is_not_swapped_for_its_offline_score(ugc, pacing) -> None:
    """hook_strength calls a low-scoring hook generic only when the offline score ranked it."""
    tl = build(ugc, pacing)
    low = hooks()[0].model_copy(update={"score": 10.0})
    offline = dataclasses.replace(review(tl), hook=low)
    judged = dataclasses.replace(review(tl), hook=low.model_copy(update={"ranked_by": "claude"}))
    assert "too generic" in direct.hook_strength(offline)[0].message
    assert direct.hook_strength(judged) == []


def test_reorderable_beats_must_be_listed_in_play_order(ugc) -> None:
    from adbatch.domain.archetype import Archetype

    with pytest.raises(ValueError, match="in the order they play"):
        Archetype.model_validate(ugc.model_dump() | {"reorderable": ["proof", "demo", "benefit"]})
