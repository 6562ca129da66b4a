"""Progress of a sweep, read from its folder: videos done, running, failed, skipped; spend; ETA.

Works the same under every launcher (basic, joblib, RQ, submitit) because it reads only
what jobs leave on disk: a job folder with a ``log.jsonl`` but no ``manifest.json`` is
running while its heartbeat (``.running``, ``adbatch.store.heartbeat``) is alive, and
``lost`` once it is not (its worker died); a ``manifest.json`` says how the video ended and
what it cost. Files older than the sweep's start belong to an earlier run into the same
folder and are not counted. The launcher beats in ``progress.json``: a sweep whose launcher
stopped beating before it recorded its end is ``dead``, with no ETA.

The catalog sweeper shows it live while a sweep runs (:class:`LiveProgress`): a rich display
on a terminal, a plain log line every ``PLAIN_EVERY_S`` seconds otherwise (CI, cron).
It also writes ``progress.json`` (total jobs, cost cap, start and end time) into the sweep
dir, which is how ``python -m adbatch.status <sweep_dir>`` reads a sweep running elsewhere.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from adbatch.domain.manifest import MANIFEST
from adbatch.store import heartbeat
from adbatch.store.atomic import write_text

PROGRESS_FILE = "progress.json"
JOB_LOG = "log.jsonl"
PLAIN_EVERY_S = 30.0  # a log line this often when not on a terminal
LIVE_EVERY_S = 0.5  # how often the terminal display re-reads the sweep dir
CLOCK_SLACK_S = 1.0  # files this much older than the start still count (coarse mtimes, shared filesystems)
SKIP_DIRS = {".hydra", ".work"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """What a sweep dir says at one moment. ``statuses`` counts manifests by status."""

    statuses: Counter[str] = field(default_factory=Counter)
    running: int = 0
    cost_usd: float = 0.0
    mean_job_s: float | None = None
    total: int | None = None
    cap_usd: float | None = None
    elapsed_s: float | None = None
    finished: bool = False
    # jobs whose worker is gone: no manifest and a dead heartbeat, or a lost manifest (adbatch.store.lost)
    lost: int = 0
    dead_for_s: float | None = None  # the launcher stopped beating this long ago without recording its end

    @property
    def dead(self) -> bool:
        return self.dead_for_s is not None

    @property
    def ended(self) -> int:
        return sum(self.statuses.values())

    @property
    def done(self) -> int:
        return self.statuses["ok"] + self.statuses["cached"]

    @property
    def failed(self) -> int:
        return self.statuses["failed"] + self.statuses["invalid"]

    @property
    def skipped(self) -> int:
        return self.statuses["skipped_cap"]

    @property
    def waiting(self) -> int | None:
        return None if self.total is None else max(0, self.total - self.ended - self.running)

    @property
    def eta_s(self) -> float | None:
        """Mean job time x jobs left / jobs running at once; None until a job has ended."""
        if self.finished or self.dead or self.total is None or self.mean_job_s is None:
            return None
        left = max(0, self.total - self.ended)
        return self.mean_job_s * left / max(1, self.running)


class SweepScanner:
    """Reads a sweep dir repeatedly; a manifest is parsed once per change (mtime), so polling stays cheap."""

    def __init__(self, sweep_dir: Path, *, since: float | None = None) -> None:
        self.sweep_dir, self.since = Path(sweep_dir), since
        self._seen: dict[str, tuple[int, dict[str, Any]]] = {}

    def scan(self) -> tuple[Counter[str], int, float, float | None]:
        """(count per status, jobs running, dollars spent, mean seconds per ended job); a started job whose
        heartbeat is dead counts as ``lost`` among the statuses."""
        statuses: Counter[str] = Counter()
        running, cost, seconds, now = 0, 0.0, [], time.time()
        for folder, dirs, files in os.walk(self.sweep_dir):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            if MANIFEST in files and (m := self._manifest(Path(folder) / MANIFEST)) is not None:
                statuses[m.get("status", "unknown")] += 1
                cost += float(m.get("cost_usd") or 0.0)
                if (m.get("timings") or {}).get("total") is not None:
                    seconds.append(float(m["timings"]["total"]))
            elif JOB_LOG in files and self._fresh(Path(folder) / JOB_LOG):
                beat = heartbeat.read(Path(folder) / heartbeat.JOB_FILE) if heartbeat.JOB_FILE in files else {}
                if heartbeat.alive(beat, now) is False:  # the job's worker died (no beat: an older adbatch's job)
                    statuses["lost"] += 1
                else:
                    running += 1
        return statuses, running, round(cost, 6), (sum(seconds) / len(seconds) if seconds else None)

    def _fresh(self, path: Path) -> bool:
        try:
            return self.since is None or path.stat().st_mtime >= self.since - CLOCK_SLACK_S
        except OSError:
            return False

    def _manifest(self, path: Path) -> dict[str, Any] | None:
        """The manifest's content if it was written during this sweep; else None (an earlier run's, or unreadable).

        Read as plain JSON, not as ``adbatch.domain.manifest.Manifest``: a progress count needs three
        fields, and a manifest of any version (or one the full model would refuse) still counts."""
        try:
            st = path.stat()
        except OSError:
            return None
        if self.since is not None and st.st_mtime < self.since - CLOCK_SLACK_S:
            return None
        cached = self._seen.get(str(path))
        if cached and cached[0] == st.st_mtime_ns:
            return cached[1]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # manifests are renamed into place whole; this is a race with a delete
        if not isinstance(data, dict):
            return None
        self._seen[str(path)] = (st.st_mtime_ns, data)
        return data


def read_progress_file(sweep_dir: Path) -> dict[str, Any]:
    """The sweep's ``progress.json`` (total, cap_usd, started_at, finished_at), or {} if there is none."""
    try:
        data = json.loads((Path(sweep_dir) / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def snapshot(sweep_dir: Path, scanner: SweepScanner | None = None, **info: Any) -> Snapshot:
    """Scan ``sweep_dir`` once; ``info`` (total, cap_usd, started_at, finished_at) defaults to its progress.json."""
    if not {"total", "cap_usd", "started_at", "finished_at"} <= info.keys():  # a live display passes them all
        info = {**read_progress_file(sweep_dir), **info}
    started, finished = info.get("started_at"), info.get("finished_at")
    scanner = scanner or SweepScanner(sweep_dir, since=started)
    statuses, running, cost, mean_s = scanner.scan()
    now = time.time()
    dead = not finished and heartbeat.alive(info, now) is False
    elapsed = ((finished or (info["heartbeat_at"] if dead else now)) - started) if started else None
    lost = statuses.pop("lost", 0) + (running if dead else 0)  # a dead launcher's basic/joblib jobs died with it
    return Snapshot(
        statuses=statuses,
        running=0 if finished or dead else running,
        lost=lost,
        dead_for_s=now - info["heartbeat_at"] if dead else None,
        cost_usd=cost,
        mean_job_s=mean_s,
        total=info.get("total"),
        cap_usd=info.get("cap_usd"),
        elapsed_s=elapsed,
        finished=bool(finished),
    )


def clock(seconds: float | None) -> str:
    return "?" if seconds is None else str(timedelta(seconds=round(seconds)))


def describe(s: Snapshot) -> str:
    """One plain line, e.g. ``5/8 videos ended: done 4 (1 cached), failed 1, skipped 0 | running 2, waiting 1 | ...``."""
    total = "?" if s.total is None else s.total
    parts = [
        f"{s.ended}/{total} videos ended: done {s.done}"
        + (f" ({s.statuses['cached']} cached)" if s.statuses["cached"] else ""),
        f"failed {s.failed}" + (f" ({s.statuses['invalid']} invalid)" if s.statuses["invalid"] else ""),
        f"skipped {s.skipped}",
    ]
    line = ", ".join(parts) + f" | running {s.running}" + ("" if s.waiting is None else f", waiting {s.waiting}")
    line += f" | spent ${s.cost_usd:.2f}" + ("" if s.cap_usd is None else f" of ${s.cap_usd:.2f}")
    line += f" | elapsed {clock(s.elapsed_s)}"
    if s.lost:
        line += f" | lost {s.lost} (worker died; rerun the sweep to finish them)"
    if s.dead:
        return line + f" | dead: the launcher stopped {clock(s.dead_for_s)} ago without finishing"
    return line + (" | finished" if s.finished else f", ETA {clock(s.eta_s)}")


def rich_view(s: Snapshot) -> Any:
    """The same facts for a terminal: a bar, then the counts, then money and time (fits 60 columns)."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    total = "?" if s.total is None else str(s.total)
    head = Table.grid(padding=(0, 1))
    head.add_row(
        ProgressBar(total=float(s.total or max(1, s.ended)), completed=float(s.ended), width=40),
        Text.from_markup(f"[bold]{s.ended}/{total}[/] videos ended"),
    )
    waiting = "" if s.waiting is None else f" · waiting {s.waiting}"
    cached = f" ({s.statuses['cached']} cached)" if s.statuses["cached"] else ""
    counts = (
        f"[green]done {s.done}{cached}[/] · [red]failed {s.failed}[/] · [yellow]skipped {s.skipped}[/] · "
        f"[cyan]running {s.running}[/]{waiting}"
    )
    if s.lost:
        counts += f" · [red]lost {s.lost}[/]"
    cap = "" if s.cap_usd is None else f" of ${s.cap_usd:.2f}"
    when = "finished" if s.finished else f"ETA {clock(s.eta_s)}"
    if s.dead:
        when = f"[red]dead[/]: the launcher stopped {clock(s.dead_for_s)} ago without finishing"
    money = f"spent ${s.cost_usd:.2f}{cap} · elapsed {clock(s.elapsed_s)} · {when}"
    return Group(head, Text.from_markup(counts), Text.from_markup(money))


class LiveProgress:
    """A background thread showing the sweep in ``sweep_dir`` until :meth:`stop` (use as a context manager).

    On a terminal it draws :func:`rich_view` (``LIVE_EVERY_S``); elsewhere it calls ``emit`` with
    :func:`describe` at the start, every ``every_s`` seconds, and once at the end.
    """

    def __init__(
        self,
        sweep_dir: Path,
        *,
        total: int | None = None,
        cap_usd: float | None = None,
        every_s: float | None = None,
        terminal: bool | None = None,
        emit: Callable[[str], None] | None = None,
    ) -> None:
        self.sweep_dir, self.total, self.cap_usd = Path(sweep_dir), total, cap_usd
        self.terminal = _stderr_is_terminal() if terminal is None else terminal
        self.every_s = every_s if every_s is not None else (LIVE_EVERY_S if self.terminal else PLAIN_EVERY_S)
        self.emit = emit or log.info
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._info: dict[str, Any] = {}
        self._scanner: SweepScanner | None = None
        self._beaten = 0.0

    def __enter__(self) -> LiveProgress:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        """Record the start in ``progress.json`` and start showing."""
        started = time.time()
        self._info = {"total": self.total, "cap_usd": self.cap_usd, "started_at": started, "finished_at": None}
        self._scanner = SweepScanner(self.sweep_dir, since=started)
        self._beat()
        self._thread = threading.Thread(target=self._run, name="adbatch-progress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop showing, show the final state once, and record the end in ``progress.json``."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._info["finished_at"] = time.time()
        try:
            self._beat()
        except OSError as exc:  # a progress display never fails a sweep
            log.warning(f"could not record the end of the sweep in {PROGRESS_FILE}: {exc}")

    def _beat(self) -> None:
        """Record the sweep and the launcher's heartbeat in ``progress.json``."""
        self._info |= heartbeat.beat()
        self._beaten = time.monotonic()
        write_text(self.sweep_dir / PROGRESS_FILE, json.dumps(self._info, indent=1))

    def _beat_if_due(self) -> None:
        if time.monotonic() - self._beaten >= heartbeat.EVERY_S:
            try:
                self._beat()
            except OSError as exc:
                log.warning(f"could not beat in {PROGRESS_FILE}: {exc}")

    def current(self) -> Snapshot:
        return snapshot(self.sweep_dir, self._scanner, **self._info)

    def _run(self) -> None:
        try:
            if self.terminal:
                self._run_live()
            else:
                self._run_plain()
        except Exception as exc:
            log.warning(f"progress display stopped: {exc!r}")

    def _run_plain(self) -> None:
        self.emit(describe(self.current()))
        said = time.monotonic()
        while not self._stop.wait(min(self.every_s, heartbeat.EVERY_S)):
            self._beat_if_due()
            if time.monotonic() - said >= self.every_s:
                self.emit(describe(self.current()))
                said = time.monotonic()
        self.emit(describe(self._final()))

    def _run_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        with Live(rich_view(self.current()), console=Console(stderr=True), refresh_per_second=4) as live:
            with _LogsAbove(live):
                while not self._stop.wait(self.every_s):
                    self._beat_if_due()
                    live.update(rich_view(self.current()))
                live.update(rich_view(self._final()))

    def _final(self) -> Snapshot:
        return snapshot(self.sweep_dir, self._scanner, **{**self._info, "finished_at": time.time()})


def _stderr_is_terminal() -> bool:
    from rich.console import Console

    return Console(stderr=True).is_terminal


class _LogsAbove:
    """While the live display runs, point console log handlers at rich's redirected streams, so log lines
    print above the display instead of through it."""

    def __init__(self, live: Any) -> None:
        self.live = live
        self.swapped: list[tuple[logging.StreamHandler[Any], Any]] = []

    def __enter__(self) -> None:
        originals = {id(sys.__stdout__): sys.stdout, id(sys.__stderr__): sys.stderr}
        for logger in [
            logging.getLogger(),
            *[lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)],
        ]:
            for h in logger.handlers:
                if type(h) is logging.StreamHandler and id(h.stream) in originals:
                    self.swapped.append((h, h.setStream(originals[id(h.stream)])))

    def __exit__(self, *exc: Any) -> None:
        for handler, stream in self.swapped:
            handler.setStream(stream)
