"""The RQ launcher's work: pack each Hydra job, enqueue it, wait for the workers, unpack the results.

A job travels as one cloudpickled payload (task function, Hydra context, the job's composed
config, Hydra's singleton state) passed as the argument of :func:`execute_job`, and comes
back as a cloudpickled ``JobReturn``. RQ itself only sees a module-level function and bytes,
so a plain ``rq worker <queue>`` (or ``python -m adbatch.worker``) runs it with RQ's default
serializer, on any machine that has the same Python packages installed.

The sweep dir is made absolute here, before the jobs leave: a relative one would otherwise
be read from each worker's own working directory.

A worker that dies mid-job stops heart-beating; once its heartbeat expires, RQ's
StartedJobRegistry cleanup re-enqueues the job while it has ``enqueue.retry`` re-runs left.
Workers run that cleanup every few minutes; the launcher also runs it while it waits.

An adbatch job that ends without a result (no re-run left, timed out, cancelled) never wrote its
manifest: the launcher writes it a ``lost`` one (``adbatch.store.lost``) naming the RQ job, the
worker and why, and returns it as the job's result, so the sweep goes on to its report and exit
code as it would after a failed video. Any other Hydra task's such job fails the sweep with
:class:`RQJobError`.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import cloudpickle
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, configure_log, filter_overrides, run_job, setup_globals
from hydra.errors import HydraException
from omegaconf import open_dict
from redis import Redis
from rq import Queue, Retry
from rq.exceptions import InvalidJobOperation
from rq.job import Job
from rq.job import JobStatus as RQStatus
from rq.registry import StartedJobRegistry

from adbatch.domain.manifest import job_summary
from adbatch.store import heartbeat, lost

from .rq_launcher import RQLauncher

log = logging.getLogger(__name__)

ENDED = {RQStatus.FINISHED, RQStatus.FAILED, RQStatus.STOPPED, RQStatus.CANCELED, None}  # None: gone from Redis
# why a job ended without a result, in words, by the RQ exception its failure names
WHY = {
    "AbandonedJobError": "worker died (stopped heart-beating), no re-run left (hydra.launcher.enqueue.retry)",
    "JobTimeoutException": "timed out (hydra.launcher.enqueue.job_timeout)",
}


class RQJobError(HydraException):
    """An RQ job ended without a Hydra result: it failed inside RQ, timed out, was cancelled,
    or its worker died with no re-run left. ``job_id``, ``description`` and ``detail`` say which and why."""

    def __init__(self, *, job_id: str, description: str, detail: str) -> None:
        self.job_id, self.description, self.detail = job_id, description, detail
        super().__init__(f"RQ job {job_id} ({description}) ended without a result: {detail}")


def execute_job(payload: bytes) -> bytes:
    """Run one packed Hydra job on an RQ worker; return its ``JobReturn``, cloudpickled."""
    task_function, hydra_context, sweep_config, singleton_state = cloudpickle.loads(payload)
    setup_globals()
    Singleton.set_state(singleton_state)
    HydraConfig.instance().set_config(sweep_config)
    ret = run_job(
        hydra_context=hydra_context,
        task_function=task_function,
        config=sweep_config,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )
    return cloudpickle.dumps(ret)


def connect(redis_cfg: Any) -> Redis:
    """A Redis client for ``redis.url``; ``redis.password`` applies only when the URL has none."""
    extra = {"password": redis_cfg.password} if redis_cfg.get("password") else {}
    return Redis.from_url(str(redis_cfg.url), **extra)


def safe_url(url: str) -> str:
    """``url`` with any password hidden, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    user = f"{parts.username}:" if parts.username else ":"
    return urlunsplit(parts._replace(netloc=f"{user}***@{host}"))


def launch(
    launcher: RQLauncher, *, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
) -> Sequence[JobReturn]:
    """Enqueue every job of the batch, wait until each has ended, return their results in order."""
    setup_globals()
    assert launcher.config is not None and launcher.task_function is not None and launcher.hydra_context is not None
    configure_log(launcher.config.hydra.hydra_logging, launcher.config.hydra.verbose)
    sweep_dir = Path(str(launcher.config.hydra.sweep.dir)).absolute()
    sweep_dir.mkdir(parents=True, exist_ok=True)
    queue = Queue(launcher.queue, connection=connect(launcher.redis))
    log.info(
        f"RQ launcher: enqueuing {len(job_overrides)} jobs on queue '{queue.name}' at "
        f"{safe_url(str(launcher.redis.url))}; sweep dir {sweep_dir}"
    )
    state = Singleton.get_state()
    configs = [
        _job_config(launcher, overrides, initial_job_idx + idx, sweep_dir)
        for idx, overrides in enumerate(job_overrides)
    ]
    sent = [lost.Sent.of(config, sweep_dir) for config in configs]  # before they leave: a later manifest is theirs
    jobs = queue.enqueue_many(
        [_job_data(launcher, overrides, config, state) for overrides, config in zip(job_overrides, configs)]
    )
    for idx, job in enumerate(jobs):
        log.info(f"\t#{initial_job_idx + idx} : {job.description} (RQ job {job.id})")
    try:
        _wait(queue, jobs, polling=float(launcher.wait_polling))
    except BaseException:
        _cancel_queued(jobs)
        raise
    return [_job_return(job, overrides, video) for job, overrides, video in zip(jobs, job_overrides, sent)]


def _job_config(launcher: RQLauncher, overrides: Sequence[str], num: int, sweep_dir: Path) -> Any:
    """The job's composed config, with its id (the RQ job id too), number and absolute sweep dir."""
    assert launcher.hydra_context is not None and launcher.config is not None
    sweep_config = launcher.hydra_context.config_loader.load_sweep_config(launcher.config, list(overrides))
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = uuid.uuid4().hex
        sweep_config.hydra.job.num = num
        sweep_config.hydra.sweep.dir = str(sweep_dir)
    return sweep_config


def _job_data(launcher: RQLauncher, overrides: Sequence[str], sweep_config: Any, state: Any) -> Any:
    num, job_id = sweep_config.hydra.job.num, sweep_config.hydra.job.id
    payload = cloudpickle.dumps((launcher.task_function, launcher.hydra_context, sweep_config, state))
    opts = dict(launcher.enqueue)
    retry = Retry(max=opts["retry"], interval=opts["retry_interval"]) if opts["retry"] else None
    return Queue.prepare_data(
        execute_job,
        args=(payload,),
        job_id=job_id,
        description=" ".join(filter_overrides(overrides)) or f"job {num}",
        timeout=opts["job_timeout"] if opts["job_timeout"] is not None else -1,
        ttl=opts["ttl"],
        result_ttl=opts["result_ttl"],
        failure_ttl=opts["failure_ttl"],
        retry=retry,
    )


def _wait(queue: Queue, jobs: Sequence[Job], *, polling: float) -> None:
    log.info(f"Waiting for {len(jobs)} jobs (checking every {polling:g} s)")
    pending = list(jobs)
    while pending:
        _requeue_abandoned(queue)
        pending = [job for job in pending if _status(job) not in ENDED]
        if pending:
            time.sleep(polling)


def _status(job: Job) -> RQStatus | None:
    """The job's RQ status; None once Redis no longer has it (its ``enqueue.ttl`` expired, or the queue was emptied)."""
    try:
        return job.get_status(refresh=True)
    except InvalidJobOperation:
        return None


def _requeue_abandoned(queue: Queue) -> None:
    """Run RQ's own cleanup of jobs whose worker stopped heart-beating (it re-enqueues those with re-runs left)."""
    if queue.acquire_maintenance_lock():
        try:
            StartedJobRegistry(queue=queue).cleanup()
        finally:
            queue.release_maintenance_lock()


def _cancel_queued(jobs: Sequence[Job]) -> None:
    """On Ctrl-C (or any error while waiting), take the jobs no worker has started off the queue."""
    try:
        queued = [job for job in jobs if _status(job) in (RQStatus.QUEUED, RQStatus.SCHEDULED)]
        for job in queued:
            job.cancel()
    except Exception as exc:
        log.warning(f"could not cancel the queued jobs: {exc!r}")
        return
    if queued:
        log.warning(f"cancelled {len(queued)} queued jobs; jobs already running finish on their workers")


def _job_return(job: Job, overrides: Sequence[str], sent: lost.Sent | None) -> JobReturn:
    """The job's own ``JobReturn``; for one that ended without it, its ``lost`` manifest's summary (an adbatch
    video) or a failure carrying :class:`RQJobError` (any other task)."""
    status = _status(job)
    if status == RQStatus.FINISHED:
        ret = cloudpickle.loads(job.return_value())
        assert isinstance(ret, JobReturn)
        return ret
    result = job.latest_result() if status is not None else None
    detail = (result.exc_string if result is not None and result.exc_string else "") or (
        f"status {status}" if status else "Redis no longer has the job (enqueue.ttl expired, or the queue was emptied)"
    )
    error = RQJobError(job_id=job.id, description=job.description or "", detail=detail.strip().splitlines()[-1])
    log.error(f"{error}\n{detail}")
    written = _write_lost(job, error, sent) if sent is not None else None
    if written is None:
        return JobReturn(overrides=list(overrides), status=JobStatus.FAILED, _return_value=error)
    return JobReturn(overrides=list(overrides), status=JobStatus.COMPLETED, _return_value=written)


def _write_lost(job: Job, error: RQJobError, sent: lost.Sent) -> dict[str, Any] | None:
    """Write the video's ``lost`` manifest (unless the job wrote its own); the summary of the manifest now in its
    folder, or None when none could be written or read."""
    cause = next((name for name in WHY if name in error.detail), "RQJobError")
    why = WHY.get(cause, error.detail)
    message = f"RQ job {job.id} on worker {_worker(job)}{_last_beat(sent)}: {why}"
    try:
        m = lost.write(sent, error_type=cause, message=message)
    except (OSError, ValueError) as exc:
        log.error(f"could not write the lost manifest of {sent.folder}: {exc!r}")
        return None
    if m.status == "lost":
        log.error(f"{sent.folder}: recorded as lost: {m.error.message if m.error else message}")
    return job_summary(m, sent.folder)


def _worker(job: Job) -> str:
    """The name of the worker that last took ``job`` (RQ keeps it on the job), or "unknown"."""
    try:
        job.refresh()
    except Exception:  # gone from Redis: nothing more to learn
        return "unknown"
    return job.worker_name or "unknown"


def _last_beat(sent: lost.Sent) -> str:
    """Where and when the job's own heartbeat (``.running`` in its folder) was last written, if it was."""
    beat = heartbeat.read(sent.folder / heartbeat.JOB_FILE)
    if not isinstance(beat.get("heartbeat_at"), int | float):
        return ""
    at = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(beat["heartbeat_at"]))
    return f" (last heartbeat from host {beat.get('host')}, pid {beat.get('pid')}, at {at})"
