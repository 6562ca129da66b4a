"""``adbatch.memory.give_back``: what a job freed leaves the process (glibc keeps it otherwise)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from adbatch import memory

# In a fresh interpreter: fill a thread's malloc arena with 64 KiB blocks (under glibc's mmap threshold, so
# they come from the arena, not their own mappings), free all but the last (it pins the arena's top, so free
# alone cannot shrink it), then trim. RSS is read from /proc after each step.
PROBE = textwrap.dedent(
    """
    import json, threading
    from adbatch import memory

    def rss_mb():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096 / 2**20

    held, seen = [], {}
    def fill():
        for _ in range(3000):
            block = bytearray(64 * 1024)
            block[::4096] = b"x" * 16  # touch every page
            held.append(block)
        seen["full"] = rss_mb()
        del held[:-1]
        seen["freed"] = rss_mb()
    worker = threading.Thread(target=fill)
    worker.start()
    worker.join()
    seen["trimmed"] = memory.give_back() and rss_mb()
    print(json.dumps(seen))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux") or memory._libc() is None, reason="glibc only")
def test_give_back_returns_what_a_thread_freed_and_free_alone_kept() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    seen = json.loads(out.stdout)
    assert seen["freed"] > seen["full"] - 50, seen  # glibc kept most of the ~190 MB freed
    assert seen["trimmed"] and seen["trimmed"] < seen["freed"] - 100, seen  # the trim gave it back


def test_the_encoder_hands_freed_memory_back_as_it_goes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Before its encoder opens (a previous part's encoder's buffers) and every ``segments.TRIM_EVERY`` frames of
    an encode (the pages freed while drawing), freed memory goes back to the system: a 2.2 s part at 30 fps is
    trimmed before frame 0 and after frames 10, 20, ... 60."""
    import numpy as np

    from adbatch.config import RenderConf
    from adbatch.render import segments

    trims: list[bool] = []
    real = memory.give_back
    monkeypatch.setattr(memory, "give_back", lambda: trims.append(real()) or trims[-1])
    grey = np.full((96 * 3 // 2, 64), 128, np.uint8)
    conf = RenderConf(width=64, height=96, preset="ultrafast")
    segments.encode_video(lambda t: grey, start=0, end=66, fps=30, conf=conf, out=tmp_path / "v.mp4")
    assert len(trims) == 1 + 66 // segments.TRIM_EVERY == 7
