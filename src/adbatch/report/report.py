"""The report stage: what a sweep cost, how long it took, what failed and why, which variant won.

It reads manifests and nothing else, so the same code runs after every multirun (the
Hydra callback in ``adbatch.report.callbacks``), on demand on any sweep dir, and over several
sweeps merged into one report (a week of nightly runs)::

    python -m adbatch.report SWEEP_DIR [MORE_DIRS ...] [--results results.csv] [--out DIR]

It writes ``report.csv`` (one row per video), ``summary.json`` (the KPIs) and
``report.html`` (one self-contained page). The maths is in ``adbatch.report.stats``, the page in
``adbatch.report.html``; a folder whose manifest is missing or unreadable becomes a row saying so.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from adbatch.domain.manifest import MANIFEST, Manifest, possibly_billed_usd, spent_before_usd, video_key, work_usd
from adbatch.report import creative, stats
from adbatch.store.atomic import write_text

REPORT_CSV, SUMMARY_JSON, REPORT_HTML = "report.csv", "summary.json", "report.html"
MERGED_DIR = "merged-report"  # default --out for several sweeps: <their common parent>/merged-report
UNSAFE_LEAD = ("=", "+", "-", "@", "\t", "\r")  # spreadsheet formula triggers (OWASP "CSV injection")
# report.csv's fixed columns; cost_stage_*/cost_provider_* follow cost_usd, time_* follow wall_s and
# qa_<platform> (pass | fail, one per platform the manifests were checked for) follow qa_reason
VIDEO_COLUMNS = [
    "sweep",
    "video",
    "product_id",
    "product_name",
    "row",
    "archetype",
    "hook_requested",
    "hook_rank",
    "hook_angle",
    "hook_text",
    "hook_score",
    "hook_ranked_by",
    "hook_reason",
    "director_notes",
    "director_applied",
    "director_claude_notes",
    "status",
    "degraded",
    "error_component",
    "error_stage",
    "error_type",
    "error_message",
    "cost_usd",
    "wall_s",
    "calls",
    "api_calls",
    "attempts",
    "retries",
    "failed_calls",
    "cache_hits",
    "saved_usd",
    "spent_before_usd",
    "possibly_billed_usd",
    "video_path",
    "thumb_path",
    "sheet_path",
    "duration_s",
    "size_bytes",
    "render",
    "formats",
    "qa_passed",
    "loudness_lufs",
    "true_peak_dbtp",
    "qa_reason",
    "started_at",
    "finished_at",
    "folder",
]
INT_COLUMNS = [
    "row",
    "hook_rank",
    "director_notes",
    "director_applied",
    "director_claude_notes",
    "calls",
    "api_calls",
    "attempts",
    "retries",
    "failed_calls",
    "cache_hits",
    "size_bytes",
]
CALL_COLUMNS = [
    "stage",
    "provider",
    "model",
    "cost_usd",
    "possibly_billed_usd",
    "latency_s",
    "attempts",
    "cache_hit",
    "saved_usd",
    "ok",
    "error",
    "key",
]


@dataclass(frozen=True)
class Entry:
    """One video folder of a sweep: its manifest, or why there is none to read (missing | corrupt)."""

    sweep: Path
    folder: Path
    manifest: Manifest | None = None
    problem: str | None = None
    detail: str = ""
    degraded: tuple[str, ...] = ()  # assets replaced by fallbacks (the manifest's ``degraded``; older ones lack it)


def scan(sweep: Path) -> list[Entry]:
    """Every video folder under ``sweep``: folders with a manifest, or with Hydra's ``.hydra/``
    (made when a job starts, so a job that died before its manifest is listed as missing)."""
    sweep = Path(sweep)
    found = {p.parent for p in sweep.rglob(MANIFEST)} | {p.parent for p in sweep.rglob(".hydra") if p.is_dir()}
    entries = []
    for folder in sorted(found):
        if any(part.startswith(".") for part in folder.relative_to(sweep).parts):
            continue  # temporary and work folders
        entry = _read(sweep, folder)
        if entry.manifest is not None and folder.name == entry.manifest.input_hash:
            continue  # a copy in the resume store (adbatch.store.resume), not a video of this sweep
        entries.append(entry)
    return entries


def _read(sweep: Path, folder: Path) -> Entry:
    path = folder / MANIFEST
    if not path.is_file():
        return Entry(sweep, folder, problem="missing", detail="no manifest.json: the job did not finish")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        m = Manifest.model_validate(data)
        # read from the file, not the model: manifests carry ``degraded`` whether or not this version's model does
        return Entry(sweep, folder, manifest=m, degraded=tuple(map(str, data.get("degraded") or ())))
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Entry(sweep, folder, problem="corrupt", detail=f"unreadable manifest.json: {first}")


def _component(m: Manifest) -> str | None:
    """The component an error belongs to: the failed provider call's stage when the pipeline
    stage was the asset fan-out, else the stage the error names."""
    if m.error is None:
        return None
    failed = [c.stage for c in m.calls if not c.ok]
    return failed[0] if m.error.stage == "assets" and failed else m.error.stage


def _row(e: Entry) -> dict[str, Any]:
    base = {"sweep": str(e.sweep), "folder": str(e.folder)}
    m = e.manifest
    if m is None:
        parts = e.folder.relative_to(e.sweep).parts[-3:]
        guess = dict(zip(("product_id", "archetype", "hook_requested"), parts)) if len(parts) == 3 else {}
        hook = guess.get("hook_requested", "").removeprefix("hook-")
        return (
            base
            | guess
            | {
                "hook_requested": hook or None,
                "video": "/".join(parts),
                "status": e.problem,
                "error_message": e.detail,
                "cost_usd": 0.0,
                "wall_s": None,
            }
        )
    err, out = m.error, m.outputs
    made = [c for c in m.calls if not c.cache_hit and c.attempts > 0]
    row: dict[str, Any] = (
        base
        | {
            "video": video_key(m.product_id, m.archetype, m.hook_requested),
            "product_id": m.product_id,
            "product_name": m.product_name,
            "row": m.row,
            "archetype": m.archetype,
            "hook_requested": m.hook_requested,
            "status": m.status,
            "degraded": " ".join(e.degraded) or None,
            "error_component": _component(m),
            "error_stage": err and err.stage,
            "error_type": err and err.type,
            "error_message": err and err.message,
            "cost_usd": m.cost_usd,
            "wall_s": m.timings.get("total"),
            "calls": len(m.calls),
            "api_calls": len(made),
            "attempts": sum(c.attempts for c in made),
            "retries": sum(max(c.attempts - 1, 0) for c in made),
            "failed_calls": sum(not c.ok for c in m.calls),
            "cache_hits": sum(c.cache_hit for c in m.calls),
            "saved_usd": round(math.fsum([*(c.saved_usd for c in m.calls), m.saved_usd]), 6),
            "spent_before_usd": spent_before_usd(m),
            "possibly_billed_usd": possibly_billed_usd(m),
            "video_path": str(e.folder / out.video) if out.video else None,
            "thumb_path": str(e.folder / out.thumb) if out.thumb else None,
            "sheet_path": str(e.folder / out.sheet) if out.sheet else None,
            "duration_s": out.duration_s,
            "size_bytes": out.size_bytes,
            "render": m.config.get("render"),
            "formats": " ".join(f.format for f in m.formats) or None,
            "started_at": m.started_at,
            "finished_at": m.finished_at,
        }
        | creative.hook_cells(m.hook)
        | creative.qa_cells(creative.merged(m))
        | creative.director_cells(m.director)
    )
    for c in m.calls:
        for col in (f"cost_stage_{c.stage}_usd", f"cost_provider_{c.provider}_usd"):
            row[col] = row.get(col, 0.0) + c.cost_usd
    row |= {f"time_{k}_s": v for k, v in m.timings.items() if k != "total"}
    return row


def tables(entries: Sequence[Entry]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(videos, calls): one row per video folder, one row per provider call of a readable manifest.

    The per-stage and per-provider cost columns, the per-stage time columns and the per-platform QA
    columns are whatever the manifests hold (``cost_stage_<stage>_usd``, ``cost_provider_<provider>_usd``,
    ``time_<stage>_s``, ``qa_<platform>``)."""
    rows = [_row(e) for e in entries]
    seen = list(dict.fromkeys(k for r in rows for k in r))
    costs = [c for c in seen if c.startswith("cost_stage_")] + [c for c in seen if c.startswith("cost_provider_")]
    times = [c for c in seen if c.startswith("time_")]
    platforms = [c for c in seen if c.startswith("qa_") and c not in VIDEO_COLUMNS]
    after = {"cost_usd": costs, "wall_s": times, "qa_reason": platforms}  # each dynamic group follows its anchor
    order = [c for col in VIDEO_COLUMNS for c in (col, *after.get(col, ()))]
    videos = pd.DataFrame(rows).reindex(columns=order)
    videos[["cost_usd", *costs]] = videos[["cost_usd", *costs]].astype("float64").fillna(0.0)
    videos[["wall_s", *times]] = videos[["wall_s", *times]].astype("float64")
    videos["qa_passed"] = videos["qa_passed"].astype("boolean")
    videos = videos.astype({c: "Int64" for c in INT_COLUMNS})  # counts stay integers beside empty cells
    calls = pd.DataFrame(
        [
            {"sweep": row["sweep"], "video": row["video"], **c.model_dump(include=set(CALL_COLUMNS))}
            for e, row in zip(entries, rows)
            if e.manifest
            for c in e.manifest.calls
        ],
        columns=["sweep", "video", *CALL_COLUMNS],
    )
    calls = calls.astype(
        {
            "cache_hit": bool,
            "ok": bool,
            "attempts": "int64",
            "latency_s": "float64",
            "cost_usd": "float64",
            "possibly_billed_usd": "float64",
            "saved_usd": "float64",
        }
    )
    return videos, calls


def reused_work(entries: Sequence[Entry]) -> pd.DataFrame:
    """One row per piece of work a reused (``cached``) video stands for: sweep, video, cache key and what it was
    worth (``work_usd``), so that work several reused videos share is counted once (``stats.savings``)."""
    return pd.DataFrame(
        [
            {"sweep": str(e.sweep), "video": video_key(m.product_id, m.archetype, m.hook_requested), "key": k, "usd": v}
            for e in entries
            if (m := e.manifest) is not None and m.status == "cached"
            for k, v in work_usd(m).items()
        ],
        columns=["sweep", "video", "key", "usd"],
    ).astype({"usd": "float64"})


# --- writing ---------------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, quoted with a leading apostrophe."""
    return "'" + value if isinstance(value, str) and value.startswith(UNSAFE_LEAD) else value


def write_csv(videos: pd.DataFrame, path: Path) -> None:
    """``report.csv``: every video, formula-like text neutralized, written atomically."""
    text = videos.drop(columns=["folder"]).map(safe_cell).to_csv(index=False, lineterminator="\n")
    write_text(path, text)


@dataclass(frozen=True)
class Report:
    """What ``build`` wrote and the numbers in it."""

    out: Path
    summary: dict[str, Any]
    seconds: float

    def paragraph(self) -> str:
        """The one-paragraph summary the CLI prints and the callback logs."""
        s, k = self.summary, self.summary["kpis"]
        n, cost, t = k["videos"], k["cost"], k["time"]
        bad = n["missing"] + n["corrupt"]
        text = (
            f"adbatch report: {n['attempted']} video{'' if n['attempted'] == 1 else 's'} attempted across "
            f"{len(s['sweeps'])} sweep{'' if len(s['sweeps']) == 1 else 's'}: "
            f"{n['ok']} ok, {n['cached']} cached, {n['failed']} failed, "
            + (f"{n['lost']} lost (job died), " if n["lost"] else "")
            + f"{n['invalid']} invalid, "
            f"{n['skipped_cap']} skipped by the cost cap"
            + (f"; {n['degraded']} of the videos made had assets replaced by fallbacks" if n["degraded"] else "")
            + (f"; {bad} folder(s) without a readable manifest" if bad else "")
            + f". Success rate {_fmt(k['success_rate']['value'], '.1%')} ({_verdict(k['success_rate'])}); "
            f"total spend ${cost['total_usd']:.2f}"
            + (
                f" (earlier runs into these folders spent ${cost['spent_before_usd']:.2f})"
                if cost.get("spent_before_usd")
                else ""
            )
            + (
                f"; ${cost['possibly_billed_usd']:.2f} possibly billed besides (replies lost after sending)"
                if cost.get("possibly_billed_usd")
                else ""
            )
            + f", {_fmt(cost['per_successful_video_usd'], '$.2f')} per "
            f"successful video ({_verdict(cost)}); generation time p95 {_fmt(t['p95_s'], '.1f')} s "
            f"({_verdict(t)})."
        )
        if s.get("experiment"):
            text += " " + _experiment_sentence(s["experiment"])
        return text + f" Written to {self.out} in {self.seconds:.1f} s."


def _experiment_sentence(x: dict[str, Any]) -> str:
    """The experiment's line in the printed summary: winners, then what the results could not be used for,
    naming the videos (rows matching no video; videos never shown, whose CTR cannot be measured)."""
    won = sum(1 for w in x["winners"] if w["winner"])
    text = f"Experiment: {won} of {len(x['winners'])} products have a significant winner."
    if x["unmatched"]:
        text += f" {len(x['unmatched'])} results video(s) match no video in the report: {', '.join(x['unmatched'])}."
    if x.get("zero_impressions"):
        zero = x["zero_impressions"]
        text += f" Warning: {len(zero)} video(s) have zero impressions, so no CTR: {', '.join(zero)}."
    return text


def _fmt(value: float | None, spec: str) -> str:
    if value is None:
        return "n/a"
    return "$" + format(value, spec[1:]) if spec.startswith("$") else format(value, spec)


def _verdict(kpi: dict[str, Any]) -> str:
    return {True: "meets target", False: "misses target", None: "no data"}[kpi["pass"]]


def build(
    sweeps: Sequence[Path],
    *,
    out: Path | None = None,
    results: Path | None = None,
    targets: stats.Targets = stats.Targets(),  # noqa: B008 - frozen, so one shared default is safe
    platform: str | None = None,
) -> Report:
    """Read every manifest under ``sweeps`` and write report.csv, summary.json, report.html and the upload
    sheet ads.csv (for ``platform``; default ``platforms.ads.platform``) to ``out``."""
    from adbatch.report import ads  # ads reads this module's Entry and safe_cell

    tic = time.perf_counter()
    sweeps = [Path(s).resolve() for s in sweeps]
    out = Path(out).resolve() if out else default_out(sweeps)
    entries = [e for s in sweeps for e in scan(s)]
    ads.sheet(entries, platform)  # an unknown --platform stops here, before any file is written
    videos, calls = tables(entries)
    extra = creative.details(e for e in entries if e.manifest)
    summary: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sweeps": [str(s) for s in sweeps],
        "targets": asdict(targets),
        "kpis": stats.kpis(videos, calls, targets, reused=reused_work(entries)),
        "providers": stats.providers(calls),
        "components": stats.components(videos),
        "groups": stats.groups(videos),
        "qa": creative.platform_qa([d["qa"] for d in extra.values() if d["qa"]]),
        "director": creative.director([d["notes"] for d in extra.values()]),
        "problems": [
            {"folder": e.folder.as_posix(), "status": e.problem, "detail": e.detail} for e in entries if e.problem
        ],
        "experiment": None,
    }
    if results is not None:
        table, unmatched = stats.join_results(videos, stats.load_results(Path(results), ads.settings(entries)))
        summary["experiment"] = stats.experiment(table, targets, unmatched)
    summary = _plain(summary)
    from adbatch.report import html  # matplotlib is only needed once there is something to draw

    out.mkdir(parents=True, exist_ok=True)
    write_csv(videos, out / REPORT_CSV)
    ads.write(entries, out, platform=platform)
    write_text(out / SUMMARY_JSON, json.dumps(summary, indent=2, ensure_ascii=False))
    page = html.render(videos=videos, calls=calls, summary=summary, out=out, details=extra)
    write_text(out / REPORT_HTML, page)
    return Report(out=out, summary=summary, seconds=time.perf_counter() - tic)


def default_out(sweeps: Sequence[Path]) -> Path:
    """One sweep: the sweep dir itself. Several: ``merged-report`` in their deepest common folder."""
    return Path(sweeps[0]) if len(sweeps) == 1 else Path(os.path.commonpath(sweeps)) / MERGED_DIR


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN to None, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# --- command line ----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The ``python -m adbatch.report`` command line."""
    t = stats.Targets()
    p = argparse.ArgumentParser(
        prog="python -m adbatch.report",
        description="Rebuild report.csv, summary.json and report.html from the manifests of one or more sweeps.",
    )
    p.add_argument("sweeps", nargs="+", type=Path, metavar="SWEEP_DIR", help="sweep dir(s); several are merged")
    p.add_argument(
        "--results",
        type=Path,
        metavar="CSV",
        help="ad-platform results CSV to join (see README, 'Variant experiments')",
    )
    p.add_argument(
        "--platform",
        metavar="NAME",
        help="the upload sheet ads.csv is written for: meta or tiktok (default: platforms.ads.platform, meta)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"output dir (default: the sweep dir; for several, <their common parent>/{MERGED_DIR})",
    )
    p.add_argument(
        "--target-success-rate",
        type=float,
        default=t.success_rate,
        metavar="RATE",
        help="share of valid videos that must succeed (default: %(default)s)",
    )
    p.add_argument(
        "--target-cost",
        type=float,
        default=t.cost_per_video_usd,
        metavar="USD",
        help="USD per successful video (default: %(default)s)",
    )
    p.add_argument(
        "--target-minutes",
        type=float,
        default=t.minutes_per_video,
        metavar="MIN",
        help="p95 generation minutes per video (default: %(default)s)",
    )
    p.add_argument(
        "--confidence",
        type=float,
        default=t.confidence,
        metavar="LEVEL",
        help="CTR interval level (default: %(default)s)",
    )
    p.add_argument(
        "--alpha", type=float, default=t.alpha, metavar="P", help="winner test significance (default: %(default)s)"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; 0 when the report was written, 2 for unusable arguments or results."""
    args = parser().parse_args(argv)
    for d in args.sweeps:
        if not d.is_dir():
            print(f"adbatch.report.report: {d} is not a directory", file=sys.stderr)
            return 2
    targets = replace(
        stats.Targets(),
        success_rate=args.target_success_rate,
        cost_per_video_usd=args.target_cost,
        minutes_per_video=args.target_minutes,
        confidence=args.confidence,
        alpha=args.alpha,
    )
    try:
        report = build(args.sweeps, out=args.out, results=args.results, targets=targets, platform=args.platform)
    except (stats.ResultsError, OSError, ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        print(f"adbatch.report.report: {exc}", file=sys.stderr)
        return 2
    print(report.paragraph())
    return 0
