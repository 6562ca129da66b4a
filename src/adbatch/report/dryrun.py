"""Cost estimates before anything is paid: per video, per stage, and what the caps would skip.

The estimate walks the same plan a job makes (slots, shots, voice lines filled to their
speech budget) and asks each provider for its price (``expected`` where a provider has one:
an LLM's typical reply rather than its whole budget; else ``estimate``), so a dry run and a
real run agree on what a video needs. Providers' ``estimate``s are upper bounds, which is
what lets a reservation made from them keep actual spend under the caps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adbatch.domain import timeline
from adbatch.domain.archetype import ANGLES, load_archetype
from adbatch.domain.script import HookCandidate
from adbatch.paths import ARCHETYPES_DIR, or_default
from adbatch.providers.base import (
    CardRequest,
    HookRankRequest,
    MusicRequest,
    SceneRequest,
    ScriptRequest,
    speaking_rate,
)
from adbatch.render.palette import palette
from adbatch.stages import insights, write
from adbatch.stages.assets import Providers
from adbatch.stages.catalog import Catalog, RowError
from adbatch.store.cache import content_key

WORD = "word "  # a voice line that fills its budget, for character-priced voices


SEQUENTIAL = ("vision", "script", "hooks", "critique")  # a job's calls made one after another, before its assets


@dataclass
class Estimate:
    video: str
    by_stage: dict[str, float] = field(default_factory=dict)  # what each stage's calls usually cost
    providers: dict[str, str] = field(default_factory=dict)  # stage -> provider/model
    bounds: dict[str, float] = field(default_factory=dict)  # what each stage reserves against the caps
    shared: dict[str, str] = field(default_factory=dict)  # stage -> what it is shared by (paid by one video only)
    invalid: str | None = None  # the row error, when the row is invalid
    skipped_by: str | None = None  # per-video | per-sweep, when a cap would skip it

    @property
    def total(self) -> float:
        return round(sum(self.by_stage.values()), 6)

    @property
    def by_provider(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for stage, usd in self.by_stage.items():
            out[self.providers[stage]] = round(out.get(self.providers[stage], 0.0) + usd, 6)
        return out

    @property
    def peak(self) -> float:
        """The most the job holds against the caps at once: its sequential calls one at a time (each
        reserving its bound on top of what the earlier ones cost), then every asset's bound together."""
        held, spent = 0.0, 0.0
        for stage in SEQUENTIAL:
            if stage in self.by_stage:
                held = max(held, spent + self.bounds[stage])
                spent += self.by_stage[stage]
        assets = sum(v for k, v in self.bounds.items() if k not in SEQUENTIAL)
        return round(max(held, spent + assets), 6)


def estimate_job(cfg: Mapping[str, Any], cat: Catalog, *, writer: Any, providers: Providers) -> Estimate:
    """What the job ``cfg`` describes would cost, by stage and by provider, on its own (``apply_caps``
    then takes off what it shares with videos before it)."""
    video = f"{cfg['product_id']}/{cfg['archetype']['name']}/hook-{cfg['hook']}"
    est = Estimate(video=video)
    try:
        product = cat.validate_row(
            cat.row_for_key(cfg["product_id"]),
            image_cache=Path(cfg["cache_dir"]),
            max_mb=cfg["image_max_mb"],
            timeout_s=cfg["url_timeout_s"],
        )
    except RowError as exc:
        est.invalid = str(exc)
        return est
    arch = load_archetype(cfg["archetype"]["name"], or_default(cfg.get("archetypes_dir"), ARCHETYPES_DIR))
    budget = timeline.speech_budget(arch, cfg["pacing"])
    wps = speaking_rate(providers.voice)
    request = ScriptRequest(
        product=product,
        insights=insights.extract(product),
        archetype=arch,
        seed=cfg["seed"],
        words_per_second=wps,
        speech_seconds=budget,
    )
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
    scenes = [
        SceneRequest(
            product=product,
            slot=slots[sh.slot],
            shot=sh.shot,
            prompt=product.name,
            width=w,
            height=h,
            seed=cfg["seed"],
            palette=pal,
        )
        for sh in plan.shots
        if sh.layout != timeline.ENDCARD
    ]
    hook_line = lines.get(arch.slots[0].id, "")
    voice = sum(providers.voice.estimate(t) for t in lines.values()) + (len(ANGLES) - 1) * (
        providers.voice.estimate(hook_line) if hook_line else 0.0
    )  # every hook candidate is voiced (variants share)
    card = CardRequest(product=product, width=r["width"], height=r["height"], seed=cfg["seed"], palette=pal)
    music = MusicRequest(mood=arch.music.mood, bpm=arch.music.bpm, seconds=cfg["pacing"]["duration"], seed=0)
    parts = [
        ("script", writer, request),
        *_judging(cfg, writer, request, plan),
        ("voice", providers.voice, voice),
        ("scenes", providers.scenes, scenes),
        ("image", providers.image, card),
        ("music", providers.music, music),
    ]
    shared = {
        "vision": f"vision:{product.id}:{content_key(dict(cfg['provider']['script']))}",
        "music": f"music:{content_key(dataclasses.asdict(music))}:{content_key(dict(cfg['provider']['music']))}",
    }
    body = content_key({k: v for k, v in cfg.items() if k != "hook"})  # hook variants share everything but the hook
    for stage, provider, what in parts:
        if isinstance(what, float):  # already priced (voice: a sum of lines)
            usual = bound = what
        elif isinstance(what, list):
            usual = bound = sum(provider.estimate(x) for x in what)
        else:
            usual, bound = _price(provider)(what), provider.estimate(what)
        est.by_stage[stage], est.bounds[stage] = round(usual, 6), round(bound, 6)
        est.providers[stage] = f"{provider.name}/{provider.model}"
        est.shared[stage] = shared.get(stage, f"body:{body}")
    return est


def _price(provider: Any) -> Any:
    """What a dry run prices a call with: its typical cost where the provider knows one."""
    return getattr(provider, "expected", provider.estimate)


def _judging(cfg: Mapping[str, Any], writer: Any, request: ScriptRequest, plan: timeline.Timeline) -> list:
    """The live writer's other calls, as requests with stand-ins as long as the real ones: the product
    analysis, the hook ranking and the critique (each only if the writer makes it and it is on)."""
    parts = []
    if writer.supports_vision:
        parts.append(("vision", writer, request.product))
    arch = request.archetype
    if writer.judge_model and cfg["hook_scoring"]["live_rank"]:
        words = (WORD * arch.slots[0].vo_words[1]).strip()
        stand_ins = tuple(HookCandidate(angle=a, text=words[:80], voice=words) for a in ANGLES)
        parts.append(
            (
                "hooks",
                writer,
                HookRankRequest(
                    product=request.product,
                    insights=request.insights,
                    archetype=arch,
                    hooks=stand_ins,
                    hook_seconds=cfg["pacing"]["hook_scene"],
                ),
            )
        )
    if writer.judge_model and cfg["director"]["live_notes"]:
        parts.append(
            (
                "critique",
                writer,
                write.critique_request(cfg, draft=plan, notes=(), product=request.product, archetype=arch),
            )
        )
    return parts


def apply_caps(estimates: Sequence[Estimate], *, per_video: float, per_sweep: float) -> None:
    """Walk the videos in launch order, as a real sweep runs them: charge what videos share to the first
    that runs (the cache makes the others reuse it: hook variants share their whole body and the Claude
    calls, the archetypes of a product share its analysis, one archetype's videos share the music bed),
    and mark the videos a cap would skip: what a video holds at its peak (``Estimate.peak``:
    reservations are upper bounds) would cross a cap, on top of what the videos run before it cost."""
    paid: set[str] = set()
    spent = 0.0
    for est in estimates:
        if est.invalid:
            continue
        for stage, key in est.shared.items():
            if key in paid:
                est.by_stage[stage] = est.bounds[stage] = 0.0
        if est.peak > per_video + 1e-9:
            est.skipped_by = "per-video"
        elif spent + est.peak > per_sweep + 1e-9:
            est.skipped_by = "per-sweep"
        else:
            spent += est.total
            paid.update(est.shared.values())


def dry_run_text(estimates: Sequence[Estimate], *, per_video: float, per_sweep: float) -> str:
    """The dry-run report: every video, totals by provider, and what the caps would skip."""
    apply_caps(estimates, per_video=per_video, per_sweep=per_sweep)
    valid = [e for e in estimates if not e.invalid]
    lines = [
        f"dry run: {len(estimates)} videos ({len(valid)} valid, {len(estimates) - len(valid)} invalid); "
        f"nothing was called or rendered",
        "",
    ]
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
    lines += [
        "",
        f"estimated total ${total:.4f} for {len(valid)} videos "
        f"(mean ${total / max(1, len(valid)):.4f} per video); caps: ${per_video:.2f} per video, "
        f"${per_sweep:.2f} per sweep",
        f"would run {len(run)} videos for ${sum(e.total for e in run):.4f}; "
        f"{len(valid) - len(run)} would be skipped by the caps",
    ]
    return "\n".join(lines)
