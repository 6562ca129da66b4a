"""Benchmark: a live final-preset sweep against the fake APIs with slow clips, per launcher arrangement.

    python tests/bench/live_throughput.py [--videos 12] [--clip-seconds 60] [--image-seconds 5]
                                          [--arrangements default,nightly,pre-slots]
    python tests/bench/live_throughput.py --rss-growth [--videos 24]

The fake server (tests/fakes, a thread of this process) runs each Kling prediction for
--clip-seconds and each FLUX image for --image-seconds; Claude and ElevenLabs answer at once.
Each arrangement runs the same sweep (products x archetypes of examples/catalog.csv, render=final,
pacing=default, the providers' own poll intervals) in a fresh sweep dir with a fresh cache:

- ``default``: the default launcher (basic: one video after another, in one process);
- ``nightly``: the README's nightly line (joblib n_jobs=8, render.slots at its default, 1 on 2 cores);
- ``pre-slots``: the nightly line before render slots (joblib n_jobs=2, every job renders at once).

Per arrangement it prints the wall time of the whole command; the asset bound (the slowest video's
path to its render: catalog, script, director, assets and timeline, from its manifest); the render
bound (the videos' render times summed, over the renders that can run at once: min(slots, jobs));
wall / max(asset bound, render bound) (the target is 1.25); videos/h; the peak RSS of the sweep's
whole process tree (every descendant summed, sampled every --sample-s); and the hours a 1,000-video
catalog would take with clips of --catalog-clip-seconds.

The catalog model: ``jobs`` workers each make one video after another (mean path + mean render) while
renders queue for ``slots``, so wall = max(ceil(videos / jobs) x (path + render), videos x render /
slots); the path grows by the clip-time difference. The model is fitted to this run by the measured
wall over the model's wall for it, and that factor carries over to the catalog.

``--rss-growth`` runs one sweep in the nightly arrangement, prints the tree's RSS over time and the
growth per video: the slope of a linear fit of RSS against videos finished, once every worker has
finished one (steady state), for the whole tree and for its Python processes alone (the launcher and
its workers; FFmpeg children come and go with each render). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from adbatch.store.slots import default_slots  # noqa: E402
from tests.bench.throughput import job_span, sweep_command  # noqa: E402
from tests.conftest import sweep_manifests  # noqa: E402
from tests.fakes import FakeProviders  # noqa: E402
from tests.fakes.live import KEY, KEY_VARS, live_config, url_overrides  # noqa: E402

KLING, FLUX = "kwaivgi/kling-v2.1", "black-forest-labs/flux-schnell"
MB = 1024 * 1024
CATALOG_VIDEOS = 1000
PATH_STAGES = ("catalog", "script", "director", "assets", "timeline")  # a video's way to its render

# name: (launcher overrides, jobs in flight, render.slots override or None for the default)
ARRANGEMENTS: dict[str, tuple[list[str], int, int | None]] = {
    "default": ([], 1, None),
    "nightly": (["hydra/launcher=joblib", "hydra.launcher.n_jobs=8"], 8, None),
    "pre-slots": (["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], 2, 8),
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--videos", type=int, default=None, help="videos per sweep (12; 24 with --rss-growth)")
    p.add_argument("--clip-seconds", type=float, default=60.0, help="run time of each Kling prediction")
    p.add_argument("--image-seconds", type=float, default=5.0, help="run time of each FLUX image")
    p.add_argument("--arrangements", default="default,nightly,pre-slots", help=f"of {', '.join(ARRANGEMENTS)}")
    p.add_argument("--rss-growth", action="store_true", help="one nightly sweep: tree RSS over time, growth/video")
    p.add_argument("--catalog-clip-seconds", type=float, default=120.0, help="clip time for the catalog estimate")
    p.add_argument("--sample-s", type=float, default=0.5, help="seconds between RSS samples of the process tree")
    p.add_argument("--print-every", type=float, default=30.0, help="--rss-growth: seconds between printed samples")
    args = p.parse_args()
    args.videos = args.videos or (24 if args.rss_growth else 12)
    return args


def grid(videos: int) -> tuple[list[str], list[str]]:
    """(products, archetypes) of examples/catalog.csv whose product is ``videos``: the fewest archetypes."""
    with open(ROOT / "examples" / "catalog.csv", newline="") as f:
        products = [row["id"] for row in csv.DictReader(f)]
    archetypes = sorted(p.stem for p in (ROOT / "archetypes").glob("*.yaml"))
    for a in range(1, len(archetypes) + 1):
        if videos % a == 0 and videos // a <= len(products):
            return products[: videos // a], archetypes[:a]
    sys.exit(f"{videos} videos is not products x archetypes of examples/catalog.csv")


@dataclass
class Sample:
    t: float
    done: int  # videos whose manifest is written
    tree_mb: float  # RSS of the sweep's process and every descendant
    python_mb: float  # of its Python processes alone (launcher, workers)
    procs: int


@dataclass
class TreeSampler:
    """Samples the RSS of ``pid`` and all its descendants every ``every`` seconds, in a thread."""

    pid: int
    sweep_dir: Path
    every: float
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        tic = time.perf_counter()
        while not self._stop.wait(self.every):
            tree, python = tree_rss(self.pid)
            if tree:
                done = sum(1 for _ in self.sweep_dir.glob("*/*/*/manifest.json"))
                self.samples.append(
                    Sample(time.perf_counter() - tic, done, tree / MB, python / MB, len(tree_of(self.pid)))
                )

    @property
    def peak_mb(self) -> float:
        return max((s.tree_mb for s in self.samples), default=0.0)


def tree_of(pid: int) -> list[psutil.Process]:
    """``pid`` and its descendants (none if it has ended)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_rss(pid: int) -> tuple[int, int]:
    """(RSS bytes of ``pid`` and its descendants, of the Python ones among them); a process that ends meanwhile counts 0."""
    tree = python = 0
    for proc in tree_of(pid):
        try:
            rss, name = proc.memory_info().rss, proc.name()
        except psutil.NoSuchProcess:
            continue
        tree += rss
        python += rss if name.startswith("python") else 0
    return tree, python


def run_sweep(
    out: Path, products: list[str], archetypes: list[str], extra: list[str], every: float
) -> tuple[float, TreeSampler]:
    """One live final-preset sweep into ``out``, its process tree sampled; (wall seconds, sampler)."""
    args = argparse.Namespace(
        provider="live",
        products=",".join(products),
        archetypes=",".join(archetypes),
        render="final",
        pacing="default",
        set=extra,
    )
    env = {**os.environ, **{var: KEY for var in KEY_VARS}}
    tic = time.perf_counter()
    with (
        subprocess.Popen(
            sweep_command(args, out, []),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc,
        TreeSampler(proc.pid, out / "sweep", every) as sampler,
    ):
        _, stderr = proc.communicate()
    wall = time.perf_counter() - tic
    if proc.returncode != 0:
        sys.exit(f"sweep failed ({' '.join(extra)}):\n{stderr[-3000:]}")
    return wall, sampler


def model_wall(videos: int, jobs: int, slots: int, path_s: float, render_s: float) -> float:
    """The catalog model's wall seconds: ``jobs`` workers cycling path + render, renders queued on ``slots``."""
    return max(math.ceil(videos / jobs) * (path_s + render_s), videos * render_s / slots)


def figures(name: str, wall: float, out: Path, jobs: int, slots: int, args: argparse.Namespace, peak_mb: float) -> str:
    """One row of the results table from the sweep's manifests."""
    found = sweep_manifests(out / "sweep")
    paths = [sum(m.timings.get(s, 0.0) for s in PATH_STAGES) for m in found]
    renders = [m.timings["render"] for m in found]
    asset_bound, render_bound = max(paths), sum(renders) / slots
    ratio = wall / max(asset_bound, render_bound)
    path_s, render_s = float(np.mean(paths)), float(np.mean(renders))
    fit = wall / model_wall(len(found), jobs, slots, path_s, render_s)
    catalog_path = path_s + args.catalog_clip_seconds - args.clip_seconds
    hours = model_wall(CATALOG_VIDEOS, jobs, slots, catalog_path, render_s) * fit / 3600
    statuses = job_span(out / "sweep")[1]
    return (
        f"{name:<10}{jobs:>5}{slots:>6}{wall:>8.0f}{asset_bound:>8.1f}{render_s:>8.1f}{render_bound:>8.1f}"
        f"{ratio:>7.2f}{len(found) / wall * 3600:>9.1f}{peak_mb:>8.0f}{hours:>8.1f}  {statuses}"
    )


def arrangement(name: str, threads: int) -> tuple[list[str], int, int]:
    """(overrides, jobs in flight, renders at once) of the arrangement ``name``."""
    launcher, jobs, slots = ARRANGEMENTS[name]
    overrides = [*launcher, *([f"render.slots={slots}"] if slots else [])]
    return overrides, jobs, min(jobs, slots or default_slots(threads))


def growth(samples: list[Sample], jobs: int, every: float) -> None:
    """Print the tree's RSS over time and its growth per video once every worker has finished one."""
    print(f"{'t s':>7}{'done':>6}{'tree MB':>9}{'python MB':>11}{'procs':>7}")
    last = -every
    for s in samples:
        if s.t - last >= every:
            print(f"{s.t:>7.0f}{s.done:>6}{s.tree_mb:>9.0f}{s.python_mb:>11.0f}{s.procs:>7}")
            last = s.t
    steady = [s for s in samples if s.done >= jobs]
    if len({s.done for s in steady}) < 2:
        print("too few videos past the first round of workers for a growth fit")
        return
    done = np.array([s.done for s in steady], dtype=float)
    for label, values in (("tree", [s.tree_mb for s in steady]), ("python", [s.python_mb for s in steady])):
        slope = np.polyfit(done, np.array(values), 1)[0]
        print(
            f"RSS growth per video ({label}, linear fit over {len(steady)} samples, videos {jobs}..): {slope:+.1f} MB"
        )


def main() -> None:
    args = parse_args()
    products, archetypes = grid(args.videos)
    names = ["nightly"] if args.rss_growth else args.arrangements.split(",")
    threads = live_config("render=final").render.threads
    rows = []
    with tempfile.TemporaryDirectory(prefix="adbatch-livebench-") as tmp, FakeProviders(key=KEY) as fake:
        fake.prediction_seconds(args.clip_seconds, KLING)
        fake.prediction_seconds(args.image_seconds, FLUX)
        for name in names:
            overrides, jobs, slots = arrangement(name, threads)
            out = Path(tmp) / name
            wall, sampler = run_sweep(out, products, archetypes, [*url_overrides(fake.url), *overrides], args.sample_s)
            rows.append(figures(name, wall, out, jobs, slots, args, sampler.peak_mb))
            print(f"{name} done in {wall:.0f} s", flush=True)
            if args.rss_growth:
                growth(sampler.samples, jobs, args.print_every)
    print(
        f"live throughput: {args.videos} videos ({','.join(products)} x {','.join(archetypes)}), render=final, "
        f"clips {args.clip_seconds:g} s, images {args.image_seconds:g} s, {os.cpu_count()} CPUs"
    )
    print(
        f"{'arrange':<10}{'jobs':>5}{'slots':>6}{'wall s':>8}{'asset':>8}{'render':>8}{'r-bound':>8}{'ratio':>7}"
        f"{'videos/h':>9}{'peak MB':>8}{'1k h':>8}  statuses"
    )
    print("\n".join(rows))
    print(
        "asset: slowest video's path to render (s); render: mean render (s); r-bound: renders summed / slots; "
        f"ratio: wall / max(asset, r-bound), target <= 1.25; peak MB: process tree RSS; 1k h: {CATALOG_VIDEOS} "
        f"videos with {args.catalog_clip_seconds:g} s clips"
    )


if __name__ == "__main__":
    main()
