"""Render slots: at most render.slots renders at once on a machine, across processes, and a dead holder frees its slot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from adbatch.config import RenderConf
from adbatch.store import slots

HOLDER = """
import json, sys, time
from pathlib import Path
from adbatch.store import slots
cache, n, out, hold = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
with slots.slot(cache, n) as i:
    start = time.time()
    time.sleep(hold)
    out.write_text(json.dumps({"slot": i, "start": start, "end": time.time()}))
"""


def _run(cache: Path, n: int, out: Path, hold: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLDER, str(cache), str(n), str(out), str(hold)])


def test_no_more_than_n_renders_hold_a_slot_at_once(tmp_path: Path) -> None:
    """Five processes ask for one of two slots: at every moment at most two hold one, and all five get their turn."""
    procs = [_run(tmp_path / "cache", 2, tmp_path / f"{i}.json", 0.6) for i in range(5)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    spans = [json.loads((tmp_path / f"{i}.json").read_text()) for i in range(5)]
    edges = sorted([(s["start"], 1) for s in spans] + [(s["end"], -1) for s in spans], key=lambda e: (e[0], e[1]))
    held, most = 0, 0
    for _, step in edges:
        held += step
        most = max(most, held)
    assert most == 2 and {s["slot"] for s in spans} == {0, 1}


def test_a_killed_holder_frees_its_slot(tmp_path: Path) -> None:
    """The OS drops a dead process's file lock: a job killed mid-render never keeps its slot."""
    holder = _run(tmp_path / "cache", 1, tmp_path / "dead.json", 60)
    deadline = time.time() + 30
    while not list((tmp_path / "cache" / ".slots").rglob("render-0.lock")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the lock is taken right after its file appears
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    waiter = _run(tmp_path / "cache", 1, tmp_path / "next.json", 0)
    assert waiter.wait(timeout=30) == 0 and json.loads((tmp_path / "next.json").read_text())["slot"] == 0


def test_the_default_is_the_cores_over_the_encoders_threads() -> None:
    conf = RenderConf()
    assert conf.slots is None
    assert slots.default_slots(conf.threads) == max(1, (os.cpu_count() or 1) // conf.threads)
