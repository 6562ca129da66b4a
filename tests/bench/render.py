"""Benchmark: one 30 s final-preset ad vs the encoder floor for the same frames.

    python tests/bench/render.py [--archetype ugc] [--product glow-serum] [--preset final]

1. Renders one ad with the offline providers in a child process (so its peak RSS is its
   own): wall time of the render stage, its split into frame generation and encoding,
   and the peak RSS of the Python process and of its FFmpeg child.
2. Decodes that ad once to raw rgb24 frames on disk, then times FFmpeg alone encoding
   them with the same x264 settings (the floor: what encoding costs with free frames).
Prints both and the ratio render / floor. Not a test: figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def child(args: argparse.Namespace) -> None:
    """Run one real job (catalog -> render) and print its figures as JSON."""
    from hydra import compose, initialize_config_dir

    from adbatch.app import build_providers
    from adbatch.config import register_configs, typed
    from adbatch.pipeline import run_job

    register_configs()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose(
            config_name="config",
            overrides=[
                f"products={ROOT / 'examples' / 'catalog.csv'}",
                f"product_id={args.product}",
                f"archetype={args.archetype}",
                f"render={args.preset}",
                f"cache_dir={args.out / 'cache'}",
            ],
        )
    writer, providers = build_providers(cfg)
    m = run_job(typed(cfg), out_dir=args.out / "video", writer=writer, providers=providers)
    assert m.status == "ok", m.error
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "render_s": m.timings["render"],
                "frames_s": m.timings["render_frames"],
                "total_s": m.timings["total"],
                "python_rss_mb": me,
                "ffmpeg_rss_mb": kids,
                "video": str(args.out / "video" / "video.mp4"),
                "width": m.outputs.width,
                "height": m.outputs.height,
                "duration": m.outputs.duration_s,
            }
        )
    )


def floor(video: Path, conf: dict, work: Path) -> dict:
    """Decode ``video`` to raw rgb24 once, then time FFmpeg encoding it with the same settings."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    raw = work / "frames.rgb"
    subprocess.run(
        [ffmpeg, "-y", "-loglevel", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", str(raw)],
        check=True,
    )
    cmd = [
        ffmpeg,
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{conf['width']}x{conf['height']}",
        "-r",
        str(conf["fps"]),
        "-i",
        str(raw),
        "-vcodec",
        "libx264",
        "-preset",
        conf["preset"],
        "-crf",
        str(conf["crf"]),
        "-threads",
        str(conf["threads"]),
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        str(work / "floor.mp4"),
    ]
    # a fresh interpreter runs the encode, so RUSAGE_CHILDREN holds FFmpeg's peak alone
    probe = (
        "import json, resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(json.loads(sys.argv[1]), check=True); "
        "print(json.dumps([time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
    )
    out = subprocess.run([sys.executable, "-c", probe, json.dumps(cmd)], capture_output=True, text=True, check=True)
    seconds, rss_kb = json.loads(out.stdout)
    raw.unlink()
    return {
        "floor_s": seconds,
        "floor_rss_mb": rss_kb / 1024,
        "raw_gb": conf["frames"] * conf["width"] * conf["height"] * 3 / 1e9,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archetype", default="ugc")
    parser.add_argument("--product", default="glow-serum")
    parser.add_argument("--preset", default="final", choices=["final", "draft"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    import yaml

    conf = yaml.safe_load((ROOT / "conf" / "render" / "final.yaml").read_text())
    if args.preset == "draft":
        conf |= {
            k: v
            for k, v in yaml.safe_load((ROOT / "conf" / "render" / "draft.yaml").read_text()).items()
            if k != "defaults"
        }
    with tempfile.TemporaryDirectory(prefix="adbatch-bench-") as tmp:
        work = Path(tmp)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--out",
                str(work),
                "--archetype",
                args.archetype,
                "--product",
                args.product,
                "--preset",
                args.preset,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        ad = json.loads(proc.stdout.strip().splitlines()[-1])
        conf["frames"] = round(ad["duration"] * conf["fps"])
        fl = floor(Path(ad["video"]), conf, work)
    encode_s = ad["render_s"] - ad["frames_s"]
    print(
        f"adbatch render benchmark: {args.product} / {args.archetype}, {ad['width']}x{ad['height']} "
        f"{conf['fps']} fps, {ad['duration']:.1f} s, x264 {conf['preset']} crf {conf['crf']}, "
        f"{conf['threads']} threads"
    )
    print(
        f"  render (MoviePy pipeline)  {ad['render_s']:7.2f} s   peak RSS python {ad['python_rss_mb']:6.0f} MB"
        f" + ffmpeg {ad['ffmpeg_rss_mb']:6.0f} MB = {ad['python_rss_mb'] + ad['ffmpeg_rss_mb']:6.0f} MB"
    )
    print(
        f"    frame generation         {ad['frames_s']:7.2f} s   ({ad['frames_s'] / conf['frames'] * 1000:.1f} ms/frame)"
    )
    print(f"    encoding and the rest    {encode_s:7.2f} s")
    print(
        f"  encoder floor (FFmpeg)     {fl['floor_s']:7.2f} s   peak RSS ffmpeg {fl['floor_rss_mb']:6.0f} MB "
        f"(input: {fl['raw_gb']:.1f} GB of raw rgb24 decoded beforehand)"
    )
    print(f"  ratio render / floor       {ad['render_s'] / fl['floor_s']:7.2f}x   (target <= 2.0)")
    print(f"  whole job (script+assets+render) {ad['total_s']:.2f} s")


if __name__ == "__main__":
    main()
