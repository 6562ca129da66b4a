"""Heartbeats: a small file a live process rewrites every few seconds, so a reader can tell it from a dead one.

The sweep's launcher beats in ``progress.json`` (``adbatch.report.progress.LiveProgress``) and each job
beats in ``.running`` in its own folder while it works (``adbatch.pipeline``). A reader
(``python -m adbatch.status``) calls a writer dead when its process is gone (same host: the pid no
longer exists) or when it has not beaten for ``STALE_AFTER_S`` (any host: a worker on another machine,
a frozen process). A file without a heartbeat (written by an older adbatch) says nothing either way.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

from adbatch.store.atomic import write_text

EVERY_S = 5.0  # a live writer beats this often
STALE_AFTER_S = 6 * EVERY_S  # no beat this long: the writer is gone, wherever it ran
JOB_FILE = ".running"  # a job's heartbeat, in its folder while it works


def beat() -> dict[str, Any]:
    """Who is alive, where, and when: the fields a heartbeat carries."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "heartbeat_at": time.time()}


def alive(info: dict[str, Any], now: float | None = None) -> bool | None:
    """Whether the writer of ``info`` (fields of ``beat()``) is alive: False when its process is gone (on this
    host) or its last beat is older than ``STALE_AFTER_S``; None when ``info`` holds no heartbeat."""
    at = info.get("heartbeat_at")
    if not isinstance(at, int | float):
        return None
    if info.get("host") == socket.gethostname() and not _pid_alive(info.get("pid")):
        return False
    return ((now or time.time()) - at) <= STALE_AFTER_S


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return True  # unknown: let the age decide
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process killed but not yet reaped by its parent (Linux): dead for our purposes."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class Beating:
    """While open, rewrite ``path`` with ``beat()`` every ``EVERY_S`` seconds (a daemon thread); removed on close."""

    def __init__(self, path: Path, every_s: float = EVERY_S) -> None:
        self.path, self.every_s = Path(path), every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="adbatch-heartbeat", daemon=True)

    def __enter__(self) -> Beating:
        write_text(self.path, json.dumps(beat()))
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.path.unlink(missing_ok=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                write_text(self.path, json.dumps(beat()))
            except OSError:  # a heartbeat never fails a job
                continue
