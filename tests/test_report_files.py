"""What the report reads and writes: folders without a readable manifest, merges, safe CSV, the CLI."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from adbatch.paths import PROJECT_ROOT
from adbatch.report import report
from tests.helpers_report import call, folder_of, video, write_sweep


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_build_writes_the_report_files_into_the_sweep_dir(tmp_path: Path) -> None:
    """report.csv, summary.json, report.html and the upload sheet ads.csv land in the sweep dir by default."""
    sweep = write_sweep(tmp_path, [video("alpha")])
    out = report.build([sweep]).out
    assert out == sweep.resolve()
    assert {p.name for p in out.iterdir() if p.is_file()} == {"report.csv", "summary.json", "report.html", "ads.csv"}


def test_corrupt_manifest_is_listed_not_a_crash(tmp_path: Path) -> None:
    """A manifest cut off mid-write becomes a ``corrupt`` row with the reason; the others are reported."""
    sweep = write_sweep(tmp_path, [video("alpha"), video("beta")])
    (folder_of(sweep, video("beta")) / "manifest.json").write_text('{"status": "ok", "product_')
    built = report.build([sweep])
    rows = {r["video"]: r for r in read_csv(built.out / "report.csv")}
    assert rows["beta/ugc/hook-best"]["status"] == "corrupt"
    assert rows["beta/ugc/hook-best"]["error_message"].startswith("unreadable manifest.json")
    assert built.summary["kpis"]["videos"]["attempted"] == 1 and built.summary["kpis"]["videos"]["corrupt"] == 1


def test_manifest_that_breaks_the_schema_is_corrupt(tmp_path: Path) -> None:
    """Valid JSON with an unknown status is not trusted: it is listed as corrupt."""
    sweep = write_sweep(tmp_path, [video("alpha")])
    path = folder_of(sweep, video("alpha")) / "manifest.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"status": "exploded"}))
    (problem,) = report.build([sweep]).summary["problems"]
    assert problem["status"] == "corrupt" and problem["folder"].endswith("alpha/ugc/hook-best")


def test_job_folder_without_a_manifest_is_listed_as_missing(tmp_path: Path) -> None:
    """A job that died before writing its manifest (Hydra's .hydra/ is there) shows as ``missing``."""
    sweep = write_sweep(tmp_path, [video("alpha")])
    (sweep / "beta" / "pov" / "hook-2" / ".hydra").mkdir(parents=True)
    rows = {r["video"]: r for r in read_csv(report.build([sweep]).out / "report.csv")}
    assert (
        rows["beta/pov/hook-2"]["status"],
        rows["beta/pov/hook-2"]["product_id"],
        rows["beta/pov/hook-2"]["hook_requested"],
    ) == ("missing", "beta", "2")


def test_resume_store_copies_are_not_counted_as_videos(tmp_path: Path) -> None:
    """A manifest in a folder named by its own input hash is adbatch.store.resume's copy, not another video."""
    m = video("alpha", input_hash="ab" * 20)
    sweep = write_sweep(tmp_path / "sweep", [m])
    store = tmp_path / "sweep" / "cache" / "videos" / "ab" / m.input_hash
    store.mkdir(parents=True)
    (store / "manifest.json").write_bytes((folder_of(sweep, m) / "manifest.json").read_bytes())
    assert [e.folder for e in report.scan(sweep)] == [folder_of(sweep, m)]


def test_empty_sweep_dir_gives_an_empty_report(tmp_path: Path) -> None:
    """No videos at all: zero counts and "no data" KPIs, not an exception."""
    k = report.build([tmp_path]).summary["kpis"]
    assert k["videos"]["attempted"] == 0 and k["success_rate"]["pass"] is None and k["cost"]["total_usd"] == 0


def test_merge_of_two_sweeps_has_every_video_of_both(tmp_path: Path) -> None:
    """Two nightly sweeps merge into one report: rows from each, totals over both, a sweep column."""
    night1 = write_sweep(tmp_path / "11-24", [video("alpha", calls=[call(cost_usd=0.25)]), video("beta")])
    night2 = write_sweep(tmp_path / "11-25", [video("alpha", calls=[call(cost_usd=0.50)])])
    built = report.build([night1, night2])
    rows = read_csv(built.out / "report.csv")
    assert sorted((Path(r["sweep"]).name, r["video"]) for r in rows) == [
        ("11-24", "alpha/ugc/hook-best"),
        ("11-24", "beta/ugc/hook-best"),
        ("11-25", "alpha/ugc/hook-best"),
    ]
    assert built.summary["kpis"]["cost"]["total_usd"] == 0.75


def test_merged_report_goes_to_merged_report_in_the_common_folder(tmp_path: Path) -> None:
    """Without --out, several sweeps are reported in ``<their common parent>/merged-report``."""
    a, b = write_sweep(tmp_path / "x" / "a", [video("alpha")]), write_sweep(tmp_path / "x" / "b", [video("beta")])
    assert report.build([a, b]).out == (tmp_path / "x" / "merged-report").resolve()


def test_formula_like_cells_are_neutralized_in_the_csv(tmp_path: Path) -> None:
    """Text starting with =, +, - or @ gets a leading apostrophe, so a spreadsheet shows it instead of running it."""
    names = {"a": '=HYPERLINK("http://evil","x")', "b": "+1 trick", "c": "-50% today", "d": "@SUM(A1)"}
    sweep = write_sweep(tmp_path, [video(p, product_name=n) for p, n in names.items()])
    got = {r["product_id"]: r["product_name"] for r in read_csv(report.build([sweep]).out / "report.csv")}
    assert got == {p: "'" + n for p, n in names.items()}


def test_numbers_and_plain_text_are_left_alone_in_the_csv(tmp_path: Path) -> None:
    """Only text cells are quoted: costs stay numbers and ordinary names stay as they are."""
    sweep = write_sweep(tmp_path, [video("alpha", calls=[call(cost_usd=0.25)])])
    (row,) = read_csv(report.build([sweep]).out / "report.csv")
    assert (row["cost_usd"], row["product_name"]) == ("0.25", "Alpha")


def test_cli_prints_a_one_paragraph_summary_and_exits_0(tmp_path: Path) -> None:
    """``python -m adbatch.report DIR`` rebuilds the report from the manifests alone, no config needed."""
    sweep = write_sweep(tmp_path / "sweep", [video("alpha"), video("beta", status="failed", error=("render", "x"))])
    proc = subprocess.run(
        [sys.executable, "-m", "adbatch.report", str(sweep), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1 and "2 videos attempted" in proc.stdout and "1 failed" in proc.stdout
    assert (tmp_path / "out" / "report.html").is_file() and not (sweep / "report.csv").exists()


def test_cli_target_flags_change_the_verdict(tmp_path: Path, capsys) -> None:
    """--target-cost 0.10 makes a $0.25 video miss its target."""
    sweep = write_sweep(tmp_path, [video("alpha", calls=[call(cost_usd=0.25)])])
    assert report.main([str(sweep), "--target-cost", "0.10"]) == 0
    assert json.loads((sweep / "summary.json").read_text())["kpis"]["cost"]["pass"] is False
    assert "misses target" in capsys.readouterr().out


def test_cli_refuses_a_path_that_is_not_a_directory(tmp_path: Path, capsys) -> None:
    """A typo in the sweep dir: exit 2 and a message naming the path."""
    assert report.main([str(tmp_path / "nope")]) == 2
    assert "nope is not a directory" in capsys.readouterr().err


def test_report_modules_stay_out_of_the_callback_import(tmp_path: Path) -> None:
    """Importing adbatch.report.callbacks (Hydra does, on every run) loads neither pandas nor matplotlib."""
    code = "import sys, adbatch.report.callbacks; print('pandas' in sys.modules, 'matplotlib' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60)
    assert proc.stdout.split() == ["False", "False"], proc.stderr
