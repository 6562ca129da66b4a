"""``manifest.json``: everything the report needs to know about one video.

One manifest per job, written atomically at the end of the job whatever happened
(ok, failed, invalid, skipped by the cost cap, or reused from a previous run); a job
that died for good before writing it gets a ``lost`` one from the launcher that waited
for it (``adbatch.store.lost``). The report stage reads only manifests, which is what
lets it rebuild and merge sweeps.

``Manifest`` is the one schema: the stage results it records (hooks, insights, director
notes, QA) are the stages' own models from ``adbatch.domain``, so a reader gets typed
values and the JSON keeps the field names those models have always had (schema 1).
Readers of older files: a key a record lacks gets its model's default; ``recorded`` tells
the two apart where a report must show "not recorded" rather than the default.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from adbatch.domain.insights import Insights
from adbatch.domain.notes import Note
from adbatch.domain.qa import QAResult
from adbatch.domain.script import HookCandidate
from adbatch.domain.timeline import Fitting
from adbatch.logs import redact
from adbatch.store.atomic import write_text

SCHEMA_VERSION = 1
PREVIOUS = {"status", "cost_usd", "possibly_billed_usd", "finished_at", "input_hash"}  # kept of a replaced version
# lost: the job died for good (its worker killed, no re-run left) and never wrote this file; the launcher that
# waited for it did (``adbatch.store.lost``), keeping what the job had spent
Status = Literal["ok", "failed", "invalid", "skipped_cap", "cached", "lost"]
MANIFEST = "manifest.json"


class ErrorInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    stage: str  # catalog | script | voice | scenes | image | music | timeline | render
    type: str  # exception class
    message: str
    row: int | None = None  # catalog errors: the CSV data row...
    field: str | None = None  # ...and the field


class Call(BaseModel):
    """One provider call, the one record of it: ``adbatch.stages.assets.Producer`` makes it, the manifest
    stores it, the report reads it."""

    model_config = ConfigDict(frozen=True)
    stage: str  # vision | script | hooks | critique | voice | scenes | image | music
    provider: str
    model: str
    key: str  # content hash of the asset (its cache key)
    units: dict[str, float] = {}  # billed units: tokens, characters, seconds, images
    cost_usd: float = 0.0  # what this call cost now: 0 on a cache hit
    # paid requests whose reply was lost after sending (reset, read timeout, 502/504), at the call's estimate
    # each: the provider may have billed them; held against the caps, never part of cost_usd
    possibly_billed_usd: float = 0.0
    latency_s: float = 0.0
    attempts: int = 1  # HTTP attempts (retries + 1); 0 for a cache hit or a call the caps refused
    cache_hit: bool = False
    saved_usd: float = 0.0  # on a cache hit: what the original call cost
    ok: bool = True
    error: str | None = None  # "<exception class>: <message>" when the call failed
    prompt: str | None = None  # scenes: what the picture or clip was asked to show (prompts/clip.j2)


# the fields of a call its ``provider_call`` log line carries (``adbatch.stages.assets``): what it takes to
# rebuild the call from log.jsonl when its job dies before writing the manifest (``adbatch.store.lost``)
LOGGED_CALL_FIELDS = {
    "stage",
    "provider",
    "model",
    "key",
    "units",
    "cost_usd",
    "possibly_billed_usd",
    "saved_usd",
    "latency_s",
    "attempts",
    "cache_hit",
    "ok",
}


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


class FormatOutput(BaseModel):
    """One frame shape of the video (``render.formats``): its files, size and its own platform QA."""

    model_config = ConfigDict(frozen=True)
    format: str  # 9x16 | 4x5 | 1x1
    video: str  # paths relative to the video's folder: video.mp4 for the main format, video_4x5.mp4 ...
    thumb: str
    timeline: str  # the timeline with this format's layout (product and text boxes per shot)
    width: int
    height: int
    duration_s: float
    size_bytes: int
    qa: QAResult | None = None  # checked against the platforms of qa.platforms that take this shape


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
    hook: HookCandidate | None = None  # the chosen candidate
    hooks: list[HookCandidate] = []  # all five, ranked
    config: dict[str, Any] = {}  # preset names and key settings (never secrets)
    insights: Insights | None = None  # None until the catalog row was read; on disk then {} (schema 1)
    director: list[Note] = []  # the creative director's notes, each with its edit and whether applied
    calls: list[Call] = []
    timings: dict[str, float] = {}  # seconds per stage, plus total
    cost_usd: float = 0.0
    possibly_billed_usd: float = 0.0  # the calls' possibly_billed_usd: maybe billed, not confirmed (not in cost_usd)
    error: ErrorInfo | None = None
    outputs: Outputs = Field(default_factory=Outputs)
    input_hash: str | None = None
    reused_from: str | None = None  # cached: the folder the finished video was taken from
    saved_usd: float = 0.0  # cached: what making it again would have cost (value_usd of the video reused)
    # cached: that saving piece by piece, by cache key (work_usd of the video reused), so that a report counts
    # work several reused videos share (a product's analysis, a body's scenes) once
    reused_work: dict[str, float] = {}
    # earlier versions of this video in this folder, oldest first: a regenerated scene ("scene", "prompt" ...) or a
    # rerun ("rerun": true); each says what it replaced ("previous": PREVIOUS, the fields of that version)
    history: list[dict[str, Any]] = []
    qa: QAResult | None = None  # per-platform delivery checks and loudness (adbatch.stages.qa)
    fitting: Fitting | None = None  # how the voice-over was fitted to the video (optional: newer manifests)
    formats: list[FormatOutput] = []  # every rendered frame shape, main first (render.formats; newer manifests)
    # what replaced failed paid assets, one line each (adbatch.stages.assets, ``fallback`` in conf/):
    # "scene demo/0: clip failed after 2 attempt(s) (...) -> still plate"; empty: nothing was replaced
    degraded: list[str] = []
    started_at: str
    finished_at: str

    @field_validator("insights", mode="before")
    @classmethod
    def _no_insights(cls, value: Any) -> Any:
        """Schema 1 writes ``{}`` for a job that never read its row: that is no insights."""
        return None if value == {} else value

    @field_serializer("insights")
    def _insights_shape(self, value: Insights | None) -> Insights | dict[str, Any]:
        return {} if value is None else value


def recorded(record: BaseModel, name: str) -> Any:
    """``record.<name>`` as its manifest recorded it, or None when the file lacks that key (a manifest
    written before the field existed, e.g. a hook's ``reason`` and ``ranked_by``): the model's default
    was filled in on reading, which the video never said."""
    return getattr(record, name) if name in record.model_fields_set else None


def spent_before_usd(m: Manifest) -> float:
    """What earlier versions of the video in its folder cost (reruns, regenerated scenes): money spent, not lost."""
    return round(sum(float((h.get("previous") or {}).get("cost_usd") or 0.0) for h in m.history), 6)


def possibly_billed_usd(m: Manifest) -> float:
    """What the video's calls may have been billed besides their cost (replies lost after sending), its earlier
    versions in the folder included: a rerun does not erase it."""
    before = sum(float((h.get("previous") or {}).get("possibly_billed_usd") or 0.0) for h in m.history)
    return round(m.possibly_billed_usd + before, 6)


def value_usd(m: Manifest) -> float:
    """What the video was worth in provider spend: what it paid, plus what its cache hits and a whole
    reused video saved it (so a video reused twice over still counts its first run's cost)."""
    return round(m.cost_usd + sum(c.saved_usd for c in m.calls) + m.saved_usd, 6)


def work_usd(m: Manifest) -> dict[str, float]:
    """What each piece of provider work the video stands for was worth, by cache key: each call that made or
    reused its asset (its cost, or what its cache hit saved), and for a reused video the work of the video it
    reused. Work is shared by key (hook variants share a body, archetypes a product's analysis), so summing
    these maps over videos key by key counts shared work once. A reused video recorded before ``reused_work``
    existed stands as one piece, worth its ``saved_usd``."""
    work = dict(m.reused_work)
    if not work and m.saved_usd:
        work[f"video:{video_key(m.product_id, m.archetype, m.hook_requested)}"] = m.saved_usd
    for c in m.calls:
        if c.ok:
            work[c.key] = max(work.get(c.key, 0.0), round(c.cost_usd + c.saved_usd, 6))
    return work


def write(manifest: Manifest, folder: Path) -> Path:
    """Write ``folder/manifest.json`` atomically, with secrets redacted."""
    path = folder / MANIFEST
    write_text(path, json.dumps(redact(manifest.model_dump(mode="json")), indent=2, ensure_ascii=False))
    return path


def read(path: Path) -> Manifest:
    """Load and validate a manifest file."""
    return Manifest.model_validate_json(Path(path).read_text(encoding="utf-8"))


def job_summary(m: Manifest, folder: Path) -> dict[str, Any]:
    """What a job returns to its sweep (Hydra's ``JobReturn.return_value``): the manifest on disk has the rest."""
    return {
        "status": m.status,
        "product_id": m.product_id,
        "archetype": m.archetype,
        "hook": m.hook_requested,
        "cost_usd": m.cost_usd,
        "dir": str(folder),
    }


def carried_history(folder: Path) -> list[dict[str, Any]]:
    """The history the folder's earlier manifest carried, plus that run itself: a rerun into the same sweep
    dir keeps what the first run spent (the report counts it as spent before, never as nothing)."""
    try:
        old = read(folder / MANIFEST)
    except (OSError, ValueError):
        return []
    previous = old.model_dump(mode="json", include=PREVIOUS)
    return [*old.history, {"rerun": True, "previous": previous}]


def video_key(product_id: str, archetype: str, hook: str) -> str:
    """A video's name in folders, ledgers, reports and ad-platform results: ``<product>/<archetype>/hook-<hook>``
    (``hook`` may already carry its ``hook-`` prefix, as a folder name does)."""
    hook = str(hook).strip()
    return f"{product_id}/{archetype}/{hook if hook.startswith('hook-') else 'hook-' + hook}"
