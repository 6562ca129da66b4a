"""The voice carries the ad: coverage of the body and the longest silence, from the timeline."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import pytest
import structlog

from adbatch.config import AdbatchConf, PacingConf
from adbatch.domain import timeline
from adbatch.domain.archetype import available, load_archetype
from adbatch.domain.product import Product
from adbatch.paths import ARCHETYPES_DIR, PROJECT_ROOT
from adbatch.providers.base import ScriptRequest
from adbatch.providers.offline import EspeakVoice
from adbatch.providers.offline_writer import OfflineScriptWriter
from adbatch.stages import insights, plan

FPS = 30
ARCHETYPES = available(ARCHETYPES_DIR)
EXAMPLES = PROJECT_ROOT / "examples" / "catalog.csv"


def sized(archetype, pacing: PacingConf, fill: float) -> dict[str, timeline.SpokenLine]:
    """Lines as long as ``fill`` of each slot's speech budget (what the writers aim for)."""
    budget = timeline.speech_budget(archetype, pacing)
    return {k: timeline.SpokenLine(text=k, duration=v * fill) for k, v in budget.items() if v}


def cue(slot: str, start: float, end: float) -> timeline.VoiceCue:
    return timeline.VoiceCue(slot=slot, text=slot, start=start, end=end, tempo=1.0, words=())


def test_coverage_and_longest_gap_are_measured_over_the_body_before_the_end_card(ugc) -> None:
    """Voiced share of [0, end card) and its longest silence: from the start, between lines, up to the card."""
    tl = timeline.build(archetype=ugc, pacing=PacingConf(), texts={}, lines=sized(ugc, PacingConf(), 0.9), fps=FPS)
    card = tl.card_start
    voice = (cue("a", 0.3, 4.0), cue("b", 5.5, card - 0.5), cue("c", card + 0.3, card + 2.0))
    measured = tl.model_copy(update={"voice": voice})
    coverage, gap = timeline.voice_coverage(measured)
    assert coverage == pytest.approx(((4.0 - 0.3) + (card - 0.5 - 5.5)) / card, abs=1e-3)
    assert gap == pytest.approx(1.5)
    assert (measured.voice_coverage, measured.longest_gap_s) == (coverage, gap)


def test_timeline_json_records_coverage_and_longest_gap(ugc) -> None:
    """timeline.json carries voice_coverage and longest_gap_s, so the report can show them."""
    tl = timeline.build(archetype=ugc, pacing=PacingConf(), texts={}, lines=sized(ugc, PacingConf(), 0.9), fps=FPS)
    data = json.loads(tl.model_dump_json())
    assert data["voice_coverage"] == tl.voice_coverage and data["longest_gap_s"] == tl.longest_gap_s


@pytest.mark.parametrize("name", ARCHETYPES)
def test_lines_sized_to_their_budget_voice_85_percent_with_no_silence_over_a_second(name: str) -> None:
    """Budgets sit on the shot grid and the layout gives no beat more than its line needs: lines written
    to their budget voice >= 85 % of the body, no silence over 1.0 s."""
    arch = load_archetype(name, ARCHETYPES_DIR)
    tl = timeline.build(archetype=arch, pacing=PacingConf(), texts={}, lines=sized(arch, PacingConf(), 0.97), fps=FPS)
    assert tl.voice_coverage >= 0.85 and tl.longest_gap_s <= 1.0


def test_slack_goes_to_the_beat_with_the_least_silence(ugc) -> None:
    """One short line does not take the slack: the beats around it with full lines do, up to their shots' limit."""
    pacing = PacingConf()
    lines = sized(ugc, pacing, 0.9)
    lines["discovery"] = timeline.SpokenLine(text="short", duration=1.0)
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={}, lines=lines, fps=FPS)
    beat = {s: sum(sh.duration for sh in tl.shots if sh.slot == s) for s in ("discovery", "demo")}
    assert beat["discovery"] == pytest.approx(pacing.scene_min)  # one shortest shot: no more than its line needs
    silence = {c.slot: beat[c.slot] - (c.end - c.start) for c in tl.voice if c.slot in beat}
    assert silence["demo"] < silence["discovery"]


def test_budgets_add_up_to_the_video_on_the_shot_grid(ugc) -> None:
    """Each share is a length the beat's shots can make, and the shares add up to the video."""
    pacing = dataclasses.replace(PacingConf(), duration=30.0)
    budget = timeline.speech_budget(ugc, pacing)
    # lines follow each other a breath apart; the hook's starts after its text lead, the last ends before a tail
    overhead = [pacing.text_lead] + [pacing.voice_gap] * (len(budget) - 2) + [pacing.text_lead + pacing.voice_tail]
    spans = [v + o for v, o in zip(budget.values(), overhead)]
    assert sum(spans) == pytest.approx(pacing.duration, abs=0.01)
    assert all(not (pacing.scene_max + 1e-3 < s < 2 * pacing.scene_min - 1e-3) for s in spans[1:])


def test_a_longer_hook_variant_plays_faster_in_the_same_hook_beat(ugc) -> None:
    """The hook beat holds the best hook; a longer variant (up to max_voice_speedup) speeds its own line up,
    so every variant keeps the same body, and the best hook's video keeps no longer variant's silence."""
    pacing = PacingConf()
    body = sized(ugc, pacing, 0.9)
    best = body | {"hook": timeline.SpokenLine(text="best", duration=2.4)}
    longer = body | {"hook": timeline.SpokenLine(text="longer", duration=2.9)}
    reserve = {"hook": 2.4}
    a = timeline.build(archetype=ugc, pacing=pacing, texts={}, lines=best, fps=FPS, reserve=reserve)
    b = timeline.build(archetype=ugc, pacing=pacing, texts={}, lines=longer, fps=FPS, reserve=reserve)
    assert a.shots == b.shots and a.voice[1:] == b.voice[1:]
    assert a.voice[0].tempo == 1.0 and 1.0 < b.voice[0].tempo <= pacing.max_voice_speedup
    assert b.voice[0].end == pytest.approx(a.voice[0].end)


def spoken(text: str, voice: EspeakVoice, folder: Path) -> timeline.SpokenLine:
    """The line as eSpeak really says it: its length and word timings."""
    out = asyncio.run(voice.speak(text, folder / "line.wav"))
    return timeline.SpokenLine(text=text, duration=out.meta["duration"], words=tuple(map(tuple, out.meta["words"])))


def laid_out(product: Product, name: str, folder: Path) -> timeline.Timeline:
    """A job's final timeline, offline: the writer's lines sized to their budgets, spoken by eSpeak, the hook
    beat held for every hook variant (``plan.hook_reserve``), laid out and fitted (``plan.fitted``)."""
    cfg, arch, voice = AdbatchConf(), load_archetype(name, ARCHETYPES_DIR), EspeakVoice()
    request = ScriptRequest(
        product=product,
        insights=insights.extract(product),
        archetype=arch,
        seed=0,
        words_per_second=voice.words_per_second,
        speech_seconds=timeline.speech_budget(arch, cfg.pacing),
    )
    script = OfflineScriptWriter().write_now(request, fill=True)
    hook_id = arch.slots[0].id
    hooks = [spoken(h.voice, voice, folder).duration for h in script.hooks]
    said = plan.words_for(script, script.hooks[0], hook_id)
    lines = {k: spoken(v, voice, folder) for k, v in said.items() if v}
    edits = plan.Edits(reserve={hook_id: plan.hook_reserve(cfg, [hooks[0], *hooks])})
    texts = plan.texts_for(script, script.hooks[0], hook_id)
    return plan.fitted(cfg, structlog.get_logger(), arch, texts, lines, edits)[0]


@pytest.mark.parametrize("name", ARCHETYPES)
def test_real_voice_covers_85_percent_of_every_example_body_with_no_silence_over_a_second(
    name: str, examples: list[Product], tmp_path: Path
) -> None:
    """The offline writer's lines for every example product, spoken by eSpeak and laid out as a job lays them
    out (a body the copy is too short to carry tightened, ``plan.fitted``): >= 85 % of the body voiced, no
    silence over 1.0 s, no line sped past max_voice_speedup, none overlapping."""
    pacing = PacingConf()
    for product in examples:
        tl = laid_out(product, name, tmp_path)
        where = f"{product.id}/{name}: coverage {tl.voice_coverage}, gap {tl.longest_gap_s} s, {tl.duration} s"
        assert tl.voice_coverage >= 0.85 and tl.longest_gap_s <= 1.0, where
        assert pacing.min_duration <= tl.duration <= pacing.duration, where
        assert all(c.tempo <= pacing.max_voice_speedup + 1e-9 for c in tl.voice), where
        assert all(a.end + pacing.voice_gap <= b.start + 1e-6 for a, b in zip(tl.voice, tl.voice[1:])), where


def test_a_longer_hook_variant_does_not_push_the_best_hook_into_a_second_shot(ugc) -> None:
    """The best hook (2.2 s) fits the one hook shot; a 3.5 s variant, even at max_voice_speedup, would not:
    the beat holds what the shot can (hook_scene_max less the lead), not 1.8 + 2 s with a second of silence."""
    cfg = AdbatchConf()
    reserve = plan.hook_reserve(cfg, [2.2, 3.5, 2.0])
    assert reserve == pytest.approx(cfg.pacing.hook_scene_max - cfg.pacing.text_lead)
    lines = sized(ugc, cfg.pacing, 0.97) | {"hook": timeline.SpokenLine(text="best", duration=2.2)}
    tl = timeline.build(archetype=ugc, pacing=cfg.pacing, texts={}, lines=lines, fps=FPS, reserve={"hook": reserve})
    assert [s.slot for s in tl.shots].count("hook") == 1
    assert plan.hook_reserve(cfg, [3.0, 3.5]) == pytest.approx(3.0)  # a best hook past one shot holds its own
