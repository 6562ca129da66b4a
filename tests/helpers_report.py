"""Builders for the report tests: schema-true manifests written where a sweep puts them, and a
headless Chromium that loads a page and hands back its DOM and console."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from adbatch.domain import manifest
from adbatch.domain.archetype import ANGLES
from adbatch.domain.manifest import Call, ErrorInfo, Manifest, Outputs
from adbatch.domain.notes import Edit, Note
from adbatch.domain.qa import Check, PlatformResult, QAResult
from adbatch.domain.script import HookCandidate
from adbatch.store.atomic import write_text

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
]
OLD_HOOK_ABSENT = ("reason", "ranked_by", "offline_rank")  # hook keys manifests did not have before hook reasons
PLATFORM_TITLES = {"tiktok": "TikTok In-Feed ad", "reels": "Instagram Reels ad", "shorts": "YouTube Shorts"}


def call(stage: str = "voice", *, provider: str = "acme", model: str = "m1", **over: Any) -> Call:
    """One provider call; by default a $0 first-attempt success, its cache key named for stage, provider and model."""
    return Call(stage=stage, provider=provider, model=model, **{"key": f"{stage}-{provider}-{model}"} | over)


def check(
    name: str = "aspect",
    *,
    passed: bool = True,
    expected: str = "9:16 within 1%",
    actual: str = "1080x1920 (0.5625)",
    required: bool = True,
) -> Check:
    """One platform check as adbatch.stages.qa records it; by default a passed aspect check."""
    return Check(name=name, expected=expected, actual=actual, passed=passed, required=required)


def qa_result(
    failed: Mapping[str, Sequence[Check]] | None = None,
    *,
    platforms: Sequence[str] = tuple(PLATFORM_TITLES),
    loudness: tuple[float, float] | None = (-14.2, -1.6),
) -> dict[str, Any]:
    """A QA result as the manifest stores it: every platform passes its aspect check, plus the ``failed``
    checks per platform; ``loudness`` is (integrated LUFS, true peak dBTP), None for a silent video."""
    failed = failed or {}
    results = {
        p: PlatformResult(
            platform=p,
            title=PLATFORM_TITLES.get(p, p),
            spec_checked="2026-11-01",
            checks=[check(), *failed.get(p, ())],
            passed=all(c.passed for c in failed.get(p, ()) if c.required),
        )
        for p in platforms
    }
    reasons = [line for r in results.values() for line in r.failures]
    loud = {"integrated_lufs": loudness[0], "true_peak_dbtp": loudness[1], "lra": 4.0} if loudness else None
    return QAResult(passed=not reasons, loudness=loud, platforms=results, reason="; ".join(reasons) or None).model_dump(
        mode="json"
    )


def note(
    rule: str = "dead_air",
    message: str = "scene 3 drags — cut 0.5 s",
    *,
    edit: str | None = "trim",
    applied: bool = False,
    source: str = "rules",
    **extra: Any,
) -> dict[str, Any]:
    """A director note as the manifest stores it (``edit`` is the fix's kind, None for a note without one);
    ``extra`` adds keys newer manifests may carry, such as ``rejected``."""
    fix = Edit(kind=edit, slot="problem", seconds=3.5) if edit else None
    return Note(rule=rule, message=message, edit=fix, applied=applied, source=source).model_dump(mode="json") | extra


def ranked_hooks(*, reasons: bool = True, ranked_by: str = "offline") -> list[dict[str, Any]]:
    """Five hook candidates ranked best first, each with a ``reason`` and ``ranked_by``; without ``reasons``
    as a manifest written before hooks were ranked with reasons (neither key, nor ``offline_rank``)."""
    hooks = []
    for rank, angle in enumerate(ANGLES, start=1):
        h = HookCandidate(
            angle=angle, text=f"{angle} hook", voice=f"{angle} line", score=90.0 - 10 * rank, rank=rank
        ).model_dump(mode="json")
        h |= {"reason": f"{angle} reason", "ranked_by": ranked_by}
        hooks.append(h if reasons else {k: v for k, v in h.items() if k not in OLD_HOOK_ABSENT})
    return hooks


def video(
    product_id: str = "alpha-mug",
    *,
    status: str = "ok",
    archetype: str = "ugc",
    hook: str = "best",
    rank: int | None = 1,
    angle: str | None = "curiosity",
    text: str | None = None,
    calls: list[Call] = (),
    total_s: float = 60.0,
    cost: float | None = None,
    error: tuple[str, str] | None = None,
    hooks: Sequence[HookCandidate | dict[str, Any]] | None = None,
    qa: QAResult | dict[str, Any] | None = None,
    director: Sequence[Note | dict[str, Any]] = (),
    **over: Any,
) -> Manifest:
    """A manifest for one video (``hook`` as requested; ``rank``, ``angle``, ``text`` describe the hook chosen,
    or with ``hooks`` (ranked candidates) the chosen one is the candidate of that ``rank``).
    ``cost`` defaults to the sum of its calls, as the pipeline records it; ``error`` is (stage, message);
    ``qa`` and ``director`` are as :func:`qa_result` and :func:`note` build them."""
    hook_info = (
        {"rank": rank, "angle": angle, "text": text or f"{angle} hook", "voice": f"{angle} line", "score": 50.0}
        if rank
        else None
    )
    if hooks and rank:
        hook_info = next(h for h in hooks if (h.rank if isinstance(h, HookCandidate) else h["rank"]) == rank)
    fields: dict[str, Any] = dict(
        adbatch_version="test",
        status=status,
        product_id=product_id,
        product_name=product_id.replace("-", " ").title(),
        archetype=archetype,
        hook_requested=hook,
        hook=hook_info,
        hooks=list(hooks or []),
        qa=qa,
        director=list(director),
        calls=list(calls),
        timings={"catalog": 0.5, "script": 2.0, "render": total_s - 2.5, "total": total_s},
        cost_usd=sum(c.cost_usd for c in calls) if cost is None else cost,
        error=ErrorInfo(stage=error[0], type="RuntimeError", message=error[1]) if error else None,
        outputs=Outputs(video="video.mp4", thumb="thumb.jpg", duration_s=30.0, size_bytes=1000)
        if status == "ok"
        else Outputs(),
        started_at="2026-11-24T02:00:00+00:00",
        finished_at="2026-11-24T02:01:00+00:00",
    )
    fields.update(over)
    return Manifest(**fields)


def folder_of(sweep: Path, m: Manifest) -> Path:
    """Where a sweep puts this video: ``<sweep>/<product>/<archetype>/hook-<hook>``."""
    return sweep / m.product_id / m.archetype / f"hook-{m.hook_requested}"


def as_written(m: Manifest) -> dict[str, Any]:
    """``m`` as ``manifest.json`` holds it, except that each hook record keeps only the keys it was given:
    a hook built from an older version's dict (without ``reason`` or ``ranked_by``) is written as that
    version wrote it, where ``manifest.write`` would fill in the model's defaults."""
    data = m.model_dump(mode="json")
    data["hooks"] = [h.model_dump(mode="json", include=h.model_fields_set) for h in m.hooks]
    data["hook"] = m.hook.model_dump(mode="json", include=m.hook.model_fields_set) if m.hook else None
    return data


def write_sweep(sweep: Path, manifests: list[Manifest]) -> Path:
    """Write each manifest (:func:`as_written`) into its video folder under ``sweep`` (with Hydra's
    ``.hydra/``, as a job has)."""
    for m in manifests:
        folder = folder_of(sweep, m)
        (folder / ".hydra").mkdir(parents=True, exist_ok=True)
        write_text(folder / manifest.MANIFEST, json.dumps(as_written(m), indent=2, ensure_ascii=False))
    return sweep


def chromium(page: Path, profile: Path) -> tuple[str, list[str]]:
    """Load ``page`` in headless Chromium: (the DOM after its scripts ran, the console lines it logged)."""
    exe = shutil.which("chromium")
    assert exe, "headless Chromium is missing: run `sh tests/system-deps.sh` (apt package: chromium)"
    proc = subprocess.run(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return proc.stdout, console
