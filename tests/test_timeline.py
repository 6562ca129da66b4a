"""Pacing rules, checked on timelines built from synthetic voice lengths (no providers)."""

from __future__ import annotations

import dataclasses

import pytest

from adbatch.domain import timeline
from adbatch.domain.archetype import available, load_archetype
from adbatch.paths import ARCHETYPES_DIR

FPS = 30
EPS = 1e-6


def lines_for(archetype, seconds: float = 2.2) -> dict[str, timeline.SpokenLine]:
    return {
        s.id: timeline.SpokenLine(
            text=f"line {s.id}", duration=seconds, words=(("line", 0.0, seconds / 2), (s.id, seconds / 2, seconds))
        )
        for s in archetype.slots
    }


def build(archetype, pacing, seconds: float = 2.2, **kw) -> timeline.Timeline:
    return timeline.build(
        archetype=archetype,
        pacing=pacing,
        texts={s.id: f"text {s.id}" for s in archetype.slots},
        lines=lines_for(archetype, seconds),
        fps=FPS,
        **kw,
    )


@pytest.fixture
def tl(ugc, pacing) -> timeline.Timeline:
    return build(ugc, pacing)


def test_total_duration_is_exactly_the_configured_length(tl, pacing) -> None:
    """Shots tile the video with no gap or overlap and end at pacing.duration."""
    assert tl.duration == pacing.duration
    assert tl.shots[0].start == 0 and abs(tl.shots[-1].end - tl.duration) < EPS
    for a, b in zip(tl.shots, tl.shots[1:]):
        assert abs(a.end - b.start) < EPS


def test_hook_scene_is_about_1_8_seconds(ugc, pacing) -> None:
    """The opening shot lasts the hook length (1.8 s), to the frame, when its line fits in it."""
    tl = build(ugc, pacing, seconds=1.2)
    assert tl.shots[0].slot_type == "hook" and abs(tl.shots[0].duration - 1.8) < 1 / FPS


def test_a_longer_hook_line_holds_the_one_hook_shot_no_longer_than_it_needs(tl, pacing) -> None:
    """A 2.2 s hook line holds the hook shot for its lead and line (up to hook_scene_max), not 1.8 s and a
    second 2 s shot of silence."""
    hook = [s for s in tl.shots if s.slot == "hook"]
    assert len(hook) == 1 and abs(hook[0].duration - (pacing.text_lead + 2.2)) < 1 / FPS + EPS
    assert hook[0].duration <= pacing.hook_scene_max + EPS


def test_no_scene_is_shorter_than_2_or_longer_than_3_seconds(tl) -> None:
    """Every shot after the hook lasts 2-3 s."""
    for shot in tl.shots[1:]:
        assert 2.0 - EPS <= shot.duration <= 3.0 + EPS, shot


def test_product_and_hook_text_are_on_screen_within_the_first_second(tl) -> None:
    """Frame 0 shows a product shot, and the hook text appears before 1 s."""
    assert tl.shots[0].layout in ("hero", "card", "detail", "tilted", "split")
    hook = next(o for o in tl.overlays if o.role == "hook")
    assert hook.start < 1.0


def test_text_appears_before_voice_line(tl, pacing) -> None:
    """Each slot's text appears text_lead (0.3 s) before its voice line starts."""
    texts = {o.slot: o for o in tl.overlays}
    for cue in tl.voice:
        if cue.slot in texts:
            assert abs(cue.start - texts[cue.slot].start - pacing.text_lead) < EPS


def test_voice_lines_do_not_overlap_and_fit_the_video(tl) -> None:
    """Lines play one after another and end before the video does."""
    for a, b in zip(tl.voice, tl.voice[1:]):
        assert a.end <= b.start + EPS
    assert tl.voice[-1].end <= tl.duration + EPS


def test_word_times_are_absolute_and_inside_their_line(tl) -> None:
    """Word timings are shifted onto the timeline and lie within their line."""
    for cue in tl.voice:
        assert cue.words[0].start == pytest.approx(cue.start)
        assert all(cue.start - EPS <= w.start <= w.end <= cue.end + EPS for w in cue.words)


def test_transitions_are_cuts_inside_beats_and_the_archetype_style_between(pacing) -> None:
    """Within a beat shots change with a 0.1 s cut; between beats pov swipes for 0.2 s."""
    pov = load_archetype("pov", ARCHETYPES_DIR)
    tl = build(pov, pacing)
    beat_starts = {round(o.start, 6) for o in tl.overlays} | {round(s.start, 6) for s in tl.shots if s.shot == 0}
    assert len(tl.transitions) == len(tl.shots) - 1
    for tr in tl.transitions:
        expected = ("swipe", 0.2) if round(tr.at, 6) in beat_starts else ("cut", 0.1)
        assert (tr.kind, tr.duration) == expected


def test_cuts_land_on_frames(tl) -> None:
    """Shot boundaries are whole frames at 30 fps."""
    for shot in tl.shots:
        assert abs(shot.start * FPS - round(shot.start * FPS)) < 1e-6


def test_video_ends_on_the_static_end_card(tl) -> None:
    """The last shot is the end card, static, within 2-3 s."""
    last = tl.shots[-1]
    assert last.layout == timeline.ENDCARD and last.camera == "static" and last.slot_type == "cta"


def test_long_voice_line_gets_more_shots_not_longer_ones(ugc, pacing) -> None:
    """A 7 s line spreads over 3 shots of at most 3 s each."""
    lines = lines_for(ugc)
    lines["demo"] = timeline.SpokenLine(text="long", duration=7.0)
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={}, lines=lines, fps=FPS)
    demo = [s for s in tl.shots if s.slot == "demo"]
    assert len(demo) >= 3 and all(s.duration <= 3.0 + EPS for s in demo)
    cue = next(c for c in tl.voice if c.slot == "demo")
    assert cue.end <= demo[-1].end + EPS


def test_overlong_voice_asks_for_a_tempo_that_fits(ugc, pacing) -> None:
    """When the voice cannot fit, VoiceTooLong says which tempo would make it fit."""
    with pytest.raises(timeline.VoiceTooLong) as info:
        build(ugc, pacing, seconds=4.8)
    fitted = build(ugc, pacing, seconds=4.8, tempo=info.value.tempo)
    assert fitted.duration == pacing.duration and fitted.voice[0].tempo > 1


def test_too_short_duration_is_a_clear_error(ugc, pacing) -> None:
    """Seven beats cannot fit in 8 s: the error names the archetype and the minimum."""
    with pytest.raises(timeline.TimelineError, match="too short for archetype 'ugc'"):
        build(ugc, dataclasses.replace(pacing, duration=8.0), seconds=0.0)


@pytest.mark.parametrize("name", available(ARCHETYPES_DIR))
@pytest.mark.parametrize("duration", [15.0, 30.0, 45.0])
def test_every_archetype_yields_a_valid_timeline(name: str, duration: float, pacing) -> None:
    """All eight archetypes pace correctly at 15, 30 and 45 s."""
    arch = load_archetype(name, ARCHETYPES_DIR)
    seconds = 1.2 if duration == 15.0 else 2.2
    tl = build(arch, dataclasses.replace(pacing, duration=duration), seconds=seconds)
    assert tl.duration == duration
    assert [s.slot for s in tl.shots if s.shot == 0] == [s.id for s in arch.slots]
    assert all(2.0 - EPS <= s.duration <= 3.0 + EPS for s in tl.shots[1:])


def test_a_line_may_end_over_the_next_cut_and_the_next_text_waits_for_it(ugc, pacing) -> None:
    """A 2.9 s line needs 3.2 s with its lead, more than one 3 s shot: rather than a second shot of silence,
    the line ends over the cut and the next beat's text (and its line, text_lead later) waits for it, at most
    text_delay_max after the cut; lines stay voice_gap apart."""
    lines = lines_for(ugc, 3.4) | {"problem": timeline.SpokenLine(text="problem", duration=2.9)}
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={s.id: s.id for s in ugc.slots}, lines=lines, fps=FPS)
    problem = [s for s in tl.shots if s.slot == "problem"]
    cue = next(c for c in tl.voice if c.slot == "problem")
    after = next(o for o in tl.overlays if o.slot == "discovery")
    assert len(problem) == 1 and cue.end > problem[0].end
    assert problem[0].end < after.start <= problem[0].end + pacing.text_delay_max + EPS
    for a, b in zip(tl.voice, tl.voice[1:]):
        assert b.start - a.end >= pacing.voice_gap - EPS


def test_the_hook_line_ends_before_the_body_starts(ugc, pacing) -> None:
    """Hook variants share the body from its first cut, so the hook's line never runs over it."""
    for seconds in (1.2, 2.2, 2.9, 3.6):
        tl = build(ugc, pacing, seconds=seconds)
        first_body = next(s for s in tl.shots if s.slot != tl.hook_slot)
        assert tl.voice[0].end <= first_body.start + EPS


def test_the_cta_line_is_said_before_the_end_card_when_the_video_has_room(ugc, pacing) -> None:
    """Short lines leave room: the CTA beat gets a shot for its line before a full (3 s) end card, so the line
    is in the body the voice should carry, not over the card."""
    tl = build(ugc, pacing, seconds=2.2)
    cta = next(c for c in tl.voice if c.slot == "cta")
    card = tl.shots[-1]
    assert cta.end <= card.start + pacing.text_lead - pacing.voice_gap + EPS
    assert card.duration == pytest.approx(pacing.scene_max)
