"""Two sweeps on one cache that need the same video make it once: the second waits for it and reuses it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from adbatch.domain.manifest import read
from adbatch.paths import PROJECT_ROOT
from adbatch.store import housekeeping
from tests.conftest import SMOKE


def test_two_sweeps_needing_the_same_video_assemble_it_once(tmp_path: Path) -> None:
    """Started together on one cache, one job renders and QAs the video; the other waits on the video's lock and
    reuses it (status cached, $0, nothing rendered). Scratch and half-written files a killed attempt left behind
    are cleared when a job starts."""
    cache = tmp_path / "cache"
    stale = cache / "bodies" / ".dead.x.part.mp4"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    old = time.time() - 2 * housekeeping.STALE_PART_S
    os.utime(stale, (old, old))
    (tmp_path / "b" / ".work").mkdir(parents=True)
    (tmp_path / "b" / ".work" / "opener.mp4").write_bytes(b"half")
    args = [
        sys.executable,
        "-m",
        "adbatch",
        f"products={PROJECT_ROOT / 'examples' / 'catalog.csv'}",
        "product_id=glow-serum",
        *SMOKE,
        f"cache_dir={cache}",
    ]
    procs = [
        subprocess.Popen([*args, f"hydra.run.dir={tmp_path / name}"], cwd=PROJECT_ROOT, stderr=subprocess.PIPE)
        for name in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-2000:]
    made = [read(tmp_path / name / "manifest.json") for name in ("a", "b")]
    assert sorted(m.status for m in made) == ["cached", "ok"]
    reused = next(m for m in made if m.status == "cached")
    assert "render" not in reused.timings and reused.cost_usd == 0
    assert not stale.exists() and not (tmp_path / "b" / ".work").exists()
