"""The report's view of the creative layer: platform QA and the creative director's notes.

Per video, the cells ``report.csv`` adds (``qa_cells``, ``director_cells``) and the records the
HTML page lists (``details``); over a sweep, the tallies ``summary.json`` holds (``platform_qa``,
``director``). Everything reads the manifests' dicts as recorded (keys a manifest lacks count as
absent), so older manifests still report. Definitions:

- platform QA: over the videos that were checked; a failure is a required check that did not
  pass (advisory checks are recorded but never fail a platform).
- a director fix: a note with an edit; applied or rejected (with the reason) by the director.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from adbatch.report.stats import mean, ratio


def qa_cells(qa: dict[str, Any] | None) -> dict[str, Any]:
    """The QA verdict, loudness, reason and ``qa_<platform>`` pass/fail; nothing for a video never checked."""
    if not qa:
        return {}
    loud = qa.get("loudness") or {}
    return {
        "qa_passed": qa.get("passed"),
        "loudness_lufs": loud.get("integrated_lufs"),
        "true_peak_dbtp": loud.get("true_peak_dbtp"),
        "qa_reason": qa.get("reason"),
    } | {f"qa_{name}": "pass" if p.get("passed") else "fail" for name, p in (qa.get("platforms") or {}).items()}


def director_cells(notes: list[dict[str, Any]]) -> dict[str, int]:
    """How many notes the creative director wrote, how many it applied, and how many came from Claude."""
    return {
        "director_notes": len(notes),
        "director_applied": sum(bool(n.get("applied")) for n in notes),
        "director_claude_notes": sum(n.get("source") == "claude" for n in notes),
    }


def details(entries: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Per video folder (the ``folder`` column) of ``entries`` (``report.Entry``s with a manifest),
    what one row cannot hold, as its manifest recorded it:
    ``qa`` (adbatch.stages.qa.QAResult's dump, or None), the director's ``notes`` and the ranked ``hooks``."""
    return {
        str(e.folder): {"qa": e.manifest.qa, "notes": e.manifest.director, "hooks": e.manifest.hooks} for e in entries
    }


# --- over a sweep -----------------------------------------------------------------------------


def platform_qa(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Over the videos QA checked (adbatch.stages.qa.QAResult dumps): how many passed, their mean loudness,
    checked/passed/pass rate per platform and the required checks that failed, commonest first."""
    checked = [(key, p) for r in results for key, p in (r.get("platforms") or {}).items()]
    passed = sum(bool(r.get("passed")) for r in results)
    loud = [r["loudness"] for r in results if r.get("loudness")]
    return {
        "videos": len(results),
        "passed": passed,
        "pass_rate": ratio(passed, len(results)),
        "mean_lufs": mean(x.get("integrated_lufs") for x in loud),
        "mean_true_peak_dbtp": mean(x.get("true_peak_dbtp") for x in loud),
        "platforms": _per_platform(checked),
        "failures": _failed_checks(checked),
    }


def _per_platform(checked: list[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, p in checked:
        row = out.setdefault(key, {"platform": key, "title": p.get("title") or key, "checked": 0, "passed": 0})
        row["checked"] += 1
        row["passed"] += bool(p.get("passed"))
    return [r | {"pass_rate": ratio(r["passed"], r["checked"])} for r in out.values()]


def _failed_checks(checked: list[tuple[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Per platform and check, how many videos failed it (advisory checks never fail) and the first failure's text."""
    failed = [
        (key, c.get("name"), f"{c.get('name')} is {c.get('actual')}, expected {c.get('expected')}")
        for key, p in checked
        for c in p.get("checks") or []
        if c.get("required", True) and not c.get("passed")
    ]
    first: dict[tuple[str, str], str] = {}
    for key, name, text in failed:
        first.setdefault((key, name), text)
    return [
        {"platform": key, "check": name, "videos": n, "example": first[(key, name)]}
        for (key, name), n in Counter((key, name) for key, name, _ in failed).most_common()
    ]


def director(notes: Sequence[Sequence[Mapping[str, Any]]]) -> dict[str, Any]:
    """The creative director's notes, one list per video: totals, then per rule, most frequent first."""
    flat = [n for video in notes for n in video]
    rules = Counter(n.get("rule") for n in flat)
    return {
        "videos": len(notes),
        "videos_with_notes": sum(bool(v) for v in notes),
        **_tally(flat),
        "rules": [{"rule": r, **_tally([n for n in flat if n.get("rule") == r])} for r, _ in rules.most_common()],
    }


def _tally(notes: list[Mapping[str, Any]]) -> dict[str, int]:
    """Notes, fixes offered (an edit), fixes applied, fixes rejected, and notes from Claude."""
    return {
        "notes": len(notes),
        "fixes": sum(n.get("edit") is not None for n in notes),
        "applied": sum(bool(n.get("applied")) for n in notes),
        "rejected": sum(bool(n.get("rejected")) for n in notes),
        "claude": sum(n.get("source") == "claude" for n in notes),
    }
