"""Config of the RQ launcher, stored as ``hydra/launcher=rq``.

No ``from __future__ import annotations`` here: Hydra executes plugin modules without
registering them in sys.modules, and dataclasses then cannot resolve string annotations.
"""

from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore


@dataclass
class RedisConf:
    # server URL: redis://host:port/db (rediss:// for TLS); REDIS_URL when set. Keep passwords in
    # REDIS_URL or REDIS_PASSWORD: an URL given on the command line is saved with each job's config
    url: str = "${oc.env:REDIS_URL,redis://127.0.0.1:6379/0}"
    # password when the URL carries none; read from the environment only, never saved resolved
    password: str | None = "${oc.env:REDIS_PASSWORD,null}"


@dataclass
class EnqueueConf:
    # seconds a job may run before RQ stops it and records it failed; null: no limit
    job_timeout: int | None = None
    # seconds a job may wait in the queue for a worker before RQ drops it; null: no limit
    ttl: int | None = None
    # seconds RQ keeps a finished job's result (the launcher reads it as soon as the job ends)
    result_ttl: int = 86400
    # seconds RQ keeps a failed job and its traceback (`rq info`, post-mortems)
    failure_ttl: int = 604800
    # re-runs of a job whose worker died mid-job or that failed inside RQ; rerun jobs resume, not re-pay
    retry: int = 2
    # seconds between those re-runs (above 0 needs a worker running RQ's scheduler, as adbatch.worker does)
    retry_interval: int = 0


@dataclass
class RQLauncherConf:
    _target_: str = "hydra_plugins.adbatch_rq_launcher.rq_launcher.RQLauncher"
    # the RQ queue jobs go to; start the workers on the same name
    queue: str = "adbatch"
    # where the Redis server is
    redis: RedisConf = field(default_factory=RedisConf)
    # how each job is enqueued (RQ's own job options)
    enqueue: EnqueueConf = field(default_factory=EnqueueConf)
    # seconds between two looks at the jobs' status while the launcher waits for them
    wait_polling: float = 1.0


ConfigStore.instance().store(group="hydra/launcher", name="rq", node=RQLauncherConf, provider="adbatch_rq_launcher")
