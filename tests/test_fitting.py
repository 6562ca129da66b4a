"""Long copy is fitted, never failed: optional lines, shorter lines, a longer video, then a clear error."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import structlog

from adbatch.config import AdbatchConf, PacingConf
from adbatch.domain import timeline
from adbatch.domain.archetype import Archetype
from adbatch.domain.manifest import read
from adbatch.domain.script import spoken_words
from adbatch.providers.base import ScriptRequest
from adbatch.providers.offline import EspeakVoice
from adbatch.providers.offline_writer import OfflineScriptWriter
from adbatch.stages import fit, insights, plan
from adbatch.stages.assets import Producer
from adbatch.stages.catalog import load_catalog
from adbatch.store.cache import AssetCache
from tests.conftest import make_png, product_row, run_adbatch, write_catalog
from tests.fakes import faults
from tests.fakes.live import build, run

pytest_plugins = ["tests.fakes.fixtures"]  # fixtures: fake, keys, product

LOG = structlog.get_logger()
CFG = AdbatchConf()


def sized(archetype: Archetype, factor: float) -> dict[str, timeline.SpokenLine]:
    """Lines ``factor`` times their slot's speech budget."""
    budget = timeline.speech_budget(archetype, PacingConf())
    return {k: timeline.SpokenLine(text=k, duration=v * factor) for k, v in budget.items() if v}


def test_optional_lines_are_dropped_first(ugc: Archetype) -> None:
    """A voice-over a little too long loses the archetype's optional line (its text stays), and the video its length."""
    tl, fitting = plan.fitted(CFG, LOG, ugc, {}, sized(ugc, 1.3), plan.Edits(), extend=True)
    optional = tuple(s.id for s in ugc.body if s.optional)
    assert fitting.dropped == optional and tl.duration == CFG.pacing.duration
    assert {c.slot for c in tl.voice}.isdisjoint(optional)
    assert "optional" in fitting.tried[-1] and fitting.tried[-1].endswith("fits")


def test_a_voice_too_long_to_shorten_lengthens_the_video_within_max_duration(ugc: Archetype) -> None:
    """1.6x the budget, no writer to shorten it: the video grows (0.5 s steps), never past pacing.max_duration."""
    tl, fitting = plan.fitted(CFG, LOG, ugc, {}, sized(ugc, 1.6), plan.Edits())
    assert CFG.pacing.duration < tl.duration <= CFG.pacing.max_duration
    assert fitting.duration_s == tl.duration and "lengthened" in fitting.tried[-1]
    assert fitting.needed_s > CFG.pacing.duration


def test_copy_too_short_to_carry_the_body_tightens_the_video(ugc: Archetype) -> None:
    """Lines at 0.75 of their budgets voice under 85 % of a 30 s body: the video ends sooner (0.5 s steps, never
    under pacing.min_duration, the voice never sped up) until they carry it, and the fitting says so."""
    loose, _ = plan.fitted(CFG, LOG, ugc, {}, sized(ugc, 1.0), plan.Edits())
    assert loose.duration == CFG.pacing.duration and plan.carried(CFG, loose)  # full copy keeps its 30 s
    before = timeline.build(archetype=ugc, pacing=CFG.pacing, texts={}, lines=sized(ugc, 0.75), fps=30)
    assert before.voice_coverage < CFG.pacing.min_coverage
    tl, fitting = plan.fitted(CFG, LOG, ugc, {}, sized(ugc, 0.75), plan.Edits())
    assert CFG.pacing.min_duration <= tl.duration < CFG.pacing.duration and (tl.duration * 2).is_integer()
    assert plan.carried(CFG, tl) and all(c.tempo == 1.0 for c in tl.voice)
    longer = dataclasses.replace(CFG.pacing, duration=tl.duration + 0.5)
    assert not plan.carried(CFG, timeline.build(archetype=ugc, pacing=longer, texts={}, lines=sized(ugc, 0.75), fps=30))
    assert fitting.duration_s == tl.duration and fitting.tried[-1].startswith(f"tightened the video to {tl.duration}")
    assert fitting.voice_coverage == tl.voice_coverage


def test_every_hook_variant_is_tightened_alike(ugc: Archetype) -> None:
    """Short copy under a short and a long hook variant: judged on the best hook's length (``Edits.judged``),
    both videos get the same length and shots, so the variants keep one body; judged on its own line, the
    shorter variant would have been cut shorter."""
    body = sized(ugc, 0.8)
    best, other = body | {"hook": timeline.SpokenLine("best", 2.6)}, body | {"hook": timeline.SpokenLine("o", 1.0)}
    edits = plan.Edits(reserve={"hook": 2.6}, judged={"hook": 2.6})
    a, b = (plan.fitted(CFG, LOG, ugc, {}, lines, edits)[0] for lines in (best, other))
    assert a.duration < CFG.pacing.duration and (a.duration, a.shots) == (b.duration, b.shots)
    alone = plan.fitted(CFG, LOG, ugc, {}, other, plan.Edits(reserve={"hook": 2.6}))[0]
    assert alone.duration < b.duration


def test_copy_too_short_for_any_length_takes_the_length_it_voices_most_of(ugc: Archetype) -> None:
    """Lines at a third of their budgets cannot carry even pacing.min_duration: the video takes the length they
    voice most of, and a teaser (``pacing=short``: min_duration 20 s) keeps its 20 s."""
    tl, fitting = plan.fitted(CFG, LOG, ugc, {}, sized(ugc, 0.33), plan.Edits())
    assert tl.duration == CFG.pacing.min_duration and not plan.carried(CFG, tl) and "tightened" in fitting.tried[-1]
    short = dataclasses.replace(CFG, pacing=dataclasses.replace(CFG.pacing, duration=20.0, min_duration=20.0))
    assert plan.fitted(short, LOG, ugc, {}, sized(ugc, 0.33), plan.Edits())[0].duration == 20.0


def test_platform_minimums_bound_the_tighter_video() -> None:
    """The shortest a video may get is pacing.min_duration or the strictest QA platform's minimum."""
    cfg = dataclasses.replace(
        CFG, platforms={"tiktok": {"duration_s": [28, 60]}}, qa=dataclasses.replace(CFG.qa, platforms=["tiktok"])
    )
    assert plan.shortest_video(cfg) == 28.0 and plan.shortest_video(CFG) == CFG.pacing.min_duration


def test_platform_limits_bound_the_longer_video(ugc: Archetype) -> None:
    """The longest a video may grow is pacing.max_duration or the strictest QA platform's limit."""
    cfg = dataclasses.replace(
        CFG, platforms={"tiktok": {"duration_s": [5, 33]}}, qa=dataclasses.replace(CFG.qa, platforms=["tiktok"])
    )
    assert plan.longest_video(cfg) == 33.0
    tl, _ = plan.fitted(cfg, LOG, ugc, {}, sized(ugc, 1.6), plan.Edits())
    assert tl.duration <= 33.0


def test_when_nothing_fits_the_error_says_what_it_tried(ugc: Archetype) -> None:
    """A hook line longer than any video: TimelineError listing every step tried."""
    lines = sized(ugc, 1.0) | {"hook": timeline.SpokenLine(text="hook", duration=60.0)}
    with pytest.raises(timeline.TimelineError) as info:
        plan.fitted(CFG, LOG, ugc, {}, lines, plan.Edits())
    message = str(info.value)
    for step in ("as written it needs", "optional lines", "lengthened the video up to 40.0 s", "text-only"):
        assert step in message


def test_copy_twice_the_budget_is_shortened_by_the_writer_before_the_video_grows(
    tmp_path: Path, ugc: Archetype
) -> None:
    """The offline writer's shorter variants bring a doubled voice-over back into 30 s; the fitting says so."""
    make_png(tmp_path / "images" / "p.png")
    product = load_catalog(write_catalog(tmp_path, [product_row("p", image="images/p.png")])).validate_row(
        1, image_cache=tmp_path, max_mb=10, timeout_s=5
    )
    voice, writer = EspeakVoice(), OfflineScriptWriter()
    request = ScriptRequest(
        product=product,
        insights=insights.extract(product),
        archetype=ugc,
        seed=0,
        words_per_second=voice.words_per_second,
        speech_seconds=timeline.speech_budget(ugc, PacingConf()),
    )
    written = writer.write_now(request, fill=True)
    doubled = tuple(s.model_copy(update={"voice": f"{s.voice} {s.voice}"}) for s in written.slots[:-1])
    long = written.model_copy(update={"slots": (*doubled, written.slots[-1])})
    hook = long.hooks[0]
    said = plan.words_for(long, hook, ugc.slots[0].id)
    lines = {k: plan.estimate_line(v, voice) for k, v in said.items() if v}
    producer = Producer(AssetCache(str(tmp_path / "cache")), LOG)
    shortener = fit.Shortener(writer, producer, request=request, script=long, voice=voice)
    tl, fitting = plan.fitted(CFG, LOG, ugc, {}, lines, plan.Edits(), shorten=shortener)
    assert fitting.shortened and any("shorter lines" in step for step in fitting.tried)
    assert tl.duration <= CFG.pacing.max_duration
    before = sum(spoken_words(s.voice) for s in long.slots)
    assert sum(spoken_words(s.voice) for s in shortener.script.slots) < before
    assert [c.stage for c in producer.calls] == ["shorten"]


def test_the_live_writer_shortens_in_one_priced_cached_round(fake, product, ugc: Archetype, tmp_path: Path) -> None:
    """Claude gets the lines and their word caps (prompts/shorten.j2) once; the reply replaces only those lines,
    the call is priced, and asking again is a cache hit."""
    writer = build("script", fake)
    request = ScriptRequest(
        product=product,
        insights=insights.extract(product),
        archetype=ugc,
        seed=7,
        words_per_second=2.5,
        speech_seconds=timeline.speech_budget(ugc, PacingConf()),
    )
    script, _ = run(writer.write(request))
    caps = {"problem": 6, "demo": 7}
    reply = {
        "slots": [
            {"slot": "problem", "voice": "Cold coffee, every morning."},
            {"slot": "demo", "voice": "It keeps it hot."},
        ]
    }
    fake.script("anthropic.messages", faults.reply(json.dumps(reply)))
    producer = Producer(AssetCache(str(tmp_path / "cache")), LOG)
    shorter = run(fit.shorter_script(writer, producer, request=request, script=script, words=caps))
    assert (
        shorter.slot("problem").voice == "Cold coffee, every morning."
        and shorter.slot("demo").voice == "It keeps it hot."
    )
    assert [s for s in shorter.slots if s.slot not in caps] == [s for s in script.slots if s.slot not in caps]
    prompt = fake.seen("anthropic.messages")[-1].json["messages"][0]["content"]
    assert '"max_words": 6' in prompt and "Shorten each line" in prompt
    again = run(fit.shorter_script(writer, producer, request=request, script=script, words=caps))
    assert again == shorter and [c.cache_hit for c in producer.calls] == [False, True]
    assert producer.calls[0].stage == "shorten" and producer.calls[0].cost_usd > 0


ARABIC = {
    "name": "زيت الأرغان المغربي",
    "description": "زيت أرغان مغربي نقي معصور على البارد للشعر والبشرة، يرطب بعمق ويمنح لمعاناً طبيعياً دون أي إحساس دهني.",
    "benefits": "ترطيب عميق يدوم طوال اليوم|لمعان طبيعي للشعر الجاف|مناسب لجميع أنواع البشرة|معصور على البارد بدون إضافات",
    "reviews": "استخدمته على شعري المجعد لمدة شهر والنتيجة رائعة حقاً، أصبح ناعماً ولامعاً.|رائحته خفيفة ولا يترك أي أثر دهني على البشرة بعد الاستخدام.",
    "audience": "كل من يبحث عن عناية طبيعية",
    "cta": "اطلب الآن",
}


@pytest.mark.slow
def test_an_arabic_row_renders_with_what_fitting_tried_in_the_manifest(tmp_path: Path) -> None:
    """The issue's Arabic row used to fail both archetypes ("over the 1.25x cap"); now it renders, fitted."""
    make_png(tmp_path / "images" / "argan.png", size=(128, 128))
    catalog = write_catalog(tmp_path, [product_row("argan-oil", image="images/argan.png", **ARABIC)])
    proc = run_adbatch(
        f"products={catalog}",
        "render=draft",
        f"hydra.run.dir={tmp_path / 'run'}",
        f"cache_dir={tmp_path / 'cache'}",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = read(tmp_path / "run" / "manifest.json")
    assert m.status == "ok", m.error
    assert m.fitting is not None and m.fitting.tried and m.fitting.voice_coverage is not None
    assert m.outputs.duration_s == pytest.approx(m.fitting.duration_s, abs=0.1)
