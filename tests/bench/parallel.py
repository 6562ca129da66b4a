"""Benchmark: one provider=live video against the fake server with slow providers: parallel vs sequential.

    python tests/bench/parallel.py [--script-s 1] [--voice-s 3] [--clip-s 10] [--clips 4] [--preset draft]

The fake server (tests/fakes) answers each Claude request after --script-s (photo notes, then
the script: two requests), each voice line after --voice-s, and runs each of --clips Kling
predictions for --clip-s. Prints the job's stage timings, what the assets would take one after
another, and the ideal wall time (script + slowest asset + render). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script-s", type=float, default=1.0, help="latency of each Claude request (2 per video)")
    parser.add_argument("--voice-s", type=float, default=3.0, help="latency of each voice line")
    parser.add_argument("--clip-s", type=float, default=10.0, help="run time of each Kling prediction")
    parser.add_argument("--clips", type=int, default=4, help="video scenes per video")
    parser.add_argument("--preset", default="draft", choices=["draft", "final"])
    args = parser.parse_args()

    from tests.fakes import FakeProviders
    from tests.fakes.live import KEY, KEY_VARS, catalog_of, live_config, live_job

    os.environ.update({var: KEY for var in KEY_VARS})
    with tempfile.TemporaryDirectory(prefix="adbatch-bench-") as tmp, FakeProviders(key=KEY) as fake:
        root = Path(tmp)
        fake.latency("anthropic.messages", args.script_s)
        fake.latency("elevenlabs.tts", args.voice_s)
        fake.prediction_seconds(args.clip_s, "kwaivgi/kling-v2.1")
        m = live_job(
            fake,
            catalog_of(root / "cat", "alpha-mug"),
            "alpha-mug",
            root,
            f"render={args.preset}",
            f"provider.scenes.video_scenes={args.clips}",
            f"provider.scenes.concurrency={args.clips}",
        )
        assert m.status == "ok", m.error
        t = m.timings
        lines = sum(c.stage == "voice" for c in m.calls)
        clips = sum("video_seconds" in c.units for c in m.calls)
        concurrency = live_config().provider.voice.concurrency
        sequential = lines * args.voice_s + clips * args.clip_s  # provider time alone, one call after another
        slowest = max(c.latency_s for c in m.calls if c.stage in ("voice", "scenes", "image", "music"))
        ideal = t["script"] + slowest + t["render"]
        print(f"adbatch parallel benchmark: provider=live against the fake server, {args.preset} preset, 20 s video")
        print(
            f"  fake latencies: Claude {args.script_s:g} s x 2 requests, voice {args.voice_s:g} s x {lines} lines "
            f"(concurrency {concurrency}), {clips} Kling clips x {args.clip_s:g} s"
        )
        print(f"  script stage (photo notes, then script)  {t['script']:7.2f} s")
        print(f"  assets stage, all in flight              {t['assets']:7.2f} s   slowest asset call {slowest:.2f} s")
        print(
            f"  assets one after another                >{sequential:7.2f} s   (provider time alone; "
            f"x{sequential / t['assets']:.1f} the parallel stage)"
        )
        print(f"  render                                   {t['render']:7.2f} s")
        print(
            f"  whole job                                {t['total']:7.2f} s   ideal = script + slowest asset + "
            f"render = {ideal:.2f} s (overhead {t['total'] - ideal:+.2f} s)"
        )
        print(
            f"  cost recorded                            ${m.cost_usd:.4f}   attempts {sum(c.attempts for c in m.calls)}"
            f" for {len(m.calls)} calls"
        )


if __name__ == "__main__":
    main()
