"""Cost estimates before anything is paid: per video, per stage, and what the caps would skip.

The estimate walks the same plan a job makes (slots, shots, voice lines filled to their
speech budget) and asks each provider for its price (``expected`` where a provider has one:
an LLM's typical reply rather than its whole budget; else ``estimate``), so a dry run and a
real run agree on what a video needs. Providers' ``estimate``s are upper bounds, which is
what lets a reservation made from them keep actual spend under the caps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adbatch import director, insights, timeline
from adbatch.archetypes import ANGLES, load_archetype
from adbatch.assets import Providers
from adbatch.catalog import Catalog, RowError
from adbatch.palette import palette
from adbatch.paths import ARCHETYPES_DIR, or_default
from adbatch.providers.base import (CardRequest, CritiqueRequest, HookRankRequest, MusicRequest, SceneRequest,
                                   ScriptRequest)
from adbatch.script import HookCandidate

WORD = "word "  # a voice line that fills its budget, for character-priced voices


@dataclass
class Estimate:
    video: str
    by_stage: dict[str, float] = field(default_factory=dict)
    by_provider: dict[str, float] = field(default_factory=dict)
    invalid: str | None = None  # the row error, when the row is invalid
    skipped_by: str | None = None  # per-video | per-sweep, when a cap would skip it

    @property
    def total(self) -> float:
        return round(sum(self.by_stage.values()), 6)


def estimate_job(cfg: Mapping[str, Any], cat: Catalog, *, writer: Any, providers: Providers) -> Estimate:
    """What the job ``cfg`` describes would cost, by stage and by provider."""
    video = f"{cfg['product_id']}/{cfg['archetype']['name']}/hook-{cfg['hook']}"
    est = Estimate(video=video)
    try:
        product = cat.validate_row(cat.row_for_key(cfg["product_id"]), image_cache=Path(cfg["cache_dir"]),
                                   max_mb=cfg["image_max_mb"], timeout_s=cfg["url_timeout_s"])
    except RowError as exc:
        est.invalid = str(exc)
        return est
    arch = load_archetype(cfg["archetype"]["name"], or_default(cfg.get("archetypes_dir"), ARCHETYPES_DIR))
    budget = timeline.speech_budget(arch, cfg["pacing"])
    wps = getattr(providers.voice, "words_per_second", 2.6)
    request = ScriptRequest(product=product, insights=insights.extract(product), archetype=arch, seed=cfg["seed"],
                            words_per_second=wps, speech_seconds=budget)
    lines = {slot: (WORD * max(1, round(sec * wps))).strip() for slot, sec in budget.items() if sec > 0}
    spoken = {k: timeline.SpokenLine(text=v, duration=budget[k]) for k, v in lines.items()}
    args = dict(archetype=arch, pacing=cfg["pacing"], texts={}, lines=spoken, fps=int(cfg["render"]["fps"]))
    try:
        plan = timeline.build(**args)
    except timeline.VoiceTooLong as exc:  # budgets are a ceiling; the job would speed up or mute a line
        plan = timeline.build(**args, tempo=exc.tempo)
    r, pal = cfg["render"], palette(product.brand_color)
    w, h = (int(round(s * (1 + r["motion_margin"]))) for s in (r["width"], r["height"]))
    slots = {s.id: s for s in arch.slots}
    scenes = [SceneRequest(product=product, slot=slots[sh.slot], shot=sh.shot, prompt=product.name, width=w,
                           height=h, seed=cfg["seed"], palette=pal)
              for sh in plan.shots if sh.layout != timeline.ENDCARD]
    parts = [("script", writer, _price(writer)(request)), *_judging(cfg, writer, request, plan),
             ("voice", providers.voice, sum(providers.voice.estimate(t) for t in lines.values())),
             ("scenes", providers.scenes, sum(providers.scenes.estimate(s) for s in scenes)),
             ("image", providers.image, providers.image.estimate(
                 CardRequest(product=product, width=r["width"], height=r["height"], seed=cfg["seed"], palette=pal))),
             ("music", providers.music, providers.music.estimate(
                 MusicRequest(mood=arch.music.mood, bpm=arch.music.bpm, seconds=cfg["pacing"]["duration"], seed=0)))]
    for stage, provider, usd in parts:
        est.by_stage[stage] = round(usd, 6)
        name = f"{provider.name}/{provider.model}"
        est.by_provider[name] = round(est.by_provider.get(name, 0.0) + usd, 6)
    return est


def _price(provider: Any) -> Any:
    """What a dry run prices a call with: its typical cost where the provider knows one."""
    return getattr(provider, "expected", provider.estimate)


def _judging(cfg: Mapping[str, Any], writer: Any, request: ScriptRequest, plan: timeline.Timeline) -> list:
    """The live writer's other calls, priced on stand-ins as long as the real ones: the product
    analysis, the hook ranking and the critique (each only if the writer makes it and it is on)."""
    parts = []
    if hasattr(writer, "analyze"):
        parts.append(("vision", writer, _price(writer)(request.product)))
    arch = request.archetype
    if hasattr(writer, "rank_hooks") and cfg["hook_scoring"]["live_rank"]:
        words = (WORD * arch.slots[0].vo_words[1]).strip()
        stand_ins = tuple(HookCandidate(angle=a, text=words[:80], voice=words) for a in ANGLES)
        parts.append(("hooks", writer, _price(writer)(HookRankRequest(
            product=request.product, insights=request.insights, archetype=arch, hooks=stand_ins,
            hook_seconds=cfg["pacing"]["hook_scene"]))))
    if hasattr(writer, "critique") and cfg["director"]["live_notes"]:
        parts.append(("critique", writer, _price(writer)(CritiqueRequest(
            product=request.product, archetype=arch, beats=director.describe(plan), rule_notes=(),
            pacing={k: cfg["pacing"][k] for k in ("scene_min", "scene_max", "hook_scene")}
            | {"max_dead_air": cfg["director"]["max_dead_air"]}, reorderable=arch.reorderable))))
    return parts


def apply_caps(estimates: Sequence[Estimate], *, per_video: float, per_sweep: float) -> None:
    """Mark the videos the caps would skip, in launch order (what a real sweep would do)."""
    spent = 0.0
    for est in estimates:
        if est.invalid:
            continue
        if est.total > per_video + 1e-9:
            est.skipped_by = "per-video"
        elif spent + est.total > per_sweep + 1e-9:
            est.skipped_by = "per-sweep"
        else:
            spent += est.total


def dry_run_text(estimates: Sequence[Estimate], *, per_video: float, per_sweep: float) -> str:
    """The dry-run report: every video, totals by provider, and what the caps would skip."""
    apply_caps(estimates, per_video=per_video, per_sweep=per_sweep)
    valid = [e for e in estimates if not e.invalid]
    lines = [f"dry run: {len(estimates)} videos ({len(valid)} valid, {len(estimates) - len(valid)} invalid); "
             f"nothing was called or rendered", ""]
    width = max((len(e.video) for e in estimates), default=5)
    for e in estimates:
        note = f"invalid: {e.invalid}" if e.invalid else (f"SKIPPED by the {e.skipped_by} cap" if e.skipped_by else "")
        lines.append(f"  {e.video:<{width}}  ${e.total:8.4f}  {note}".rstrip())
    providers: dict[str, float] = {}
    for e in valid:
        for name, usd in e.by_provider.items():
            providers[name] = providers.get(name, 0.0) + usd
    run = [e for e in valid if not e.skipped_by]
    lines += ["", "by provider:"] + [f"  {name:<32} ${usd:9.4f}" for name, usd in sorted(providers.items())]
    total = sum(e.total for e in valid)
    lines += ["", f"estimated total ${total:.4f} for {len(valid)} videos "
                  f"(mean ${total / max(1, len(valid)):.4f} per video); caps: ${per_video:.2f} per video, "
                  f"${per_sweep:.2f} per sweep",
              f"would run {len(run)} videos for ${sum(e.total for e in run):.4f}; "
              f"{len(valid) - len(run)} would be skipped by the caps"]
    return "\n".join(lines)
