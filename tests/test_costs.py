"""Caps, dry runs, incremental reruns and crash recovery, through the real app."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adbatch.domain.manifest import value_usd
from adbatch.paths import PROJECT_ROOT
from adbatch.render.probe import probe
from adbatch.report.dryrun import Estimate, apply_caps
from adbatch.store.ledger import Caps, SqliteLedger
from tests.conftest import SMOKE, make_png, product_row, run_adbatch, sweep_manifests, write_catalog

FAST = list(SMOKE)


def catalog(folder: Path, ids=("alpha-mug", "beta-lamp")) -> Path:
    for pid in ids:
        make_png(folder / "images" / f"{pid}.png", size=(128, 128))
    return write_catalog(folder, [product_row(pid) for pid in ids])


def priced(invoice: Path, price: float = 0.05) -> list[str]:
    return [
        "provider.scenes._target_=tests.paid.PricedPlates",
        f"+provider.scenes.price_usd={price}",
        f"+provider.scenes.invoice={invoice}",
    ]


def invoice_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_dry_run_prices_every_video_and_spends_nothing(tmp_path: Path) -> None:
    """+dry_run=true lists each video's estimate and the caps' verdict, renders nothing, exits 0."""
    cat = catalog(tmp_path / "cat")
    proc = run_adbatch(
        f"products={cat}",
        "archetype=ugc,pov",
        *FAST,
        *priced(tmp_path / "invoice.jsonl"),
        "cost_cap.per_video_usd=0.30",
        f"hydra.sweep.dir={tmp_path / 'out'}",
        "+dry_run=true",
        "-m",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "dry run: 4 videos (4 valid, 0 invalid)" in proc.stdout
    assert "paidfake/plates-priced" in proc.stdout
    assert proc.stdout.count("SKIPPED by the per-video cap") == 4  # 7+ scenes x $0.05 > $0.30
    assert not invoice_lines(tmp_path / "invoice.jsonl") and not list(tmp_path.glob("out/*/*/*/video.mp4"))


@pytest.mark.slow
def test_dry_run_charges_shared_work_once_like_the_cache_does(tmp_path: Path) -> None:
    """hook=1,2,3: the variants share their whole body, so the first is priced and the other two cost $0,
    as a real sweep pays (tests/bench/incremental.py measures 1.00x)."""
    cat = catalog(tmp_path / "cat", ids=("alpha-mug",))
    proc = run_adbatch(
        f"products={cat}",
        "hook=1,2,3",
        *FAST,
        *priced(tmp_path / "invoice.jsonl"),
        f"hydra.sweep.dir={tmp_path / 'out'}",
        "+dry_run=true",
        "-m",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    prices = {
        m.group(1): float(m.group(2)) for m in re.finditer(r"alpha-mug/ugc/hook-(\d)\s+\$\s*([\d.]+)", proc.stdout)
    }
    assert prices["1"] > 0.2 and prices["2"] == prices["3"] == 0.0


def test_caps_judge_a_video_by_what_it_reserves_at_its_peak() -> None:
    """Reservations are upper bounds: a video whose usual cost fits the cap but whose reservations do not is
    skipped, as the real run would skip it; what a skipped video would have paid is not shared."""

    def video(name: str, script_bound: float) -> Estimate:
        return Estimate(
            video=name,
            by_stage={"script": 0.01, "scenes": 0.25},
            bounds={"script": script_bound, "scenes": 0.25},
            providers={"script": "c/m", "scenes": "r/k"},
            shared={"script": f"body:{name}", "scenes": "body:same"},
        )

    tight, loose, later = video("tight", 0.30), video("loose", 0.05), video("later", 0.05)
    assert tight.peak == 0.30 and loose.peak == pytest.approx(0.26) and tight.total == pytest.approx(0.26)
    apply_caps([tight, loose, later], per_video=0.28, per_sweep=10)
    assert tight.skipped_by == "per-video" and loose.skipped_by is None and later.skipped_by is None
    assert loose.by_stage["scenes"] == 0.25 and later.by_stage["scenes"] == 0.0  # shared with 'loose', which ran


@pytest.mark.slow
def test_per_video_cap_skips_the_video_without_crossing_it(tmp_path: Path) -> None:
    """A $0.20 cap with $0.05 scenes: the videos end skipped_cap having spent at most $0.20 each."""
    cat = catalog(tmp_path / "cat", ids=("alpha-mug",))
    invoice = tmp_path / "invoice.jsonl"
    proc = run_adbatch(
        f"products={cat}",
        *FAST,
        *priced(invoice),
        "cost_cap.per_video_usd=0.20",
        f"hydra.sweep.dir={tmp_path / 'out'}",
        f"cache_dir={tmp_path / 'cache'}",
        "-m",
    )
    # the sweep's only video was stopped by its cap: nothing succeeded, so a scheduler sees a failure
    assert proc.returncode == 1 and "no video succeeded" in proc.stderr, proc.stderr[-2000:]
    (m,) = sweep_manifests(tmp_path / "out")
    assert m.status == "skipped_cap" and m.error.type == "CapExceeded" and "per-video cap $0.20" in m.error.message
    paid = sum(line["usd"] for line in invoice_lines(invoice))
    assert 0 < paid <= 0.20 + 1e-9 and m.cost_usd == pytest.approx(paid)


@pytest.mark.slow
def test_per_sweep_cap_holds_across_parallel_processes(tmp_path: Path) -> None:
    """joblib with 2 processes and a $0.60 sweep cap: the invoice total never passes $0.60."""
    cat = catalog(tmp_path / "cat", ids=("alpha-mug", "beta-lamp", "gamma-cup"))
    invoice = tmp_path / "invoice.jsonl"
    proc = run_adbatch(
        f"products={cat}",
        *FAST,
        *priced(invoice),
        "cost_cap.per_sweep_usd=0.60",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={tmp_path / 'out'}",
        f"cache_dir={tmp_path / 'cache'}",
        "-m",
    )
    paid = sum(line["usd"] for line in invoice_lines(invoice))
    found = sweep_manifests(tmp_path / "out")
    # two jobs reserving call by call can stop each other short of the cap: then no video succeeded (exit 1)
    assert proc.returncode == (0 if any(m.status == "ok" for m in found) else 1), proc.stderr[-2000:]
    assert paid <= 0.60 + 1e-9 and {m.status for m in found} <= {"ok", "skipped_cap"}
    assert any(m.status == "skipped_cap" for m in found)
    ledger = SqliteLedger(tmp_path / "out" / "ledger.sqlite", Caps(1, 1))
    assert ledger.totals().settled_usd == pytest.approx(paid)
    assert sum(m.cost_usd for m in found) == pytest.approx(paid)


@pytest.mark.slow
def test_unchanged_rerun_is_cached_and_a_changed_row_rerenders(tmp_path: Path) -> None:
    """Rerun: every video is 'cached' at $0 with no provider call, saving what it first cost; edit one row:
    only it re-renders."""
    cat = catalog(tmp_path / "cat")
    common = [f"products={cat}", *FAST, f"cache_dir={tmp_path / 'cache'}", *priced(tmp_path / "invoice.jsonl")]
    assert run_adbatch(*common, f"hydra.sweep.dir={tmp_path / 'first'}", "-m").returncode == 0
    tic = time.perf_counter()
    assert run_adbatch(*common, f"hydra.sweep.dir={tmp_path / 'second'}", "-m").returncode == 0
    rerun_s = time.perf_counter() - tic
    second = sweep_manifests(tmp_path / "second")
    assert [m.status for m in second] == ["cached", "cached"] and all(not m.calls for m in second)
    first = {m.product_id: m for m in sweep_manifests(tmp_path / "first")}
    for m in second:  # reusing saves what the first run's video cost (its scenes were priced)
        assert m.reused_from and m.cost_usd == 0 and m.saved_usd == value_usd(first[m.product_id]) > 0.2
    for m in second:
        folder = tmp_path / "second" / m.product_id / "ugc" / "hook-best"
        assert probe(folder / "video.mp4").size_bytes == m.outputs.size_bytes
    assert rerun_s < 60
    text = cat.read_text().replace(
        "A small thing that makes mornings better.,images/beta-lamp.png",
        "A brand new lamp description.,images/beta-lamp.png",
    )
    cat.write_text(text)
    assert run_adbatch(*common, f"hydra.sweep.dir={tmp_path / 'third'}", "-m").returncode == 0
    assert {m.product_id: m.status for m in sweep_manifests(tmp_path / "third")} == {
        "alpha-mug": "cached",
        "beta-lamp": "ok",
    }


@pytest.mark.slow
def test_sweep_killed_mid_render_finishes_on_rerun_without_paying_twice(tmp_path: Path) -> None:
    """SIGKILL during a render, rerun into the same dir: all videos valid, no asset billed twice."""
    cat = catalog(tmp_path / "cat", ids=("alpha-mug", "beta-lamp", "gamma-cup"))
    invoice = tmp_path / "invoice.jsonl"
    args = [
        sys.executable,
        "-m",
        "adbatch",
        f"products={cat}",
        *FAST,
        *priced(invoice, 0.01),
        f"hydra.sweep.dir={tmp_path / 'out'}",
        f"cache_dir={tmp_path / 'cache'}",
        "-m",
    ]
    proc = subprocess.Popen(
        args, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while not _rendering_second_video(tmp_path / "out"):
        assert proc.poll() is None and time.monotonic() < deadline, "sweep ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    billed_before = invoice_lines(invoice)
    rerun = run_adbatch(*args[3:])
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    found = sweep_manifests(tmp_path / "out")
    assert len(found) == 3 and {m.status for m in found} <= {"ok", "cached"}
    for m in found:
        info = probe(tmp_path / "out" / m.product_id / "ugc" / "hook-best" / "video.mp4")
        assert info.duration == pytest.approx(20.0, abs=0.1)
    bills = invoice_lines(invoice)
    keys = [(b["product"], b["slot"], b["shot"]) for b in bills]
    assert len(keys) == len(set(keys)), "an asset was billed twice"
    assert len(bills) > len(billed_before) > 0
    assert not list((tmp_path / "out").rglob("video.mp4.part*"))


def _rendering_second_video(sweep: Path) -> bool:
    done = list(sweep.glob("*/*/*/manifest.json"))
    logs = [p for p in sweep.glob("*/*/*/log.jsonl") if '"stage": "render"' in p.read_text()]
    return len(done) >= 1 and len(logs) >= 2


@pytest.mark.slow
def test_per_sweep_cap_holds_across_two_rq_workers_on_redis(tmp_path: Path, redis_url: str) -> None:
    """hydra/launcher=rq, 2 real workers, a $0.60 sweep cap kept in Redis: the invoice never passes $0.60."""
    from adbatch.store.ledger import RedisLedger
    from tests.redis_server import RQWorkers

    cat = catalog(tmp_path / "cat", ids=("alpha-mug", "beta-lamp", "gamma-cup"))
    invoice, out = tmp_path / "invoice.jsonl", tmp_path / "out"
    with RQWorkers(redis_url, "capped", cwd=tmp_path / "workers"):
        proc = run_adbatch(
            f"products={cat}",
            *FAST,
            *priced(invoice),
            "cost_cap.per_sweep_usd=0.60",
            "hydra/launcher=rq",
            "hydra.launcher.queue=capped",
            "hydra.launcher.wait_polling=0.2",
            f"hydra.sweep.dir={out}",
            f"cache_dir={tmp_path / 'cache'}",
            "-m",
            env={**os.environ, "REDIS_URL": redis_url},
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    paid = sum(line["usd"] for line in invoice_lines(invoice))
    found = sweep_manifests(out)
    assert len({line["pid"] for line in invoice_lines(invoice)}) >= 1 and paid <= 0.60 + 1e-9
    assert any(m.status == "skipped_cap" for m in found) and not (out / "ledger.sqlite").exists()
    ledger = RedisLedger(redis_url, sweep=str(out.resolve()), caps=Caps(1, 1))
    assert ledger.totals().settled_usd == pytest.approx(paid)


@pytest.fixture(scope="module")
def variants_rerun(tmp_path_factory) -> tuple[Path, float, dict]:
    """One product's two hook variants (sharing one body of priced scenes) swept into ``first``; the same sweep
    into ``second`` (a new folder: both reused); then into ``first`` again (the same folder). Returns the root,
    what the invoice was paid, and ``first``'s KPIs before its rerun overwrote them."""
    root = tmp_path_factory.mktemp("variants")
    cat = catalog(root / "cat", ids=("alpha-mug",))
    common = [f"products={cat}", "hook=1,2", *FAST, f"cache_dir={root / 'cache'}", *priced(root / "invoice.jsonl")]
    kpis = {}
    for sweep in ("first", "second", "first"):
        proc = run_adbatch(*common, f"hydra.sweep.dir={root / sweep}", "-m")
        assert proc.returncode == 0, proc.stderr[-2000:]
        kpis.setdefault(sweep, json.loads((root / sweep / "summary.json").read_text())["kpis"])
    return root, sum(line["usd"] for line in invoice_lines(root / "invoice.jsonl")), kpis


@pytest.mark.slow
def test_a_rerun_into_the_same_sweep_dir_keeps_what_the_first_run_spent(variants_rerun) -> None:
    """The same sweep run twice into one folder: the second reuses the videos ($0, cached), and their manifests and
    report still show what the first run paid (history, spent_before_usd), so the night's spend is not erased."""
    root, paid, _ = variants_rerun
    found = sweep_manifests(root / "first")
    assert paid > 0 and len(found) == 2 and all(m.status == "cached" and m.cost_usd == 0 for m in found)
    assert all([h["previous"]["status"] for h in m.history] == ["ok"] for m in found)
    assert sum(m.history[0]["previous"]["cost_usd"] for m in found) == pytest.approx(paid)
    summary = json.loads((root / "first" / "summary.json").read_text())
    assert summary["kpis"]["cost"]["spent_before_usd"] == pytest.approx(paid)
    rows = list(csv.DictReader((root / "first" / "report.csv").open()))
    assert sum(float(r["spent_before_usd"]) for r in rows) == pytest.approx(paid)
    assert all(float(r["cost_usd"]) == 0 for r in rows)


@pytest.mark.slow
def test_savings_count_work_shared_by_reused_videos_once(variants_rerun) -> None:
    """Two hook variants share one body (its priced scenes); rerun into a new folder, both are reused. Making them
    again would pay the body once, so the sweep saved what the first run paid, not twice that; the first run,
    which made the body itself, saved nothing (its second variant's hits were work the sweep paid for)."""
    root, paid, kpis = variants_rerun
    assert [m.status for m in sweep_manifests(root / "second")] == ["cached", "cached"] and paid > 0.2
    first, second = kpis["first"], kpis["second"]
    assert first["cost"]["total_usd"] == pytest.approx(paid) and first["cache"]["saved_usd"] == 0
    assert first["cache"]["hits"] > 0  # the second variant reused the body: hits, but no money saved
    assert second["cache"]["videos_saved_usd"] == pytest.approx(paid) and second["cache"]["assets_saved_usd"] == 0
    assert second["cache"]["saved_usd"] == pytest.approx(paid)
    rows = list(csv.DictReader((root / "second" / "report.csv").open()))
    assert all(float(r["saved_usd"]) == pytest.approx(paid) for r in rows)  # each video alone would pay the body
