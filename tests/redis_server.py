"""Real Redis and RQ processes for tests: a redis-server on 127.0.0.1 (free port, temp dir) and
``python -m adbatch.worker`` processes; each started and stopped here, nothing left running."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from adbatch.paths import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.05) -> object:
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(every)
    return result


class RedisServer:
    def __init__(self, folder: Path) -> None:
        self.folder, self.port = Path(folder), free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server is not installed: run tests/system-deps.sh")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.folder),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)

        def up() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with code {self.proc.returncode} (port {self.port})")
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_for(up, timeout=20, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (RQ's work horse, its scheduler, the render's FFmpeg)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class RQWorkers:
    """``count`` real ``python -m adbatch.worker`` processes on ``queue``, run from ``cwd`` (not the submitter's).

    A short heartbeat (1 s) and grace (``grace`` s) make RQ notice a dead worker within seconds.
    """

    def __init__(self, url: str, queue: str, *, cwd: Path, count: int = 2, grace: int = 3) -> None:
        self.url, self.queue, self.cwd, self.count, self.grace = url, queue, Path(cwd), count, grace
        self.procs: list[subprocess.Popen] = []
        self.names = [f"{queue}-w{i}" for i in range(count)]

    def __enter__(self) -> RQWorkers:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the workers and wait until each has registered with Redis."""
        from redis import Redis
        from rq import Worker

        self.cwd.mkdir(parents=True, exist_ok=True)
        # the project root on the path: a job may use a test provider (tests.paid) the workers must import
        path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, "REDIS_URL": self.url, "PYTHONPATH": path}
        for name in self.names:
            cmd = [
                sys.executable,
                "-m",
                "adbatch.worker",
                "--url",
                self.url,
                "--queue",
                self.queue,
                "--name",
                name,
                "--job-monitoring-interval",
                "1",
                "--heartbeat-grace",
                str(self.grace),
                "--quiet",
            ]
            log = (self.cwd / f"{name}.log").open("w")
            self.procs.append(subprocess.Popen(cmd, cwd=self.cwd, env=env, stdout=log, stderr=subprocess.STDOUT))
        connection = Redis.from_url(self.url)
        wait_for(
            lambda: set(self.names) <= {w.name for w in Worker.all(connection=connection)},
            timeout=60,
            what=f"workers {self.names} to register",
        )

    def worker(self, index: int):
        """The RQ ``Worker`` record of worker ``index``, as Redis has it now."""
        from redis import Redis
        from rq import Worker

        return Worker.find_by_key(
            Worker.redis_worker_namespace_prefix + self.names[index], connection=Redis.from_url(self.url)
        )

    def kill(self, index: int) -> None:
        """SIGKILL worker ``index`` and everything below it, as a machine dying would."""
        _kill_tree(self.procs[index])

    def stop(self) -> None:
        """Warm shutdown (SIGTERM: RQ finishes the current job), then SIGKILL whatever is left."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _kill_tree(proc)


def _kill_tree(proc: subprocess.Popen) -> None:
    """SIGKILL ``proc`` and all its descendants, then reap it."""
    for pid in [proc.pid, *descendants(proc.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=20)
