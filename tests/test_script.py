"""The offline writer, hook ranking and LLM JSON extraction."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from adbatch.config import HookScoringConf, PacingConf
from adbatch.domain import timeline
from adbatch.domain.archetype import ANGLES, available, load_archetype
from adbatch.domain.script import HookCandidate, Script, ScriptError, check_structure, extract_json, parse_hook_choice
from adbatch.paths import ARCHETYPES_DIR
from adbatch.providers.base import ScriptRequest
from adbatch.providers.offline import OfflineScriptWriter
from adbatch.stages import hooks, insights
from adbatch.stages.catalog import load_catalog
from tests.conftest import make_png, product_row, write_catalog


def product(tmp_path: Path, **over: str):
    make_png(tmp_path / "images" / "p.png")
    path = write_catalog(tmp_path, [product_row("p", image="images/p.png", **over)])
    return load_catalog(path).validate_row(1, image_cache=tmp_path, max_mb=10, timeout_s=5)


def request(prod, archetype, seed: int = 7, seconds: float = 30.0) -> ScriptRequest:
    pacing = dataclasses.replace(PacingConf(), duration=seconds)
    return ScriptRequest(
        product=prod,
        insights=insights.extract(prod),
        archetype=archetype,
        seed=seed,
        words_per_second=2.6,
        speech_seconds=timeline.speech_budget(archetype, pacing),
    )


def test_offline_script_is_deterministic_for_a_seed(tmp_path: Path, ugc) -> None:
    """Same product, archetype and seed give the same script; another seed may differ."""
    prod, writer = product(tmp_path), OfflineScriptWriter()
    first = writer.write_now(request(prod, ugc, seed=7))
    assert writer.write_now(request(prod, ugc, seed=7)) == first
    others = {writer.write_now(request(prod, ugc, seed=s)).model_dump_json() for s in range(8)}
    assert len(others) > 1


@pytest.mark.parametrize("name", available(ARCHETYPES_DIR))
def test_offline_script_fills_exactly_the_archetype_slots(tmp_path: Path, name: str) -> None:
    """Every archetype's non-hook slots are filled, in order, with five hooks of distinct angles."""
    arch = load_archetype(name, ARCHETYPES_DIR)
    script = OfflineScriptWriter().write_now(request(product(tmp_path), arch))
    check_structure(script, arch)
    assert sorted(h.angle for h in script.hooks) == sorted(ANGLES)
    assert all(s.voice and s.visual for s in script.slots)


def test_product_text_is_data_not_template_source(tmp_path: Path, ugc) -> None:
    """Jinja syntax in a product name is printed literally, never evaluated."""
    prod = product(tmp_path, name="{{ 7*7 }} Mug {% raw %}", benefits="{{ config }}|b|c")
    script = OfflineScriptWriter().write_now(request(prod, ugc))
    text = script.model_dump_json()
    assert "{{ 7*7 }} Mug" in text and "49 Mug" not in text


def test_writer_uses_customer_phrases(tmp_path: Path, ugc) -> None:
    """The pain point a review names reaches the copy."""
    prod = product(tmp_path, reviews="I was tired of cold coffee by nine. Not anymore.")
    assert insights.extract(prod).pains[0] == "cold coffee by nine"
    scripts = [OfflineScriptWriter().write_now(request(prod, ugc, seed=s)) for s in range(4)]
    assert any("cold coffee by nine" in s.model_dump_json().lower() for s in scripts)  # it may open a sentence


def test_shorter_videos_get_shorter_lines(tmp_path: Path, ugc) -> None:
    """The word budget follows the speaking time available."""
    prod, writer = product(tmp_path), OfflineScriptWriter()

    def words(seconds: float) -> int:
        return sum(len(s.voice.split()) for s in writer.write_now(request(prod, ugc, seconds=seconds)).slots)

    assert words(15.0) < words(45.0)


def test_async_write_reports_units(tmp_path: Path, ugc) -> None:
    """The async Protocol method returns the script and its usage."""
    script, usage = asyncio.run(OfflineScriptWriter().write(request(product(tmp_path), ugc)))
    assert isinstance(script, Script) and usage.units["hooks"] == 5 and usage.cost_usd == 0


def ctx(ugc, pains=("cold coffee",)) -> hooks.HookContext:
    conf = HookScoringConf()
    return hooks.HookContext(
        product_name="Kiln Mug",
        pains=pains,
        archetype=ugc,
        ideal_words=conf.ideal_words,
        reading_wps=conf.reading_wps,
        hook_seconds=1.8,
    )


def hook(text: str, voice: str = "Plain words here.", angle: str = "benefit") -> HookCandidate:
    return HookCandidate(angle=angle, text=text, voice=voice)


@pytest.mark.parametrize(
    ("feature", "good", "bad"),
    [
        ("names_product", hook("The Kiln Mug is here"), hook("This is here")),
        ("question", hook("Still drinking cold coffee?"), hook("Still drinking cold coffee.")),
        ("number", hook("3 reasons to switch"), hook("Reasons to switch")),
        ("second_person", hook("You need this mug"), hook("I need this mug")),
        ("curiosity_gap", hook("Why nobody told me"), hook("A mug for mornings")),
        ("pain_point", hook("Cold coffee again?"), hook("Warm mornings ahead")),
        (
            "length_fit",
            hook("Five words fit right here"),
            hook("Too many words in this hook make it impossible to read fast"),
        ),
        (
            "reading_fit",
            hook("Short and sweet"),
            hook("A hook that is far too long to read in under two seconds at all"),
        ),
    ],
)
def test_each_scorer_feature_separates_good_from_bad(ugc, feature: str, good, bad) -> None:
    """Each documented feature scores the good example above the bad one."""
    fn = hooks.FEATURES[feature]
    assert fn(good, ctx(ugc)) > fn(bad, ctx(ugc))


def test_angle_preference_follows_the_archetype(ugc) -> None:
    """The archetype's first angle scores 1 and its last 0."""
    first, last = ugc.hook_angles[0], ugc.hook_angles[-1]
    assert hooks.angle_preference(hook("x", angle=first), ctx(ugc)) == 1.0
    assert hooks.angle_preference(hook("x", angle=last), ctx(ugc)) == 0.0


def test_rank_orders_by_score_and_numbers_from_one(ugc) -> None:
    """Ranks are 1..5 by descending score; the score is the weighted feature mean x100."""
    cands = [hook(f"Hook {a}", angle=a) for a in ANGLES]
    cands[2] = hook("Why is the Kiln Mug fixing your cold coffee?", angle=ANGLES[2])
    weights = HookScoringConf().weights
    ranked = hooks.rank(cands, ctx(ugc), weights)
    assert [h.rank for h in ranked] == [1, 2, 3, 4, 5]
    assert ranked[0].angle == ANGLES[2]
    assert [h.score for h in ranked] == sorted((h.score for h in ranked), reverse=True)
    top = ranked[0]
    expected = 100 * sum(weights[k] * top.features[k] for k in weights) / sum(weights.values())
    assert top.score == pytest.approx(expected, abs=0.01)


def test_unknown_weight_is_an_error(ugc) -> None:
    """A misspelled feature weight fails loudly."""
    with pytest.raises(ValueError, match="unknown features"):
        hooks.score(hook("x"), ctx(ugc), {"qestion": 1.0})


def test_hook_choice_accepts_best_and_ranks_only() -> None:
    """hook=best or 1..5; anything else is a clear error."""
    assert parse_hook_choice("best") == "best" and parse_hook_choice(3) == "3"
    for bad in ("0", "6", "first"):
        with pytest.raises(ScriptError):
            parse_hook_choice(bad)


@pytest.mark.parametrize(
    "reply",
    [
        '{"a": 1}',
        'Here you go:\n```json\n{"a": 1}\n```\nEnjoy!',
        '```\n{"a": 1}\n```',
        'Sure! {"a": 1} -- hope it helps',
    ],
)
def test_json_is_extracted_from_markdown_wrapped_replies(reply: str) -> None:
    """LLM replies with fences or chatter still yield the JSON object."""
    assert extract_json(reply) == {"a": 1}


def test_reply_without_json_is_a_script_error() -> None:
    """No object at all is a ScriptError, which the writer may repair once."""
    with pytest.raises(ScriptError):
        extract_json("I cannot help with that.")


def test_every_slot_type_and_angle_has_a_variant_needing_only_name_and_benefit(ugc) -> None:
    """A product with only the required columns still gets a full script (benefit falls back to the description)."""
    import yaml

    from adbatch.domain.archetype import SlotType
    from adbatch.domain.facts import Fact
    from adbatch.paths import PROMPTS_DIR
    from adbatch.providers.offline_writer import fills

    bank = yaml.safe_load((PROMPTS_DIR / "offline" / "copy.yaml").read_text())
    facts = [
        Fact(role="name", kind="name", text="Thing", field="name", column="name"),
        Fact(role="cta", kind="cta", text="Shop now", field="cta", column="cta"),
        Fact(role="detail", kind="noun_phrase", text="a thing", field="description", column="description"),
        Fact(role="benefit", kind="verb_phrase", text="works", field="benefits", column="benefits"),
    ]
    for group, names in (("hooks", ANGLES), ("slots", [t for t in SlotType.__args__ if t != "hook"])):
        for name in names:
            assert any(fills(v, facts) for v in bank[group][name]), (group, name)


def test_insights_rank_praise_over_caveats(tmp_path: Path) -> None:
    """Quotes prefer short first-person praise; a review that hedges ("I wish...") ranks last."""
    prod = product(
        tmp_path, reviews="I wish it came in a bigger size.|I love how it keeps my coffee hot for 3 hours!|It is a mug."
    )
    facts = insights.extract(prod)
    assert facts.quotes[0].startswith("I love how it keeps my coffee hot") and facts.quotes[-1].startswith("I wish")
    assert facts.scores[facts.quotes[0]] > facts.scores[facts.quotes[-1]]


def test_insights_find_unique_selling_points_with_keyphrases(tmp_path: Path) -> None:
    """USPs are keyphrases of the description and benefits (YAKE), most relevant first."""
    prod = product(
        tmp_path,
        description="A double-walled stainless steel travel mug that keeps drinks hot.",
        benefits="keeps coffee hot for 6 hours|leak-proof lid|fits cup holders",
    )
    usps = " ".join(insights.extract(prod).usps).lower()
    assert "stainless steel" in usps or "travel mug" in usps


def test_offline_reason_names_the_strongest_features_and_the_weakness(ugc) -> None:
    """Each ranked hook says why in words: its score, its best-weighted features, what holds it back."""
    weights = HookScoringConf().weights
    good, long = (
        hook("Why is the Kiln Mug so good?"),
        hook("A hook that is far too long to read in under two seconds at all"),
    )
    by_text = {
        h.text: h for h in hooks.rank([good, long] + [hook(f"x {a}", angle=a) for a in ANGLES[2:]], ctx(ugc), weights)
    }
    assert by_text[good.text].reason.startswith(f"Scores {by_text[good.text].score:.0f}/100: ")
    assert "names the product" in by_text[good.text].reason and "asks a question" in by_text[good.text].reason
    assert "too long to read in the hook scene" in by_text[long.text].reason
    assert all(h.offline_rank == h.rank and h.ranked_by == "offline" for h in by_text.values())


def test_a_judges_ranking_keeps_the_offline_score_beside_it(ugc) -> None:
    """Claude's order decides the ranks; offline score, features and rank stay for comparison."""
    ranked = hooks.rank([hook(f"Hook {a}", angle=a) for a in ANGLES], ctx(ugc), HookScoringConf().weights)
    order = [{"angle": h.angle, "reason": f"because {h.angle}"} for h in reversed(ranked)]
    judged = hooks.judged(ranked, order, by="claude")
    assert [h.angle for h in judged] == [h.angle for h in reversed(ranked)]
    assert [h.rank for h in judged] == [1, 2, 3, 4, 5] and [h.offline_rank for h in judged] == [5, 4, 3, 2, 1]
    assert judged[0].reason == f"because {judged[0].angle}" and judged[0].ranked_by == "claude"
    assert judged[0].score == ranked[-1].score and judged[0].features == ranked[-1].features
    with pytest.raises(ValueError, match="once each"):
        hooks.judged(ranked, order[:4], by="claude")


def test_live_insights_come_first_and_offline_ones_stay_behind(tmp_path: Path) -> None:
    """merge(): Claude's phrases first, offline ones after, case-insensitive duplicates dropped, photo
    notes under ``image``, and the source recorded."""
    facts = insights.extract(product(tmp_path, reviews="I was tired of cold coffee. Love it!"))
    notes = {
        "benefits": ["Keeps coffee hot"],
        "pains": ["Cold coffee", "spilled drinks"],
        "usps": ["double wall"],
        "quotes": ["I was tired of cold coffee."],
        "style": "warm studio",
        "audience": ["commuters"],
        "visual_cues": [],
        "setting": "",
    }
    merged = insights.merge(facts, notes)
    assert merged.pains[:2] == ("Cold coffee", "spilled drinks") and len(merged.pains) == 2  # "cold coffee" deduped
    assert merged.quotes[0] == "I was tired of cold coffee." and merged.usps[0] == "double wall"
    assert merged.benefits[0] == "Keeps coffee hot" and set(facts.benefits) <= set(merged.benefits)
    assert merged.image == {"style": "warm studio", "audience": ["commuters"]} and merged.source == "claude+offline"
    assert facts.source == "offline"


def test_angle_diversity_marks_a_hook_that_repeats_another(ugc) -> None:
    """Two candidates saying the same thing both score low on diversity; a hook with its own words scores 1."""
    same_a = hook("Cold coffee every morning?", voice="Cold coffee every single morning.", angle="problem")
    same_b = hook("Every morning cold coffee", voice="Cold coffee, every single morning!", angle="curiosity")
    own = hook("Ceramic that holds heat for hours", voice="Hand-glazed and double-walled.", angle="benefit")
    c = ctx(ugc)
    c.candidates = (same_a, same_b, own)
    assert hooks.angle_diversity(own, c) == 1.0
    assert hooks.angle_diversity(same_a, c) < 0.3 and hooks.angle_diversity(same_b, c) < 0.3
    ranked = hooks.rank([same_a, same_b, own], ctx(ugc), {"angle_diversity": 1.0})
    assert ranked[0].text == own.text and "says something the other hooks do not" in ranked[0].reason
