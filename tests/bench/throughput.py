"""Benchmark: sweep throughput (videos/min) with 1 vs 2 local processes and 1 vs 2 RQ workers.

    python tests/bench/throughput.py [--provider offline] [--products glow-serum,kiln-mug]
                                     [--archetypes ugc,pov] [--render draft] [--pacing default]
                                     [--set KEY=VALUE ...]

Runs the same sweep (examples/catalog.csv, products x archetypes) four times, each with a
fresh sweep dir and a fresh asset cache so no run reuses another's work:
``hydra/launcher=joblib`` with n_jobs=1 and 2, then ``hydra/launcher=rq`` with 1 and 2
``python -m adbatch.worker`` processes on a redis-server started here (127.0.0.1, free port).
Workers are started before the sweep and not timed, as long-lived workers would be.

Prints, side by side: wall time of the whole command (Python start, catalog check, launch,
report) and the job span (first job's first log line to last job's last), each as
videos/min, and the speed-up over one process of the same launcher. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.redis_server import RedisServer, RQWorkers  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--provider", default="offline", help="provider preset (conf/provider/<name>.yaml)")
    p.add_argument("--products", default="glow-serum,kiln-mug", help="product ids from examples/catalog.csv")
    p.add_argument("--archetypes", default="ugc,pov")
    p.add_argument("--render", default="draft", help="render preset: draft (540x960) or final (1080x1920)")
    p.add_argument("--pacing", default="default", help="pacing preset: default (30 s) or short (20 s)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="extra Hydra override")
    return p.parse_args()


def sweep_command(args: argparse.Namespace, out: Path, launcher: list[str]) -> list[str]:
    """``python -m adbatch`` for the sweep ``args`` describe, into ``out/sweep`` with the cache ``out/cache``."""
    return [
        sys.executable,
        "-m",
        "adbatch",
        f"products={ROOT / 'examples' / 'catalog.csv'}",
        f"product_id={args.products}",
        f"archetype={args.archetypes}",
        f"provider={args.provider}",
        f"render={args.render}",
        f"pacing={args.pacing}",
        f"hydra.sweep.dir={out / 'sweep'}",
        f"cache_dir={out / 'cache'}",
        *launcher,
        *args.set,
        "-m",
    ]


def sweep(args: argparse.Namespace, out: Path, launcher: list[str], env: dict[str, str]) -> float:
    """Run one sweep; return its wall time in seconds."""
    cmd = sweep_command(args, out, launcher)
    tic = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True)
    wall = time.perf_counter() - tic
    if proc.returncode != 0:
        sys.exit(f"sweep failed ({' '.join(launcher)}):\n{proc.stderr[-3000:]}")
    return wall


def job_span(sweep_dir: Path) -> tuple[float, dict[str, int]]:
    """(seconds from the first job's first log line to the last job's last, count per manifest status)."""
    starts, ends, statuses = [], [], {}
    for log in sweep_dir.glob("*/*/*/log.jsonl"):
        lines = log.read_text().splitlines()
        starts.append(datetime.fromisoformat(json.loads(lines[0])["timestamp"]))
        ends.append(datetime.fromisoformat(json.loads(lines[-1])["timestamp"]))
        status = json.loads((log.parent / "manifest.json").read_text())["status"]
        statuses[status] = statuses.get(status, 0) + 1
    return (max(ends) - min(starts)).total_seconds(), statuses


def main() -> None:
    args = parse_args()
    videos = len(args.products.split(",")) * len(args.archetypes.split(","))
    rows = []
    with tempfile.TemporaryDirectory(prefix="adbatch-throughput-") as tmp:
        tmp_path = Path(tmp)
        for n in (1, 2):
            out = tmp_path / f"joblib-{n}"
            wall = sweep(args, out, ["hydra/launcher=joblib", f"hydra.launcher.n_jobs={n}"], {})
            rows.append(("joblib (local processes)", n, wall, *job_span(out / "sweep")))
        server = RedisServer(tmp_path / "redis")
        server.start()
        try:
            for n in (1, 2):
                out = tmp_path / f"rq-{n}"
                with RQWorkers(server.url, f"bench-{n}", cwd=out / "workers", count=n, grace=60):
                    wall = sweep(
                        args,
                        out,
                        ["hydra/launcher=rq", f"hydra.launcher.queue=bench-{n}", "hydra.launcher.wait_polling=0.2"],
                        {"REDIS_URL": server.url},
                    )
                rows.append(("rq (Redis workers)", n, wall, *job_span(out / "sweep")))
        finally:
            server.stop()
    print(
        f"throughput: {videos} videos ({args.products} x {args.archetypes}), provider={args.provider}, "
        f"render={args.render}, pacing={args.pacing}, {os.cpu_count()} CPUs"
    )
    print(
        f"{'launcher':<26}{'procs':>6}{'wall s':>9}{'videos/min':>12}{'span s':>9}{'videos/min':>12}"
        f"{'speed-up':>10}  statuses"
    )
    base: dict[str, float] = {}
    for name, n, wall, span, statuses in rows:
        base.setdefault(name, span)
        print(
            f"{name:<26}{n:>6}{wall:>9.1f}{videos / wall * 60:>12.2f}{span:>9.1f}{videos / span * 60:>12.2f}"
            f"{base[name] / span:>9.2f}x  {statuses}"
        )
    print("wall: the whole command; span: first job start to last job end (speed-up is on span)")


if __name__ == "__main__":
    main()
