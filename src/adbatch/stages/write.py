"""The writer's creative calls in a job: product analysis, script, hook ranking and critique.

Each goes through the job's ``Producer`` (content-addressed cache, cost ledger), keyed on exactly
what its prompt sees, so a call is paid once and shared by everything that asks it the same
question: the analysis by every archetype of a product, the script, its ranking and the critique
of its body by every hook variant. A writer without a step (the offline writer has no
``analyze``, ``rank_hooks`` or ``critique``) simply skips it: the offline heuristics stand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from adbatch.config import AdbatchConf
from adbatch.domain import timeline
from adbatch.domain.archetype import Archetype
from adbatch.domain.insights import Insights
from adbatch.domain.notes import Note
from adbatch.domain.product import Product
from adbatch.domain.script import HookCandidate, Script, check_structure
from adbatch.providers.base import CritiqueRequest, HookRankRequest, ScriptRequest, ScriptWriter
from adbatch.stages import direct, hooks, insights
from adbatch.stages.assets import Producer


async def write_script(
    writer: ScriptWriter,
    producer: Producer,
    cfg: AdbatchConf,
    *,
    product: Product,
    facts: Insights,
    archetype: Archetype,
    seed: int,
    words_per_second: float,
) -> tuple[Script, Insights]:
    """Analyse the product (live), write the script, rank its hooks (offline score, then a live judge),
    and have the body leave the leading hook's fact unsaid (``ScriptWriter.lead_with``); the script
    with ranked hooks, and the insights it was written from (merged with the analysis)."""
    notes = await product_notes(writer, producer, product)
    if notes is not None:
        facts = insights.merge(facts, notes)
    request = ScriptRequest(
        product=product,
        insights=facts,
        archetype=archetype,
        seed=seed,
        words_per_second=words_per_second,
        speech_seconds=timeline.speech_budget(archetype, cfg.pacing),
    )

    async def make(out: Path) -> Any:
        script, usage = await writer.write(request)
        out.write_text(script.model_dump_json())
        return usage

    parts = {
        "product": product.model_dump(mode="json", exclude={"image", "logo"}),
        "image": product.image,
        "archetype": archetype.model_dump(),
        "seed": seed,
        "wps": words_per_second,
        "speech_seconds": request.speech_seconds,
        "call": call_params(writer, "script"),
    } | ({} if notes is None else {"vision": notes})
    produced = await producer.run(
        stage="script",
        provider=writer,
        parts=parts,
        suffix=".json",
        make=make,
        estimate=lambda: writer.estimate(request),
    )
    script = check_structure(Script.model_validate_json(produced.path.read_text()), archetype)
    scoring, hook_seconds = cfg.hook_scoring, cfg.pacing.hook_scene
    ctx = hooks.HookContext(
        product_name=product.name,
        pains=facts.pains,
        archetype=archetype,
        ideal_words=scoring.ideal_words,
        reading_wps=scoring.reading_wps,
        hook_seconds=hook_seconds,
    )
    ranked = hooks.rank(script.hooks, ctx, scoring.weights)
    if writer.judge_model and scoring.live_rank:
        ranked = await judged_hooks(
            writer,
            producer,
            HookRankRequest(
                product=product, insights=facts, archetype=archetype, hooks=ranked, hook_seconds=hook_seconds
            ),
        )
    led, _ = await writer.lead_with(request, script.model_copy(update={"hooks": ranked}))
    return check_structure(led, archetype), facts


async def product_notes(writer: ScriptWriter, producer: Producer, product: Product) -> dict[str, Any] | None:
    """A live writer's notes on the product: its photo, description and reviews; None for writers
    without vision (``supports_vision``)."""
    if not writer.supports_vision:
        return None
    parts = {
        "image": product.image,
        "name": product.name,
        "description": product.description,
        "benefits": list(product.benefits),
        "audience": product.audience,
        "reviews": list(product.reviews),
        "call": call_params(writer, "vision"),
    }
    produced = await producer.run(
        stage="vision",
        provider=writer,
        parts=parts,
        suffix=".json",
        make=lambda out: writer.analyze(product, out),
        estimate=lambda: writer.estimate(product),
    )
    notes: dict[str, Any] = json.loads(produced.path.read_text(encoding="utf-8"))
    return notes


async def judged_hooks(writer: ScriptWriter, producer: Producer, request: HookRankRequest) -> tuple[HookCandidate, ...]:
    """The hooks in a live judge's order, with its reasons."""
    parts = {
        "hooks": [h.model_dump(include={"angle", "text", "voice", "score"}) for h in request.hooks],
        "product": request.product.model_dump(mode="json", include={"name", "description", "audience"}),
        "insights": request.insights.model_dump(mode="json", include=set(insights.FACTS)),
        "archetype": request.archetype.model_dump(),
        "hook_seconds": request.hook_seconds,
        "call": call_params(writer, "hooks"),
    }
    produced = await producer.run(
        stage="hooks",
        provider=writer,
        parts=parts,
        suffix=".json",
        make=lambda out: writer.rank_hooks(request, out),
        estimate=lambda: writer.estimate(request),
    )
    ranking = json.loads(produced.path.read_text(encoding="utf-8"))["ranking"]
    return hooks.judged(request.hooks, ranking, by=writer.label)


async def critique_notes(
    writer: ScriptWriter,
    producer: Producer,
    cfg: AdbatchConf,
    *,
    draft: timeline.Timeline,
    notes: Sequence[Note],
    product: Product,
    archetype: Archetype,
) -> list[Note]:
    """A live critic's notes on the draft's body (``notes``: what the rules said, so it does not repeat
    them); [] without a critic, or with ``director.live_notes=false``."""
    if not writer.judge_model or not cfg.director.live_notes:
        return []
    request = critique_request(cfg, draft=draft, notes=notes, product=product, archetype=archetype)
    parts = {
        "product": product.name,
        "archetype": archetype.model_dump(),
        "beats": list(request.beats),
        "rule_notes": list(request.rule_notes),
        "pacing": dict(request.pacing),
        "reorderable": list(request.reorderable),
        "call": call_params(writer, "critique"),
    }
    produced = await producer.run(
        stage="critique",
        provider=writer,
        parts=parts,
        suffix=".json",
        make=lambda out: writer.critique(request, out),
        estimate=lambda: writer.estimate(request),
    )
    return direct.from_critique(json.loads(produced.path.read_text(encoding="utf-8")))


def critique_request(
    cfg: AdbatchConf,
    *,
    draft: timeline.Timeline,
    notes: Sequence[Note],
    product: Product,
    archetype: Archetype,
) -> CritiqueRequest:
    """What the critic is asked about ``draft``: its beats, the rules' notes on the body, the pacing rules."""
    return CritiqueRequest(
        product=product,
        archetype=archetype,
        beats=direct.describe(draft),
        rule_notes=direct.body_notes(notes, draft),
        pacing={
            "scene_min": cfg.pacing.scene_min,
            "scene_max": cfg.pacing.scene_max,
            "hook_scene": cfg.pacing.hook_scene,
            "max_dead_air": cfg.director.max_dead_air,
        },
        reorderable=archetype.reorderable,
    )


def call_params(writer: ScriptWriter, kind: str) -> dict[str, Any]:
    """A live writer's settings for this kind of call (part of its cache key); {} for writers with one kind."""
    return writer.call_params(kind)
