"""Facts a script writer can use, pulled from a product's catalog text, in customers' own words.

Offline and transparent (the live writer asks Claude for the same shape):
- **USPs**: keyphrases of the description and benefits, ranked by YAKE (a statistical,
  unsupervised keyword extractor: no model, no download), best first.
- **Pain points**: what review sentences say life was like before ("tired of dull skin"
  -> "dull skin"), from explicit marker phrases only (guessed pains read badly in a hook).
- **Quotes**: review sentences scored for being quotable: they mention the product's
  keyphrases, speak in the first person, are concrete (numbers, time), short, and praise rather than hedge (a small lexicon).
Every score is recorded, so a choice can be traced to the words that earned it.

Live, Claude reads the same text and the photo (``providers.anthropic.analyze``); ``merge``
puts its findings first and keeps the offline ones behind them, and records where each
came from (``source``). Claude's quotes are kept only if a review says them word for word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from adbatch.domain.insights import FACTS as FACTS  # re-exported: what a prompt is shown
from adbatch.domain.insights import Insights  # the shape lives in domain/; importable from here too
from adbatch.domain.product import Product
from adbatch.stages import facts as typed_facts

# A small, readable sentiment lexicon: an ad quotes praise, not the caveats in a review.
POSITIVE = (
    "love",
    "best",
    "amazing",
    "perfect",
    "finally",
    "obsessed",
    "great",
    "gorgeous",
    "comfortable",
    "survived",
    "evenly",
    "smart",
    "clear",
    "favorite",
    "favourite",
    "lighter",
    "awake",
    "easy",
    "fits",
)
NEGATIVE = (
    "wish",
    " but ",
    "though",
    "however",
    "pricey",
    "expensive",
    "size up",
    "small",
    "complaint",
    "returned",
    "broke",
    "disappoint",
    "meh",
    "not worth",
    "wind still",
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_FIRST_PERSON = re.compile(r"\b(i|i'm|i've|my|me)\b", re.IGNORECASE)
_CONCRETE = re.compile(r"\d|\b(weeks?|days?|months?|hours?|minutes?|mornings?|every)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _extractor() -> Any:  # a yake.KeywordExtractor (yake ships no type information)
    import yake

    return yake.KeywordExtractor(lan="en", n=3, top=12, dedupLim=0.7)


def keyphrases(text: str, top: int = 8) -> list[str]:
    """YAKE keyphrases of ``text``, most relevant first (lower YAKE score is better)."""
    if not text.strip():
        return []
    return [phrase for phrase, _ in _extractor().extract_keywords(text)][:top]


def _clip(text: str, max_words: int) -> str:
    words = text.strip().strip("\"'").rstrip(".!").split()
    clipped = " ".join(words[:max_words])
    return clipped + ("…" if len(words) > max_words else "")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def pain_phrase(sentence: str) -> str | None:
    """The problem named in a review sentence ("tired of dry skin" -> "dry skin")."""
    low = sentence.lower()
    for marker in ("tired of", "sick of", "fed up with", "no more", "struggled with"):
        if marker in low:
            rest = re.split(r"[,.;!?]| and | but ", low.split(marker, 1)[1].strip())[0]
            words = rest.split()
            if 1 <= len(words) <= 7:
                return " ".join(words)
    return None


def quotability(sentence: str, product_phrases: list[str]) -> float:
    """How well a review sentence works as an on-screen quote (0 to ~4)."""
    low, words = sentence.lower(), len(sentence.split())
    score = sum(1.0 for p in product_phrases if p.lower() in low) * 0.8
    score += 0.8 if _FIRST_PERSON.search(sentence) else 0.0
    score += 0.6 if _CONCRETE.search(sentence) else 0.0
    score += 0.4 if sentence.rstrip().endswith("!") else 0.0
    score += 0.7 * sum(w in low for w in POSITIVE) - 3.0 * sum(w in f" {low} " for w in NEGATIVE)
    score += 1.5 if 4 <= words <= 12 else -0.15 * abs(words - 8)  # short enough to read on screen
    return round(score, 3)


def extract(product: Product) -> Insights:
    """Benefits, USPs, pain points and quotable phrases, in the catalog's own words."""
    benefits = tuple(_lower_first(b.rstrip(".")) for b in product.benefits)
    if not benefits:
        benefits = tuple(_lower_first(_clip(s, 8)) for s in _SENTENCE.split(product.description) if s)
    usps = tuple(keyphrases(product.description + ". " + ". ".join(product.benefits), top=5))
    sentences = [s.strip() for r in product.reviews for s in _SENTENCE.split(r) if s.strip()]
    # only explicit "tired of X" phrasing becomes copy; guessed pains read badly in a hook
    pains = tuple(dict.fromkeys(p for s in sentences if (p := pain_phrase(s))))
    product_phrases = list(usps) + keyphrases(" ".join(product.benefits), top=5)
    scored = {_clip(s, 12): quotability(s, product_phrases) for s in sentences}
    quotes = tuple(sorted(scored, key=lambda q: -scored[q]))
    facts = typed_facts.extract(product, pains=pains)
    return Insights(benefits=benefits, pains=pains, quotes=quotes, usps=usps, scores=scored, facts=facts)


IMAGE_KEYS = ("style", "audience", "visual_cues", "setting")


def merge(offline: Insights, notes: Mapping[str, Any], *, keep: int = 6) -> Insights:
    """Claude's findings (``ProductNotes``) first, the offline ones after them, duplicates dropped."""

    def both(key: str) -> tuple[str, ...]:
        seen: dict[str, str] = {}
        for phrase in [*notes.get(key, []), *getattr(offline, key)]:
            seen.setdefault(phrase.strip().lower().rstrip(".!…"), phrase.strip())
        return tuple(seen.values())[:keep]

    return offline.model_copy(
        update={
            "benefits": both("benefits"),
            "pains": both("pains"),
            "usps": both("usps"),
            "quotes": both("quotes"),
            "source": "claude+offline",
            "image": {k: notes[k] for k in IMAGE_KEYS if notes.get(k)},
            "refused_quotes": tuple(notes.get("dropped_quotes", ())),
        }
    )
