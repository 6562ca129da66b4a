"""The Hydra callback that writes the report when a multirun ends (end to end in test_report_sweep)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from adbatch.report.callbacks import ReportCallback
from tests.helpers_report import call, video, write_sweep


def multirun_config(sweep: Path, **extra):
    return OmegaConf.create({"hydra": {"sweep": {"dir": str(sweep)}}, **extra})


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
    """With min_success_rate, a sweep with failures exits 1 after printing the summary line; above it, 0."""
    import subprocess

    from tests.conftest import make_png, product_row, run_adbatch, write_catalog

    make_png(tmp_path / "cat" / "images" / "ok.png")
    cat = write_catalog(tmp_path / "cat", [product_row("ok"), product_row("bad", image="images/missing.png")])

    def run(minimum: float) -> subprocess.CompletedProcess:
        return run_adbatch(
            f"products={cat}",
            "render=draft",
            "pacing=short",
            f"+hydra.callbacks.report.min_success_rate={minimum}",
            f"cache_dir={tmp_path / 'cache'}",
            f"hydra.sweep.dir={tmp_path / f'out{minimum}'}",
            "-m",
        )

    strict = run(0.95)  # 1 ok of 1 valid: the invalid row is not counted, so it passes
    assert strict.returncode == 0 and "adbatch nightly: success rate 100.0% (minimum 95%)" in strict.stdout
    impossible = run(1.01)
    assert impossible.returncode == 1 and "FAILED" in impossible.stderr
