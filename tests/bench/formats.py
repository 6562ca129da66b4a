"""Benchmark: render time of one ad in three formats (9:16, 4:5, 1:1) vs the 9:16 alone.

    python tests/bench/formats.py [--preset final|draft] [--product glow-serum] [--repeats 3]

Makes the same ad with ``render.formats=[9x16]`` and ``[9x16,4x5,1x1]``, alternating, each run in a fresh
cache (so no body or video is reused), and compares the ``render`` stage and the whole job from the
manifests; medians over the repeats. The three formats share the soundtrack (mixed and encoded once), the
plates, and the loudness reading of QA. Target (issue 12): 3 formats <= 2.2x one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(work: Path, name: str, shapes: str, args: argparse.Namespace) -> dict:
    out = work / name
    subprocess.run(
        [
            sys.executable,
            "-m",
            "adbatch",
            f"products={ROOT / 'examples' / 'catalog.csv'}",
            f"product_id={args.product}",
            f"render={args.preset}",
            f"render.formats=[{shapes}]",
            f"cache_dir={out / 'cache'}",
            f"hydra.run.dir={out / 'video'}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return json.loads((out / "video" / "manifest.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="final", choices=["final", "draft"])
    parser.add_argument("--product", default="glow-serum")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    one: list[dict] = []
    three: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="adbatch-bench-") as tmp:
        for i in range(args.repeats):  # alternating, so a slow spell of the machine hits both alike
            one.append(run(Path(tmp), f"one{i}", "9x16", args))
            three.append(run(Path(tmp), f"three{i}", "9x16,4x5,1x1", args))
    assert all(m["status"] == "ok" for m in one + three), [m.get("error") for m in one + three]

    def med(runs: list[dict], key: str) -> float:
        return statistics.median(m["timings"][key] for m in runs)

    r1, r3, q1, q3 = med(one, "render"), med(three, "render"), med(one, "qa"), med(three, "qa")
    w1, w3 = med(one, "total"), med(three, "total")
    print(f"{args.product} at {args.preset}, medians of {args.repeats} alternating runs:")
    print(f"  9x16 alone        render {r1:7.2f} s   qa {q1:5.2f} s   whole job {w1:7.2f} s")
    print(f"  9x16 + 4x5 + 1x1  render {r3:7.2f} s   qa {q3:5.2f} s   whole job {w3:7.2f} s")
    print(
        f"  ratio 3/1         render {r3 / r1:5.2f}x   render+qa {(r3 + q3) / (r1 + q1):5.2f}x   whole job {w3 / w1:5.2f}x"
    )
    print("  (target: 3 formats <= 2.2x one; by pixels alone 1 + 0.70 + 0.56 = 2.26x)")


if __name__ == "__main__":
    main()
