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
from typing import Any

from adbatch.config import AdbatchConf
from adbatch.domain import timeline
from adbatch.domain.archetype import ANGLES, Archetype
from adbatch.domain.manifest import video_key
from adbatch.domain.script import HookCandidate, Script, SlotCopy
from adbatch.logs import QUIET
from adbatch.providers.base import HookRankRequest, ScriptRequest, ScriptWriter
from adbatch.stages import plan, run, write
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


def estimate_job(cfg: AdbatchConf, cat: Catalog, *, writer: ScriptWriter, providers: Providers) -> Estimate:
    """What the job ``cfg`` describes would cost, by stage and by provider, on its own (``apply_caps``
    then takes off what it shares with videos before it).

    It runs the job's own planning (``run.intake``, ``plan.draft``, ``plan.asset_plan``) on a stand-in
    script whose every line fills its slot's speech budget, so it asks for the assets the job would."""
    est = Estimate(video=video_key(str(cfg.product_id), cfg.archetype.name, str(cfg.hook)))
    try:
        got = run.intake(cfg, cat, cat.row_for_key(str(cfg.product_id)))
    except RowError as exc:
        est.invalid = str(exc)
        return est
    arch, product = got.archetype, got.product
    budget = timeline.speech_budget(arch, cfg.pacing)
    wps = providers.voice.words_per_second
    request = ScriptRequest(
        product=product, insights=got.facts, archetype=arch, seed=cfg.seed, words_per_second=wps, speech_seconds=budget
    )
    script = _budget_script(arch, budget, wps)
    chosen = script.hooks[0]
    draft = plan.draft(cfg, QUIET, arch, script, chosen, providers.voice)
    voice = plan.words_for(script, chosen, arch.slots[0].id)
    wanted = plan.asset_plan(
        cfg,
        product=product,
        archetype=arch,
        script=script,
        voice=voice,
        planned=draft,
        seed=got.seed,
        pal=got.look.palette,
    )
    hook_line = voice[arch.slots[0].id]
    # every hook candidate is voiced (hook variants share them): the stand-ins all say the same
    voice_usd = sum(providers.voice.estimate(t) for t in wanted.voice.values()) + (len(ANGLES) - 1) * (
        providers.voice.estimate(hook_line) if hook_line else 0.0
    )
    parts = [
        ("script", writer, request),
        *_judging(cfg, writer, request, draft),
        ("voice", providers.voice, voice_usd),
        ("scenes", providers.scenes, list(wanted.scenes.values())),
        ("image", providers.image, wanted.card),
        ("music", providers.music, wanted.music),
    ]
    shared = {
        "vision": f"vision:{product.id}:{content_key(dict(cfg.provider.script))}",
        "music": f"music:{content_key(dataclasses.asdict(wanted.music))}:{content_key(dict(cfg.provider.music))}",
    }
    body = content_key({k: v for k, v in dataclasses.asdict(cfg).items() if k != "hook"})  # variants share the body
    for stage, provider, what in parts:
        if isinstance(what, float):  # already priced (voice: a sum of lines)
            usual = bound = what
        elif isinstance(what, list):
            usual = bound = sum(provider.estimate(x) for x in what)
        else:
            # the writer knows its typical reply (an LLM rarely fills its budget); the rest price their bound
            usual = writer.expected(what) if provider is writer else provider.estimate(what)
            bound = provider.estimate(what)
        est.by_stage[stage], est.bounds[stage] = round(usual, 6), round(bound, 6)
        est.providers[stage] = f"{provider.name}/{provider.model}"
        est.shared[stage] = shared.get(stage, f"body:{body}")
    return est


def _budget_script(arch: Archetype, budget: Mapping[str, float], wps: float) -> Script:
    """A stand-in script whose every line fills its slot's speech budget (what a writer aims for)."""

    def line(slot_id: str) -> str:
        sec = budget.get(slot_id, 0.0)
        return (WORD * max(1, round(sec * wps))).strip() if sec > 0 else ""

    hook = line(arch.slots[0].id) or WORD.strip()
    hooks = tuple(HookCandidate(angle=a, text=hook[:80], voice=hook[:200], rank=i + 1) for i, a in enumerate(ANGLES))
    slots = tuple(SlotCopy(slot=s.id, text="", voice=line(s.id)[:300]) for s in arch.slots[1:])
    return Script(writer="budget", hooks=hooks, slots=slots)


def _judging(
    cfg: AdbatchConf, writer: ScriptWriter, request: ScriptRequest, plan: timeline.Timeline
) -> list[tuple[str, Any, Any]]:
    """The live writer's other calls, as requests with stand-ins as long as the real ones: the product
    analysis, the hook ranking and the critique (each only if the writer makes it and it is on)."""
    parts: list[tuple[str, Any, Any]] = []
    if writer.supports_vision:
        parts.append(("vision", writer, request.product))
    arch = request.archetype
    if writer.judge_model and cfg.hook_scoring.live_rank:
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
                    hook_seconds=cfg.pacing.hook_scene,
                ),
            )
        )
    if writer.judge_model and cfg.director.live_notes:
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
