"""Typed facts: a product's own words, each labelled with the grammar it can fill.

A copy template says which kind of phrase each blank takes (``{benefit:noun_phrase}``);
a fact is typed once, when it is extracted (``adbatch.stages.facts``), so a clause never
lands where a noun phrase belongs ("Still waiting for absorbs in seconds?") and every line
can be traced back to the catalog column that said it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# The grammar of a fact, i.e. what blanks it can fill:
#   noun_phrase  "brighter skin in 2 weeks"   -> "Brighter skin in 2 weeks. Finally."
#   verb_phrase  "fades dark spots"            -> "It fades dark spots." (third person singular)
#   adjective    "fragrance-free"              -> "It's fragrance-free."
#   claim        "thick walls keep coffee warm" -> a sentence of its own
#   quote        a customer's words, verbatim  -> “…” — a customer
#   number, price, audience, name, cta          -> what they say
FactKind = Literal[
    "noun_phrase", "verb_phrase", "adjective", "claim", "quote", "number", "price", "audience", "name", "cta"
]
KINDS: tuple[FactKind, ...] = FactKind.__args__  # type: ignore[attr-defined]

# What a fact is about (the role a template asks for): "{pain:noun_phrase}", "{quote}".
Role = Literal["name", "benefit", "detail", "pain", "before", "quote", "number", "price", "audience", "cta"]
ROLES: tuple[Role, ...] = Role.__args__  # type: ignore[attr-defined]


class Fact(BaseModel):
    """One usable phrase of a product, with its grammar and where in the row it came from."""

    model_config = ConfigDict(frozen=True)
    role: Role
    kind: FactKind
    text: str  # as it reads mid-sentence ("brighter skin in 2 weeks"); quotes stay verbatim
    field: str  # the Product field it came from: benefits, description, reviews, price, ...
    column: str  # the catalog column (reviews may come from reviews_file)
    item: int = 0  # which entry of that field (0-based: a benefit, a review, a sentence)
    attribution: str = ""  # quotes only: the reviewer's name when the review gives one, else ""

    @property
    def key(self) -> str:
        """Identity within a product: the same words used twice in one video read as filler."""
        return f"{self.role}:{self.text.lower()}"


def upper_first(text: str) -> str:
    """Capitalise a clause that starts a sentence or a quote card on its own ("my sunscreen doesn't pill…"),
    unless its first word is not plain lower case ("iPhone", "eBay")."""
    first = text.split()[0] if text.split() else ""
    return text[:1].upper() + text[1:] if first[:1].islower() and first[1:] == first[1:].lower() else text


def lower_first(text: str) -> str:
    """Lower-case a sentence's first letter, but not "I" ("I'm", "I've") or an acronym or brand ("SPF", "iPhone")."""
    first = text.split()[0] if text.split() else ""
    if first == "I" or first.startswith(("I'", "I’")):
        return text
    return text[:1].lower() + text[1:] if first[:1].isupper() and first[1:] == first[1:].lower() else text
