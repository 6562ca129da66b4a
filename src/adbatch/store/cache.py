"""A content-addressed asset cache shared by every job and sweep.

An asset's key hashes everything that determines its bytes (stage, provider, model,
parameters, inputs, seed). A hit costs nothing. Writes go to a temporary name and are
renamed into place, and a per-key file lock makes concurrent jobs (threads, processes
or machines on a shared filesystem) produce each asset once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

from filelock import AsyncFileLock

from adbatch.store.atomic import write_text


def content_key(parts: dict[str, Any]) -> str:
    """A stable hash of ``parts`` (JSON with sorted keys; paths hashed by content)."""
    blob = json.dumps(parts, sort_keys=True, default=_default).encode()
    return hashlib.sha256(blob).hexdigest()[:40]


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, so a changed input image changes every key that uses it.

    A job names the same files in many keys (the product photo in the script's, the analysis's
    and every scene's), so each file is read once per version: a rewrite changes its mtime or size."""
    path = Path(path).resolve()
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1024)
def _digest(path: Path, _mtime_ns: int, _size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _default(value: Any) -> Any:
    if isinstance(value, Path):
        return {"file": file_digest(value)}
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):  # a typed config node (e.g. a provider's style)
        return asdict(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


@dataclass(frozen=True)
class Entry:
    """A cached file and the sidecar facts stored with it."""

    path: Path
    record: dict[str, Any]  # meta, units and cost of the call that made it
    hit: bool


class AssetCache:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser().resolve()

    def _paths(self, key: str, suffix: str) -> tuple[Path, Path]:
        folder = self.root / "assets" / key[:2]
        return folder / f"{key}{suffix}", folder / f"{key}.record.json"

    def lookup(self, key: str, suffix: str) -> Entry | None:
        """The complete entry for ``key``, or None (a file without its sidecar is incomplete)."""
        path, sidecar = self._paths(key, suffix)
        if path.is_file() and sidecar.is_file():
            os.utime(sidecar)  # the record's mtime is the entry's last use, for pruning
            return Entry(path=path, record=json.loads(sidecar.read_text()), hit=True)
        return None

    async def get_or_make(self, key: str, suffix: str, make: Callable[[Path], Awaitable[dict[str, Any]]]) -> Entry:
        """Return the cached entry, or run ``make(tmp_path)`` once and store its file and record."""
        path, sidecar = self._paths(key, suffix)
        path.parent.mkdir(parents=True, exist_ok=True)
        if found := self.lookup(key, suffix):
            return found
        async with AsyncFileLock(str(path) + ".lock"):
            if found := self.lookup(key, suffix):  # another job made it while we waited
                return found
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part" + suffix)
            os.close(fd)
            try:
                record = await make(Path(tmp))
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            write_text(sidecar, json.dumps(record, sort_keys=True))
        return Entry(path=path, record=record, hit=False)
