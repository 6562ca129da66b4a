"""Incremental reruns: a finished video is kept by its input hash and reused, not re-rendered.

The input hash covers everything that decides a video's bytes (the catalog row, the
image's content, the archetype, the resolved config minus paths and caps, the adbatch
version). When a job finishes, its deliverables are hard-linked into
``<cache_dir>/videos/<hash>/``; a later job with the same hash, in this sweep dir or a
new one, links them into its own folder and records ``cached`` in well under a second.
A folder counts only when complete: the manifest is written last and says ``ok``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adbatch.domain.manifest import MANIFEST

DELIVERABLES = ("video.mp4", "thumb.jpg", "timeline.json")
EXTRAS = ("captions.srt", "sheet.jpg")  # kept and restored when the job made them
NOT_IN_HASH = ("products", "cache_dir", "log_level", "cost_cap", "dry_run")  # paths and limits, not content


def hashed_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """The part of the job config that changes the rendered video (``platforms.ads``, the upload sheet's
    settings, does not: switching the sheet to TikTok must not re-render the sweep)."""
    kept = {k: v for k, v in cfg.items() if k not in NOT_IN_HASH}
    if isinstance(kept.get("platforms"), dict) and "ads" in kept["platforms"]:
        kept["platforms"] = {k: v for k, v in kept["platforms"].items() if k != "ads"}
    return kept


def _format_files(m: dict[str, Any]) -> list[str]:
    """The files of a manifest's other formats (``render.formats`` past the main one: video_4x5.mp4 ...)."""
    return [f[key] for f in (m.get("formats") or [])[1:] for key in ("video", "thumb", "timeline") if f.get(key)]


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        m = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return m if isinstance(m, dict) else {}


def complete(folder: Path, input_hash: str) -> bool:
    """True if ``folder`` holds a finished video made from ``input_hash``."""
    m = _manifest(folder)
    if m.get("input_hash") != input_hash or m.get("status") not in ("ok", "cached"):
        return False
    video = folder / "video.mp4"
    size = (m.get("outputs") or {}).get("size_bytes")
    files = (*DELIVERABLES, *_format_files(m))
    return all((folder / f).is_file() for f in files) and video.stat().st_size == size


def find(out_dir: Path, cache_root: Path, input_hash: str) -> Path | None:
    """A complete earlier result: this job's own folder first, then the shared store."""
    for folder in (out_dir, store_dir(cache_root, input_hash)):
        if complete(folder, input_hash):
            return folder
    return None


@contextmanager
def making(cache_root: Path, input_hash: str) -> Iterator[None]:
    """Hold the lock of the video ``input_hash`` names while it is made and stored: a second job that needs it
    (another sweep on the same cache) waits, then finds it finished and reuses it, instead of making it again."""
    from filelock import FileLock

    lock = Path(cache_root) / "videos" / ".locks" / f"{input_hash}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock)):
        yield


def store_dir(cache_root: Path, input_hash: str) -> Path:
    return Path(cache_root) / "videos" / input_hash[:2] / input_hash


def _link(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.part")
    if tmp.exists():
        tmp.unlink()
    try:
        os.link(src, tmp)
    except OSError:  # another filesystem: copy instead
        shutil.copy2(src, tmp)
    os.replace(tmp, dst)


def store(out_dir: Path, cache_root: Path, input_hash: str) -> None:
    """Keep a finished video's deliverables and manifest under its hash (atomically, as one folder)."""
    final = store_dir(cache_root, input_hash)
    if complete(final, input_hash):
        return
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{input_hash[:8]}-"))
    for name in (*DELIVERABLES, *_format_files(_manifest(out_dir)), MANIFEST, *EXTRAS):
        if name not in EXTRAS or (out_dir / name).is_file():
            _link(out_dir / name, tmp / name)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)


def restore(src: Path, out_dir: Path) -> None:
    """Link the deliverables of ``src`` into ``out_dir`` (nothing to do when they are the same folder)."""
    if src.resolve() == out_dir.resolve():
        return
    for name in (*DELIVERABLES, *_format_files(_manifest(src)), *(e for e in EXTRAS if (src / e).is_file())):
        _link(src / name, out_dir / name)
