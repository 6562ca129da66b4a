"""The live throughput benchmark measures the whole process tree and models a catalog as it says."""

from __future__ import annotations

import subprocess
import sys

from tests.bench.live_throughput import MB, model_wall, tree_rss

HELD_MB = 80
# a child that starts a grandchild holding HELD_MB, which says so on the shared stdout and waits for stdin
GRANDCHILD = f"import sys; b = bytearray({HELD_MB} * {MB}); b[::4096] = b'x' * len(b[::4096]); print('held', flush=True); sys.stdin.read()"
CHILD = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {GRANDCHILD!r}])"


def test_tree_rss_counts_every_descendant() -> None:
    """Memory a grandchild holds counts in the RSS of the child's tree, among its Python processes too."""
    with subprocess.Popen(
        [sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        tree, python = tree_rss(proc.pid)
        proc.communicate("")
    assert tree >= python >= HELD_MB * MB
    assert tree_rss(proc.pid) == (0, 0)  # ended: nothing to count


def test_catalog_model_is_bound_by_renders_or_by_each_jobs_videos() -> None:
    """Eight jobs on one render slot wait on renders; one job makes its videos one after another."""
    assert model_wall(12, 8, 1, 75.0, 60.0) == 12 * 60.0
    assert model_wall(12, 1, 1, 75.0, 60.0) == 12 * (75.0 + 60.0)
    assert model_wall(12, 8, 8, 75.0, 60.0) == 2 * (75.0 + 60.0)
