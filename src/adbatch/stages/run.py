"""Each stage as one job runs it: typed results in, a typed result out.

``adbatch.pipeline`` calls these in order and records what each returns in the manifest;
the stage modules they call (catalog, write, direct, plan, assets, qa, and the renderer)
know nothing of jobs. A function here never writes the manifest and never catches: a
failure travels up to the pipeline, which names the stage it happened in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from adbatch import __version__
from adbatch.config import AdbatchConf
from adbatch.domain import brand, manifest, timeline
from adbatch.domain.archetype import Archetype, load_archetype
from adbatch.domain.insights import Insights
from adbatch.domain.notes import Note
from adbatch.domain.product import Product
from adbatch.domain.qa import QAResult
from adbatch.domain.script import HookCandidate, Script, parse_hook_choice
from adbatch.paths import ARCHETYPES_DIR, or_default
from adbatch.providers.base import ScriptRequest, ScriptWriter
from adbatch.render import captions, encode, endcard, formats, layout, sheet
from adbatch.render.probe import MediaInfo, probe
from adbatch.stages import catalog, degrade, direct, fit, insights, plan, qa, write
from adbatch.stages.assets import AssetPlan, Assets, Produced, Producer, Providers, generate
from adbatch.store import resume
from adbatch.store.atomic import write_text
from adbatch.store.cache import content_key
from adbatch.style import EndCardStyle

# the end card is scratch the renderer reads once: zlib's fastest level writes it in about half the time of the
# default (6), for a slightly larger file that is deleted with the job's work folder
SCRATCH_PNG_LEVEL = 1


@dataclass
class Job:
    """What every stage of one video shares: its config, folder, providers, spend and log."""

    cfg: AdbatchConf
    out_dir: Path
    writer: ScriptWriter
    providers: Providers
    producer: Producer
    log: Any  # the job's structlog logger (adbatch.logs.job_logger)

    @functools.cached_property
    def formats(self) -> list[formats.Format]:
        """The frame shapes to render, main first, each with its platforms and safe zone (render.formats)."""
        cfg = self.cfg
        return formats.resolve(cfg.render, cfg.platforms, cfg.qa.platforms)

    @property
    def work(self) -> Path:
        """Scratch files of this job (tempo-adjusted voice, the end card); removed when it ends."""
        folder = self.out_dir / ".work"
        folder.mkdir(exist_ok=True)
        return folder


@dataclass(frozen=True)
class Intake:
    """The catalog stage: the validated product and everything decided from it before any call."""

    product: Product
    archetype: Archetype
    hook_choice: str  # best | 1..5
    look: brand.Look
    facts: Insights
    input_hash: str  # what a finished video made from the same inputs is kept under
    seed: int  # one visual style per product and archetype


@dataclass(frozen=True)
class Written:
    """The script stage: the script with ranked hooks, the chosen hook, and the insights it used."""

    script: Script
    chosen: HookCandidate
    facts: Insights


@dataclass(frozen=True)
class Directed:
    """The director stage: the draft timeline with the edits applied, and the notes behind them."""

    planned: timeline.Timeline
    chosen: HookCandidate  # the director may swap a too-generic hook for a stronger one
    edits: plan.Edits
    notes: list[Note]
    script: Script  # the script as written, or with shorter body lines when the voice-over ran long
    fitting: timeline.Fitting  # how the voice-over was fitted to the draft (manifest.json's ``fitting``)


@dataclass(frozen=True)
class Laid:
    """The timeline stage: the final timeline from the real voice lengths, and the files it plays."""

    final: timeline.Timeline
    voice_files: dict[str, Path]
    card: Path  # the composed end card
    fitting: timeline.Fitting  # the draft's fitting, with what the real voice lengths needed on top


@dataclass(frozen=True)
class Cut:
    """One frame shape of the rendered video: its files as the manifest lists them (QA still to come), the file
    as probed, and every text box as drawn (for the safe-zone check)."""

    fmt: formats.Format
    entry: manifest.FormatOutput
    info: MediaInfo
    text_boxes: list[tuple[int, int, int, int]]


@dataclass(frozen=True)
class Rendered:
    outputs: manifest.Outputs
    cuts: list[Cut]  # every format, main first (the first is ``video.mp4``, as in ``outputs``)
    stills: sheet.Stills | None = None  # the contact sheet's tiles, kept as the main format was drawn


def intake(cfg: AdbatchConf, cat: catalog.Catalog, row: int) -> Intake:
    """Validate the row and decide what follows from it alone: archetype, hook choice, look, facts, hash.
    (The dry run starts here too, so it prices the video the job would make.)"""
    product = cat.validate_row(
        row, image_cache=Path(cfg.cache_dir), max_mb=cfg.image_max_mb, timeout_s=cfg.url_timeout_s
    )
    archetype = load_archetype(cfg.archetype.name, or_default(cfg.archetypes_dir, ARCHETYPES_DIR))
    hook_choice = parse_hook_choice(cfg.hook)
    look = brand.look(cfg.brand, product)
    facts = insights.extract(product)
    input_hash = content_key(
        {
            "row": cat.raw_row(row),
            "image": product.image,
            **({"photos": list(product.extra_images)} if product.extra_images else {}),  # feeds' extra shots
            "archetype": archetype.model_dump(),
            "version": __version__,
            "cfg": resume.hashed_config(dataclasses.asdict(cfg)),
        }
    )
    seed = int(content_key({"seed": cfg.seed, "product": product.id, "archetype": archetype.name})[:8], 16)
    return Intake(product, archetype, hook_choice, look, facts, input_hash, seed)


def script(job: Job, got: Intake) -> Written:
    """Write the script (live: after analysing the product) and rank its hooks."""
    written, facts = asyncio.run(
        write.write_script(
            job.writer,
            job.producer,
            job.cfg,
            product=got.product,
            facts=got.facts,
            archetype=got.archetype,
            seed=got.seed,
            words_per_second=job.providers.voice.words_per_second,
        )
    )
    return Written(script=written, chosen=written.hook(got.hook_choice), facts=facts)


def direction(job: Job, got: Intake, words: Written) -> Directed:
    """Draft the timeline, have the director critique it (rules, plus a live critic's notes), and
    lay it out again with the edits that fit."""
    voice, hook_id, cfg = job.providers.voice, got.archetype.slots[0].id, job.cfg
    # the hook beat is held for every hook variant, so all keep the same body (plan.hook_reserve)
    hooks = [plan.estimate_line(h.voice, voice).duration for h in words.script.hooks]
    reserve, judged = {hook_id: plan.hook_reserve(job.cfg, hooks)}, {hook_id: hooks[0]}  # hooks[0]: the best
    planned, fitting, script = fit_draft(job, got, words, plan.Edits(reserve=reserve, judged=judged))
    fitted = plan.Edits(
        reserve=reserve,
        judged=judged,
        # a lengthened video stays long; a tightened one is tightened again on the real line lengths
        duration=fitting.duration_s if fitting.duration_s > cfg.pacing.duration else None,
        dropped=fitting.dropped,
    )
    conf = job.cfg.director
    review = direct.Review(
        timeline=planned,
        hook=words.chosen,
        hooks=words.script.hooks,
        hook_requested=got.hook_choice,
        reading_wps=job.cfg.hook_scoring.reading_wps,
        conf=conf,
        reorderable=got.archetype.reorderable,
        quotes=tuple(words.facts.quotes),
    )
    notes = direct.critique(review)
    extra = asyncio.run(
        write.critique_notes(
            job.writer, job.producer, job.cfg, draft=planned, notes=notes, product=got.product, archetype=got.archetype
        )
    )
    decided = direct.direct(review, auto_fix=conf.auto_fix, notes=notes, extra=extra)
    for note in decided.notes:
        job.log.info(
            "director_note",
            rule=note.rule,
            source=note.source,
            message=note.message,
            applied=note.applied,
            rejected=note.rejected,
        )
    chosen = script.hook(decided.hook_rank) if decided.hook_rank else words.chosen
    edits = dataclasses.replace(fitted, soft_max=decided.soft_max, cameras=decided.cameras, order=decided.order)
    planned = plan.draft(cfg, job.log, got.archetype, script, chosen, voice, edits)
    return Directed(
        planned=planned, chosen=chosen, edits=edits, notes=list(decided.notes), script=script, fitting=fitting
    )


def fit_draft(
    job: Job, got: Intake, words: Written, edits: plan.Edits
) -> tuple[timeline.Timeline, timeline.Fitting, Script]:
    """The draft from estimated line lengths, the voice-over fitted to the video (``plan.fitted``, with the
    writer's shortening round), and the script it was fitted with."""
    voice, hook_id, cfg = job.providers.voice, got.archetype.slots[0].id, job.cfg
    request = ScriptRequest(
        product=got.product,
        insights=words.facts,
        archetype=got.archetype,
        seed=got.seed,
        words_per_second=voice.words_per_second,
        speech_seconds=timeline.speech_budget(got.archetype, cfg.pacing),
    )
    shortener = fit.Shortener(job.writer, job.producer, request=request, script=words.script, voice=voice)
    said = plan.words_for(words.script, words.chosen, hook_id)
    lines = {k: plan.estimate_line(v, voice) for k, v in said.items() if v}
    texts = plan.texts_for(words.script, words.chosen, hook_id)
    planned, fitting = plan.fitted(cfg, job.log, got.archetype, texts, lines, edits, shorten=shortener)
    return planned, fitting, shortener.script


def produce(job: Job, got: Intake, words: Written, shape: Directed) -> tuple[AssetPlan, Assets]:
    """Every asset of the video, all in flight at once, each through the cache and the ledger."""
    wanted = plan.asset_plan(
        job.cfg,
        product=got.product,
        archetype=got.archetype,
        script=shape.script,
        voice=plan.words_for(shape.script, shape.chosen, got.archetype.slots[0].id),
        planned=shape.planned,
        seed=got.seed,
        pal=got.look.palette,
        cues=tuple(words.facts.image.get("visual_cues", ())),  # live: what the vision notes saw in the photo
    )
    policy = degrade.from_conf(job.cfg.fallback, plates=job.cfg.style.plates)
    return wanted, asyncio.run(generate(wanted, job.providers, job.producer, policy))


def lay_out(job: Job, got: Intake, words: Written, shape: Directed, wanted: AssetPlan, assets: Assets) -> Laid:
    """The final timeline from the real voice lengths; the voice files at its tempo; the end card."""
    hook_id = got.archetype.slots[0].id
    lines = {
        slot: timeline.SpokenLine(
            text=wanted.voice[slot], duration=p.meta["duration"], words=tuple(tuple(w) for w in p.meta["words"])
        )
        for slot, p in assets.voice.items()
    }
    hook_lines = {
        slot: line.duration for slot, line in lines.items() if slot == hook_id or slot.startswith(plan.HOOK_VARIANT)
    }
    best = f"{plan.HOOK_VARIANT}1" if f"{plan.HOOK_VARIANT}1" in hook_lines else hook_id  # rank 1's own line
    # the director's trims capped the draft's beats from estimated lengths; on the real ones the layout
    # itself gives no beat more silence than it must (timeline._distribute), which is what a trim is for
    reserve = plan.hook_reserve(job.cfg, [hook_lines[best], *hook_lines.values()])
    edits = dataclasses.replace(
        shape.edits, reserve={hook_id: reserve}, judged={hook_id: hook_lines[best]}, soft_max={}
    )
    spoken = {k: v for k, v in lines.items() if not k.startswith(plan.HOOK_VARIANT)}
    texts = plan.texts_for(shape.script, shape.chosen, hook_id)
    final, fitting = plan.fitted(job.cfg, job.log, got.archetype, texts, spoken, edits)
    drafted = shape.fitting
    fitting = fitting.model_copy(
        update={
            "needed_s": max(drafted.needed_s, fitting.needed_s),
            "shortened": drafted.shortened,
            "tried": drafted.tried + fitting.tried,
        }
    )
    voice_files = plan.tempo_adjusted(assets, final, job.work)
    write_text(job.out_dir / "timeline.json", final.model_dump_json(indent=1))
    card = end_card(job, got, assets, job.formats[0], shape.script)
    return Laid(final=final, voice_files=voice_files, card=card, fitting=fitting)


def end_card(job: Job, got: Intake, assets: Assets, fmt: formats.Format, script: Script) -> Path:
    """The closing frame at ``fmt``'s size: the product, its name and price, a customer's words and the call to
    action on the card background; where each part landed is kept beside it (``endcard.json``) for the layout
    record. The quote avoids what the ``script`` says, its body and every hook candidate alike, so every hook
    variant closes on the same card (they share one body)."""
    look, product, card_look = got.look, got.product, job.cfg.style.endcard
    body, hooks = [s.voice for s in script.slots if s.voice], [h.voice for h in script.hooks]
    quote = card_quote(got.facts, spoken=body, hooks=hooks, look=card_look)
    with Image.open(_made(assets.card, "end-card background")) as bg, Image.open(product.image) as photo:
        logo = Image.open(look.logo) if look.logo else None
        frame, parts = endcard.compose_with_parts(
            background=bg,
            photo=photo,
            name=product.name,
            price=product.price_text,
            cta=look.cta,
            url=product.url,
            palette=look.palette,
            logo=logo,
            size=fmt.size,
            brand_name=look.brand_name,
            quote=quote,
            font_path=look.font_bold,
            style=card_look,
            margins=fmt.margins,
        )
    path = job.work / fmt.file("endcard", "png")
    Image.fromarray(frame).save(path, compress_level=SCRATCH_PNG_LEVEL)
    path.with_suffix(".json").write_text(json.dumps([{"role": r, "text": t, "box": b} for r, t, b in parts]))
    return path


def card_quote(facts: Insights, *, spoken: Sequence[str], look: EndCardStyle, hooks: Sequence[str] = ()) -> str:
    """The end card's customer words: a review's praise, whole (its typed quotes, never a "tired of …" opening
    whose payoff the card would cut), one the body (``spoken``) and the ``hooks`` do not say first
    (``endcard.pick_quote``); a row without typed quotes offers the insights' excerpts."""
    fewest, most = look.quote_words
    praise = [f.text for f in facts.facts if f.role == "quote"]
    return endcard.pick_quote(
        praise or list(facts.quotes), most_words=most, least_words=fewest, by=look.quote_by, spoken=spoken, hooks=hooks
    )


def render(job: Job, got: Intake, shape: Directed, assets: Assets, laid: Laid, timings: dict[str, float]) -> Rendered:
    """Draw, mix and encode ``video.mp4`` and ``thumb.jpg`` (captions.srt when asked), then probe them; then the
    same timeline re-flowed for every other format of ``render.formats``, on the same encoded soundtrack."""
    cuts, soundtrack = [], None
    stills = sheet.Stills(laid.final, job.cfg.style.sheet.thumb_width)
    for fmt in job.formats:
        card = laid.card if fmt.main else end_card(job, got, assets, fmt, shape.script)
        cut, done = _draw(job, got, shape, assets, laid, fmt, card, soundtrack, stills if fmt.main else None)
        cuts.append(cut)
        soundtrack = soundtrack or (done.soundtrack.path if done.soundtrack else None)
        timings["render_frames"] = round(
            timings.get("render_frames", 0.0) + done.frame_seconds, 4
        )  # the rest: encoding
    cap = job.cfg.captions
    if cap.srt:
        captions.write_srt(
            laid.final,
            job.out_dir / "captions.srt",
            max_words=job.cfg.style.captions.max_words,
            max_chars=job.cfg.style.captions.max_chars,
            text_lead=job.cfg.pacing.text_lead,
        )
    main, info = cuts[0].entry, cuts[0].info
    outputs = manifest.Outputs(
        video=main.video,
        thumb=main.thumb,
        timeline=main.timeline,
        sheet="sheet.jpg",
        duration_s=info.duration,
        size_bytes=info.size_bytes,
        width=info.width,
        height=info.height,
        fps=info.fps,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
    )
    return Rendered(outputs=outputs, cuts=cuts, stills=stills)


def _draw(
    job: Job,
    got: Intake,
    shape: Directed,
    assets: Assets,
    laid: Laid,
    fmt: formats.Format,
    card: Path,
    soundtrack: Path | None,
    stills: sheet.Stills | None = None,
) -> tuple[Cut, encode.RenderResult]:
    """One format of the video: its frames over ``soundtrack`` (None: mix and encode it), its layout record and
    its probe; ``stills`` keeps the contact sheet's tiles as the frames are drawn."""
    cfg, look, cap = job.cfg, got.look, job.cfg.captions
    placed = {p.path: p.meta["product_box"] for p in assets.scenes.values() if p.meta.get("product_box")}
    sources = [
        dataclasses.replace(s, box=tuple(placed[s.path])) if s.path in placed else s
        for s in plan.shot_sources(laid.final, assets, shape.planned, card)
    ]
    parts = json.loads(card.with_suffix(".json").read_text())  # where the end card's elements landed
    final = _with_product_boxes(job, laid.final, sources, parts, fmt, got.seed)
    rj = encode.RenderJob(
        timeline=final,
        shots=sources,
        voice=laid.voice_files,
        music=_made(assets.music, "music bed"),
        music_gain_db=job.providers.music.gain_db,
        seed=got.seed,
        caption_style=captions.CaptionStyle.from_config(cfg.style.captions, font_path=look.font_bold)
        if cap.enabled
        else None,
        text_lead=cfg.pacing.text_lead,
        font_path=look.font_bold,
        watermark_opacity=look.watermark_opacity,
        watermark=look.logo if look.watermark else None,
        style=cfg.style,
        margins=fmt.margins,
        size=fmt.size,
        soundtrack=soundtrack,
    )
    video, thumb, record = fmt.file("video", "mp4"), fmt.file("thumb", "jpg"), fmt.file("timeline", "json")
    done = encode.render(
        rj,
        cfg.render,
        video=job.out_dir / video,
        thumb=job.out_dir / thumb,
        work_dir=job.work,
        body_cache=Path(cfg.cache_dir) / "bodies" if cfg.render.share_body else None,
        on_frame=stills.take if stills else None,
    )
    audio = done.soundtrack.as_log() if done.soundtrack else {}
    job.log.info(
        "rendered", format=fmt.name, body_reused=done.body_reused, frames_s=round(done.frame_seconds, 3), **audio
    )
    _record_layout(job, final, list(done.texts), parts, fmt, record)
    info = probe(job.out_dir / video)
    entry = manifest.FormatOutput(
        format=fmt.name,
        video=video,
        thumb=thumb,
        timeline=record,
        width=info.width,
        height=info.height,
        duration_s=info.duration,
        size_bytes=info.size_bytes,
    )
    return Cut(fmt=fmt, entry=entry, info=info, text_boxes=list(done.text_boxes)), done


def _with_product_boxes(
    job: Job,
    final: timeline.Timeline,
    sources: list[encode.ShotSource],
    card_parts: list[dict[str, Any]],
    fmt: formats.Format,
    seed: int,
) -> timeline.Timeline:
    """The final timeline with the product's place on ``fmt``'s frame over every shot, from the box the scene's
    provider reported (``ShotSource.box``; a clip's: the still it starts from) and the end card's photo."""
    r, size = job.cfg.render, fmt.size
    parts = {part["role"]: part["box"] for part in card_parts}
    shots = []
    for shot, src in zip(final.shots, sources, strict=True):
        box: tuple[float, float, float, float] | None = src.box
        if src.kind == "static" and "photo" in parts:
            x, y, w, h = parts["photo"]
            box = (x / size[0], y / size[1], (x + w) / size[0], (y + h) / size[1])
        if box is not None:
            box = layout.extent_on_frame(
                box,
                kind=src.kind,
                shot=shot,
                size=size,
                plate_size=r.plate_size,
                motion=job.cfg.style.motion,
                seed=seed,
                most=job.cfg.style.reflow.product_height,
            )
        shots.append(shot.model_copy(update={"product_box": box}))
    return final.model_copy(update={"shots": tuple(shots)})


def _record_layout(
    job: Job,
    final: timeline.Timeline,
    drawn: list[timeline.TextBox],
    parts: list[dict[str, Any]],
    fmt: formats.Format,
    name: str,
) -> None:
    """Write, per shot, the product's box and every text box drawn over it (``drawn``: as the render drew
    them; ``parts``: the end card's, as endcard.json holds them) into ``name`` (``timeline.json`` for the main format)."""
    at = final.card_start
    on_card = [
        timeline.TextBox(role=p["role"], text=p["text"], start=at, end=final.duration, box=tuple(p["box"]))
        for p in parts
        if p["role"] != "photo"
    ]
    boxes = layout.record(final, fmt.size, drawn, on_card)
    write_text(job.out_dir / name, final.model_copy(update={"boxes": boxes}).model_dump_json(indent=1))


def contact_sheet(job: Job, got: Intake, laid: Laid, chosen: HookCandidate, done: Rendered) -> None:
    """``sheet.jpg``: a frame per shot with its time, text and voice line (the tiles the render kept)."""
    sheet.make(
        job.out_dir / "video.mp4",
        laid.final,
        job.out_dir / "sheet.jpg",
        product=got.product.name,
        archetype=got.archetype.name,
        hook=f"#{chosen.rank} {chosen.angle}",
        style=job.cfg.style.sheet,
        stills=done.stills,
    )


def gate(job: Job, done: Rendered) -> tuple[QAResult, list[manifest.FormatOutput]]:
    """Check each delivered file on the specs of the platforms that take its shape (the text boxes as drawn, in
    the brand's font); every format carries the same soundtrack, so its loudness is measured once."""
    r, q = job.cfg.render, job.cfg.qa
    results: list[QAResult] = []
    reading = None
    for cut in done.cuts:
        result = qa.check(
            job.out_dir / cut.entry.video,
            specs=job.cfg.platforms,
            platforms=cut.fmt.platforms or q.platforms,
            target=qa.LoudnessTarget(r.loudness_lufs, q.lufs_tolerance, r.true_peak_db),
            safe_zone_boxes=cut.text_boxes,
            info=cut.info,
            reading=reading,
        )
        reading = reading or result.loudness
        results.append(result)
    return results[0], [cut.entry.model_copy(update={"qa": r}) for cut, r in zip(done.cuts, results, strict=True)]


def _made(asset: Produced | None, what: str) -> Path:
    """The file of an asset every plan asks for (``generate`` raises before it could be missing)."""
    if asset is None:
        raise ValueError(f"the assets hold no {what}")
    return asset.path
