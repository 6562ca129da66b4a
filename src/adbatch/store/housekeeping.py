"""``python -m adbatch.cache stats|prune``: look after the shared asset cache.

The cache holds assets (``assets/``), finished videos by input hash (``videos/``) and the encoded
bodies hook variants share (``bodies/``). Pruning removes cache entries not used for ``--older-than``
(a hit refreshes an entry), but never one that a manifest written in the last ``--keep-days``
references (its provider calls name their asset keys; its input hash names its finished video);
bodies go by age alone (a variant re-encodes a missing one). Files are removed entry by entry, the
record first, so an interrupted prune leaves no entry that looks complete but is not.

A render or a copy killed midway leaves a ``*.part`` file (``adbatch.store.atomic``); ``stale_parts``
removes those no writer has touched for a while: every job does so when it starts, and so does prune.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

DAY = 86400.0
STALE_PART_S = 3600.0  # a .part file untouched this long has no writer left (an encoder writes every second)


@dataclass(frozen=True)
class CacheEntry:
    key: str
    files: tuple[Path, ...]
    record: Path
    stage: str
    provider: str
    size: int
    last_used: float
    cost_usd: float


def entries(root: Path) -> list[CacheEntry]:
    """Every complete asset entry under ``root/assets``."""
    found = []
    for record in (root / "assets").glob("*/*.record.json"):
        key = record.name.removesuffix(".record.json")
        try:
            data = json.loads(record.read_text())
        except (OSError, ValueError):
            data = {}
        files = tuple(p for p in record.parent.glob(f"{key}.*") if p != record and not p.name.endswith(".lock"))
        found.append(
            CacheEntry(
                key=key,
                files=files,
                record=record,
                stage=data.get("stage", "?"),
                provider=data.get("provider", "?"),
                size=sum(p.stat().st_size for p in files),
                last_used=record.stat().st_mtime,
                cost_usd=float(data.get("cost_usd", 0.0)),
            )
        )
    return found


def videos(root: Path) -> list[Path]:
    return [p for p in (root / "videos").glob("*/*") if p.is_dir()]


def bodies(root: Path) -> list[Path]:
    """The encoded bodies hook variants share (``<key>.mp4``; a hit refreshes its time)."""
    return [p for p in (root / "bodies").glob("*.mp4") if not p.name.startswith(".")]


def stale_parts(root: Path, *, older_than_s: float = STALE_PART_S, dry_run: bool = False) -> list[Path]:
    """The ``*.part`` files under ``root`` no writer has touched for ``older_than_s`` (left by a killed render
    or copy), removed unless ``dry_run``. A file still being written is newer than that and is left alone."""
    cutoff = time.time() - older_than_s
    found = []
    for path in Path(root).rglob(".*.part*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                found.append(path)
                if not dry_run:
                    path.unlink(missing_ok=True)
        except OSError:  # removed by another process meanwhile
            continue
    return found


def referenced(manifest_roots: list[Path], keep_days: float) -> tuple[set[str], set[str]]:
    """Asset keys and input hashes named by manifests written in the last ``keep_days``."""
    cutoff = time.time() - keep_days * DAY
    keys: set[str] = set()
    hashes: set[str] = set()
    for root in manifest_roots:
        for path in root.rglob("manifest.json"):
            if path.stat().st_mtime < cutoff:
                continue
            try:
                m = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            keys.update(c.get("key", "") for c in m.get("calls", []))
            hashes.add(m.get("input_hash") or "")
    return keys, hashes


def stats(root: Path) -> str:
    """A summary: entries and bytes by stage and provider, what they cost to make, the age range."""
    found = entries(root)
    by: defaultdict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0])
    for e in found:
        row = by[(e.stage, e.provider)]
        row[0], row[1], row[2] = row[0] + 1, row[1] + e.size, row[2] + e.cost_usd
    shared = bodies(root)
    lines = [
        f"cache {root}: {len(found)} assets, {sum(e.size for e in found) / 1e6:.1f} MB, "
        f"{len(videos(root))} finished videos, {len(shared)} shared bodies "
        f"{sum(p.stat().st_size for p in shared) / 1e6:.1f} MB"
    ]
    for (stage, provider), (n, size, usd) in sorted(by.items()):
        lines.append(f"  {stage:<8} {provider:<12} {int(n):6d} assets {size / 1e6:9.1f} MB  made for ${usd:.4f}")
    if found:
        ages = [(time.time() - e.last_used) / DAY for e in found]
        lines.append(f"  last used between {min(ages):.1f} and {max(ages):.1f} days ago")
    left = stale_parts(root, dry_run=True)
    if left:
        lines.append(f"  {len(left)} files left by killed renders ({sum(p.stat().st_size for p in left) / 1e6:.1f} MB)")
    return "\n".join(lines)


def prune(
    root: Path, *, older_than_days: float, manifest_roots: list[Path], keep_days: float, dry_run: bool = False
) -> Counter[str]:
    """Delete unused, unreferenced entries; return counts of what was (or would be) removed and kept."""
    keys, hashes = referenced(manifest_roots, keep_days)
    cutoff, counts = time.time() - older_than_days * DAY, Counter[str]()
    for e in entries(root):
        if e.last_used >= cutoff or e.key in keys:
            counts["assets kept"] += 1
            continue
        counts["assets removed"] += 1
        counts["bytes removed"] += e.size
        if not dry_run:
            e.record.unlink(missing_ok=True)  # first: without its record an entry is a miss
            for f in e.files:
                f.unlink(missing_ok=True)
    for folder in videos(root):
        if folder.stat().st_mtime >= cutoff or folder.name in hashes:
            counts["videos kept"] += 1
            continue
        counts["videos removed"] += 1
        if not dry_run:
            shutil.rmtree(folder, ignore_errors=True)
    for body in bodies(root):
        if body.stat().st_mtime >= cutoff:
            counts["bodies kept"] += 1
            continue
        counts["bodies removed"] += 1
        counts["bytes removed"] += body.stat().st_size
        if not dry_run:
            body.unlink(missing_ok=True)
    left = stale_parts(root, dry_run=dry_run)
    counts["parts removed"] += len(left)
    return counts


def parse_age(text: str) -> float:
    """'30d', '12h', '2w' or a number of days -> days."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([hdw]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: use a number of days or 12h / 30d / 2w")
    value, unit = float(match.group(1)), match.group(2) or "d"
    return value * {"h": 1 / 24, "d": 1.0, "w": 7.0}[unit]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m adbatch.cache", description="Inspect or prune the asset cache.")
    parser.add_argument("command", choices=["stats", "prune"])
    parser.add_argument("--cache-dir", type=Path, default=Path("outputs/cache"))
    parser.add_argument("--older-than", type=parse_age, default=30.0, help="prune entries unused this long (30d)")
    parser.add_argument(
        "--keep-days",
        type=parse_age,
        default=30.0,
        help="never prune what manifests from the last N days reference (30d)",
    )
    parser.add_argument(
        "--outputs",
        type=Path,
        action="append",
        default=None,
        help="folders holding manifests (default: outputs/); repeatable",
    )
    parser.add_argument("--dry-run", action="store_true", help="say what prune would remove")
    args = parser.parse_args(argv)
    root = args.cache_dir.resolve()
    if args.command == "stats":
        print(stats(root))
        return
    counts = prune(
        root,
        older_than_days=args.older_than,
        manifest_roots=args.outputs or [Path("outputs")],
        keep_days=args.keep_days,
        dry_run=args.dry_run,
    )
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"prune {root}: {verb} {counts['assets removed']} assets, {counts['videos removed']} videos, "
        f"{counts['bodies removed']} shared bodies and {counts['parts removed']} files left by killed renders "
        f"({counts['bytes removed'] / 1e6:.1f} MB); kept {counts['assets kept']} assets, {counts['videos kept']} "
        f"videos and {counts['bodies kept']} bodies"
    )
