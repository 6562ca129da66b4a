"""Benchmark: the camera move of one frame (a plate warped into the three I420 planes), by OpenCV and by Pillow.

    python tests/bench/warp.py [--size 1080x1920] [--frames 60] [--rounds 3]

Why it exists: OpenCV is the one dependency besides PyAV that carries its own FFmpeg libraries, and issue 13 asks
whether what remains (Pillow, NumPy, PyAV) could do its work at no loss of speed. Its hot use is
``frames.StillShot.frame``: every frame of a still shot is the plate (larger than the frame, in I420) warped into
the frame's Y, U and V planes by the camera's zoom and shift, with bilinear filtering and sub-pixel positions (a
move rounded to whole pixels visibly steps). PyAV's swscale has no sub-pixel source offset, so the candidates are
Pillow's resize from a fractional box and Pillow's affine transform. Each way warps the same plate along the
same slow move; the rounds alternate the ways, and the medians of wall and CPU time per frame are printed (the
render shares two cores between drawing and x264, so CPU time is what a way costs the encode). Figures, not
assertions.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from adbatch.config import RenderConf  # noqa: E402
from adbatch.render.canvas import Canvas, planes, to_i420  # noqa: E402
from adbatch.render.encode import load_rgb  # noqa: E402
from adbatch.render.frames import warp  # noqa: E402

Warp = Callable[[float, float, float], None]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def plate_size(size: tuple[int, int]) -> tuple[int, int]:
    """The renderer's plate for frames of ``size`` (``RenderConf.plate_size``: room for the camera), sides even."""
    pw, ph = RenderConf(width=size[0], height=size[1]).plate_size
    return pw // 2 * 2, ph // 2 * 2


def ways(size: tuple[int, int]) -> dict[str, Warp]:
    """Each way of warping the plate into one frame's planes at zoom ``z`` around plate point (cx, cy)."""
    w, h = size
    pw, ph = plate_size(size)
    plate = to_i420(load_rgb(ROOT / "examples" / "images" / "glow-serum.png", (pw, ph)))
    canvas = Canvas(w, h, yuv=True)
    source, out = planes(plate, pw, ph), canvas.empty()
    target = planes(out, w, h)
    images = [Image.fromarray(np.ascontiguousarray(p.pixels)) for p in source]

    def matrix(z: float, cx: float, cy: float) -> np.ndarray:
        return np.array([[z, 0, w / 2 - z * cx], [0, z, h / 2 - z * cy]], np.float32)

    def opencv(z: float, cx: float, cy: float) -> None:  # what the renderer does
        warp(plate, out, matrix(z, cx, cy), canvas)

    def pillow_box(z: float, cx: float, cy: float) -> None:
        for image, dst in zip(images, target, strict=True):
            rows, cols = dst.pixels.shape
            x0, y0 = (cx - w / 2 / z) / dst.step, (cy - h / 2 / z) / dst.step
            box = (x0, y0, x0 + cols / z, y0 + rows / z)
            dst.pixels[:] = np.asarray(image.resize((cols, rows), Image.Resampling.BILINEAR, box=box))

    def pillow_affine(z: float, cx: float, cy: float) -> None:
        for image, dst in zip(images, target, strict=True):
            rows, cols = dst.pixels.shape
            x0, y0 = (cx - w / 2 / z) / dst.step, (cy - h / 2 / z) / dst.step
            moved = image.transform(
                (cols, rows), Image.Transform.AFFINE, (1 / z, 0, x0, 0, 1 / z, y0), Image.Resampling.BILINEAR
            )
            dst.pixels[:] = np.asarray(moved)

    def opencv_one_thread(z: float, cx: float, cy: float) -> None:
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            opencv(z, cx, cy)
        finally:
            cv2.setNumThreads(threads)

    return {
        "OpenCV warpAffine (the renderer)": opencv,
        "OpenCV warpAffine, 1 thread": opencv_one_thread,
        "Pillow resize from a sub-pixel box": pillow_box,
        "Pillow affine transform": pillow_affine,
    }


def timed(way: Warp, frames: int, size: tuple[int, int]) -> tuple[float, float]:
    """Wall and CPU milliseconds per frame of a slow push-in with a drift (a camera preset's kind of move)."""
    pw, ph = plate_size(size)
    wall, cpu = time.perf_counter(), cpu_seconds()
    for k in range(frames):
        u = k / max(1, frames - 1)
        z = 1.0 + 0.1 * u
        way(z, pw / 2 + 0.3 * k, ph / 2 - 0.2 * k)
    return (time.perf_counter() - wall) * 1000 / frames, (cpu_seconds() - cpu) * 1000 / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1080x1920")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    assert len(size) == 2
    candidates = ways((size[0], size[1]))
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in candidates}
    for _ in range(args.rounds):
        for name, way in candidates.items():
            figures[name].append(timed(way, args.frames, (size[0], size[1])))
    print(
        f"camera move of one {args.size} I420 frame: medians of {args.rounds} alternating rounds of "
        f"{args.frames} frames, OpenCV {cv2.__version__} ({cv2.getNumThreads()} threads), Pillow {Image.__version__}"
    )
    print(f"  {'':38}{'wall ms':>9}{'CPU ms':>9}{'CPU / OpenCV':>14}")
    base = statistics.median(c for _, c in figures["OpenCV warpAffine (the renderer)"])
    for name, runs in figures.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        print(f"  {name:38}{wall:9.2f}{cpu:9.2f}{cpu / base:13.2f}x")


if __name__ == "__main__":
    main()
