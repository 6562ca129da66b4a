"""The Hydra callback that writes the report when a multirun ends (end to end in test_report_sweep)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from adbatch.domain.manifest import MANIFEST
from adbatch.report.callbacks import NightlyGateFailed, ReportCallback
from tests.conftest import SMOKE
from tests.helpers_report import call, folder_of, video, write_sweep


def multirun_config(sweep: Path, **extra):
    return OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}, **extra})


def degrade(sweep: Path, m, assets: list[str]) -> None:
    """Give ``m``'s manifest.json a ``degraded`` list, as a video whose assets fell back records it."""
    path = folder_of(sweep, m) / MANIFEST
    path.write_text(json.dumps(json.loads(path.read_text()) | {"degraded": assets}), encoding="utf-8")


def three_ok_two_invalid(root: Path) -> Path:
    """The issue's broken catalog: 5 rows, 2 of them invalid, the other 3 made."""
    ok = [video(p) for p in ("alpha", "beta", "gamma")]
    bad = [video(p, status="invalid", rank=None, error=("catalog", "bad image")) for p in ("delta", "eps")]
    return write_sweep(root, ok + bad)


def test_writes_the_report_into_the_configured_sweep_dir(tmp_path: Path) -> None:
    """``hydra.sweep.dir`` is where the report goes."""
    sweep = write_sweep(tmp_path, [video("alpha")])
    ReportCallback().on_multirun_end(multirun_config(sweep))
    assert json.loads((sweep / "summary.json").read_text())["kpis"]["videos"]["ok"] == 1


def test_target_overrides_reach_the_report(tmp_path: Path) -> None:
    """``hydra.callbacks.report.cost_per_video_usd=0.1`` makes a $0.25 video miss its target."""
    sweep = write_sweep(tmp_path, [video("alpha", calls=[call(cost_usd=0.25)])])
    ReportCallback(cost_per_video_usd=0.1).on_multirun_end(multirun_config(sweep))
    assert json.loads((sweep / "summary.json").read_text())["kpis"]["cost"]["pass"] is False


def test_a_failing_report_is_logged_and_never_raised(tmp_path: Path, caplog) -> None:
    """When the report cannot be written (here report.html is a folder), the sweep still ends normally."""
    sweep = write_sweep(tmp_path, [video("alpha")])
    (sweep / "report.html").mkdir()
    with caplog.at_level(logging.ERROR, logger="adbatch.report.callbacks"):
        ReportCallback().on_multirun_end(multirun_config(sweep))
    assert "could not write the report" in caplog.text and "python -m adbatch.report" in caplog.text


def test_a_dry_run_writes_no_report(tmp_path: Path) -> None:
    """``+dry_run=true`` makes no videos, so there is nothing to report."""
    sweep = write_sweep(tmp_path, [video("alpha")])
    ReportCallback().on_multirun_end(multirun_config(sweep, dry_run=True))
    assert not (sweep / "summary.json").exists()


def test_a_missing_sweep_dir_is_a_warning(tmp_path: Path, caplog) -> None:
    """A multirun that never created its sweep dir leaves a warning, not an exception or an empty report."""
    with caplog.at_level(logging.WARNING, logger="adbatch.report.callbacks"):
        ReportCallback().on_multirun_end(multirun_config(tmp_path / "never"))
    assert "does not exist" in caplog.text and not (tmp_path / "never").exists()


@pytest.mark.slow
def test_nightly_gate_exits_non_zero_under_the_minimum_success_rate(tmp_path) -> None:
    """With min_success_rate, an invalid row fails the gate (exit 1, line printed); rated over valid rows, it passes."""
    import subprocess

    from tests.conftest import make_png, product_row, run_adbatch, write_catalog

    make_png(tmp_path / "cat" / "images" / "ok.png")
    cat = write_catalog(tmp_path / "cat", [product_row("ok"), product_row("bad", image="images/missing.png")])

    def run(minimum: float, *more: str) -> subprocess.CompletedProcess:
        return run_adbatch(
            *more,
            f"products={cat}",
            *SMOKE,
            f"+hydra.callbacks.report.min_success_rate={minimum}",
            f"cache_dir={tmp_path / 'cache'}",
            f"hydra.sweep.dir={tmp_path / f'out{len(more)}'}",
            "-m",
        )

    counted = run(0.95)  # 1 ok of 2 rows: the invalid row counts against the rate
    assert counted.returncode == 1 and "FAILED" in counted.stderr
    assert (
        "adbatch nightly: success rate 50.0% (minimum 95%; invalid rows counted): "
        "1 ok, 0 degraded, 0 failed, 1 invalid, 0 skipped" in counted.stdout
    )
    valid_only = run(0.95, "+hydra.callbacks.report.count_invalid=false")
    assert valid_only.returncode == 0, valid_only.stderr[-2000:]
    assert "success rate 100.0% (minimum 95%; invalid rows not counted)" in valid_only.stdout


def test_a_sweep_where_no_video_succeeded_exits_non_zero_without_a_gate(tmp_path: Path, capsys) -> None:
    """Every row invalid or failed and no ``min_success_rate``: the callback still exits 1, naming the counts."""
    sweep = write_sweep(
        tmp_path,
        [
            video("alpha", status="invalid", rank=None, error=("catalog", "bad image")),
            video("beta", status="failed", error=("render", "encoder crashed")),
        ],
    )
    with pytest.raises(NightlyGateFailed) as exc:
        ReportCallback().on_multirun_end(multirun_config(sweep))
    assert "no video succeeded" in str(exc.value.code)
    assert "0 ok, 0 degraded, 1 failed, 1 invalid, 0 skipped" in capsys.readouterr().out


def test_a_sweep_with_a_success_and_no_gate_exits_normally(tmp_path: Path, capsys) -> None:
    """One video out of three is enough without a gate: no exit, no gate line."""
    sweep = write_sweep(
        tmp_path,
        [video("alpha"), video("beta", status="failed", error=("render", "x")), video("gamma", status="invalid")],
    )
    ReportCallback().on_multirun_end(multirun_config(sweep))
    assert "adbatch nightly" not in capsys.readouterr().out


def test_gate_counts_invalid_rows_against_the_rate_by_default(tmp_path: Path, capsys) -> None:
    """3 made of 5 rows (2 invalid) is 60 %: under a 95 % minimum the gate fails."""
    sweep = three_ok_two_invalid(tmp_path)
    with pytest.raises(NightlyGateFailed):
        ReportCallback(min_success_rate=0.95).on_multirun_end(multirun_config(sweep))
    assert "success rate 60.0% (minimum 95%; invalid rows counted)" in capsys.readouterr().out


def test_count_invalid_false_rates_valid_rows_only(tmp_path: Path, capsys) -> None:
    """``count_invalid=false`` restores the rate over valid rows: 3 of 3, which passes 95 %."""
    sweep = three_ok_two_invalid(tmp_path)
    ReportCallback(min_success_rate=0.95, count_invalid=False).on_multirun_end(multirun_config(sweep))
    assert "success rate 100.0% (minimum 95%; invalid rows not counted)" in capsys.readouterr().out


def test_gate_line_names_ok_degraded_failed_invalid_and_skipped(tmp_path: Path, capsys) -> None:
    """Six videos, one per outcome (a reused video is ok): the line's counts add up to all six."""
    made, degraded = video("alpha"), video("beta")
    sweep = write_sweep(
        tmp_path,
        [
            made,
            degraded,
            video("gamma", status="cached", reused_from="earlier/run"),
            video("delta", status="failed", error=("render", "x")),
            video("eps", status="invalid", rank=None, error=("catalog", "x")),
            video("zeta", status="skipped_cap", error=("assets", "per-video cap")),
        ],
    )
    degrade(sweep, degraded, ["scenes/demo", "endcard"])
    with pytest.raises(NightlyGateFailed):
        ReportCallback(min_success_rate=0.95).on_multirun_end(multirun_config(sweep))
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line == (
        "adbatch nightly: success rate 50.0% (minimum 95%; invalid rows counted): "
        "2 ok, 1 degraded, 1 failed, 1 invalid, 1 skipped"
    )
    assert json.loads((sweep / "summary.json").read_text())["kpis"]["videos"]["degraded"] == 1


def test_a_job_that_left_no_manifest_counts_against_the_gate(tmp_path: Path, capsys) -> None:
    """A video folder whose job died before its manifest is owed too: 1 of 2, and the line names it."""
    sweep = write_sweep(tmp_path, [video("alpha")])
    (sweep / "beta" / "ugc" / "hook-best" / ".hydra").mkdir(parents=True)
    with pytest.raises(NightlyGateFailed):
        ReportCallback(min_success_rate=0.95).on_multirun_end(multirun_config(sweep))
    out = capsys.readouterr().out
    assert "success rate 50.0%" in out and "1 without a readable manifest" in out
