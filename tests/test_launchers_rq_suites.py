"""The RQ launcher against Hydra's own launcher test suites, with real workers on a real redis-server.

Hydra's suites run their own tiny apps (in this process, and as subprocesses for the
integration suite); two ``python -m adbatch.worker`` processes, started from another
folder than the submitter, run every job.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hydra.core.plugins import Plugins
from hydra.plugins.launcher import Launcher
from hydra.test_utils.launcher_common_tests import IntegrationTestSuite, LauncherTestSuite
from hydra.test_utils.test_utils import TSweepRunner
from rq.timeouts import JobTimeoutException

from hydra_plugins.adbatch_rq_launcher._core import RQJobError, safe_url
from hydra_plugins.adbatch_rq_launcher.rq_launcher import RQLauncher
from tests.redis_server import RQWorkers

pytestmark = pytest.mark.slow  # Hydra's shared launcher suites on a real Redis

QUEUE = "hydra-suites"
FAST = [f"hydra.launcher.queue={QUEUE}", "hydra.launcher.wait_polling=0.05"]


@pytest.fixture(scope="module")
def suite_workers(redis_url: str, tmp_path_factory) -> Iterator[RQWorkers]:
    """Two workers on the suites' queue; REDIS_URL points the launcher (and its subprocess apps) at the server."""
    before = os.environ.get("REDIS_URL")
    os.environ["REDIS_URL"] = redis_url
    with RQWorkers(redis_url, QUEUE, cwd=tmp_path_factory.mktemp("worker-cwd")) as workers:
        yield workers
    if before is None:
        os.environ.pop("REDIS_URL", None)
    else:
        os.environ["REDIS_URL"] = before


@pytest.fixture(autouse=True)
def fresh_version_base(hydra_restore_singletons) -> None:
    """Hydra's suites expect a fresh process: version_base unset, so jobs chdir into their output dir. An earlier
    test in the session may have set it (it lives in a Hydra singleton, restored after each test)."""
    from hydra.version import _UNSPECIFIED_, VersionBase

    VersionBase.instance().version_base = _UNSPECIFIED_


def test_discovery() -> None:
    """Hydra finds the launcher plugin (compared by name: discovery re-imports modules)."""
    assert RQLauncher.__name__ in [x.__name__ for x in Plugins.instance().discover(Launcher)]


@pytest.mark.usefixtures("suite_workers")
@pytest.mark.parametrize("launcher_name, overrides", [("rq", FAST)])
class TestRQLauncher(LauncherTestSuite):
    """Hydra's launcher suite: job returns, configs, output dirs, job ids, custom resolvers."""


@pytest.mark.usefixtures("suite_workers")
@pytest.mark.parametrize("task_launcher_cfg, extra_flags", [({}, ["-m", "hydra/launcher=rq", *FAST])])
class TestRQLauncherIntegration(IntegrationTestSuite):
    """Hydra's integration suite: real scripts in subprocesses; output dirs relative to the submitter, not the workers."""


@pytest.mark.usefixtures("suite_workers", "hydra_restore_singletons")
def test_exception_in_a_job_fails_the_sweep_like_other_launchers(hydra_sweep_runner: TSweepRunner, tmpdir) -> None:
    """A task that raises on a worker raises the same error in the submitter once the batch is back."""

    def task(cfg) -> None:
        raise ValueError(f"job {cfg.a} broke")

    sweep = hydra_sweep_runner(
        calling_file=None,
        calling_module="hydra.test_utils.a_module",
        task_function=task,
        config_path="configs",
        config_name="compose",
        temp_dir=tmpdir,
        overrides=["hydra/launcher=rq", *FAST, "+a=1"],
    )
    with pytest.raises(ValueError, match="job 1 broke"), sweep:
        pass


@pytest.mark.usefixtures("suite_workers", "hydra_restore_singletons")
def test_job_over_its_time_limit_fails_with_rqs_timeout(hydra_sweep_runner: TSweepRunner, tmpdir) -> None:
    """enqueue.job_timeout reaches the worker: RQ stops the job and its timeout error reaches the submitter."""

    def task(_cfg) -> None:
        time.sleep(30)

    sweep = hydra_sweep_runner(
        calling_file=None,
        calling_module="hydra.test_utils.a_module",
        task_function=task,
        config_path="configs",
        config_name="compose",
        temp_dir=tmpdir,
        overrides=[
            "hydra/launcher=rq",
            *FAST,
            "hydra.launcher.enqueue.job_timeout=1",
            "hydra.launcher.enqueue.retry=0",
        ],
    )
    with pytest.raises(JobTimeoutException, match="1 seconds"), sweep:
        pass


@pytest.mark.usefixtures("suite_workers", "hydra_restore_singletons")
def test_job_no_worker_took_within_its_ttl_is_an_rq_job_error(hydra_sweep_runner: TSweepRunner, tmpdir) -> None:
    """No worker on the queue and enqueue.ttl=1: RQ drops the job, and the submitter stops waiting and says so."""
    sweep = hydra_sweep_runner(
        calling_file=None,
        calling_module="hydra.test_utils.a_module",
        task_function=None,
        config_path="configs",
        config_name="compose",
        temp_dir=tmpdir,
        overrides=[
            "hydra/launcher=rq",
            "hydra.launcher.queue=nobody-listens",
            "hydra.launcher.wait_polling=0.1",
            "hydra.launcher.enqueue.ttl=1",
        ],
    )
    with pytest.raises(RQJobError, match="Redis no longer has the job"), sweep:
        pass


def test_logged_url_hides_the_password() -> None:
    """The launcher logs where Redis is, never its password."""
    assert safe_url("redis://:s3cret-pass@redis.internal:6379/0") == "redis://:***@redis.internal:6379/0"
    assert safe_url("rediss://app:s3cret-pass@r:6380/1") == "rediss://app:***@r:6380/1"
    assert safe_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_plugin_modules_stay_cheap_to_import() -> None:
    """Hydra imports every plugin module at start-up: RQ, Redis and cloudpickle load only when a sweep launches."""
    import subprocess
    import sys

    code = (
        "import sys, hydra_plugins.adbatch_rq_launcher.rq_launcher, hydra_plugins.adbatch_rq_launcher.config;"
        "print(sorted(m for m in ('rq', 'redis', 'cloudpickle') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path.cwd())
    assert out.stdout.strip() == "[]"
