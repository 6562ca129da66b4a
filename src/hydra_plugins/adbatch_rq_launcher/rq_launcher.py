"""The RQ launcher: Hydra jobs as RQ jobs on a Redis queue, run by ``rq`` workers anywhere.

Thin on purpose (Hydra imports every plugin module at start-up): RQ, Redis and cloudpickle
are imported by ``_core`` only when a sweep actually launches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class RQLauncher(Launcher):
    """Enqueues one RQ job per Hydra job, waits for the workers, and returns their ``JobReturn``s in order."""

    def __init__(self, queue: str, redis: Any, enqueue: Any, wait_polling: float) -> None:
        self.queue, self.redis, self.enqueue, self.wait_polling = queue, redis, enqueue, wait_polling
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config, self.task_function, self.hydra_context = config, task_function, hydra_context

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from . import _core

        return _core.launch(self, job_overrides=job_overrides, initial_job_idx=initial_job_idx)
