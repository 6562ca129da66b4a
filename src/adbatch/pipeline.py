"""One job = one video: catalog row -> script -> direction -> assets -> timeline -> render -> sheet -> QA.

``run_job`` never raises for a problem with the video itself: a bad row ends as
``invalid``, any other failure as ``failed`` with its stage, type and message, and the
manifest is written in every case, so one bad product never stops a sweep. The stages
themselves are in ``adbatch.stages.run``; this module runs them in order, times them, and
records what each returned (a job that fails keeps what its earlier stages recorded).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from adbatch import __version__, memory
from adbatch.config import AdbatchConf
from adbatch.domain import manifest
from adbatch.domain.insights import Insights
from adbatch.domain.notes import Note
from adbatch.domain.qa import QAResult
from adbatch.domain.script import HookCandidate
from adbatch.domain.timeline import Fitting
from adbatch.errors import AdbatchError
from adbatch.logs import job_logger
from adbatch.providers.base import ScriptWriter
from adbatch.stages import catalog, qa, run
from adbatch.stages.assets import Producer, Providers
from adbatch.store import heartbeat, housekeeping, resume, slots
from adbatch.store.cache import AssetCache
from adbatch.store.ledger import CapExceeded, Ledger

P = ParamSpec("P")
R = TypeVar("R")


class StageError(AdbatchError):
    """Wraps any failure of a job with the stage it happened in; ``cause`` is what was raised."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.stage, self.cause = stage, cause


@dataclass
class Record:
    """What the manifest will say about the stages, filled in as each one returns."""

    row: int | None = None
    product_name: str | None = None
    insights: Insights | None = None
    input_hash: str | None = None
    hooks: list[HookCandidate] = field(default_factory=list)
    hook: HookCandidate | None = None
    director: list[Note] = field(default_factory=list)
    outputs: manifest.Outputs = field(default_factory=manifest.Outputs)
    qa: QAResult | None = None
    fitting: Fitting | None = None
    formats: list[manifest.FormatOutput] = field(default_factory=list)
    reused_from: str | None = None
    saved_usd: float = 0.0
    reused_work: dict[str, float] = field(default_factory=dict)
    degraded: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Timer:
    """Seconds per stage; a failure inside a stage is re-raised as a StageError naming it."""

    log: Any
    timings: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        tic = time.perf_counter()
        self.log.info("stage_start", stage=name)
        try:
            yield
        except (catalog.RowError, StageError):
            raise
        except Exception as exc:
            raise StageError(name, _first_cause(exc)) from exc
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - tic, 4)

    def run(self, name: str, step: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        with self.stage(name):
            return step(*args, **kwargs)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _first_cause(exc: BaseException) -> BaseException:
    """The error to report from a failed task group: a cap refusal if any, else the first error."""
    if not isinstance(exc, BaseExceptionGroup):
        return exc
    leaves = [_first_cause(e) for e in exc.exceptions]
    return next((e for e in leaves if isinstance(e, CapExceeded)), leaves[0])


def run_job(
    cfg: AdbatchConf, *, out_dir: Path, writer: ScriptWriter, providers: Providers, ledger: Ledger | None = None
) -> manifest.Manifest:
    """Render the video ``cfg.product_id`` describes into ``out_dir``; always write its manifest.

    Paid calls reserve their estimate in ``ledger`` first; a call that would cross a cap is not
    made and the video ends ``skipped_cap``. A video finished before with the same input hash is
    reused and ends ``cached``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out_dir / ".work", ignore_errors=True)  # scratch left by an attempt that was killed
    history = manifest.carried_history(out_dir)
    started, tic = _now(), time.perf_counter()
    cache, key = AssetCache(cfg.cache_dir), manifest.video_key(str(cfg.product_id), cfg.archetype.name, str(cfg.hook))
    if ledger is not None:
        ledger.release_stale(key)  # left by an attempt of this video that died mid-call
    labels = {
        "job": str(out_dir),
        "product": str(cfg.product_id),
        "archetype": cfg.archetype.name,
        "hook": str(cfg.hook),
    }
    housekeeping.stale_parts(Path(cfg.cache_dir))  # half-written files of renders killed earlier
    with (
        heartbeat.Beating(out_dir / heartbeat.JOB_FILE),  # python -m adbatch.status tells a working job from a lost one
        job_logger(out_dir / "log.jsonl", context=labels) as log,
        ExitStack() as hold,
    ):
        producer = Producer(cache, log, ledger=ledger, video=key)
        job = run.Job(cfg=cfg, out_dir=out_dir, writer=writer, providers=providers, producer=producer, log=log)
        record, timer = Record(), Timer(log)
        status: manifest.Status = "ok"
        error: manifest.ErrorInfo | None = None
        try:
            status = _pipeline(job, record, timer, hold)
        except catalog.RowError as exc:
            status = "invalid"
            error = manifest.ErrorInfo(stage="catalog", type="RowError", message=str(exc), row=exc.row, field=exc.field)
        except StageError as exc:
            status = "skipped_cap" if isinstance(exc.cause, CapExceeded) else "failed"
            error = manifest.ErrorInfo(stage=exc.stage, type=type(exc.cause).__name__, message=str(exc.cause))
        timer.timings["total"] = round(time.perf_counter() - tic, 4)
        result = manifest.Manifest(
            adbatch_version=__version__,
            status=status,
            product_id=str(cfg.product_id),
            archetype=cfg.archetype.name,
            hook_requested=str(cfg.hook),
            config=_config_summary(cfg, writer, providers),
            calls=list(producer.calls),
            cost_usd=round(sum(c.cost_usd for c in producer.calls), 6),
            possibly_billed_usd=round(sum(c.possibly_billed_usd for c in producer.calls), 6),
            timings=timer.timings,
            error=error,
            started_at=started,
            finished_at=_now(),
            history=history,
            **record.fields(),
        )
        manifest.write(result, out_dir)
        if status == "ok" and result.input_hash:
            resume.store(out_dir, cache.root, result.input_hash)
        message = error.message if error else None
        log.info("job_end", status=status, seconds=timer.timings["total"], cost_usd=result.cost_usd, error=message)
        shutil.rmtree(out_dir / ".work", ignore_errors=True)
    memory.give_back()  # a worker running job after job holds one job's memory, not its high-water mark
    return result


def not_started(cfg: AdbatchConf, out_dir: Path, *, reason: str) -> manifest.Manifest:
    """The manifest of a job the sweep did not start because an earlier job's API key was refused (every
    call with it would be refused too): ``failed``, $0, the refusal as its error."""
    out_dir.mkdir(parents=True, exist_ok=True)
    now = _now()
    result = manifest.Manifest(
        adbatch_version=__version__,
        status="failed",
        product_id=str(cfg.product_id),
        archetype=cfg.archetype.name,
        hook_requested=str(cfg.hook),
        error=manifest.ErrorInfo(stage="keys", type="KeyRefused", message=f"not started: {reason}"),
        started_at=now,
        finished_at=now,
    )
    manifest.write(result, out_dir)
    return result


def _pipeline(job: run.Job, record: Record, timer: Timer, hold: ExitStack) -> manifest.Status:
    """Run the stages in order, recording each result; the status (ok, or cached when an identical
    finished video was reused). ``hold`` keeps the video's lock until the job has stored what it made:
    two sweeps that need the same video (the same input hash) make it once, the second reuses it."""
    with timer.stage("catalog"):
        cat = catalog.load_catalog(job.cfg.products or "", job.cfg.catalog)
        record.row = cat.row_for_key(str(job.cfg.product_id))
        got = run.intake(job.cfg, cat, record.row)
        record.product_name, record.insights, record.input_hash = got.product.name, got.facts, got.input_hash
        hold.enter_context(resume.making(Path(job.cfg.cache_dir), got.input_hash))
        earlier = resume.find(job.out_dir, Path(job.cfg.cache_dir), got.input_hash)
    if earlier is not None:
        return _reuse(job, record, earlier)
    words = timer.run("script", run.script, job, got)
    record.insights, record.hooks, record.hook = words.facts, list(words.script.hooks), words.chosen
    shape = timer.run("director", run.direction, job, got, words)
    record.director, record.hook, record.fitting = shape.notes, shape.chosen, shape.fitting
    wanted, assets = timer.run("assets", run.produce, job, got, words, shape)
    record.degraded = list(assets.degraded)
    laid = timer.run("timeline", run.lay_out, job, got, words, shape, wanted, assets)
    record.fitting = laid.fitting
    memory.give_back()  # what making the assets freed, before the render's peak
    r, tic = job.cfg.render, time.perf_counter()
    with slots.slot(Path(job.cfg.cache_dir), r.slots or slots.default_slots(r.threads)):  # renders bounded by cores
        timer.timings["render_wait"] = round(time.perf_counter() - tic, 4)
        done = timer.run("render", run.render, job, got, shape, assets, laid, timer.timings)
    record.outputs = done.outputs
    timer.run("sheet", run.contact_sheet, job, got, laid, shape.chosen, done)
    with timer.stage("qa"):
        record.qa, record.formats = run.gate(job, done)
        if job.cfg.qa.required:
            qa.enforce(record.qa)
            for cut in record.formats[1:]:
                qa.enforce(cut.qa, shape=cut.format)
    return "ok"


def _reuse(job: run.Job, record: Record, earlier: Path) -> manifest.Status:
    """Take the finished video from ``earlier`` instead of making it again: status cached, $0, and
    what it would have cost recorded as saved."""
    old = manifest.read(earlier / manifest.MANIFEST)
    resume.restore(earlier, job.out_dir)
    record.hook, record.hooks, record.insights, record.outputs = old.hook, old.hooks, old.insights, old.outputs
    record.qa, record.director, record.reused_from = old.qa, old.director, str(earlier)
    record.fitting, record.formats, record.degraded = old.fitting, old.formats, old.degraded
    record.saved_usd, record.reused_work = manifest.value_usd(old), manifest.work_usd(old)
    job.log.info("reused", source=str(earlier))
    return "cached"


def _config_summary(cfg: AdbatchConf, writer: ScriptWriter, providers: Providers) -> dict[str, Any]:
    """The presets the video was made with; ``stages`` names each stage's provider and model as built,
    so a swapped stage (``provider=live provider.scenes=offline``) reads as what it was."""
    stages = {"script": writer} | {f.name: getattr(providers, f.name) for f in fields(providers)}
    return {
        "catalog": str(Path(cfg.products or "").resolve()),
        "render": cfg.render.name,
        "pacing": cfg.pacing.name,
        "provider": cfg.provider.name,
        "stages": {stage: f"{p.name}/{p.model}" for stage, p in stages.items()},
        "cost_cap": cfg.cost_cap.name,
        "seed": cfg.seed,
        "duration": cfg.pacing.duration,
        "width": cfg.render.width,
        "height": cfg.render.height,
        "fps": cfg.render.fps,
    }
