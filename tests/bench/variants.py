"""Benchmark: render time of 3 hook variants vs 1 video (shared body, stream-copy join).

    python tests/bench/variants.py [--preset final|draft] [--product glow-serum]

Renders hook=1 into a fresh cache, then hook=1,2,3 into another fresh cache, and
compares the summed ``render`` stage times from the manifests (assets are generated in
both runs; the render stage is what the shared body saves). Target: 3 variants <= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(work: Path, name: str, hooks: str, args: argparse.Namespace) -> list[dict]:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "adbatch",
            f"products={ROOT / 'examples' / 'catalog.csv'}",
            f"product_id={args.product}",
            f"hook={hooks}",
            f"render={args.preset}",
            "~hydra.callbacks.report",
            f"cache_dir={work / name / 'cache'}",
            f"hydra.sweep.dir={work / name / 'out'}",
            "-m",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return [json.loads(p.read_text()) for p in sorted((work / name / "out").glob("*/*/*/manifest.json"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="final", choices=["final", "draft"])
    parser.add_argument("--product", default="glow-serum")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="adbatch-bench-") as tmp:
        one = run(Path(tmp), "one", "1", args)
        three = run(Path(tmp), "three", "1,2,3", args)
    r1 = sum(m["timings"]["render"] for m in one)
    r3 = sum(m["timings"]["render"] for m in three)
    w1 = sum(m["timings"]["total"] for m in one)
    w3 = sum(m["timings"]["total"] for m in three)
    print(f"hook variants of {args.product} at {args.preset}:")
    print(f"  1 video      render {r1:7.2f} s   whole jobs {w1:7.2f} s")
    print(f"  3 variants   render {r3:7.2f} s   whole jobs {w3:7.2f} s   ({', '.join(m['status'] for m in three)})")
    print(
        f"  ratio 3/1    render {r3 / r1:5.2f}x   whole jobs {w3 / w1:5.2f}x   (target <= 1.5x; 3 separate videos: 3x)"
    )


if __name__ == "__main__":
    main()
