"""The manifest of a job that died for good: status ``lost``, why, and what it had already spent.

A job writes its own manifest at its end whatever happened (``adbatch.pipeline``). A job whose
process is killed and never run again (its RQ worker died with no re-run left, RQ's timeout) cannot:
the launcher that waited for it writes one instead (``hydra_plugins.adbatch_rq_launcher``), so the
report lists the video as a failure and a sweep of nothing but such jobs exits non-zero.

Nothing the job recorded is dropped. Its spend comes from its ``log.jsonl``: every provider call
logged after the folder's last ``job_end`` belongs to an attempt that never ended, and is rebuilt
as a call of the manifest (a re-run's cache hits included, at $0). An earlier run's manifest in the
folder goes into ``history``, as a rerun's would. A manifest the job itself wrote after it was sent
is never replaced: :class:`Sent` remembers the file as it was when the job left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from adbatch import __version__
from adbatch.domain import manifest

CALL_EVENTS = {"provider_call": True, "provider_call_failed": False}  # log event -> the call succeeded
STAGE = "worker"  # the error's stage: no pipeline stage failed, the process running them was lost


@dataclass(frozen=True)
class Sent:
    """An adbatch job as its launcher sent it: the video, its folder, and its manifest's mtime then."""

    folder: Path
    product_id: str
    archetype: str
    hook: str
    stamp: int | None  # manifest.json's st_mtime_ns when the job was sent; None: there was none

    @classmethod
    def of(cls, cfg: Any, sweep_dir: Path) -> Sent | None:
        """The job of composed config ``cfg`` (its ``hydra.sweep.subdir`` under ``sweep_dir``), or None for a
        config that is not an adbatch video (no product, archetype or hook) or whose folder cannot be resolved."""
        product, archetype, hook = (
            OmegaConf.select(cfg, k, default=None) for k in ("product_id", "archetype.name", "hook")
        )
        try:
            subdir = OmegaConf.select(cfg, "hydra.sweep.subdir", default=None, throw_on_resolution_failure=True)
        except Exception:  # an interpolation only a running job can resolve: nothing this launcher can name
            return None
        if subdir is None or product is None or archetype is None or hook is None:
            return None
        folder = Path(sweep_dir) / str(subdir)
        return cls(folder, str(product), str(archetype), str(hook), stamp=_stamp(folder / manifest.MANIFEST))


def write(sent: Sent, *, error_type: str, message: str) -> manifest.Manifest:
    """Write ``sent``'s ``lost`` manifest with this error (adding the stage the job was in when it died) and
    return it; when the job wrote its own manifest after it was sent, return that one instead (its word
    stands). Raises OSError or ValueError when that one cannot be read."""
    path = sent.folder / manifest.MANIFEST
    if _stamp(path) != sent.stamp:
        return manifest.read(path)
    events = unfinished_events(sent.folder / manifest.Outputs().log)
    calls = [_call(e) for e in events if e.get("event") in CALL_EVENTS]
    stages = [str(e["stage"]) for e in events if e.get("event") == "stage_start" and "stage" in e]
    now = _iso(datetime.now(UTC))
    result = manifest.Manifest(
        adbatch_version=__version__,
        status="lost",
        product_id=sent.product_id,
        archetype=sent.archetype,
        hook_requested=sent.hook,
        calls=calls,
        cost_usd=round(sum(c.cost_usd for c in calls), 6),
        possibly_billed_usd=round(sum(c.possibly_billed_usd for c in calls), 6),
        error=manifest.ErrorInfo(
            stage=STAGE,
            type=error_type,
            message=message + (f" (it was in stage {stages[-1]})" if stages else " (before its first stage)"),
        ),
        history=manifest.carried_history(sent.folder),
        started_at=_started(events) or now,
        finished_at=now,
    )
    manifest.write(result, sent.folder)
    return result


def unfinished_events(log: Path) -> list[dict[str, Any]]:
    """The events of ``log`` after its last ``job_end``: what attempts that never ended did. [] without a log."""
    try:
        lines = log.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    events: list[dict[str, Any]] = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:  # a line cut short by the kill
            continue
        if not isinstance(event, dict):
            continue
        if event.get("event") == "job_end":
            events.clear()
        else:
            events.append(event)
    return events


def _call(event: dict[str, Any]) -> manifest.Call:
    """A provider call rebuilt from its log line (``adbatch.stages.assets``); a failed call keeps its error."""
    ok = CALL_EVENTS[str(event["event"])]
    fields = {k: v for k, v in event.items() if k in manifest.LOGGED_CALL_FIELDS}
    return manifest.Call.model_validate(
        {"key": "", "model": "", **fields, "ok": ok, "error": None if ok else event.get("error")}
    )


def _started(events: list[dict[str, Any]]) -> str | None:
    try:
        return _iso(datetime.fromisoformat(str(events[0]["timestamp"])))
    except (IndexError, KeyError, ValueError):
        return None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")  # as adbatch.pipeline writes times


def _stamp(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
