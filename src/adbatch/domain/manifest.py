"""``manifest.json``: everything the report needs to know about one video.

One manifest per job, written atomically at the end of the job whatever happened
(ok, failed, invalid, skipped by the cost cap, or reused from a previous run). The
report stage reads only manifests, which is what lets it rebuild and merge sweeps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from adbatch.logs import redact
from adbatch.store.atomic import write_text

SCHEMA_VERSION = 1
Status = Literal["ok", "failed", "invalid", "skipped_cap", "cached"]
MANIFEST = "manifest.json"


class ErrorInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    stage: str  # catalog | script | voice | scenes | image | music | timeline | render
    type: str  # exception class
    message: str
    row: int | None = None  # catalog errors: the CSV data row...
    field: str | None = None  # ...and the field


class Call(BaseModel):
    """One provider call (see adbatch.providers.base.ProviderCall)."""

    model_config = ConfigDict(frozen=True)
    stage: str
    provider: str
    model: str
    key: str
    units: dict[str, float] = {}
    cost_usd: float = 0.0
    latency_s: float = 0.0
    attempts: int = 1
    cache_hit: bool = False
    saved_usd: float = 0.0
    ok: bool = True
    error: str | None = None


class Outputs(BaseModel):
    model_config = ConfigDict(frozen=True)
    video: str | None = None  # paths relative to the video's folder
    thumb: str | None = None
    log: str = "log.jsonl"
    timeline: str | None = None
    sheet: str | None = None
    duration_s: float | None = None
    size_bytes: int | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True)
    schema_version: int = SCHEMA_VERSION
    adbatch_version: str
    status: Status
    product_id: str  # the job key: a product id, or _row<N> for a row whose id is unusable
    product_name: str | None = None
    row: int | None = None
    archetype: str
    hook_requested: str
    hook: dict[str, Any] | None = None  # the chosen candidate: rank, angle, text, voice, score
    hooks: list[dict[str, Any]] = []  # all five, ranked
    config: dict[str, Any] = {}  # preset names and key settings (never secrets)
    insights: dict[str, Any] = {}
    director: list[dict[str, Any]] = []  # the creative director's notes, each with its edit and whether applied
    calls: list[Call] = []
    timings: dict[str, float] = {}  # seconds per stage, plus total
    cost_usd: float = 0.0
    error: ErrorInfo | None = None
    outputs: Outputs = Field(default_factory=Outputs)
    input_hash: str | None = None
    reused_from: str | None = None  # cached: the folder the finished video was taken from
    saved_usd: float = 0.0  # cached: what making it again would have cost (value_usd of the video reused)
    history: list[dict[str, Any]] = []
    qa: dict[str, Any] | None = (
        None  # per-platform delivery checks and loudness (adbatch.stages.qa)  # earlier versions of this video (regenerated scenes), oldest first
    )
    started_at: str
    finished_at: str


def value_usd(m: Manifest) -> float:
    """What the video was worth in provider spend: what it paid, plus what its cache hits and a whole
    reused video saved it (so a video reused twice over still counts its first run's cost)."""
    return round(m.cost_usd + sum(c.saved_usd for c in m.calls) + m.saved_usd, 6)


def write(manifest: Manifest, folder: Path) -> Path:
    """Write ``folder/manifest.json`` atomically, with secrets redacted."""
    path = folder / MANIFEST
    write_text(path, json.dumps(redact(manifest.model_dump(mode="json")), indent=2, ensure_ascii=False))
    return path


def read(path: Path) -> Manifest:
    """Load and validate a manifest file."""
    return Manifest.model_validate_json(Path(path).read_text(encoding="utf-8"))
