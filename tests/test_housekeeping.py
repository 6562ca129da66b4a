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
