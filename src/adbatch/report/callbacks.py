"""Hydra callbacks: the report written into the sweep dir after every multirun.

Hydra imports this module when it builds the callbacks of every run, so it stays cheap:
the report (pandas, matplotlib) is imported only when a multirun actually ends.
Turn it off for one sweep with ``~hydra.callbacks.report``; override a KPI target with
e.g. ``+hydra.callbacks.report.cost_per_video_usd=2.0`` (names as in ``adbatch.report.stats.Targets``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


class NightlyGateFailed(SystemExit):
    """The sweep's success rate is under ``min_success_rate``: exit non-zero for cron and CI."""


class ReportCallback(Callback):
    """Writes report.csv, summary.json and report.html into the sweep dir when a multirun ends.

    ``min_success_rate`` (0 to 1; None: off) turns the report into a gate for nightly runs: the
    summary line is printed last, and the process exits 1 when the success rate is under it.
    """

    def __init__(self, min_success_rate: float | None = None, **targets: float) -> None:
        self.min_success_rate = min_success_rate
        self.targets = targets  # KPI target overrides; unset ones keep adbatch.report.stats.Targets' defaults

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Build the report; a failure here is logged, never raised, so it cannot fail the sweep."""
        if config.get("dry_run"):
            return  # a dry run makes no videos: its estimate is the report
        try:
            sweep = Path(str(config.hydra.sweep.dir))
            if not sweep.is_dir():
                log.warning("adbatch report: sweep dir %s does not exist; no report written", sweep)
                return
            from adbatch.report import report, stats

            built = report.build([sweep], targets=stats.Targets(**self.targets))
            log.info(built.paragraph())
        except Exception:
            log.exception(
                "adbatch report: could not write the report for this sweep "
                "(rebuild it with: python -m adbatch.report <sweep dir>)"
            )
            built = None
        self._gate(built)

    def _gate(self, built: Any) -> None:
        if self.min_success_rate is None:
            return
        rate = built.summary["kpis"]["success_rate"]["value"] if built is not None else None
        line = (
            f"adbatch nightly: success rate {'n/a' if rate is None else f'{rate:.1%}'} "
            f"(minimum {self.min_success_rate:.0%})"
        )
        print(line, flush=True)
        if rate is None or rate < self.min_success_rate:
            raise NightlyGateFailed(f"{line}: FAILED")
