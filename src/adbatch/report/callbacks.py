"""Hydra callbacks: the report written into the sweep dir after every multirun.

Hydra imports this module when it builds the callbacks of every run, so it stays cheap:
the report (pandas, matplotlib) is imported only when a multirun actually ends.
Turn it off for one sweep with ``~hydra.callbacks.report``; override a KPI target with
e.g. ``+hydra.callbacks.report.cost_per_video_usd=2.0`` (names as in ``adbatch.report.stats.Targets``).

Exit codes are for schedulers: a sweep in which no video succeeded exits 1 whatever the options, and
``min_success_rate`` makes any rate under it exit 1 too.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from adbatch.providers.keys import REFUSED_FILE  # a cheap import: logging, os and the error tree

log = logging.getLogger(__name__)


class NightlyGateFailed(SystemExit):
    """No video of the sweep succeeded, or its success rate is under ``min_success_rate``: exit
    non-zero for cron and CI."""


class ReportCallback(Callback):
    """Writes report.csv, summary.json and report.html into the sweep dir when a multirun ends.

    ``min_success_rate`` (0 to 1; None: off) turns the report into a gate for nightly runs: the
    summary line is printed last, and the process exits 1 when the success rate is under it.
    ``count_invalid`` (default on) counts catalog rows that produced no video (``invalid``) against
    that rate; off, the rate is over valid rows only, as the report's success-rate KPI.
    """

    def __init__(self, min_success_rate: float | None = None, count_invalid: bool = True, **targets: float) -> None:
        self.min_success_rate = min_success_rate
        self.count_invalid = count_invalid
        self.targets = targets  # KPI target overrides; unset ones keep adbatch.report.stats.Targets' defaults

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Build the report, then gate the exit code (``_gate``); a failure to build is logged, never raised."""
        if config.get("dry_run"):
            return  # a dry run makes no videos: its estimate is the report
        sweep = Path(str(config.hydra.sweep.dir))
        built = self._build(sweep)
        refused = sweep / REFUSED_FILE
        if refused.is_file():  # a job's key was refused and the rest were not started: the night failed
            line = f"adbatch: jobs stopped starting after a key was refused: {refused.read_text(encoding='utf-8')}"
            print(line, flush=True)
            raise NightlyGateFailed(line)
        self._gate(built)

    def _build(self, sweep: Path) -> Any:
        """The sweep's ``adbatch.report.report.Report``, or None when there was none to write."""
        if not sweep.is_dir():
            log.warning("adbatch report: sweep dir %s does not exist; no report written", sweep)
            return None
        try:
            from adbatch.report import report, stats

            built = report.build([sweep], targets=stats.Targets(**self.targets))
        except Exception:
            log.exception(
                "adbatch report: could not write the report for this sweep "
                "(rebuild it with: python -m adbatch.report <sweep dir>)"
            )
            return None
        log.info(built.paragraph())
        return built

    def _gate(self, built: Any) -> None:
        """Print the gate's line and exit 1 when nothing succeeded or, with a minimum, the rate is under it.
        Without a minimum, a sweep whose report could not be read is left to the log above."""
        n = built.summary["kpis"]["videos"] if built is not None else None
        nothing = n is not None and n["succeeded"] == 0
        if self.min_success_rate is None and not nothing:
            return
        from adbatch.report.stats import gate_rate

        rate = gate_rate(n, count_invalid=self.count_invalid) if n is not None else None
        line = f"adbatch nightly: success rate {'n/a' if rate is None else f'{rate:.1%}'} ({self._terms()})"
        if n is not None:
            line += ": " + ", ".join(f"{count} {label}" for count, label in _gate_counts(n))
        print(line, flush=True)
        under = self.min_success_rate is not None and (rate is None or rate < self.min_success_rate)
        if nothing or under:
            raise NightlyGateFailed(f"{line}: FAILED" + (" (no video succeeded)" if nothing else ""))

    def _terms(self) -> str:
        """What the rate was held to: the minimum, and whether invalid rows count against it."""
        minimum = "no minimum" if self.min_success_rate is None else f"minimum {self.min_success_rate:.0%}"
        return f"{minimum}; invalid rows {'counted' if self.count_invalid else 'not counted'}"


def _gate_counts(n: dict[str, int]) -> list[tuple[int, str]]:
    """The counts the gate's line names (``adbatch.report.stats.counts``), summing to every video it owed:
    ok (made or reused, without fallbacks), degraded, failed, lost (jobs that died for good) when there are any,
    invalid, skipped by the cost cap, then folders whose job left no readable manifest when there are any."""
    unread = n["missing"] + n["corrupt"]
    named = [
        (n["succeeded"] - n["degraded"], "ok"),
        (n["degraded"], "degraded"),
        (n["failed"], "failed"),
        *([(n["lost"], "lost")] if n["lost"] else []),
        (n["invalid"], "invalid"),
        (n["skipped_cap"], "skipped"),
    ]
    return named + ([(unread, "without a readable manifest")] if unread else [])
