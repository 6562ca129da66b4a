"""The catalog sweep on Hydra's scaling launchers, run as a user runs it: joblib (local processes)
and RQ (real workers on a real redis-server), including a worker killed mid-job."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from adbatch.domain.manifest import read
from adbatch.paths import PROJECT_ROOT
from adbatch.render.probe import probe
from tests.conftest import SMOKE, make_png, product_row, run_adbatch, write_catalog
from tests.redis_server import RQWorkers, wait_for

pytestmark = pytest.mark.slow  # sweeps on joblib, submitit and RQ workers, killed workers

PRODUCTS = ("alpha-mug",)  # one product: 2 videos with ugc,pov, enough to run side by side
ARCHETYPES = ("ugc", "pov")
DRAFT = ["archetype=ugc,pov", *SMOKE]


def adbatch(*args: str, env: dict[str, str] | None = None, **popen) -> subprocess.CompletedProcess:
    """``python -m adbatch ARGS -m``, as a user runs a sweep."""
    return run_adbatch(*args, "-m", env={**os.environ, **(env or {})}, **popen)


def catalog(folder: Path, *, broken: bool = False) -> Path:
    """One valid product (2 videos with ugc,pov); ``broken`` adds a row whose image is not an image."""
    for pid in PRODUCTS:
        make_png(folder / "images" / f"{pid}.png", size=(256, 256))
    rows = [product_row(pid) for pid in PRODUCTS]
    if broken:
        (folder / "images" / "fake.png").write_text("not a png")
        rows.insert(1, product_row("broken", image="images/fake.png"))
    return write_catalog(folder, rows)


def assert_valid_videos(sweep: Path) -> None:
    """Each product x archetype has its folder <product>/<archetype>/hook-best with an ok manifest and a
    valid 20 s draft MP4."""
    for pid in PRODUCTS:
        for arch in ARCHETYPES:
            folder = sweep / pid / arch / "hook-best"
            m = read(folder / "manifest.json")
            assert (m.status, m.product_id, m.archetype) == ("ok", pid, arch), m.error
            info = probe(folder / "video.mp4")
            assert (info.width, info.height, info.video_codec, info.audio_codec) == (288, 512, "h264", "aac")
            assert abs(info.duration - 20.0) <= 0.1


def ran_in_parallel(sweep: Path) -> bool:
    """Some two jobs were running at the same time (by their manifests' start and end times)."""
    spans = sorted(
        (datetime.fromisoformat(m.started_at), datetime.fromisoformat(m.finished_at))
        for m in map(read, sweep.glob("*/*/*/manifest.json"))
    )
    return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:]))


@pytest.fixture(scope="module")
def joblib_sweep(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("joblib")
    proc = adbatch(
        f"products={catalog(root / 'cat')}",
        *DRAFT,
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={root / 'out'}",
        f"cache_dir={root / 'cache'}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "out", proc


def test_joblib_sweep_renders_every_video_in_its_folder(joblib_sweep) -> None:
    """hydra/launcher=joblib n_jobs=2: 2 valid draft videos under <product>/<archetype>/hook-best."""
    sweep, _ = joblib_sweep
    assert_valid_videos(sweep)


def test_joblib_sweep_runs_jobs_side_by_side(joblib_sweep) -> None:
    """Two local processes: job time spans overlap."""
    sweep, _ = joblib_sweep
    assert ran_in_parallel(sweep)


def test_sweep_prints_progress_lines_when_not_on_a_terminal(joblib_sweep) -> None:
    """Captured output is not a TTY: plain progress lines, the last one with the final counts."""
    sweep, proc = joblib_sweep
    lines = [line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if "videos ended" in line]
    assert "0/2 videos ended" in lines[0] and "waiting 2" in lines[0] and lines[0].endswith("ETA ?")
    assert "2/2 videos ended: done 2, failed 0, skipped 0" in lines[-1] and lines[-1].endswith("| finished")
    assert json.loads((sweep / "progress.json").read_text())["total"] == 2


def test_submitit_local_sweep_renders_a_video(tmp_path: Path) -> None:
    """hydra/launcher=submitit_local (the SLURM launcher's local mode) runs the same job, in the same folder."""
    proc = adbatch(
        f"products={catalog(tmp_path / 'cat')}",
        "product_id=alpha-mug",
        *SMOKE,
        "hydra/launcher=submitit_local",
        f"hydra.sweep.dir={tmp_path / 'out'}",
        f"cache_dir={tmp_path / 'cache'}",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = read(tmp_path / "out" / "alpha-mug" / "ugc" / "hook-best" / "manifest.json")
    assert m.status == "ok" and probe(tmp_path / "out" / "alpha-mug" / "ugc" / "hook-best" / "video.mp4").width == 288


@pytest.fixture(scope="module")
def rq_sweep(redis_url: str, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, list[int]]:
    """2 workers started in another folder; 2 videos + 2 jobs of an invalid row; the submitter waits for them."""
    root = tmp_path_factory.mktemp("rq")
    with RQWorkers(redis_url, "sweep", cwd=root / "workers") as workers:
        proc = adbatch(
            f"products={catalog(root / 'cat', broken=True)}",
            *DRAFT,
            "hydra/launcher=rq",
            "hydra.launcher.queue=sweep",
            "hydra.launcher.wait_polling=0.2",
            f"hydra.sweep.dir={root / 'out'}",
            f"cache_dir={root / 'cache'}",
            env={"REDIS_URL": redis_url},
        )
        done = [workers.worker(i).successful_job_count for i in range(2)]
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "out", proc, done


def test_rq_sweep_renders_every_video_in_its_folder(rq_sweep) -> None:
    """hydra/launcher=rq with 2 workers: 2 valid draft videos under <product>/<archetype>/hook-best."""
    sweep, _, _ = rq_sweep
    assert_valid_videos(sweep)


def test_rq_sweep_shares_the_jobs_between_both_workers(rq_sweep) -> None:
    """Both workers took jobs, at the same time."""
    sweep, _, done = rq_sweep
    assert sum(done) == 4 and min(done) >= 1
    assert ran_in_parallel(sweep)


def test_rq_sweep_records_an_invalid_row_and_goes_on(rq_sweep) -> None:
    """The bad row's jobs end invalid in their manifests; the sweep still exits 0 and says so."""
    sweep, proc, _ = rq_sweep
    for arch in ARCHETYPES:
        m = read(sweep / "broken" / arch / "hook-best" / "manifest.json")
        assert m.status == "invalid" and m.error.field == "image"
    assert "4/4 videos ended: done 2, failed 2 (2 invalid), skipped 0" in proc.stdout + proc.stderr


def test_worker_killed_mid_job_does_not_lose_the_job(redis_url: str, tmp_path: Path) -> None:
    """SIGKILL a worker (and its work horse) during a render: RQ re-runs the job on the other worker, and
    every video ends valid."""
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "adbatch",
        f"products={catalog(tmp_path / 'cat')}",
        *DRAFT,
        "hydra/launcher=rq",
        "hydra.launcher.queue=kill",
        "hydra.launcher.wait_polling=0.2",
        f"hydra.sweep.dir={out}",
        f"cache_dir={tmp_path / 'cache'}",
        "-m",
    ]
    with RQWorkers(redis_url, "kill", cwd=tmp_path / "workers") as workers:
        submitter = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env={**os.environ, "REDIS_URL": redis_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        victim = wait_for(lambda: _started_job(workers, 0, out), timeout=120, what="worker 0 to start rendering")
        workers.kill(0)
        output, _ = submitter.communicate(timeout=300)
        assert submitter.returncode == 0, output[-3000:]
    assert_valid_videos(out)
    from redis import Redis
    from rq.job import Job

    job = Job.fetch(victim[0], connection=Redis.from_url(redis_url))
    assert job.get_status() == "finished" and job.retries_left == 1  # one of its 2 re-runs used
    starts = [
        e
        for e in map(json.loads, (victim[1] / "log.jsonl").read_text().splitlines())
        if e["event"] == "stage_start" and e["stage"] == "catalog"
    ]
    assert len(starts) == 2


def _started_job(workers: RQWorkers, index: int, sweep: Path) -> tuple[str, Path] | None:
    """(RQ job id, job folder) once worker ``index`` is inside a job that has begun writing its log."""
    job = workers.worker(index).get_current_job()
    if job is None:
        return None
    pid, arch = (re.search(rf"\b{key}=(\S+)", job.description).group(1) for key in ("product_id", "archetype"))
    folder = sweep / pid / arch / "hook-best"
    return (job.id, folder) if (folder / "log.jsonl").is_file() else None


@pytest.mark.usefixtures("hydra_restore_singletons")
def test_worker_dying_with_no_rerun_left_fails_the_sweep_with_rq_job_error(
    redis_url: str, tmp_path: Path, hydra_sweep_runner, monkeypatch
) -> None:
    """enqueue.retry=0: once the dead worker's heartbeat expires the job fails, and the submitter says which
    job and why instead of waiting forever."""
    from hydra_plugins.adbatch_rq_launcher._core import RQJobError

    def task(_cfg) -> None:
        time.sleep(120)

    monkeypatch.setenv("REDIS_URL", redis_url)  # the launcher runs in this process
    with RQWorkers(redis_url, "no-retry", cwd=tmp_path / "workers", count=1) as workers:
        killer = threading.Thread(
            target=lambda: (
                wait_for(lambda: workers.worker(0).get_current_job_id(), timeout=60, what="the job to start"),
                workers.kill(0),
            )
        )
        killer.start()
        sweep = hydra_sweep_runner(
            calling_file=None,
            calling_module="hydra.test_utils.a_module",
            task_function=task,
            config_path="configs",
            config_name="compose",
            temp_dir=tmp_path,
            overrides=[
                "hydra/launcher=rq",
                "hydra.launcher.queue=no-retry",
                "hydra.launcher.wait_polling=0.1",
                "hydra.launcher.enqueue.retry=0",
            ],
        )
        with pytest.raises(RQJobError, match="AbandonedJobError"), sweep:
            pass
        killer.join()


def test_worker_dying_with_no_rerun_left_records_the_video_as_lost(redis_url: str, tmp_path: Path) -> None:
    """enqueue.retry=0, the only worker SIGKILLed during the render of the only video: the submitter writes a
    ``lost`` manifest naming the RQ job, the worker and why, keeping what the job paid; the report lists it
    as a failure and the sweep exits 1 (no video succeeded)."""
    import csv

    make_png(tmp_path / "cat" / "images" / "alpha-mug.png", size=(128, 128))
    invoice, out = tmp_path / "invoice.jsonl", tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "adbatch",
        f"products={write_catalog(tmp_path / 'cat', [product_row('alpha-mug')])}",
        "archetype=ugc",
        *SMOKE,
        "provider.scenes._target_=tests.paid.PricedPlates",  # paid scenes: the spend must survive the kill
        f"+provider.scenes.invoice={invoice}",
        "hydra/launcher=rq",
        "hydra.launcher.queue=lost",
        "hydra.launcher.wait_polling=0.2",
        "hydra.launcher.enqueue.retry=0",
        f"hydra.sweep.dir={out}",
        f"cache_dir={tmp_path / 'cache'}",
        "-m",
    ]
    folder = out / "alpha-mug" / "ugc" / "hook-best"
    with RQWorkers(redis_url, "lost", cwd=tmp_path / "workers", count=1) as workers:
        submitter = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env={**os.environ, "REDIS_URL": redis_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        job_id = wait_for(lambda: _rendering_job(workers, folder), timeout=120, what="the job to start rendering")
        workers.kill(0)
        output, _ = submitter.communicate(timeout=300)
    assert submitter.returncode == 1, output[-3000:]
    m = read(folder / "manifest.json")
    paid = sum(json.loads(line)["usd"] for line in invoice.read_text().splitlines())
    assert (m.status, m.error.stage, m.error.type) == ("lost", "worker", "AbandonedJobError")
    assert all(part in m.error.message for part in (job_id, workers.names[0], "worker died", "no re-run left"))
    assert paid > 0 and m.cost_usd == pytest.approx(paid) and any(c.stage == "scenes" for c in m.calls)
    (row,) = csv.DictReader((out / "report.csv").open(encoding="utf-8"))
    assert (row["status"], float(row["cost_usd"])) == ("lost", pytest.approx(paid)) and job_id in row["error_message"]
    assert json.loads((out / "summary.json").read_text())["kpis"]["videos"]["lost"] == 1
    assert "1 lost" in output and "no video succeeded" in output


def _rendering_job(workers: RQWorkers, folder: Path) -> str | None:
    """The RQ job id of worker 0's current job once the job has logged the start of its render."""
    job_id = workers.worker(0).get_current_job_id()
    log = folder / "log.jsonl"
    return job_id if job_id and log.is_file() and '"stage": "render"' in log.read_text() else None
