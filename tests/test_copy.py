"""Copy written from the row: typed facts, grammar-aware slots, verbatim quotes, no stock lines."""

from __future__ import annotations

import collections
import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from adbatch.config import PacingConf
from adbatch.domain import timeline
from adbatch.domain.archetype import Archetype, available, load_archetype
from adbatch.domain.product import Product
from adbatch.domain.script import Script, SlotCopy, spoken_words
from adbatch.paths import ARCHETYPES_DIR, PROMPTS_DIR
from adbatch.providers.base import ScriptRequest
from adbatch.providers.offline_writer import OfflineScriptWriter
from adbatch.stages import facts, insights
from adbatch.stages.catalog import load_catalog
from tests.conftest import make_png, product_row, write_catalog

ARCHETYPES = [load_archetype(n, ARCHETYPES_DIR) for n in available(ARCHETYPES_DIR)]


def product(tmp_path: Path, **over: str) -> Product:
    make_png(tmp_path / "images" / "p.png")
    path = write_catalog(tmp_path, [product_row("p", image="images/p.png", **over)])
    return load_catalog(path).validate_row(1, image_cache=tmp_path, max_mb=10, timeout_s=5)


def request(prod: Product, archetype: Archetype, seed: int = 7) -> ScriptRequest:
    return ScriptRequest(
        product=prod,
        insights=insights.extract(prod),
        archetype=archetype,
        seed=seed,
        words_per_second=2.6,
        speech_seconds=timeline.speech_budget(archetype, dataclasses.replace(PacingConf(), duration=30.0)),
    )


def bank(tmp_path: Path, slot_type: str, variants: list[dict[str, str]]) -> str:
    """The shipped bank with one slot type's variants replaced (plus a name-only line to fall back on)."""
    data = yaml.safe_load((PROMPTS_DIR / "offline" / "copy.yaml").read_text(encoding="utf-8"))
    data["slots"][slot_type] = [*variants, {"text": "{name}", "voice": "Fallback for {name}."}]
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def proof(script: Script, archetype: Archetype) -> SlotCopy:
    """The social-proof beat: the slot whose type is ``proof``."""
    slot_id = next(s.id for s in archetype.slots if s.type == "proof")
    return script.slot(slot_id)


def quotes_a_review(line: str, reviews: tuple[str, ...], words: int = 5) -> bool:
    """Whether ``line`` holds ``words`` consecutive words of one review, word for word."""
    said = " ".join(re.findall(r"[\w']+", line.lower()))
    for review in reviews:
        tokens = re.findall(r"[\w']+", review.lower())
        for i in range(len(tokens) - words + 1):
            if re.search(rf"(^| ){re.escape(' '.join(tokens[i : i + words]))}( |$)", said):
                return True
    return False


@pytest.fixture(scope="module")
def sweep(examples: list[Product]) -> list[tuple[Product, Archetype, Script]]:
    """Every example product x every archetype, written offline (no render)."""
    writer = OfflineScriptWriter()
    return [(p, a, writer.write_now(request(p, a, seed=0))) for p in examples for a in ARCHETYPES]


@pytest.mark.parametrize(
    ("phrase", "kind"),
    [
        ("Absorbs in seconds, no sticky film", "verb_phrase"),
        ("Stay put on a run", "verb_phrase"),
        ("Thick walls keep coffee warm", "claim"),
        ("Padded sleeve fits a 15-inch laptop", "claim"),
        ("Brighter skin in 2 weeks", "noun_phrase"),
        ("45-hour burn time", "noun_phrase"),
        ("Leak-proof loop cap", "noun_phrase"),
        ("Ice-cold for 24 hours", "adjective"),
        ("Water-resistant and built to last", "adjective"),
    ],
)
def test_each_catalog_phrase_is_typed_by_its_grammar(phrase: str, kind: str) -> None:
    """Verb first: verb phrase; a verb later: claim; an adjective head: adjective; else noun phrase."""
    assert facts.classify(phrase)[0] == kind


def test_a_verb_phrase_reads_in_the_third_person() -> None:
    """A benefit in the base form ("Stay put") is said as "it stays put"."""
    assert facts.classify("Stay put on a run") == ("verb_phrase", "stays put on a run")


def test_a_clause_never_lands_in_a_noun_slot(tmp_path: Path, ugc: Archetype) -> None:
    """ "Still waiting for ___?" takes noun phrases: a clause benefit is skipped, a noun phrase fills it."""
    path = bank(tmp_path, "problem", [{"text": "Still waiting?", "voice": "Still waiting for {benefit:noun_phrase}?"}])
    clause = product(tmp_path, benefits="Absorbs in seconds, no sticky film|Thick walls keep coffee warm")
    line = OfflineScriptWriter(copy_bank=path).write_now(request(clause, ugc)).slot("problem").voice
    assert "waiting for" not in line.lower()
    noun = product(tmp_path, benefits="Softer hands by morning")
    line = OfflineScriptWriter(copy_bank=path).write_now(request(noun, ugc)).slot("problem").voice
    assert line == "Still waiting for softer hands by morning?"


def test_a_noun_phrase_never_lands_in_a_clause_slot(tmp_path: Path, ugc: Archetype) -> None:
    """ "It ___." takes verb phrases: "It leak-proof loop cap." is never written; "It fades dark spots." is."""
    path = bank(tmp_path, "problem", [{"text": "It works", "voice": "It {benefit:verb_phrase}."}])
    noun = product(tmp_path, benefits="Leak-proof loop cap|Dishwasher-safe lid")
    line = OfflineScriptWriter(copy_bank=path).write_now(request(noun, ugc)).slot("problem").voice
    assert not line.startswith("It ")
    verb = product(tmp_path, benefits="Fades dark spots")
    assert OfflineScriptWriter(copy_bank=path).write_now(request(verb, ugc)).slot("problem").voice == (
        "It fades dark spots."
    )


@pytest.mark.parametrize(
    "junk",
    [
        "reviews field is 200 KB",
        "<b>Bold</b> and <i>shiny</i>",
        "See https://example.com/specs for more",
        "Line one of a pasted spec\nline two of the spec",
        "A benefit that goes on and on for far too many words to ever be spoken in one short beat of an ad",
    ],
)
def test_catalog_text_that_is_not_copy_never_reaches_a_line(tmp_path: Path, junk: str) -> None:
    """Sizes, markup, links, several lines and paragraphs are dropped as facts, in every archetype."""
    prod = product(tmp_path, benefits=f"{junk}|saves time", reviews=f"{junk}|I love it and use it every morning.")
    assert not any(junk.split()[1] in f.text for f in facts.extract(prod) if f.role != "quote")
    for archetype in ARCHETYPES:
        script = OfflineScriptWriter().write_now(request(prod, archetype))
        lines = [h.text + h.voice for h in script.hooks] + [s.text + s.voice for s in script.slots]
        assert not any(junk[:20] in line for line in lines), archetype.name


def test_every_example_video_quotes_a_review_in_its_proof_beat(sweep) -> None:
    """Rows with reviews: the social-proof beat shows >= 5 consecutive words of one review, attributed."""
    for prod, archetype, script in sweep:
        beat = proof(script, archetype)
        assert quotes_a_review(beat.text, prod.reviews), (prod.id, archetype.name, beat.text)
        assert beat.text.endswith("— a customer"), beat.text


def test_a_reviewers_name_is_the_attribution(tmp_path: Path, ugc: Archetype) -> None:
    """A review signed "— Sarah K." is attributed to Sarah K., with her words verbatim."""
    prod = product(tmp_path, reviews="Best mug I have ever owned, hands down — Sarah K.")
    beat = proof(OfflineScriptWriter().write_now(request(prod, ugc)), ugc)
    assert beat.text.endswith("— Sarah K.") and quotes_a_review(beat.text, prod.reviews)
    assert "Sarah" not in beat.text.split("—")[0]


def test_a_row_without_reviews_gets_a_proof_line_of_its_own(tmp_path: Path, ugc: Archetype) -> None:
    """No reviews, no invented quote: the proof beat says something of this product instead."""
    prod = product(tmp_path, reviews="")
    beat = proof(OfflineScriptWriter().write_now(request(prod, ugc)), ugc)
    assert "“" not in beat.text and ("P" in beat.voice or "time" in beat.voice or "years" in beat.voice)


def test_no_body_line_is_spoken_in_more_than_a_quarter_of_the_products(sweep, examples) -> None:
    """Across examples x archetypes, every body voice line (the CTA aside) belongs to <= 25 % of products."""
    products = collections.defaultdict(set)
    for prod, archetype, script in sweep:
        for slot, copy in zip(archetype.slots[1:], script.slots, strict=True):
            if slot.type != "cta" and copy.voice:
                products[copy.voice].add(prod.id)
    line, owners = max(products.items(), key=lambda kv: len(kv[1]))
    assert len(owners) <= len(examples) / 4, (line, sorted(owners))


def test_every_bank_line_has_a_blank() -> None:
    """A template without a fact would be the same words in every product's video."""
    data = yaml.safe_load((PROMPTS_DIR / "offline" / "copy.yaml").read_text(encoding="utf-8"))
    groups = [*data["hooks"].items(), *((k, v) for k, v in data["slots"].items() if k != "cta")]
    for name, variants in groups:
        for variant in variants:
            assert "{" in variant["voice"], (name, variant)


def test_lines_fit_their_slot_budget(tmp_path: Path) -> None:
    """Each voice line fits min(vo_words max, speech seconds x speaking rate) of its slot."""
    prod = product(tmp_path)
    for archetype in ARCHETYPES:
        req = request(prod, archetype)
        script = OfflineScriptWriter().write_now(req)
        budget = {
            s.id: min(s.vo_words[1], int(req.speech_seconds[s.id] * req.words_per_second)) for s in archetype.slots
        }
        assert all(spoken_words(h.voice) <= budget["hook"] for h in script.hooks), archetype.name
        assert all(spoken_words(s.voice) <= budget[s.slot] for s in script.slots), archetype.name


def test_the_writer_model_name_keys_caches_anew() -> None:
    """The new templates carry a new model name, so scripts cached from the old bank are not reused."""
    assert OfflineScriptWriter.model == "copybank-v3"
