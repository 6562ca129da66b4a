"""Benchmark: incremental reruns and hook-variant cost sharing, measured side by side.

    python tests/bench/incremental.py [--products 6] [--preset draft] [--price 0.05]

1. Sweeps N products of examples/catalog.csv (archetype ugc), then reruns the same
   sweep unchanged into a new sweep dir with the same cache: prints both wall times and
   their ratio (the rerun reuses every finished video).
2. Renders one product with hook=1 only, then hook=1,2,3 in a fresh cache, with scenes
   priced like a paid API (tests/paid.py, $0.05 a scene by default): prints what 1 video
   and 3 variants cost and their ratio (variants share the body's scenes, voice, music).
Not a test: figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def sweep(args: list[str]) -> float:
    tic = time.perf_counter()
    subprocess.run([sys.executable, "-m", "adbatch", *args, "-m"], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - tic


def spent(folder: Path) -> tuple[float, int]:
    costs = [json.loads(p.read_text())["cost_usd"] for p in folder.glob("*/*/*/manifest.json")]
    return sum(costs), len(costs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=6)
    parser.add_argument("--preset", default="draft", choices=["draft", "final"])
    parser.add_argument("--price", type=float, default=0.05, help="USD per generated scene")
    args = parser.parse_args()
    import pandas as pd

    ids = list(pd.read_csv(ROOT / "examples" / "catalog.csv")["id"])[: args.products]
    with tempfile.TemporaryDirectory(prefix="adbatch-bench-") as tmp:
        work = Path(tmp)
        base = [
            f"products={ROOT / 'examples' / 'catalog.csv'}",
            f"product_id={','.join(ids)}",
            f"render={args.preset}",
            f"cache_dir={work / 'cache'}",
            "~hydra.callbacks.report",
        ]
        first = sweep([*base, f"hydra.sweep.dir={work / 'first'}"])
        again = sweep([*base, f"hydra.sweep.dir={work / 'again'}"])
        priced = [
            "provider.scenes._target_=tests.paid.PricedPlates",
            f"+provider.scenes.price_usd={args.price}",
            f"products={ROOT / 'examples' / 'catalog.csv'}",
            f"product_id={ids[0]}",
            f"render={args.preset}",
            "~hydra.callbacks.report",
        ]
        one_s = sweep([*priced, "hook=1", f"cache_dir={work / 'c1'}", f"hydra.sweep.dir={work / 'one'}"])
        three_s = sweep([*priced, "hook=1,2,3", f"cache_dir={work / 'c3'}", f"hydra.sweep.dir={work / 'three'}"])
        one_usd, _ = spent(work / "one")
        three_usd, n3 = spent(work / "three")
    print(f"incremental rerun, {len(ids)} products x ugc at {args.preset}:")
    print(f"  first sweep   {first:7.1f} s")
    print(f"  rerun         {again:7.1f} s   ratio rerun/first {again / first:.3f}")
    print(f"hook variants of {ids[0]} (scenes at ${args.price:.2f}):")
    print(f"  1 video       ${one_usd:.4f}   {one_s:6.1f} s")
    print(
        f"  {n3} variants    ${three_usd:.4f}   {three_s:6.1f} s   cost ratio {three_usd / max(one_usd, 1e-9):.2f}x "
        f"(3 separate videos would be 3.00x)"
    )


if __name__ == "__main__":
    main()
