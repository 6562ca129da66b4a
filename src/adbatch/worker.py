"""``python -m adbatch.worker``: an RQ worker for sweeps launched with ``hydra/launcher=rq``.

    python -m adbatch.worker --url redis://10.0.0.5:6379/0 --queue adbatch [--burst]

This is RQ's own ``Worker`` (one forked work horse per job, heartbeats, retries, RQ's
registries), started with what adbatch jobs want:

- ``REDIS_URL`` is set to the worker's own URL, so a job that reads the launcher's
  ``redis.url`` (the shared cost ledger) reaches the server the job came from;
- adbatch's modules are imported once, before forking, so each job starts warm (~1 s saved);
- the heartbeat grace is a flag: RQ calls a job abandoned, and re-runs it, once its worker
  has missed heartbeats for ``--job-monitoring-interval`` + ``--heartbeat-grace`` seconds
  (RQ's own grace is 60 s).

``rq worker --url URL adbatch`` runs the same jobs with RQ's defaults.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Sequence
from typing import Any

DEFAULT_URL = "redis://127.0.0.1:6379/0"
# a dead worker's job is called abandoned, and re-run, about BEAT_S + GRACE_S (30 s) after its last beat;
# RQ's own defaults (30 s + 60 s) left a killed job shown as running for a minute and a half
BEAT_S = 10
GRACE_S = 20


def make_worker(
    *,
    url: str,
    queues: Sequence[str],
    name: str | None = None,
    job_monitoring_interval: int = BEAT_S,
    heartbeat_grace: int = GRACE_S,
    maintenance_interval: int = 600,
) -> Any:
    """An RQ worker on ``queues`` at ``url`` that declares a job abandoned ``heartbeat_grace`` s after its last beat."""
    from redis import Redis
    from rq import Queue, Worker

    class AdbatchWorker(Worker):
        def get_heartbeat_ttl(self, job: Any, *args: Any, **kwargs: Any) -> int:
            return super().get_heartbeat_ttl(job, *args, **kwargs) - 60 + heartbeat_grace  # RQ adds a fixed 60 s

    password = os.environ.get("REDIS_PASSWORD") or None
    connection = Redis.from_url(url, **({"password": password} if password else {}))
    return AdbatchWorker(
        [Queue(q, connection=connection) for q in queues],
        connection=connection,
        name=name,
        job_monitoring_interval=job_monitoring_interval,
        maintenance_interval=maintenance_interval,
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m adbatch.worker", description="An RQ worker for sweeps launched with hydra/launcher=rq."
    )
    p.add_argument(
        "--url",
        default=os.environ.get("REDIS_URL", DEFAULT_URL),
        help="Redis URL (default: $REDIS_URL, else %(default)s); password: in the URL or $REDIS_PASSWORD",
    )
    p.add_argument(
        "--queue",
        action="append",
        dest="queues",
        help="queue to work on, repeatable (default: adbatch, the launcher's hydra.launcher.queue)",
    )
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty instead of waiting for jobs")
    p.add_argument("--name", help="worker name shown by `rq info` (default: RQ's random one)")
    p.add_argument(
        "--preload",
        action="append",
        default=None,
        help="module to import before forking jobs, repeatable (default: adbatch.app; '' for none)",
    )
    p.add_argument(
        "--job-monitoring-interval", type=int, default=BEAT_S, help="seconds between heartbeats during a job"
    )
    p.add_argument(
        "--heartbeat-grace",
        type=int,
        default=GRACE_S,
        help=f"seconds of missed heartbeats after which RQ re-runs the job elsewhere (default {GRACE_S}; RQ's own: 60)",
    )
    p.add_argument(
        "--maintenance-interval",
        type=int,
        default=600,
        help="seconds between this worker's cleanups of RQ's registries (RQ's default)",
    )
    p.add_argument("--quiet", action="store_true", help="log warnings only")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run a worker until it is stopped (SIGINT/SIGTERM finish the current job first), or until empty with --burst."""
    args = parse_args(argv)
    os.environ["REDIS_URL"] = args.url
    for module in args.preload if args.preload is not None else ["adbatch.app"]:
        if module:
            importlib.import_module(module)
    worker = make_worker(
        url=args.url,
        queues=args.queues or ["adbatch"],
        name=args.name,
        job_monitoring_interval=args.job_monitoring_interval,
        heartbeat_grace=args.heartbeat_grace,
        maintenance_interval=args.maintenance_interval,
    )
    worker.work(burst=args.burst, with_scheduler=True, logging_level="WARNING" if args.quiet else "INFO")


if __name__ == "__main__":
    main()
