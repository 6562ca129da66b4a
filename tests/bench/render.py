"""Benchmark: one 30 s final-preset ad vs the encoder floor for its own frames, and vs FFmpeg alone.

    python tests/bench/render.py [--archetype ugc] [--product glow-serum] [--preset final] [--rounds 3]

Each round runs, one after the other (alternating, so a busy machine slows every side alike):
1. **job**: one real job (offline providers, fresh cache) in a child process, so its peak RSS is its own;
   the render stage's wall time and CPU time (all threads, plus any child process) and the time spent
   drawing frames are read around ``adbatch.render.encode.render``.
2. **floor**: that ad decoded once to raw rgb24 (in /dev/shm when it fits), then FFmpeg alone encoding it
   with the preset's x264 settings: what encoding costs when frames are free.
3. **filtergraph**: a comparable ad composed by FFmpeg alone from the same job's plates and voice lines,
   one filtergraph: a slow zoom per shot (``zoompan``), a text patch over each, ``concat``, voice over
   music (``amix``), encoded with the same settings.
Prints the medians over the rounds: render / floor, job / floor, filtergraph / floor (wall time, and CPU
time beside it: on a busy machine the CPU ratio is the steadier one), frame drawing in ms per frame, and
the peak RSS of the job's process tree (sampled: Python and any FFmpeg child at once). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.live_throughput import TreeSampler  # noqa: E402

SHM = Path("/dev/shm")
TARGET_RENDER, TARGET_JOB, TARGET_RSS_MB = 1.3, 1.45, 400  # issue 13's targets
TREE_EVERY_S = 0.1  # how often the job's process tree (Python and any FFmpeg child) is sampled for its RSS


def cpu_seconds() -> float:
    """CPU time of this process (every thread) and its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def child(args: argparse.Namespace) -> None:
    """Run one real job (catalog -> render) and print its figures as JSON."""
    from hydra import compose, initialize_config_dir

    from adbatch.app import build_providers
    from adbatch.config import register_configs, typed
    from adbatch.pipeline import run_job
    from adbatch.render import encode

    stage: dict[str, float] = {}
    real_render = encode.render

    def timed_render(*a, **k):  # type: ignore[no-untyped-def]
        wall, cpu = time.perf_counter(), cpu_seconds()
        done = real_render(*a, **k)
        stage["wall"], stage["cpu"] = time.perf_counter() - wall, cpu_seconds() - cpu
        return done

    encode.render = timed_render
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
    wall, cpu = time.perf_counter(), cpu_seconds()
    m = run_job(typed(cfg), out_dir=args.out / "video", writer=writer, providers=providers)
    job_wall, job_cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    assert m.status == "ok", m.error
    print(
        json.dumps(
            {
                "render_s": stage["wall"],
                "render_cpu_s": stage["cpu"],
                "frames_s": m.timings["render_frames"],
                "job_s": job_wall,
                "job_cpu_s": job_cpu,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "video": str(args.out / "video" / "video.mp4"),
                "duration": m.outputs.duration_s,
            }
        )
    )


def timed(cmd: list[str]) -> tuple[float, float, float]:
    """Run ``cmd`` from a fresh interpreter: (wall s, CPU s, peak RSS MB) of the command alone."""
    probe = (
        "import json, resource, subprocess, sys, time; t = time.perf_counter(); "
        "subprocess.run(json.loads(sys.argv[1]), check=True); r = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(json.dumps([time.perf_counter() - t, r.ru_utime + r.ru_stime, r.ru_maxrss / 1024]))"
    )
    out = subprocess.run([sys.executable, "-c", probe, json.dumps(cmd)], capture_output=True, text=True, check=True)
    wall, cpu, rss = json.loads(out.stdout)
    return wall, cpu, rss


def x264(conf: dict) -> list[str]:
    cmd = ["-c:v", "libx264", "-preset", conf["preset"], "-crf", str(conf["crf"]), "-threads", str(conf["threads"])]
    return cmd + (["-x264-params", conf["x264_params"]] if conf.get("x264_params") else [])


def floor(video: Path, conf: dict, work: Path, ffmpeg: str) -> dict:
    """Decode ``video`` to raw rgb24 once, then time FFmpeg encoding it with the same settings."""
    size = conf["frames"] * conf["width"] * conf["height"] * 3
    raw = (SHM if SHM.is_dir() and shutil.disk_usage(SHM).free > 2 * size else work) / f"adbatch-{os.getpid()}.rgb"
    try:
        subprocess.run(
            [ffmpeg, "-y", "-loglevel", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", str(raw)],
            check=True,
        )
        cmd = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24"]
        cmd += ["-s", f"{conf['width']}x{conf['height']}", "-r", str(conf["fps"]), "-i", str(raw)]
        cmd += [*x264(conf), "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(work / "floor.mp4")]
        wall, cpu, rss = timed(cmd)
    finally:
        raw.unlink(missing_ok=True)
    return {"floor_s": wall, "floor_cpu_s": cpu, "floor_rss_mb": rss}


def filtergraph(job_dir: Path, cache: Path, conf: dict, work: Path, ffmpeg: str) -> dict:
    """Compose a comparable ad with FFmpeg alone: the job's shots (its plates, same lengths) each with a
    slow zoom and a text patch, joined, under the job's voice lines and a music bed; same x264 settings."""
    from PIL import Image, ImageDraw

    from adbatch.render import text

    tl = json.loads((job_dir / "timeline.json").read_text())
    fps, (w, h) = conf["fps"], (conf["width"], conf["height"])
    plates = sorted(p for p in cache.rglob("*.jpg"))
    voice = sorted(p for p in cache.rglob("*.wav"))
    cmd, chains = [ffmpeg, "-y", "-loglevel", "error"], []
    for k, shot in enumerate(tl["shots"]):
        frames = round((shot["end"] - shot["start"]) * fps)
        patch = work / f"text{k}.png"
        img = Image.new("RGBA", (w * 8 // 10, h // 8), (0, 0, 0, 0))
        ImageDraw.Draw(img).text((20, 20), f"Shot {k}: {shot['slot']}", font=text.font(h // 24), fill="white")
        img.save(patch)
        cmd += ["-i", str(plates[k % len(plates)]), "-i", str(patch)]
        chains.append(
            f"[{2 * k}:v]scale={w * 118 // 100}:-2,zoompan=z='1+0.0008*on':d={frames}:s={w}x{h}:fps={fps}[z{k}];"
            f"[z{k}][{2 * k + 1}:v]overlay=(W-w)/2:H/6,setsar=1[s{k}]"
        )
    shots = len(tl["shots"])
    cmd += [x for v in voice for x in ("-i", str(v))]
    joined = "".join(f"[s{k}]" for k in range(shots)) + f"concat=n={shots}:v=1:a=0,format=yuv420p[v]"
    same = ";".join(
        f"[{2 * shots + i}:a]aformat=sample_rates=44100:channel_layouts=mono[a{i}]" for i in range(len(voice))
    )
    voices = "".join(f"[a{i}]" for i in range(len(voice)))
    mixed = (
        f"{same};{voices}concat=n={len(voice)}:v=0:a=1[vo];sine=f=220:d={tl['duration']}[bed];[vo][bed]amix=inputs=2[a]"
    )
    cmd += ["-filter_complex", ";".join([*chains, joined, mixed]), "-map", "[v]", "-map", "[a]"]
    cmd += [*x264(conf), "-c:a", "aac", "-t", str(tl["duration"]), "-movflags", "+faststart", str(work / "fg.mp4")]
    wall, cpu, _ = timed(cmd)
    return {"graph_s": wall, "graph_cpu_s": cpu}


def preset(name: str) -> dict:
    import yaml

    conf = yaml.safe_load((ROOT / "conf" / "render" / "final.yaml").read_text())
    if name != "final":  # the other presets are final with their own values on top
        own = yaml.safe_load((ROOT / "conf" / "render" / f"{name}.yaml").read_text())
        conf |= {k: v for k, v in own.items() if k != "defaults"}
    return conf


def one_round(args: argparse.Namespace, conf: dict, ffmpeg: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="adbatch-bench-") as tmp:
        work = Path(tmp)
        cmd = [sys.executable, __file__, "--child", "--out", str(work)]
        cmd += ["--archetype", args.archetype, "--product", args.product, "--preset", args.preset]
        with (
            subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc,
            TreeSampler(proc.pid, work, TREE_EVERY_S) as tree,
        ):
            stdout, stderr = proc.communicate()
        if proc.returncode:
            sys.exit(f"the job failed:\n{stderr[-3000:]}")
        ad = json.loads(stdout.strip().splitlines()[-1]) | {"tree_mb": tree.peak_mb}
        conf = conf | {"frames": round(ad["duration"] * conf["fps"])}
        ad |= floor(Path(ad["video"]), conf, work, ffmpeg)
        ad |= filtergraph(work / "video", work / "cache", conf, work, ffmpeg)
        ad["frames"] = conf["frames"]
        return ad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archetype", default="ugc")
    parser.add_argument("--product", default="glow-serum")
    parser.add_argument("--preset", default="final", choices=["final", "lean", "draft"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    import imageio_ffmpeg

    conf, ffmpeg = preset(args.preset), imageio_ffmpeg.get_ffmpeg_exe()
    rounds = [one_round(args, conf, ffmpeg) for _ in range(args.rounds)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    def ratio(a: str, b: str) -> float:
        return statistics.median(r[a] / r[b] for r in rounds)

    print(
        f"adbatch render benchmark: {args.product} / {args.archetype}, {conf['width']}x{conf['height']} "
        f"{conf['fps']} fps, {rounds[0]['duration']:.1f} s, x264 {conf['preset']} crf {conf['crf']}, "
        f"{conf['threads']} threads; medians of {len(rounds)} alternating rounds, on {os.cpu_count()} cores"
    )
    print(f"  {'':34}{'wall s':>9}{'CPU s':>9}{'wall/floor':>12}{'CPU/floor':>11}")
    for name, wall, cpu, target in (
        ("encoder floor (FFmpeg, rgb24 in)", "floor_s", "floor_cpu_s", None),
        ("render stage", "render_s", "render_cpu_s", TARGET_RENDER),
        ("whole job (script..QA)", "job_s", "job_cpu_s", TARGET_JOB),
        ("FFmpeg-only filtergraph ad", "graph_s", "graph_cpu_s", None),
    ):
        goal = f"   (target <= {target})" if target else ""
        print(
            f"  {name:34}{med(wall):9.2f}{med(cpu):9.2f}"
            f"{ratio(wall, 'floor_s'):11.2f}x{ratio(cpu, 'floor_cpu_s'):10.2f}x{goal}"
        )
    per_frame = statistics.median(r["frames_s"] / r["frames"] * 1000 for r in rounds)
    print(f"  frame drawing                     {med('frames_s'):9.2f} s   ({per_frame:.1f} ms/frame)")
    print(
        f"  peak RSS of the job               {med('tree_mb'):9.0f} MB  (its process tree, sampled every "
        f"{TREE_EVERY_S} s; the Python process alone {med('rss_mb'):.0f} MB; target <= {TARGET_RSS_MB})"
    )
    print(f"  encoder floor's own peak RSS      {med('floor_rss_mb'):9.0f} MB")


if __name__ == "__main__":
    main()
