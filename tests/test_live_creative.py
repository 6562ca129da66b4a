"""The creative layer with live Claude, end to end against the fake server: product analysis, the
hook judge and the director's critique, recorded in the manifest and shared by hook variants."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adbatch.domain import timeline
from tests.fakes.live import catalog_of, live_job

pytest_plugins = ["tests.fakes.fixtures"]  # fixtures: fake, keys, product


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return catalog_of(tmp_path / "cat", "alpha-mug")


@pytest.mark.slow
def test_claude_analyses_ranks_and_critiques_and_the_manifest_says_so(fake, catalog, tmp_path: Path) -> None:
    m = live_job(fake, catalog, "alpha-mug", tmp_path)
    d = json.loads(m.model_dump_json())  # the manifest as manifest.json holds it
    assert m.status == "ok", m.error
    # product intelligence: Claude's findings first, its verbatim quote kept, its paraphrase refused
    facts = d["insights"]
    assert facts["source"] == "claude+offline" and facts["pains"][0] == "coffee going cold"
    assert (
        facts["quotes"][0] == "I was tired of cold coffee."
        and "Best purchase of my whole life, truly" not in facts["quotes"]
    )
    assert facts["refused_quotes"] == ["Best purchase of my whole life, truly"]
    assert facts["image"]["visual_cues"] == ["the handle", "the glaze"]
    # the hook judge: its order (the fake reverses the heuristic's), a reason each, offline ranks kept
    hooks = d["hooks"]
    assert [h["rank"] for h in hooks] == [1, 2, 3, 4, 5] and [h["offline_rank"] for h in hooks] == [5, 4, 3, 2, 1]
    assert all(h["ranked_by"] == "claude" and h["reason"] for h in d["hooks"])
    assert d["hook"]["rank"] == 1 and d["hook"]["angle"] == d["hooks"][0]["angle"]
    # the critique: Claude's notes beside the rules', edits checked and applied to the timeline
    claude = [n for n in d["director"] if n["source"] == "claude"]
    kinds = {n["edit"]["kind"] for n in claude if n["applied"]}
    assert kinds == {"trim", "zoom", "reorder"} and any(n["edit"] is None for n in claude)
    reorder = next(n["edit"]["slots"] for n in claude if n["edit"] and n["edit"]["kind"] == "reorder")
    final = timeline.Timeline.model_validate_json((tmp_path / "video" / "timeline.json").read_text())
    played = [s for s in dict.fromkeys(sh.slot for sh in final.shots) if s in reorder]
    assert played == list(reorder) == ["benefit", "proof", "demo"]
    zoom = next(n["edit"] for n in claude if n["edit"] and n["edit"]["kind"] == "zoom")
    assert next(s.camera for s in final.shots if s.slot == zoom["slot"] and s.shot == zoom["shot"]) == "jump_zoom"
    stages = [c.stage for c in m.calls]
    assert all(stages.count(s) == 1 for s in ("vision", "script", "hooks", "critique"))
    log = [json.loads(line) for line in (tmp_path / "video" / "log.jsonl").read_text().splitlines()]
    assert sum(e.get("event") == "director_note" and e.get("source") == "claude" for e in log) == len(claude)


@pytest.mark.slow
def test_hook_variants_share_the_analysis_ranking_critique_and_body(fake, catalog, tmp_path: Path) -> None:
    """hook=1 then hook=2: the second pays for no Claude call (all four come from the cache), opens
    with the rank-2 hook and plays the same body to the frame."""
    first = live_job(fake, catalog, "alpha-mug", tmp_path, "hook=1", folder="hook-1")
    asked = fake.count("anthropic.messages")
    second = live_job(fake, catalog, "alpha-mug", tmp_path, "hook=2", folder="hook-2")
    one, two = (json.loads(v.model_dump_json()) for v in (first, second))
    assert fake.count("anthropic.messages") == asked == 4
    claude = [c for c in second.calls if c.provider == "anthropic"]
    assert len(claude) == 4 and all(c.cache_hit and c.cost_usd == 0 for c in claude)
    assert two["hook"]["angle"] == one["hooks"][1]["angle"] and two["hooks"] == one["hooks"]
    assert [n for n in two["director"] if n["source"] == "claude"] == [
        n for n in one["director"] if n["source"] == "claude"
    ]
    bodies = [
        timeline.Timeline.model_validate_json((tmp_path / f / "timeline.json").read_text())
        for f in ("hook-1", "hook-2")
    ]
    hook_end = [max(s.end for s in t.shots if s.slot == "hook") for t in bodies]
    assert hook_end[0] == hook_end[1]
    assert [s for s in bodies[0].shots if s.start >= hook_end[0]] == [
        s for s in bodies[1].shots if s.start >= hook_end[1]
    ]


@pytest.mark.slow
def test_live_ranking_and_critique_can_be_turned_off(fake, catalog, tmp_path: Path) -> None:
    """hook_scoring.live_rank=false and director.live_notes=false: the offline score ranks, the rules direct."""
    m = live_job(fake, catalog, "alpha-mug", tmp_path, "hook_scoring.live_rank=false", "director.live_notes=false")
    d = json.loads(m.model_dump_json())  # the manifest as manifest.json holds it
    assert m.status == "ok" and {c.stage for c in m.calls if c.provider == "anthropic"} == {"vision", "script"}
    assert all(
        h["ranked_by"] == "offline" and h["rank"] == h["offline_rank"] and h["reason"].startswith("Scores ")
        for h in d["hooks"]
    )
    assert all(n["source"] == "rules" for n in d["director"])


@pytest.mark.slow
def test_a_critique_edit_that_does_not_fit_is_kept_as_a_refused_note(fake, catalog, tmp_path: Path) -> None:
    """Claude asks to trim a beat the video does not have: the note is recorded, not applied, with the reason."""
    from tests.fakes import faults

    wrong = json.dumps(
        {"notes": [{"message": "scene 9 drags — cut 1 s", "edit": {"kind": "trim", "slot": "outro", "seconds": 1.5}}]}
    )
    # the four Claude calls run in order: vision, script, hooks, then the critique gets the scripted reply
    fake.script("anthropic.messages", None, None, None, faults.reply(wrong))
    m = live_job(fake, catalog, "alpha-mug", tmp_path)
    d = json.loads(m.model_dump_json())  # the manifest as manifest.json holds it
    [note] = [n for n in d["director"] if n["source"] == "claude"]
    assert note["applied"] is False and "there is no beat 'outro'" in note["rejected"] and m.status == "ok"
