"""One job = one video: catalog row -> script -> assets -> timeline -> render -> manifest.

``run_job`` never raises for a problem with the video itself: a bad row ends as
``invalid``, any other failure as ``failed`` with its stage, type and message, and the
manifest is written in every case, so one bad product never stops a sweep.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image

from adbatch import __version__
from adbatch.domain import brand, manifest, timeline
from adbatch.domain.archetype import Archetype, load_archetype
from adbatch.domain.script import Script, parse_hook_choice
from adbatch.logs import job_logger
from adbatch.paths import ARCHETYPES_DIR, or_default
from adbatch.providers.base import ScriptWriter, speaking_rate
from adbatch.render import captions, encode, endcard, sheet
from adbatch.render.probe import MediaInfo, probe
from adbatch.stages import catalog, direct, insights, plan, qa, write
from adbatch.stages.assets import Assets, Producer, Providers, generate
from adbatch.store import resume
from adbatch.store.cache import AssetCache, content_key
from adbatch.store.ledger import CapExceeded, Ledger


class StageError(Exception):
    """Wraps a failure with the stage it happened in."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.stage, self.cause = stage, cause


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclasses.dataclass
class Job:
    cfg: Mapping[str, Any]
    out_dir: Path
    writer: ScriptWriter
    providers: Providers
    key: str
    log: Any = None
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        tic = time.perf_counter()
        self.log.info("stage_start", stage=name)
        try:
            yield
        except (catalog.RowError, StageError):
            raise
        except Exception as exc:
            raise StageError(name, _first_cause(exc)) from exc
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - tic, 4)


def _first_cause(exc: BaseException) -> BaseException:
    """The error to report from a failed task group: a cap refusal if any, else the first error."""
    if not isinstance(exc, BaseExceptionGroup):
        return exc
    leaves = [_first_cause(e) for e in exc.exceptions]
    return next((e for e in leaves if isinstance(e, CapExceeded)), leaves[0])


def run_job(
    cfg: Mapping[str, Any], *, out_dir: Path, writer: ScriptWriter, providers: Providers, ledger: Ledger | None = None
) -> manifest.Manifest:
    """Render the video ``cfg['product_id']`` describes into ``out_dir``; always write its manifest.

    Paid calls reserve their estimate in ``ledger`` first; a call that would cross a cap is not
    made and the video ends ``skipped_cap``. A video finished before with the same input hash is
    reused and ends ``cached``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    started, tic = _now(), time.perf_counter()
    key = str(cfg["product_id"])
    job = Job(cfg=cfg, out_dir=out_dir, writer=writer, providers=providers, key=key)
    cache = AssetCache(cfg["cache_dir"])
    video_key = f"{key}/{cfg['archetype']['name']}/hook-{cfg['hook']}"
    if ledger is not None:
        ledger.release_stale(video_key)  # left by an attempt of this video that died mid-call
    with job_logger(
        out_dir / "log.jsonl", job=str(out_dir), product=key, archetype=cfg["archetype"]["name"], hook=str(cfg["hook"])
    ) as log:
        job.log = log
        producer = Producer(cache, log, ledger=ledger, video=video_key)
        status, error = "ok", None
        try:
            status = _pipeline(job, producer)
        except catalog.RowError as exc:
            status = "invalid"
            error = manifest.ErrorInfo(stage="catalog", type="RowError", message=str(exc), row=exc.row, field=exc.field)
        except StageError as exc:
            status = "skipped_cap" if isinstance(exc.cause, CapExceeded) else "failed"
            error = manifest.ErrorInfo(stage=exc.stage, type=type(exc.cause).__name__, message=str(exc.cause))
        job.timings["total"] = round(time.perf_counter() - tic, 4)
        result = manifest.Manifest(
            adbatch_version=__version__,
            status=status,
            product_id=key,
            archetype=cfg["archetype"]["name"],
            hook_requested=str(cfg["hook"]),
            config=_config_summary(cfg, writer, providers),
            calls=[manifest.Call(**dataclasses.asdict(c)) for c in producer.calls],
            cost_usd=round(sum(c.cost_usd for c in producer.calls), 6),
            timings=job.timings,
            error=error,
            started_at=started,
            finished_at=_now(),
            **job.fields,
        )
        manifest.write(result, out_dir)
        if status == "ok":
            resume.store(out_dir, cache.root, result.input_hash)
        log.info(
            "job_end",
            status=status,
            seconds=job.timings["total"],
            cost_usd=result.cost_usd,
            error=error.message if error else None,
        )
        shutil.rmtree(out_dir / ".work", ignore_errors=True)
    return result


def _config_summary(cfg: Mapping[str, Any], writer: ScriptWriter, providers: Providers) -> dict[str, Any]:
    """The presets the video was made with; ``stages`` names each stage's provider and model as built,
    so a swapped stage (``provider=live provider.scenes=offline``) reads as what it was."""
    stages = {"script": writer} | {f.name: getattr(providers, f.name) for f in dataclasses.fields(providers)}
    return {
        "catalog": str(Path(cfg["products"]).resolve()),
        "render": cfg["render"]["name"],
        "pacing": cfg["pacing"]["name"],
        "provider": cfg["provider"]["name"],
        "stages": {stage: f"{p.name}/{p.model}" for stage, p in stages.items()},
        "cost_cap": cfg["cost_cap"]["name"],
        "seed": cfg["seed"],
        "duration": cfg["pacing"]["duration"],
        "width": cfg["render"]["width"],
        "height": cfg["render"]["height"],
        "fps": cfg["render"]["fps"],
    }


def _pipeline(job: Job, producer: Producer) -> str:
    """Run the stages; return the status (ok, or cached when an identical finished video was reused)."""
    cfg = job.cfg
    with job.stage("catalog"):
        cat = catalog.load_catalog(cfg["products"])
        row = cat.row_for_key(job.key)
        job.fields["row"] = row
        product = cat.validate_row(
            row, image_cache=Path(cfg["cache_dir"]), max_mb=cfg["image_max_mb"], timeout_s=cfg["url_timeout_s"]
        )
        job.fields["product_name"] = product.name
        archetype = load_archetype(cfg["archetype"]["name"], or_default(cfg.get("archetypes_dir"), ARCHETYPES_DIR))
        hook_choice = parse_hook_choice(cfg["hook"])
        the_look = brand.look(cfg["brand"], product)
        facts = insights.extract(product)
        job.fields["insights"] = facts.model_dump(mode="json")
        job.fields["input_hash"] = content_key(
            {
                "row": cat.raw_row(row),
                "image": product.image,
                "archetype": archetype.model_dump(),
                "version": __version__,
                "cfg": resume.hashed_config(dict(cfg)),
            }
        )
        earlier = resume.find(job.out_dir, Path(cfg["cache_dir"]), job.fields["input_hash"])
    if earlier is not None:
        return _reuse(job, earlier)
    seed = int(content_key({"seed": cfg["seed"], "product": product.id, "archetype": archetype.name})[:8], 16)
    with job.stage("script"):
        script, facts = asyncio.run(
            write.write_script(
                job.writer,
                producer,
                job.cfg,
                product=product,
                facts=facts,
                archetype=archetype,
                seed=seed,
                words_per_second=speaking_rate(job.providers.voice),
            )
        )
        job.fields["insights"] = facts.model_dump(mode="json")
        chosen = script.hook(hook_choice)
        job.fields["hooks"] = [h.model_dump() for h in script.hooks]
        job.fields["hook"] = chosen.model_dump()
    pal = the_look.palette
    hook_id = archetype.slots[0].id
    with job.stage("director"):
        reserve = {hook_id: max(plan.estimate_line(h.voice, job.providers.voice).duration for h in script.hooks)}
        planned = plan.draft(job.cfg, job.log, archetype, script, chosen, job.providers.voice, reserve=reserve)
        direction = _direct(
            job, planned, script, chosen, hook_choice, product=product, archetype=archetype, producer=producer
        )
        if direction.hook_rank:
            chosen = script.hook(direction.hook_rank)
            job.fields["hook"] = chosen.model_dump()
        edits = dict(soft_max=direction.soft_max, cameras=direction.cameras, reserve=reserve, order=direction.order)
        planned = plan.draft(job.cfg, job.log, archetype, script, chosen, job.providers.voice, **edits)
    texts, voice = plan.texts_for(script, chosen, hook_id), plan.words_for(script, chosen, hook_id)
    with job.stage("assets"):
        wanted = plan.asset_plan(
            job.cfg,
            product=product,
            archetype=archetype,
            script=script,
            voice=voice,
            planned=planned,
            seed=seed,
            pal=pal,
        )
        assets = asyncio.run(generate(wanted, job.providers, producer))
    with job.stage("timeline"):
        work = job.out_dir / ".work"
        work.mkdir(exist_ok=True)
        lines = {
            slot: timeline.SpokenLine(
                text=wanted.voice[slot], duration=p.meta["duration"], words=tuple(tuple(w) for w in p.meta["words"])
            )
            for slot, p in assets.voice.items()
        }
        edits["reserve"] = {
            hook_id: max(
                line.duration for slot, line in lines.items() if slot == hook_id or slot.startswith(plan.HOOK_VARIANT)
            )
        }
        final = plan.layout(
            job.cfg,
            job.log,
            archetype,
            texts,
            {k: v for k, v in lines.items() if not k.startswith(plan.HOOK_VARIANT)},
            **edits,
        )
        voice_files = plan.tempo_adjusted(assets, final, work)
        (job.out_dir / "timeline.json").write_text(final.model_dump_json(indent=1))
        card = _end_card(job, product, assets, the_look, work)
    with job.stage("render"):
        shots = plan.shot_sources(final, assets, planned, card)
        cap = cfg["captions"]
        style = captions.CaptionStyle.from_config(cap, font_path=the_look.font_bold) if cap["enabled"] else None
        job_r = encode.RenderJob(
            timeline=final,
            shots=shots,
            voice=voice_files,
            music=assets.music.path,
            music_gain_db=getattr(job.providers.music, "gain_db", 0.0),
            seed=seed,
            caption_style=style,
            text_lead=cfg["pacing"]["text_lead"],
            font_path=the_look.font_bold,
            watermark_opacity=the_look.watermark_opacity,
            watermark=the_look.logo if the_look.watermark else None,
        )
        bodies = Path(cfg["cache_dir"]) / "bodies" if cfg["render"]["share_body"] else None
        done = encode.render(
            job_r,
            cfg["render"],
            video=job.out_dir / "video.mp4",
            thumb=job.out_dir / "thumb.jpg",
            work_dir=work,
            body_cache=bodies,
        )
        job.log.info("rendered", body_reused=done.body_reused, frames_s=round(done.frame_seconds, 3))
        job.timings["render_frames"] = round(done.frame_seconds, 4)  # the rest of "render" is encoding
        if cap["srt"]:
            captions.write_srt(
                final, job.out_dir / "captions.srt", max_words=cap["max_words"], text_lead=cfg["pacing"]["text_lead"]
            )
        info = probe(job.out_dir / "video.mp4")
        job.fields["outputs"] = manifest.Outputs(
            video="video.mp4",
            thumb="thumb.jpg",
            timeline="timeline.json",
            sheet="sheet.jpg",
            duration_s=info.duration,
            size_bytes=info.size_bytes,
            width=info.width,
            height=info.height,
            fps=info.fps,
            video_codec=info.video_codec,
            audio_codec=info.audio_codec,
        )
    with job.stage("sheet"):
        sheet.make(
            job.out_dir / "video.mp4",
            final,
            job.out_dir / "sheet.jpg",
            product=product.name,
            archetype=archetype.name,
            hook=f"#{chosen.rank} {chosen.angle}",
        )
    with job.stage("qa"):
        _qa(job, list(done.text_boxes), info)
    return "ok"


def _qa(job: Job, boxes: list[tuple[int, int, int, int]], info: MediaInfo) -> None:
    """Gate the delivered file (``info``: its probe) on the platforms' specs (``boxes``: the text as
    rendered, in the brand's font); record the result, fail the job if required."""
    r, q = job.cfg["render"], job.cfg["qa"]
    result = qa.check(
        job.out_dir / "video.mp4",
        specs=job.cfg["platforms"],
        platforms=q["platforms"],
        target=qa.LoudnessTarget(r["loudness_lufs"], q["lufs_tolerance"], r["true_peak_db"]),
        ffmpeg=encode.ffmpeg_exe(),
        safe_zone_boxes=boxes,
        info=info,
    )
    job.fields["qa"] = result.model_dump(mode="json")
    if q["required"]:
        qa.enforce(result)


def _reuse(job: Job, earlier: Path) -> str:
    """Take the finished video from ``earlier`` instead of making it again: status cached, $0, and
    what it would have cost recorded as saved."""
    old = manifest.read(earlier / manifest.MANIFEST)
    resume.restore(earlier, job.out_dir)
    job.fields.update(
        hook=old.hook,
        hooks=old.hooks,
        insights=old.insights,
        outputs=old.outputs,
        qa=old.qa,
        director=old.director,
        reused_from=str(earlier),
        saved_usd=manifest.value_usd(old),
    )
    job.log.info("reused", source=str(earlier))
    return "cached"


def _direct(
    job: Job,
    planned: timeline.Timeline,
    script: Script,
    chosen,
    hook_choice: str,
    *,
    product,
    archetype: Archetype,
    producer: Producer,
) -> direct.Direction:
    """The director's notes on the draft: its rules always, a live critic's notes when there is one."""
    conf = job.cfg["director"]
    review = direct.Review(
        timeline=planned,
        hook=chosen,
        hooks=script.hooks,
        hook_requested=hook_choice,
        reading_wps=job.cfg["hook_scoring"]["reading_wps"],
        conf=conf,
        reorderable=archetype.reorderable,
        quotes=tuple(job.fields["insights"]["quotes"]),
    )
    notes = direct.critique(review)
    extra = asyncio.run(
        write.critique_notes(
            job.writer, producer, job.cfg, draft=planned, notes=notes, product=product, archetype=archetype
        )
    )
    direction = direct.direct(review, auto_fix=conf["auto_fix"], notes=notes, extra=extra)
    job.fields["director"] = [n.model_dump() for n in direction.notes]
    for note in direction.notes:
        job.log.info(
            "director_note",
            rule=note.rule,
            source=note.source,
            message=note.message,
            applied=note.applied,
            rejected=note.rejected,
        )
    return direction


def _end_card(job: Job, product, assets: Assets, look: brand.Look, work: Path) -> Path:
    r = job.cfg["render"]
    size = (int(r["width"]), int(r["height"]))
    with Image.open(assets.card.path) as bg, Image.open(product.image) as photo:
        logo = Image.open(look.logo) if look.logo else None
        frame = endcard.compose(
            background=bg,
            photo=photo,
            name=product.name,
            price=product.price_text,
            cta=look.cta,
            url=product.url,
            palette=look.palette,
            logo=logo,
            size=size,
            brand_name=look.brand_name,
            font_path=look.font_bold,
        )
    path = work / "endcard.png"
    Image.fromarray(frame).save(path)
    return path
