"""Cache housekeeping: stats, and pruning that never touches what recent manifests use."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from adbatch.store import housekeeping
from adbatch.store.cache import AssetCache

OLD = time.time() - 90 * housekeeping.DAY


def add(cache: AssetCache, key: str, *, stage: str = "voice", age: float | None = None) -> None:
    async def make(tmp: Path) -> dict:
        tmp.write_bytes(b"x" * 100)
        return {"stage": stage, "provider": "offline", "cost_usd": 0.02}

    entry = asyncio.run(cache.get_or_make(key, ".bin", make))
    if age is not None:
        record = entry.path.with_name(f"{key}.record.json")
        os.utime(record, (age, age))


def manifest(folder: Path, keys: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(json.dumps({"calls": [{"key": k} for k in keys], "input_hash": "h"}))


def test_stats_counts_entries_by_stage(tmp_path: Path) -> None:
    """stats reports each stage's entries, size and what they cost to make."""
    cache = AssetCache(tmp_path / "cache")
    add(cache, "a" * 40)
    add(cache, "b" * 40, stage="scenes")
    text = housekeeping.stats(cache.root)
    assert "2 assets" in text and "voice" in text and "scenes" in text and "$0.0200" in text


def test_prune_removes_old_unreferenced_entries_only(tmp_path: Path) -> None:
    """Old and unreferenced: removed. Old but in a recent manifest: kept. Recently used: kept."""
    cache = AssetCache(tmp_path / "cache")
    add(cache, "a" * 40, age=OLD)
    add(cache, "b" * 40, age=OLD)
    add(cache, "c" * 40)
    manifest(tmp_path / "outputs" / "v1", ["b" * 40])
    counts = housekeeping.prune(cache.root, older_than_days=30, manifest_roots=[tmp_path / "outputs"], keep_days=30)
    assert counts["assets removed"] == 1 and counts["assets kept"] == 2
    assert cache.lookup("a" * 40, ".bin") is None
    assert cache.lookup("b" * 40, ".bin") and cache.lookup("c" * 40, ".bin")


def test_a_cache_hit_refreshes_an_entry(tmp_path: Path) -> None:
    """Using an old entry makes it recent again, so it survives the next prune."""
    cache = AssetCache(tmp_path / "cache")
    add(cache, "a" * 40, age=OLD)
    assert cache.lookup("a" * 40, ".bin")
    counts = housekeeping.prune(cache.root, older_than_days=30, manifest_roots=[], keep_days=30)
    assert counts["assets removed"] == 0


def test_cli_prune_dry_run_removes_nothing(tmp_path: Path) -> None:
    """python -m adbatch.cache prune --dry-run says what it would remove and keeps it."""
    cache = AssetCache(tmp_path / "cache")
    add(cache, "a" * 40, age=OLD)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "adbatch.cache",
            "prune",
            "--older-than",
            "30d",
            "--dry-run",
            "--cache-dir",
            str(cache.root),
            "--outputs",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "would remove 1 assets" in out and cache.lookup("a" * 40, ".bin")


def test_bodies_are_counted_and_old_ones_pruned(tmp_path: Path) -> None:
    """The shared bodies of hook variants show in stats and go when unused for --older-than (a hit refreshes one)."""
    bodies = tmp_path / "cache" / "bodies"
    bodies.mkdir(parents=True)
    old, new = bodies / ("a" * 40 + ".mp4"), bodies / ("b" * 40 + ".mp4")
    for body in (old, new):
        body.write_bytes(b"x" * 2_000_000)
    os.utime(old, (OLD, OLD))
    assert "2 shared bodies 4.0 MB" in housekeeping.stats(tmp_path / "cache")
    counts = housekeeping.prune(tmp_path / "cache", older_than_days=30, manifest_roots=[], keep_days=30)
    assert (counts["bodies removed"], counts["bodies kept"]) == (1, 1) and not old.exists() and new.exists()


def test_files_left_by_a_killed_render_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    """A ``.part`` file nobody has written for an hour was left by a killed render: prune and every job start remove
    it; one being written now (fresh) stays."""
    bodies = tmp_path / "cache" / "bodies"
    bodies.mkdir(parents=True)
    dead, live = bodies / ".abc.k1.part.mp4", bodies / ".def.k2.part.mp4"
    dead.write_bytes(b"x" * 1000)
    live.write_bytes(b"x" * 1000)
    os.utime(dead, (OLD, OLD))
    assert "1 files left by killed renders" in housekeeping.stats(tmp_path / "cache")
    counts = housekeeping.prune(tmp_path / "cache", older_than_days=30, manifest_roots=[], keep_days=30)
    assert counts["parts removed"] == 1 and not dead.exists() and live.exists()
