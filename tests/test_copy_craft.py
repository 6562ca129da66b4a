"""Copy a media buyer would run: no template tells across a sweep of the example catalog.

The sweep is written as a job writes it (``write_now(fill=True)``, the offline voice's speaking rate, the
job's seed), its hooks ranked as a job ranks them and its body written around the best (``lead_with``), so
what is checked is what the videos would say.
"""

from __future__ import annotations

import collections
import dataclasses
import re
from pathlib import Path

import pytest

from adbatch.config import HookScoringConf, PacingConf
from adbatch.domain import timeline
from adbatch.domain.archetype import Archetype, available, load_archetype
from adbatch.domain.facts import Fact
from adbatch.domain.product import Product
from adbatch.domain.script import HookCandidate, Script
from adbatch.paths import ARCHETYPES_DIR
from adbatch.providers.base import ScriptRequest
from adbatch.providers.offline import EspeakVoice
from adbatch.providers.offline_writer import OfflineScriptWriter, render
from adbatch.stages import facts, hooks, insights
from adbatch.stages.catalog import load_catalog
from adbatch.store.cache import content_key
from tests.conftest import make_png, product_row, write_catalog

ARCHETYPES = [load_archetype(n, ARCHETYPES_DIR) for n in available(ARCHETYPES_DIR)]
PAIN_BEATS = ("problem", "agitate", "before")
GRAMMAR = ("", "it", "it's", "and", "and it's")  # words a line starts with that no viewer remembers
# rhetorical lead-ins a viewer hears as a template when several ads share them
CONNECTIVES = ("the best part", "nobody told me", "don't take my word for it", "plus,", "honestly?", "here's the proof")


@dataclasses.dataclass(frozen=True)
class Video:
    product: Product
    archetype: Archetype
    script: Script
    hook: HookCandidate  # the best-ranked hook: the one hook=best renders


def request(prod: Product, archetype: Archetype, *, seed: int = 0) -> ScriptRequest:
    """What a job asks the writer (adbatch.stages.run: the job's seed, the offline voice's speaking rate)."""
    job_seed = int(content_key({"seed": seed, "product": prod.id, "archetype": archetype.name})[:8], 16)
    return ScriptRequest(
        product=prod,
        insights=insights.extract(prod),
        archetype=archetype,
        seed=job_seed,
        words_per_second=EspeakVoice().words_per_second,
        speech_seconds=timeline.speech_budget(archetype, PacingConf()),
    )


def best_hook(script: Script, prod: Product, archetype: Archetype) -> HookCandidate:
    scoring, pacing, found = HookScoringConf(), PacingConf(), insights.extract(prod)
    ctx = hooks.HookContext(
        product_name=prod.name,
        pains=found.pains,
        archetype=archetype,
        ideal_words=scoring.ideal_words,
        reading_wps=scoring.reading_wps,
        hook_seconds=pacing.hook_scene,
    )
    return hooks.rank(script.hooks, ctx, scoring.weights)[0]


@pytest.fixture(scope="module")
def videos(examples: list[Product]) -> list[Video]:
    """Every example product x every archetype, as the sweep's jobs write them."""
    writer, out = OfflineScriptWriter(), []
    for prod in examples:
        for archetype in ARCHETYPES:
            script = writer.write_now(request(prod, archetype), fill=True)
            best = best_hook(script, prod, archetype)
            script = writer.write_now(request(prod, archetype), fill=True, lead=best.angle)  # as lead_with
            out.append(Video(prod, archetype, script, best))
    return out


def opener(line: str, words: int = 3) -> str:
    return " ".join(re.findall(r"[\w'?,:]+", line.lower())[:words])


def lead_ins(line: str, said: list[str]) -> list[str]:
    """Each sentence's words before the first fact it says (a sentence saying no fact: all of it)."""
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", line.lower()):
        cut = min([sentence.find(t) for t in said if t in sentence] or [len(sentence)])
        lead = sentence[:cut].strip(" .:")
        if lead not in GRAMMAR:
            out.append(lead)
    return out


def said_by(prod: Product) -> list[str]:
    """The product's own words as they may appear in a line (name, price, facts), longest first."""
    found = [f.text.lower() for f in insights.extract(prod).facts] + [prod.name.lower(), prod.price_text]
    return sorted({t for t in found if t}, key=len, reverse=True)


def most_shared(owners: dict[str, set[str]]) -> tuple[str, int]:
    phrase, products = max(owners.items(), key=lambda kv: len(kv[1]))
    return phrase, len(products)


def test_no_hook_opener_is_shared_by_more_than_two_of_seven_products(videos, examples) -> None:
    """Within an archetype, the rendered hooks' first three words differ across products (<= 2 of 7 share)."""
    for archetype in ARCHETYPES:
        owners = collections.defaultdict(set)
        for v in (v for v in videos if v.archetype == archetype):
            owners[opener(v.hook.voice)].add(v.product.id)
        phrase, count = most_shared(owners)
        assert count <= 2, (archetype.name, phrase, count)


def test_nobody_told_me_opens_at_most_two_products_videos(videos) -> None:
    """The hook the issue caught opening 3 of 7 products' videos now opens at most 2 per archetype."""
    for archetype in ARCHETYPES:
        owners = {v.product.id for v in videos if v.archetype == archetype and "nobody told me" in v.hook.voice.lower()}
        assert len(owners) <= 2, (archetype.name, sorted(owners))


def test_no_stock_connective_is_spoken_in_more_than_two_of_seven_products(videos) -> None:
    """ "The best part?" and its kin: within an archetype, at most 2 of 7 products' videos say one."""
    for archetype in ARCHETYPES:
        for phrase in CONNECTIVES:
            owners = {
                v.product.id
                for v in videos
                if v.archetype == archetype
                and any(phrase in line.lower() for line in [v.hook.voice, *(s.voice for s in v.script.slots[:-1])])
            }
            assert len(owners) <= 2, (archetype.name, phrase, sorted(owners))


def test_no_lead_in_is_spoken_in_more_than_half_the_products(videos) -> None:
    """Any fixed phrase a line opens with (before its first fact) is heard in at most 3 of 7 products' videos."""
    for archetype in ARCHETYPES:
        owners = collections.defaultdict(set)
        for v in (v for v in videos if v.archetype == archetype):
            said = said_by(v.product)
            for line in [v.hook.voice, *(s.voice for s in v.script.slots[:-1])]:
                for lead in lead_ins(line, said):
                    owners[lead].add(v.product.id)
        phrase, count = most_shared(owners)
        assert count <= 3, (archetype.name, phrase, count)


def triples(line: str, name: str) -> set[tuple[str, ...]]:
    """A line's runs of three words, the product's name aside (a line may name it where it is on screen)."""
    words = re.findall(r"[a-z0-9$.'-]+", line.replace(name, " ").lower())
    return {tuple(w.strip(".") for w in words[i : i + 3]) for i in range(len(words) - 2)}


def test_no_body_line_says_again_what_the_leading_hook_said(videos) -> None:
    """The hook hook=best renders opens the video; no beat before the close repeats its words (23 of 56 did)."""
    for v in videos:
        heard = triples(v.hook.voice, v.product.name)
        for copy in v.script.slots[:-1]:
            assert not heard & triples(copy.voice, v.product.name), (v.product.id, v.archetype.name, copy.voice)


def test_no_two_body_lines_say_the_same_thing(videos) -> None:
    """A fact, a review's pain and a figure are each said once a body ("45-hour burn time", then "burns clean for
    about 45 hours"; "water rings on my desk", then the review "no more water rings on my desk")."""
    for v in videos:
        lines = [s.voice.replace(v.product.name, " ") for s in v.script.slots[:-1]]
        for i, line in enumerate(lines):
            figures = set(re.findall(r"\d+", line.replace(v.product.price_text, "")))
            for later in lines[i + 1 :]:
                assert not triples(line, v.product.name) & triples(later, v.product.name), (v.product.id, line, later)
                assert not figures & set(re.findall(r"\d+", later.replace(v.product.price_text, ""))), (line, later)


def test_no_pain_beat_names_the_product_before_it_appears(videos) -> None:
    """Problem, agitate and before beats show life without the product ("Nothing I tried came close to
    Northwind Daypack 18L." then "Then I found Northwind Daypack 18L." named it twice in a row)."""
    for v in videos:
        for slot, copy in zip(v.archetype.slots[1:], v.script.slots, strict=True):
            if slot.type in PAIN_BEATS:
                assert v.product.name not in copy.voice, (v.product.id, v.archetype.name, copy.voice)


def test_the_product_is_named_in_two_lines_in_a_row_only_when_its_facts_ran_out(videos) -> None:
    """The name twice in a row is a tell; the writer names the product right after a line that did only when
    every fact of the row is spoken already (a name-only line beats saying a fact twice)."""
    for v in videos:
        lines = [s.voice for s in v.script.slots[:-1]]
        for before, line in zip(lines, lines[1:]):
            if v.product.name in before and v.product.name in line:
                rest = line.replace(v.product.name, "")
                said = [f for f in insights.extract(v.product).facts if f.role not in ("name", "cta")]
                assert not any(f.text.lower() in rest.lower() for f in said), (v.product.id, line)
                assert all(
                    f.text.lower() in " ".join([v.hook.voice, *lines]).lower() for f in said if f.role == "benefit"
                )


def test_the_body_is_written_around_whichever_hook_leads(tmp_path: Path) -> None:
    """Each hook in turn leads: the body never says its fact, and the hooks stay the script's own."""
    make_png(tmp_path / "images" / "p.png")
    benefits = "Fades dark spots|Fragrance-free|Brighter skin in 2 weeks|Absorbs in seconds|Evens out dull skin"
    row = product_row("p", image="images/p.png", benefits=benefits)
    prod = load_catalog(write_catalog(tmp_path, [row])).validate_row(1, image_cache=tmp_path, max_mb=10, timeout_s=5)
    ugc = next(a for a in ARCHETYPES if a.name == "ugc")
    writer = OfflineScriptWriter()
    unled = writer.write_now(request(prod, ugc), fill=True)
    repeated = 0
    for hook in unled.hooks:
        led = writer.write_now(request(prod, ugc), fill=True, lead=hook.angle)
        assert led.hooks == unled.hooks
        words = [b.lower() for b in benefits.split("|") if b.lower() in hook.voice.lower()]
        for copy in led.slots[:-1]:
            assert not any(w in copy.voice.lower() for w in words), (hook.voice, copy.voice)
        repeated += any(w in copy.voice.lower() for w in words for copy in unled.slots[:-1])
    assert repeated, "no hook's fact was repeated without a lead: the test shows nothing"


def test_lead_with_keeps_the_ranked_hooks_and_rewrites_the_body(examples) -> None:
    """What a job calls after ranking: the ranked hooks as they were, the body around the first of them."""
    import asyncio

    prod, ugc = examples[0], next(a for a in ARCHETYPES if a.name == "ugc")
    writer = OfflineScriptWriter()
    script = writer.write_now(request(prod, ugc), fill=True)
    ranked = script.model_copy(update={"hooks": tuple(reversed(script.hooks))})
    led, _ = asyncio.run(writer.lead_with(request(prod, ugc), ranked))
    assert led.hooks == ranked.hooks
    assert led.slots == writer.write_now(request(prod, ugc), fill=True, lead=ranked.hooks[0].angle).slots


def test_a_jobs_script_stage_writes_the_body_around_its_best_ranked_hook(examples, tmp_path: Path) -> None:
    """``write.write_script`` (what a job runs, through the cache): hooks ranked, then the body around rank 1."""
    import asyncio

    import structlog

    from adbatch.config import AdbatchConf
    from adbatch.stages import write
    from adbatch.stages.assets import Producer
    from adbatch.store.cache import AssetCache

    cfg, writer = AdbatchConf(), OfflineScriptWriter()
    producer = Producer(AssetCache(str(tmp_path / "cache")), structlog.get_logger())
    for prod in examples[:3]:
        ugc = next(a for a in ARCHETYPES if a.name == "ugc")
        req = request(prod, ugc)
        script, _ = asyncio.run(
            write.write_script(
                writer,
                producer,
                cfg,
                product=prod,
                facts=req.insights,
                archetype=ugc,
                seed=req.seed,
                words_per_second=req.words_per_second,
            )
        )
        assert [h.rank for h in script.hooks] == [1, 2, 3, 4, 5]
        assert script.slots == writer.write_now(req, fill=True, lead=script.hooks[0].angle).slots, prod.id


def test_a_body_shortened_to_fit_still_leaves_the_leading_hooks_fact_unsaid(examples) -> None:
    """``shorten`` (a voice-over that runs long) redraws lines within word caps around the same leading hook:
    fewer shortened lines repeat it than when the shortening ignores which hook leads."""
    import asyncio

    from adbatch.providers.base import ShortenRequest
    from adbatch.stages import fit

    writer, repeats = OfflineScriptWriter(), {"led": 0, "unled": 0}
    for prod in examples:
        for archetype in ARCHETYPES:
            req = request(prod, archetype)
            best = best_hook(writer.write_now(req, fill=True), prod, archetype)
            script = writer.write_now(req, fill=True, lead=best.angle)
            script = script.model_copy(update={"hooks": (best, *(h for h in script.hooks if h != best))})
            caps = fit.word_caps(script, 0.7)
            short, _ = asyncio.run(writer.shorten(ShortenRequest(request=req, script=script, words=caps)))
            seconds = {k: min(v, caps.get(k, 1e9) / req.words_per_second) for k, v in req.speech_seconds.items()}
            unled = writer.write_now(dataclasses.replace(req, speech_seconds=seconds))
            heard = triples(best.voice, prod.name)
            for said, key in ((short, "led"), (unled, "unled")):
                lines = [s.voice for s in said.slots[:-1] if s.slot in caps]
                repeats[key] += sum(bool(heard & triples(line, prod.name)) for line in lines)
    assert repeats["led"] < repeats["unled"], repeats


def test_an_unknown_lead_is_refused_and_a_foreign_script_keeps_its_body(examples) -> None:
    """``lead`` names a hook angle; a script whose hooks this writer would not draw (cached by another version
    of it) keeps its body rather than be rewritten around facts nobody knows."""
    import asyncio

    prod, ugc = examples[0], next(a for a in ARCHETYPES if a.name == "ugc")
    writer = OfflineScriptWriter()
    with pytest.raises(ValueError, match="not a hook angle"):
        writer.write_now(request(prod, ugc), fill=True, lead="sarcasm")
    script = writer.write_now(request(prod, ugc), fill=True)
    foreign = script.model_copy(update={"hooks": tuple(h.model_copy(update={"voice": "Old."}) for h in script.hooks)})
    assert asyncio.run(writer.lead_with(request(prod, ugc), foreign))[0] == foreign


def test_a_quote_inside_a_sentence_reads_on_in_lower_case(videos) -> None:
    """After "word for it:", "wrote:" or any colon, a customer's words do not keep a capital ("I" and names aside)."""
    for v in videos:
        keep = {"I", "I'm", "I've", "I'd", "I'll", *v.product.name.split()}
        for line in [h.voice for h in v.script.hooks] + [s.voice for s in v.script.slots]:
            for word in re.findall(r":\s+([A-Z][\w']*)", line):
                assert word in keep, (v.product.id, v.archetype.name, line)


def test_quote_after_a_colon_is_lower_cased_but_not_i() -> None:
    """The writer lower-cases a mid-sentence quote's first letter; "I" and acronyms keep theirs."""
    quote = Fact(role="quote", kind="quote", text="Case fits in my pocket", field="reviews", column="reviews")
    i_quote = Fact(role="quote", kind="quote", text="I did 10k on Sunday", field="reviews", column="reviews")
    template = "Don't take my word for it: {quote}."
    assert render(template, {"quote": quote}, attribution="a customer").endswith("it: case fits in my pocket.")
    assert render(template, {"quote": i_quote}, attribution="a customer").endswith("it: I did 10k on Sunday.")
    assert render("“{quote}”", {"quote": quote}, attribution="a customer") == "“Case fits in my pocket”"


def test_a_clause_quoted_on_its_own_card_starts_with_a_capital() -> None:
    """A review's later clause ("…, so my sunscreen doesn't pill") opens its quote card capitalised; a brand
    written in lower case ("iPhone") keeps its spelling; inside a sentence the clause reads on in lower case."""
    clause = Fact(role="quote", kind="quote", text="my sunscreen doesn't pill", field="reviews", column="reviews")
    brand = Fact(role="quote", kind="quote", text="iPhone fits in the pocket", field="reviews", column="reviews")
    card = "“{quote}” — {quote:by}"
    assert render(card, {"quote": clause}, attribution="a customer") == "“My sunscreen doesn't pill” — a customer"
    assert render(card, {"quote": brand}, attribution="a customer") == "“iPhone fits in the pocket” — a customer"
    its = Fact(role="quote", kind="quote", text="it's lasted two months", field="reviews", column="reviews")
    assert render(card, {"quote": its}, attribution="a customer") == "“It's lasted two months” — a customer"
    assert (
        render("Real review: {quote}.", {"quote": clause}, attribution="") == "Real review: my sunscreen doesn't pill."
    )


def test_no_price_follows_a_pain_line(videos) -> None:
    """A problem, agitate or before beat never ends on the price ("…a headache. All for $28.")."""
    for v in videos:
        for slot, copy in zip(v.archetype.slots[1:], v.script.slots, strict=True):
            if slot.type in PAIN_BEATS and v.product.price_text:
                assert v.product.price_text not in copy.voice, (v.product.id, v.archetype.name, copy.voice)


def test_a_line_never_names_the_product_and_restates_what_it_is(videos) -> None:
    """ "Meet Pulse Wireless Earbuds. Plus, compact wireless earbuds." is never written."""
    for v in videos:
        named = {w.lower() for w in re.findall(r"[\w'-]+", v.product.name)}
        restating = [
            f.text.lower()
            for f in insights.extract(v.product).facts
            if f.kind == "noun_phrase" and f.text.split()[-1].lower() in named
        ]
        for copy in v.script.slots:
            if v.product.name in copy.voice:
                assert not any(t in copy.voice.lower() for t in restating), (v.product.id, copy.voice)


def test_one_review_is_quoted_once_a_video(videos) -> None:
    """A review is not heard as the pain and again as the proof in one video's body."""
    for v in videos:
        for review in v.product.reviews:
            start = " ".join(review.lower().split()[:5])
            beats = [s.slot for s in v.script.slots if start in s.voice.lower()]
            assert len(beats) <= 1, (v.product.id, v.archetype.name, beats)


def test_consecutive_rows_take_templates_in_turn(tmp_path: Path) -> None:
    """Four rows with the same facts open the same beat at least three ways (the bank's turn by row)."""
    make_png(tmp_path / "images" / "p.png")
    rows = [product_row(f"p{i}", image="images/p.png") for i in range(4)]
    catalog = load_catalog(write_catalog(tmp_path, rows))
    prods = [catalog.validate_row(r, image_cache=tmp_path, max_mb=10, timeout_s=5) for r in range(1, 5)]
    ugc = next(a for a in ARCHETYPES if a.name == "ugc")
    writer = OfflineScriptWriter()
    demos = [writer.write_now(request(p, ugc), fill=True).slot("demo").voice for p in prods]
    assert len({opener(d, 2) for d in demos}) >= 3, demos


def test_a_benefit_sentence_blank_frames_each_kind() -> None:
    """{benefit:sentence} says a verb phrase with "it", an adjective with "it's", a noun phrase or claim as it is."""
    said = {
        "Fades dark spots": "It fades dark spots.",
        "Fragrance-free": "It's fragrance-free.",
        "Brighter skin in 2 weeks": "Brighter skin in 2 weeks.",
        "Thick walls keep coffee warm": "Thick walls keep coffee warm.",
    }
    for phrase, line in said.items():
        kind, text = facts.classify(phrase)
        fact = Fact(role="benefit", kind=kind, text=text, field="benefits", column="benefits")
        assert render("{benefit:sentence}.", {"benefit": fact}, attribution="") == line


def test_a_description_sentence_without_a_verb_is_a_claim_not_what_the_product_is(tmp_path: Path) -> None:
    """ "A … serum that …" says what the product is (a noun phrase); "Three drops in the morning." is a claim."""
    make_png(tmp_path / "images" / "p.png")
    row = product_row(
        "p",
        image="images/p.png",
        description="A lightweight vitamin C serum that evens out dull skin. Three drops in the morning.",
    )
    prod = load_catalog(write_catalog(tmp_path, [row])).validate_row(1, image_cache=tmp_path, max_mb=10, timeout_s=5)
    details = {f.text: f.kind for f in facts.extract(prod) if f.role == "detail"}
    assert details["a lightweight vitamin C serum"] == "noun_phrase"
    assert details["three drops in the morning"] == "claim"


def test_a_row_with_only_a_name_still_gets_every_line(tmp_path: Path) -> None:
    """No benefits, reviews, audience or price: every beat of every archetype still has a line about it."""
    make_png(tmp_path / "images" / "p.png")
    row = product_row("p", image="images/p.png", description="Mug.", benefits="", reviews="", audience="", price="")
    prod = load_catalog(write_catalog(tmp_path, [row])).validate_row(1, image_cache=tmp_path, max_mb=10, timeout_s=5)
    for archetype in ARCHETYPES:
        script = OfflineScriptWriter().write_now(request(prod, archetype), fill=True)
        assert all(prod.name in h.voice for h in script.hooks), archetype.name
        assert all(s.voice for s in script.slots[:-1]), archetype.name
