"""Builders for the report tests: schema-true manifests written where a sweep puts them, and a
headless Chromium that loads a page and hands back its DOM and console."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from adbatch import manifest
from adbatch.manifest import Call, ErrorInfo, Manifest, Outputs

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr",
                  "--v=0"]


def call(stage: str = "voice", *, provider: str = "acme", model: str = "m1", **over: Any) -> Call:
    """One provider call; by default a $0 first-attempt success."""
    return Call(stage=stage, provider=provider, model=model, key=f"{stage}-{provider}-{model}", **over)


def video(product_id: str = "alpha-mug", *, status: str = "ok", archetype: str = "ugc", hook: str = "best",
          rank: int | None = 1, angle: str | None = "curiosity", text: str | None = None, calls: list[Call] = (),
          total_s: float = 60.0, cost: float | None = None, error: tuple[str, str] | None = None,
          **over: Any) -> Manifest:
    """A manifest for one video (``hook`` as requested; ``rank``, ``angle``, ``text`` describe the hook chosen).
    ``cost`` defaults to the sum of its calls, as the pipeline records it; ``error`` is (stage, message)."""
    hook_info = ({"rank": rank, "angle": angle, "text": text or f"{angle} hook", "voice": "", "score": 50.0}
                 if rank else None)
    fields: dict[str, Any] = dict(
        adbatch_version="test", status=status, product_id=product_id, product_name=product_id.replace("-", " ").title(),
        archetype=archetype, hook_requested=hook, hook=hook_info, calls=list(calls),
        timings={"catalog": 0.5, "script": 2.0, "render": total_s - 2.5, "total": total_s},
        cost_usd=sum(c.cost_usd for c in calls) if cost is None else cost,
        error=ErrorInfo(stage=error[0], type="RuntimeError", message=error[1]) if error else None,
        outputs=Outputs(video="video.mp4", thumb="thumb.jpg", duration_s=30.0, size_bytes=1000) if status == "ok"
        else Outputs(), started_at="2026-11-24T02:00:00+00:00", finished_at="2026-11-24T02:01:00+00:00")
    fields.update(over)
    return Manifest(**fields)


def folder_of(sweep: Path, m: Manifest) -> Path:
    """Where a sweep puts this video: ``<sweep>/<product>/<archetype>/hook-<hook>``."""
    return sweep / m.product_id / m.archetype / f"hook-{m.hook_requested}"


def write_sweep(sweep: Path, manifests: list[Manifest]) -> Path:
    """Write each manifest into its video folder under ``sweep`` (with Hydra's ``.hydra/``, as a job has)."""
    for m in manifests:
        folder = folder_of(sweep, m)
        (folder / ".hydra").mkdir(parents=True, exist_ok=True)
        manifest.write(m, folder)
    return sweep


def chromium(page: Path, profile: Path) -> tuple[str, list[str]]:
    """Load ``page`` in headless Chromium: (the DOM after its scripts ran, the console lines it logged)."""
    exe = shutil.which("chromium")
    assert exe, "headless Chromium is missing: run `sh tests/system-deps.sh` (apt package: chromium)"
    proc = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return proc.stdout, console
