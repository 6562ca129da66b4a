"""The manifest the report reads: one typed model, and the same JSON on disk as schema 1 wrote.

``tests/data/manifests-v1/`` holds manifests written by adbatch before the manifest was typed
(schema_version 1, one offline draft sweep and its rerun): ``ok.json`` (a made video),
``cached.json`` (the rerun reusing it) and ``invalid.json`` (a row whose image is not an image).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from adbatch.domain import manifest
from adbatch.domain.insights import Insights
from adbatch.domain.notes import Note
from adbatch.domain.qa import QAResult
from adbatch.domain.script import HookCandidate
from adbatch.report import report
from tests.helpers_report import note, qa_result, ranked_hooks, video

V1 = Path(__file__).parent / "data" / "manifests-v1"
V1_FILES = ("ok.json", "cached.json", "invalid.json")


def v1(name: str) -> dict:
    return json.loads((V1 / name).read_text(encoding="utf-8"))


def test_schema_1_manifest_reads_into_typed_records() -> None:
    """A made video's hooks, insights, director notes and QA come back as the stages' own models."""
    m = manifest.read(V1 / "ok.json")
    assert isinstance(m.hook, HookCandidate) and all(isinstance(h, HookCandidate) for h in m.hooks)
    assert isinstance(m.insights, Insights) and isinstance(m.qa, QAResult)
    assert m.director and all(isinstance(n, Note) for n in m.director)
    raw = v1("ok.json")
    assert (m.hook.angle, m.hook.rank, m.hook.ranked_by) == (
        raw["hook"]["angle"],
        raw["hook"]["rank"],
        raw["hook"]["ranked_by"],
    )
    assert list(m.insights.quotes) == raw["insights"]["quotes"]
    assert m.qa.platforms["tiktok"].checks[0].name == raw["qa"]["platforms"]["tiktok"]["checks"][0]["name"]


def kept(old: object, new: object) -> bool:
    """``new`` holds every key of ``old`` with the same value and shape (a field added since may sit beside them)."""
    if isinstance(old, dict):
        return isinstance(new, dict) and all(k in new and kept(v, new[k]) for k, v in old.items())
    if isinstance(old, list):
        return isinstance(new, list) and len(old) == len(new) and all(map(kept, old, new))
    return type(old) is type(new) and old == new


@pytest.mark.parametrize("name", V1_FILES)
def test_schema_1_manifest_written_again_keeps_every_field(name: str, tmp_path: Path) -> None:
    """Read and written again, a schema 1 manifest keeps each field's name, place, shape and value."""
    written = manifest.write(manifest.read(V1 / name), tmp_path)
    assert kept(v1(name), json.loads(written.read_text(encoding="utf-8")))


def test_video_that_never_read_its_row_has_no_insights_and_writes_an_empty_object(tmp_path: Path) -> None:
    """An invalid row: ``insights`` is None in the model and ``{}`` on disk, as schema 1 wrote it."""
    m = manifest.read(V1 / "invalid.json")
    assert m.insights is None and m.hook is None and m.qa is None
    assert json.loads(manifest.write(m, tmp_path).read_text())["insights"] == {}


def test_records_passed_as_dicts_or_as_models_make_the_same_manifest() -> None:
    """The pipeline's dumps (dicts) and the stage models themselves give one manifest and one JSON."""
    hooks = ranked_hooks()
    notes = [note("dead_air", applied=True), note("claude_idea", edit=None, source="claude")]
    qa = qa_result()
    facts = v1("ok.json")["insights"]
    as_dicts = video("alpha", hooks=hooks, director=notes, qa=qa, insights=facts)
    as_models = video(
        "alpha",
        hooks=[HookCandidate.model_validate(h) for h in hooks],
        director=[Note.model_validate(n) for n in notes],
        qa=QAResult.model_validate(qa),
        insights=Insights.model_validate(facts),
    )
    assert as_dicts == as_models
    dumped = as_models.model_dump(mode="json")
    assert kept([hooks, notes, qa, facts], [dumped["hooks"], dumped["director"], dumped["qa"], dumped["insights"]])


def test_recorded_is_none_for_a_key_the_file_lacks() -> None:
    """A hook from before hook reasons reads with the model's default ranker, but ``recorded`` says none was recorded."""
    old = {k: v for k, v in ranked_hooks()[0].items() if k not in ("reason", "ranked_by")}
    hook = HookCandidate.model_validate(old)
    assert hook.ranked_by == "offline" and manifest.recorded(hook, "ranked_by") is None
    assert manifest.recorded(hook, "angle") == old["angle"]


@pytest.fixture(scope="module")
def v1_rows(tmp_path_factory) -> dict[str, dict[str, str]]:
    """report.csv rows (by status) of a sweep made of the schema 1 manifests."""
    sweep = tmp_path_factory.mktemp("v1sweep")
    for name in V1_FILES:
        raw = v1(name)
        folder = sweep / name.removesuffix(".json") / raw["archetype"] / f"hook-{raw['hook_requested']}"
        folder.mkdir(parents=True)
        shutil.copy(V1 / name, folder / manifest.MANIFEST)
    built = report.build([sweep])
    with (built.out / "report.csv").open(newline="", encoding="utf-8") as fh:
        return {r["status"]: r for r in csv.DictReader(fh)}


def test_report_of_schema_1_manifests_has_their_hook_qa_and_notes(v1_rows) -> None:
    """Every schema 1 manifest reports (none corrupt), with the hook, QA and note counts its JSON holds."""
    assert sorted(v1_rows) == ["cached", "invalid", "ok"]
    raw, row = v1("ok.json"), v1_rows["ok"]
    assert (row["hook_angle"], row["hook_ranked_by"], row["hook_reason"], row["hook_score"]) == (
        raw["hook"]["angle"],
        raw["hook"]["ranked_by"],
        raw["hook"]["reason"],
        str(raw["hook"]["score"]),
    )
    assert (row["qa_passed"], row["loudness_lufs"]) == (
        str(raw["qa"]["passed"]),
        str(raw["qa"]["loudness"]["integrated_lufs"]),
    )
    assert (int(row["director_notes"]), int(row["director_applied"])) == (
        len(raw["director"]),
        sum(n["applied"] for n in raw["director"]),
    )
    assert (v1_rows["invalid"]["hook_angle"], v1_rows["invalid"]["qa_passed"]) == ("", "")
