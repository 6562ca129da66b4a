"""Sweep progress read from the sweep dir: counts, spend, ETA; plain lines off a terminal; the status command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from adbatch.report.progress import PROGRESS_FILE, LiveProgress, Snapshot, SweepScanner, describe, rich_view, snapshot
from tests.conftest import SMOKE


def job(
    sweep: Path, pid: str, arch: str = "ugc", *, status: str | None = None, cost: float = 0.0, seconds: float = 10.0
) -> Path:
    """A job folder as a job leaves it: a log, and a manifest once it has ended."""
    folder = sweep / pid / arch / "hook-best"
    (folder / ".hydra").mkdir(parents=True, exist_ok=True)
    (folder / "log.jsonl").write_text('{"event": "job_start"}\n')
    if status:
        (folder / "manifest.json").write_text(
            json.dumps({"status": status, "cost_usd": cost, "timings": {"total": seconds}})
        )
    return folder


def test_counts_come_from_manifests_and_logs(tmp_path: Path) -> None:
    """Manifests count by status and cost; a folder with a log and no manifest is running."""
    job(tmp_path, "a", status="ok", cost=0.25)
    job(tmp_path, "b", status="cached")
    job(tmp_path, "c", status="failed", cost=0.10)
    job(tmp_path, "d", status="invalid")
    job(tmp_path, "e", status="skipped_cap")
    job(tmp_path, "f")
    s = snapshot(tmp_path, total=8, cap_usd=5.0)
    assert (s.ended, s.done, s.failed, s.skipped, s.running, s.waiting) == (5, 2, 2, 1, 1, 2)
    assert s.cost_usd == pytest.approx(0.35)
    assert describe(s).startswith(
        "5/8 videos ended: done 2 (1 cached), failed 2 (1 invalid), skipped 1 | "
        "running 1, waiting 2 | spent $0.35 of $5.00"
    )


def test_eta_is_mean_job_time_times_jobs_left_over_jobs_running() -> None:
    """2 of 6 ended at 10 s each, 2 running: 4 left x 10 s / 2 = 20 s; unknown before any job ends."""
    s = Snapshot(statuses={"ok": 2}, running=2, mean_job_s=10.0, total=6)
    assert s.eta_s == 20.0
    assert Snapshot(running=2, total=6).eta_s is None


def test_files_from_an_earlier_run_into_the_same_dir_do_not_count(tmp_path: Path) -> None:
    """A rerun into an old sweep dir starts at 0: manifests and logs older than its start are ignored."""
    old = job(tmp_path, "a", status="ok", cost=1.0)
    stale = job(tmp_path, "b")
    hour_ago = time.time() - 3600
    for f in [old / "manifest.json", old / "log.jsonl", stale / "log.jsonl"]:
        os.utime(f, (hour_ago, hour_ago))
    job(tmp_path, "c", status="ok", cost=0.5)
    statuses, running, cost, _ = SweepScanner(tmp_path, since=time.time() - 60).scan()
    assert (dict(statuses), running, cost) == ({"ok": 1}, 0, 0.5)


def test_live_progress_prints_plain_lines_off_a_terminal(tmp_path: Path) -> None:
    """Not a TTY: a line at the start, lines while jobs end, and a final line saying finished."""
    lines: list[str] = []
    seen_first, seen_second = threading.Event(), threading.Event()

    def emit(line: str) -> None:
        lines.append(line)
        seen_first.set()
        if line.startswith("2/3"):
            seen_second.set()

    with LiveProgress(tmp_path, total=3, cap_usd=2.0, terminal=False, every_s=0.02, emit=emit):
        assert seen_first.wait(timeout=10)
        job(tmp_path, "a", status="ok", cost=0.5)
        job(tmp_path, "b", status="failed")
        job(tmp_path, "c")
        assert seen_second.wait(timeout=10)
    assert lines[0].startswith("0/3 videos ended") and lines[0].endswith("ETA ?")
    assert "running 1, waiting 0 | spent $0.50 of $2.00" in lines[-2]
    assert lines[-1].startswith("2/3 videos ended: done 1, failed 1") and lines[-1].endswith("| finished")


def test_progress_stops_and_records_the_end_when_the_sweep_raises(tmp_path: Path) -> None:
    """An exception inside the block still stops the thread and writes finished_at."""
    progress = LiveProgress(tmp_path, total=1, terminal=False, every_s=60, emit=lambda _line: None)
    with pytest.raises(RuntimeError), progress:
        raise RuntimeError("sweep broke")
    assert progress._thread is None
    info = json.loads((tmp_path / PROGRESS_FILE).read_text())
    assert info["total"] == 1 and info["finished_at"] >= info["started_at"]


def test_terminal_view_renders_the_same_counts(tmp_path: Path) -> None:
    """The rich view (used on a TTY) shows the counts, spend and ETA."""
    from rich.console import Console

    job(tmp_path, "a", status="ok", cost=0.25)
    job(tmp_path, "b")
    console = Console(width=120, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(rich_view(snapshot(tmp_path, total=4, cap_usd=1.0)))
    text = console.export_text()
    assert "1/4 videos ended" in text and "done 1" in text and "running 1" in text and "spent $0.25 of $1.00" in text


def status(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "adbatch.status", *args], capture_output=True, text=True, timeout=60)


def test_status_command_reads_a_sweep_dir_once(tmp_path: Path) -> None:
    """python -m adbatch.status DIR prints the same line, using the total from progress.json."""
    with LiveProgress(tmp_path, total=2, cap_usd=3.0, terminal=False, every_s=60, emit=lambda _line: None):
        job(tmp_path, "a", status="ok", cost=0.75)
        job(tmp_path, "b")
        proc = status(str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(
        "1/2 videos ended: done 1, failed 0, skipped 0 | running 1, waiting 0 | spent $0.75 of $3.00"
    )


def test_status_watch_returns_when_the_sweep_has_finished(tmp_path: Path) -> None:
    """--watch prints until progress.json records the end, then exits 0 with the final line."""
    with LiveProgress(tmp_path, total=1, terminal=False, every_s=60, emit=lambda _line: None):
        job(tmp_path, "a", status="ok")
    proc = status(str(tmp_path), "--watch", "--every", "0.1")
    assert proc.returncode == 0 and proc.stdout.strip().endswith("| finished")


def test_status_of_a_missing_dir_is_an_error(tmp_path: Path) -> None:
    """A path that is not a folder: exit 2 and a message naming it."""
    proc = status(str(tmp_path / "nope"))
    assert proc.returncode == 2 and "nope is not a folder" in proc.stderr


def _gone_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_job_whose_worker_died_is_lost_not_running(tmp_path: Path) -> None:
    """A started job beats in .running: alive -> running; its process gone (this host) or silent for longer than
    heartbeat.STALE_AFTER_S (any host) -> lost. A job folder without a heartbeat (an older adbatch) still runs."""
    from adbatch.store import heartbeat

    alive, gone, silent = job(tmp_path, "a"), job(tmp_path, "b"), job(tmp_path, "c")
    job(tmp_path, "d")  # no heartbeat file
    (alive / heartbeat.JOB_FILE).write_text(json.dumps(heartbeat.beat()))
    (gone / heartbeat.JOB_FILE).write_text(json.dumps(heartbeat.beat() | {"pid": _gone_pid()}))
    old = time.time() - heartbeat.STALE_AFTER_S - 5
    (silent / heartbeat.JOB_FILE).write_text(json.dumps({"pid": 1, "host": "elsewhere", "heartbeat_at": old}))
    s = snapshot(tmp_path, total=4, cap_usd=None)
    assert (s.running, s.lost) == (2, 2)
    assert "lost 2 (worker died" in describe(s)


def test_a_sweep_whose_launcher_died_says_dead_with_no_eta(tmp_path: Path) -> None:
    """progress.json with no end and a launcher that stopped beating: dead, how long ago, no ETA; the jobs it was
    running died with it (lost), and elapsed time stops at its last beat."""
    job(tmp_path, "a", status="ok", seconds=12.0)
    job(tmp_path, "b")
    started = time.time() - 120
    info = {"total": 3, "cap_usd": None, "started_at": started, "finished_at": None}
    (tmp_path / PROGRESS_FILE).write_text(json.dumps(info | {"pid": _gone_pid(), "host": os.uname().nodename,
                                                             "heartbeat_at": started + 60}))  # fmt: skip
    s = snapshot(tmp_path)
    assert s.dead and s.eta_s is None and (s.running, s.lost) == (0, 1)
    assert s.elapsed_s == pytest.approx(60, abs=1) and s.dead_for_s == pytest.approx(60, abs=2)
    line = status(str(tmp_path)).stdout
    assert "dead: the launcher stopped 0:01:0" in line and "ETA" not in line and "lost 1" in line


def test_a_live_sweep_keeps_beating(tmp_path: Path) -> None:
    """While the launcher runs, progress.json carries a fresh heartbeat of this process: never dead."""
    with LiveProgress(tmp_path, total=1, terminal=False, every_s=60, emit=lambda _line: None):
        info = json.loads((tmp_path / PROGRESS_FILE).read_text())
        assert info["pid"] == os.getpid() and not snapshot(tmp_path).dead
    assert json.loads((tmp_path / PROGRESS_FILE).read_text())["finished_at"] is not None


def test_status_after_kill_9_of_a_whole_sweep_says_dead_and_lost(tmp_path: Path) -> None:
    """A real sweep killed with SIGKILL mid-job (launcher and job together): status says dead at once, the job it
    was making lost, and gives no ETA (it used to say 'running 1 ... ETA 0:00:12' long after)."""
    import signal

    from adbatch.paths import PROJECT_ROOT
    from adbatch.store import heartbeat

    sweep = tmp_path / "sweep"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "adbatch",
            f"products={PROJECT_ROOT / 'examples' / 'catalog.csv'}",
            "archetype=ugc",
            *SMOKE,
            f"cache_dir={tmp_path / 'cache'}",
            f"hydra.sweep.dir={sweep}",
            "-m",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 300
    while not list(sweep.glob(f"*/*/*/{heartbeat.JOB_FILE}")) and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    line = status(str(sweep)).stdout
    assert "dead: the launcher stopped" in line and "lost 1" in line and "ETA" not in line, line
