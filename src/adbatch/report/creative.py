"""The report's view of the creative layer: platform QA and the creative director's notes.

Per video, the cells ``report.csv`` adds (``qa_cells``, ``director_cells``) and the records the
HTML page lists (``details``); over a sweep, the tallies ``summary.json`` holds (``platform_qa``,
``director``). Everything reads the manifest's typed records (``adbatch.domain.qa``,
``adbatch.domain.notes``), so an older manifest reports with its models' defaults. Definitions:

- platform QA: over the videos that were checked; a failure is a required check that did not
  pass (advisory checks are recorded but never fail a platform).
- a director fix: a note with an edit; applied or rejected (with the reason) by the director.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from adbatch.domain.manifest import Manifest, recorded
from adbatch.domain.notes import Note
from adbatch.domain.qa import PlatformResult, QAResult
from adbatch.domain.script import HookCandidate
from adbatch.report.stats import mean, ratio


class Read(Protocol):
    """A video folder whose manifest was read (``adbatch.report.report.Entry``)."""

    @property
    def folder(self) -> Path: ...

    @property
    def manifest(self) -> Manifest | None: ...


def merged(m: Manifest) -> QAResult | None:
    """The video's QA over every format it was rendered in (``render.formats``): passed only if each passed,
    every platform checked (a feed format's platforms are its own), the main file's loudness, and each failure
    named with its format when not the main one."""
    extra = [(f.format, f.qa) for f in m.formats[1:] if f.qa is not None]
    if m.qa is None or not extra:
        return m.qa
    reasons = [m.qa.reason, *(f"{shape}: {qa.reason}" for shape, qa in extra if qa.reason)]
    return m.qa.model_copy(
        update={
            "passed": m.qa.passed and all(qa.passed for _, qa in extra),
            "platforms": {**m.qa.platforms, **{k: p for _, qa in extra for k, p in qa.platforms.items()}},
            "reason": "; ".join(r for r in reasons if r) or None,
        }
    )


def qa_cells(qa: QAResult | None) -> dict[str, Any]:
    """The QA verdict, loudness, reason and ``qa_<platform>`` pass/fail; nothing for a video never checked."""
    if qa is None:
        return {}
    loud = qa.loudness or {}
    return {
        "qa_passed": qa.passed,
        "loudness_lufs": loud.get("integrated_lufs"),
        "true_peak_dbtp": loud.get("true_peak_dbtp"),
        "qa_reason": qa.reason,
    } | {f"qa_{name}": "pass" if p.passed else "fail" for name, p in qa.platforms.items()}


def director_cells(notes: Sequence[Note]) -> dict[str, int]:
    """How many notes the creative director wrote, how many it applied, and how many came from Claude."""
    return {
        "director_notes": len(notes),
        "director_applied": sum(n.applied for n in notes),
        "director_claude_notes": sum(n.source == "claude" for n in notes),
    }


def details(entries: Iterable[Read]) -> dict[str, dict[str, Any]]:
    """Per video folder (the ``folder`` column) of ``entries`` (``report.Entry``s with a manifest),
    what one row cannot hold, as its manifest recorded it: ``qa`` (a ``QAResult``, or None), the
    director's ``notes`` and the ranked ``hooks``."""
    return {
        str(e.folder): {"qa": merged(m), "notes": m.director, "hooks": m.hooks}
        for e in entries
        if (m := e.manifest) is not None
    }


# --- over a sweep -----------------------------------------------------------------------------


def platform_qa(results: Sequence[QAResult]) -> dict[str, Any]:
    """Over the videos QA checked: how many passed, their mean loudness, checked/passed/pass rate per
    platform and the required checks that failed, commonest first."""
    checked = [(key, p) for r in results for key, p in r.platforms.items()]
    passed = sum(r.passed for r in results)
    loud = [r.loudness for r in results if r.loudness]
    return {
        "videos": len(results),
        "passed": passed,
        "pass_rate": ratio(passed, len(results)),
        "mean_lufs": mean(x.get("integrated_lufs") for x in loud),
        "mean_true_peak_dbtp": mean(x.get("true_peak_dbtp") for x in loud),
        "platforms": _per_platform(checked),
        "failures": _failed_checks(checked),
    }


def _per_platform(checked: list[tuple[str, PlatformResult]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, p in checked:
        row = out.setdefault(key, {"platform": key, "title": p.title or key, "checked": 0, "passed": 0})
        row["checked"] += 1
        row["passed"] += p.passed
    return [r | {"pass_rate": ratio(r["passed"], r["checked"])} for r in out.values()]


def _failed_checks(checked: list[tuple[str, PlatformResult]]) -> list[dict[str, Any]]:
    """Per platform and check, how many videos failed it (advisory checks never fail) and the first failure's text."""
    failed = [
        (key, c.name, f"{c.name} is {c.actual}, expected {c.expected}")
        for key, p in checked
        for c in p.checks
        if c.required and not c.passed
    ]
    first: dict[tuple[str, str], str] = {}
    for key, name, text in failed:
        first.setdefault((key, name), text)
    return [
        {"platform": key, "check": name, "videos": n, "example": first[(key, name)]}
        for (key, name), n in Counter((key, name) for key, name, _ in failed).most_common()
    ]


def director(notes: Sequence[Sequence[Note]]) -> dict[str, Any]:
    """The creative director's notes, one list per video: totals, then per rule, most frequent first."""
    flat = [n for video in notes for n in video]
    rules = Counter(n.rule for n in flat)
    return {
        "videos": len(notes),
        "videos_with_notes": sum(bool(v) for v in notes),
        **_tally(flat),
        "rules": [{"rule": r, **_tally([n for n in flat if n.rule == r])} for r, _ in rules.most_common()],
    }


def _tally(notes: list[Note]) -> dict[str, int]:
    """Notes, fixes offered (an edit), fixes applied, fixes rejected, and notes from Claude."""
    return {
        "notes": len(notes),
        "fixes": sum(n.edit is not None for n in notes),
        "applied": sum(n.applied for n in notes),
        "rejected": sum(bool(n.rejected) for n in notes),
        "claude": sum(n.source == "claude" for n in notes),
    }


def hook_cells(hook: HookCandidate | None) -> dict[str, Any]:
    """The chosen hook's rank, angle, text, score, ranker and reason; empty cells when none was chosen,
    and for a manifest from before hooks had reasons, empty ``hook_reason`` and ``hook_ranked_by``."""
    if hook is None:
        return dict.fromkeys(("hook_rank", "hook_angle", "hook_text", "hook_score", "hook_ranked_by", "hook_reason"))
    return {
        "hook_rank": hook.rank,
        "hook_angle": hook.angle,
        "hook_text": hook.text,
        "hook_score": hook.score,
        "hook_ranked_by": recorded(hook, "ranked_by"),
        "hook_reason": recorded(hook, "reason"),
    }
