"""Facts a script writer can use, pulled from a product's catalog text.

Offline and transparent: benefits come from the ``benefits`` column (or the
description), pain points are review sentences that describe life before the
product, and quotes are the shortest vivid review phrases. Every fact keeps the
customer's own words.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from adbatch.catalog import Product

# Words that mark a review sentence as describing the problem the product solved.
PAIN_MARKERS = (
    "tired of", "used to", "before", "struggled", "struggle", "no more", "never again",
    "hated", "annoying", "always", "constantly", "sick of", "finally", "fed up", "my old",
    "every time", "anymore", "couldn't", "could not", "turned",
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


class Insights(BaseModel):
    model_config = ConfigDict(frozen=True)
    benefits: tuple[str, ...]
    pains: tuple[str, ...]
    quotes: tuple[str, ...]


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


def extract(product: Product) -> Insights:
    """Benefits, pain points and quotable phrases, in the catalog's own words."""
    benefits = tuple(_lower_first(b.rstrip(".")) for b in product.benefits)
    if not benefits:
        benefits = tuple(_lower_first(_clip(s, 8)) for s in _SENTENCE.split(product.description) if s)
    sentences = [s.strip() for r in product.reviews for s in _SENTENCE.split(r) if s.strip()]
    pains = tuple(p for s in sentences if (p := pain_phrase(s)))
    marked = [s for s in sentences if any(m in s.lower() for m in PAIN_MARKERS)]
    pains = pains or tuple(_lower_first(_clip(s, 6)) for s in marked)
    quotes = tuple(sorted({_clip(s, 9) for s in sentences}, key=lambda q: (len(q.split()) < 3, len(q))))
    return Insights(benefits=benefits, pains=pains, quotes=quotes)
