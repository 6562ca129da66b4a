"""Render slots: at most N renders at a time on one machine, whatever launcher started the jobs.

Videos spend most of a live night waiting on providers (a Kling clip takes minutes) and a short,
CPU-bound while rendering. Run many jobs at once to keep the providers busy, and let only
``render.slots`` of them draw and encode at a time, so they do not thrash the cores together.

The semaphore is N file locks (``<cache_dir>/.slots/<host>/render-<i>.lock``); a job takes the first
free one and waits (polling) while all are held. File locks work across processes (joblib, submitit,
RQ workers, two sweeps at once) and are released by the OS when a holder dies, so a killed job never
keeps a slot. Keyed by host, they bound each machine, not the whole farm sharing the cache.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_S = 0.25  # how often a waiting job tries the slots again


def default_slots(threads: int) -> int:
    """The machine's cores divided by the encoder's threads: as many renders as keep every core busy."""
    return max(1, (os.cpu_count() or 1) // max(1, threads))


@contextmanager
def slot(cache_dir: Path, slots: int) -> Iterator[int]:
    """Hold one of ``slots`` render slots of this machine while the block runs; yield its number."""
    from filelock import FileLock, Timeout

    folder = Path(cache_dir) / ".slots" / socket.gethostname()
    folder.mkdir(parents=True, exist_ok=True)
    locks = [FileLock(str(folder / f"render-{i}.lock")) for i in range(max(1, slots))]
    while True:
        for i, lock in enumerate(locks):
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue
            try:
                yield i
            finally:
                lock.release()
            return
        time.sleep(POLL_S)
