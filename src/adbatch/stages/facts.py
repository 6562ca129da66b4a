"""Typed facts from a catalog row: what the offline writer may say, in the row's own words.

Each benefit, description sentence, number, price, audience, CTA and review clause becomes
a ``Fact`` whose ``kind`` says which blanks it can fill (see ``adbatch.domain.facts``).
The grammar is read with small word lists, no model: a first word that is a verb makes a
verb phrase ("fades dark spots"), a verb later on makes a claim ("thick walls keep coffee
warm"), a head word that is an adjective makes an adjective phrase ("ice-cold for 24 hours"),
anything else is a noun phrase. A description's noun phrase says what the product is ("a
hand-poured soy wax candle"); its other sentences stand as claims of their own. Text that is not
copy (several lines, markup, a URL, a file size, too long) is dropped here, so it can never reach a line.
"""

from __future__ import annotations

import re

from adbatch.domain.facts import Fact, FactKind, Role, lower_first
from adbatch.domain.product import Product

MAX_WORDS = 16  # a benefit or sentence longer than this is a paragraph, not a line
MAX_CHARS = 120
QUOTE_WORDS = (5, 12)  # a quote is long enough to be a customer's own words, short enough to read
PAIN_WORDS = (3, 7)  # a pain names what went wrong and to what, in a breath
QUOTE_CHARS = 64  # fits a quote card line: “…” — a customer
MAX_REVIEWS = 200  # a reviews_file may hold thousands; the first ones are plenty to quote from

_NOT_COPY = re.compile(
    r"[\r\n\t]"  # several lines
    r"|<[^>]*>|&[a-z]+;|&#\d+;|\{\{|\{%|\]\(|\*\*|```"  # HTML, entities, templates, markdown
    r"|https?://|www\.|\b[\w-]+\.(?:com|net|org|io|co)\b"  # links
    r"|\b\d+(?:\.\d+)?\s?(?:[kmgt]i?b|bytes?)\b"  # a file size ("200 KB")
    r"|\b(?:field|column|csv|null|none|n/a|todo|lorem)\b",  # data about the data
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_RELATIVE = re.compile(r"\s+(that|which|with|scented)\s+")
_CLAUSE = re.compile(r",\s+|;\s+|\s+[—–-]\s+")
_NUMBER = re.compile(
    r"\b\d+(?:\.\d+)?\s?(?:hours?|hrs?|minutes?|mins?|days?|weeks?|months?|years?|oz|ml|l|litres?|liters?"
    r"|inch(?:es)?|in|cm|mm|kg|g|lbs?|k|km|miles?|%)(?![\w-])",
    re.IGNORECASE,
)
_NAMED = re.compile(r"\s+[—–~-]+\s*([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})\s*$")  # "… — Sarah K."

# Word lists for the grammar. Verbs in their base form; the third person is derived.
VERBS = frozenset(
    [
        "absorb",
        "adjust",
        "block",
        "boost",
        "brighten",
        "burn",
        "charge",
        "clean",
        "clip",
        "cool",
        "cut",
        "dry",
        "even",
        "fade",
        "feel",
        "fill",
        "fit",
        "fold",
        "go",
        "grip",
        "heat",
        "help",
        "hold",
        "keep",
        "last",
        "let",
        "lock",
        "make",
        "melt",
        "pack",
        "play",
        "protect",
        "reduce",
        "remove",
        "repel",
        "resist",
        "run",
        "save",
        "seal",
        "sink",
        "smell",
        "smooth",
        "soften",
        "stay",
        "stop",
        "store",
        "support",
        "survive",
        "take",
        "track",
        "turn",
        "wash",
        "wick",
        "work",
    ]
)
AUX = frozenset(
    ["is", "are", "was", "were", "won't", "doesn't", "don't", "can", "can't", "will", "never", "stays", "keeps"]
)
ADJECTIVES = frozenset(
    [
        "alike",
        "built",
        "made",
        "designed",
        "light",
        "soft",
        "thick",
        "thin",
        "warm",
        "cold",
        "hot",
        "dry",
        "quiet",
        "compact",
        "durable",
        "handmade",
        "portable",
        "washable",
        "waterproof",
        "safe",
        "ready",
        "clean",
        "gentle",
        "strong",
        "tough",
        "slim",
        "sturdy",
        "stylish",
        "comfortable",
        "breathable",
        "lightweight",
        "different",
    ]
)
ADJ_SUFFIXES = ("-free", "-proof", "-safe", "-resistant", "-cold", "-hot", "-ready", "-friendly", "-tight", "-dry")
PREPOSITIONS = frozenset(
    ["in", "on", "at", "for", "with", "without", "to", "of", "from", "after", "by", "under", "over", "into", "than"]
)
ARTICLES = frozenset(["a", "an", "the"])
BEFORE_MARKERS = (" used to ", " my old ", " my last ", " most ", " every time ", " tired of ", " no more ")
# an ad quotes praise, never the caveat in a review
HEDGES = (
    *("wish", " but ", "though", "however", "pricey", "expensive", "size up", "small", "complaint", "return"),
    *("broke", "disappoint", "meh", "not worth", "still gets", "doesn't fit", "if only"),
)
_CONJUNCTIONS = ("and ", "so ", "but ", "then ")


def is_copy(text: str, *, max_words: int = MAX_WORDS, max_chars: int = MAX_CHARS) -> bool:
    """Whether catalog text can be spoken or shown as it is: one short line, no markup, links or sizes."""
    return (
        bool(text.strip()) and len(text) <= max_chars and len(text.split()) <= max_words and not _NOT_COPY.search(text)
    )


def _words(text: str) -> list[str]:
    return [w.strip(",.;:!?\"'()").lower() for w in text.split()]


def third_person(verb: str) -> str:
    """'stay' -> 'stays', 'wash' -> 'washes', 'dry' -> 'dries'."""
    if verb.endswith(("s", "sh", "ch", "x", "o")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _verb_form(word: str) -> str | None:
    """'fades' -> 'fades' (already third person), 'stay' -> 'stays'; None if not a known verb."""
    if word in VERBS:
        return third_person(word)
    if any(third_person(v) == word for v in VERBS):
        return word
    return None


def _is_adjective(word: str) -> bool:
    return word in ADJECTIVES or word.endswith(ADJ_SUFFIXES) or word.endswith(("able", "ible", "less", "ful"))


def _is_predicate(words: list[str], i: int) -> bool:
    """Whether words[i] is the main verb: "walls keep", "sleeve fits", "is" — not "to last", "45-hour burn time"."""
    word, before = words[i], words[i - 1]
    if word in AUX:
        return True
    if before == "to" or _verb_form(word) is None:
        return False
    return word not in VERBS or before.endswith("s")  # a base form needs a plural subject


def classify(phrase: str) -> tuple[FactKind, str]:
    """The grammar of a catalog phrase and its text as it reads mid-sentence (verbs in the third person)."""
    words = _words(phrase)
    text = lower_first(phrase.strip().rstrip("."))
    if (verb := _verb_form(words[0])) is not None:
        return "verb_phrase", verb + text[len(text.split()[0]) :]
    if words[0] not in PREPOSITIONS and any(_is_predicate(words, i) for i in range(1, len(words))):
        return "claim", text
    head = next((words[i - 1] for i in range(1, len(words)) if words[i] in PREPOSITIONS), words[-1])
    return ("adjective" if _is_adjective(head) or head.endswith("ed") else "noun_phrase"), text


def _is_pain(phrase: str) -> bool:
    """A pain a line can name: short copy that says what went wrong and to what ("water rings on my desk";
    "digging around", cut from "no more digging around for my keys", says neither)."""
    return is_copy(phrase, max_words=PAIN_WORDS[1]) and len(phrase.split()) >= PAIN_WORDS[0]


def _benefit_facts(product: Product) -> list[Fact]:
    out = []
    for i, benefit in enumerate(product.benefits):
        if is_copy(benefit):
            kind, text = classify(benefit)
            out.append(Fact(role="benefit", kind=kind, text=text, field="benefits", column="benefits", item=i))
    return out


def _description_facts(product: Product) -> list[Fact]:
    """Sentences of the description; "A … that/with …" also yields its noun phrase (what the product is) and
    its verb phrase; a sentence without a verb that is not "a …" is a claim ("Three drops in the morning")."""
    out = []
    for i, sentence in enumerate(s for s in _SENTENCE.split(product.description.strip()) if s):
        text = sentence.strip().rstrip(".!")
        if not is_copy(text, max_words=24, max_chars=180):
            continue
        noun, marker, rest = ([*_RELATIVE.split(text, maxsplit=1), "", ""])[:3]
        if marker and classify(noun)[0] == "noun_phrase":
            if len(noun.split()) <= 9:
                out.append(_fact("detail", "noun_phrase", lower_first(noun), "description", i))
            if marker in ("that", "which") and rest and _verb_form(_words(rest)[0]) and is_copy(rest, max_words=12):
                out.append(_fact("detail", "verb_phrase", rest, "description", i))
        elif is_copy(text):
            kind, said = classify(text)
            if kind == "noun_phrase" and _words(said)[0] not in ARTICLES:
                kind = "claim"  # "Three drops in the morning." is a sentence, not what the product is
            out.append(_fact("detail", kind, said, "description", i))
    return out


def _fact(role: Role, kind: FactKind, text: str, field: str, item: int, attribution: str = "") -> Fact:
    column = "reviews" if field == "reviews" else field
    return Fact(role=role, kind=kind, text=text, field=field, column=column, item=item, attribution=attribution)


def _numbers(product: Product) -> list[Fact]:
    """Numbers with their unit ("24 hours", "14 oz"), from benefits first, then the description."""
    sources = [("benefits", i, b) for i, b in enumerate(product.benefits)] + [("description", 0, product.description)]
    seen: dict[str, Fact] = {}
    for field, item, text in sources:
        if not is_copy(text, max_words=60, max_chars=400):
            continue
        for match in _NUMBER.finditer(text):
            seen.setdefault(match.group(0).lower(), _fact("number", "number", match.group(0), field, item))
    return list(seen.values())


def _quote_score(text: str) -> float:
    """Praise, first person and concrete detail make a quote; a short one reads best on a card."""
    from adbatch.stages.insights import POSITIVE  # imported late: insights imports this module

    low = f" {text.lower()} "
    score = sum(w in low for w in POSITIVE) + 0.5 * bool(re.search(r"\b(i|i'm|i've|my|me)\b", low))
    score += 0.5 * bool(re.search(r"\d|\b(weeks?|days?|months?|hours?|every)\b", low))
    return score - 0.1 * abs(len(text.split()) - 8)


def _clauses(sentence: str) -> list[str]:
    """The sentence and each of its clauses, all verbatim (a leading "and"/"so" is dropped, not rewritten)."""
    pieces = [sentence, *_CLAUSE.split(sentence)] if _CLAUSE.search(sentence) else [sentence]
    out = []
    for piece in pieces:
        piece = piece.strip().rstrip(".!?,;")
        for conj in _CONJUNCTIONS:
            if piece.lower().startswith(conj):
                piece = piece[len(conj) :]
        if piece and not piece.lower().startswith(("which", "who", "that", "though", "although", "because")):
            out.append(piece)
    return out


def _review_facts(product: Product, *, keep: int = 4) -> list[Fact]:
    """Customers' own words: the best praise as ``quote``s, what life was like before as ``before``."""
    quotes: list[tuple[float, Fact]] = []
    before: list[Fact] = []
    for i, review in enumerate(product.reviews[:MAX_REVIEWS]):
        named = _NAMED.search(review)
        by = named.group(1) if named else ""
        body = review[: named.start()] if named else review
        for sentence in _SENTENCE.split(body.strip()):
            if not is_copy(sentence, max_words=40, max_chars=300):
                continue
            for clause in _clauses(sentence):
                low, n = f" {clause.lower()} ", len(clause.split())
                if not (QUOTE_WORDS[0] <= n <= QUOTE_WORDS[1] + 2 and len(clause) <= QUOTE_CHARS + 12):
                    continue
                if any(m in low for m in BEFORE_MARKERS) and not low.startswith(" no "):  # "No more rings" is praise
                    before.append(_fact("before", "quote", clause, "reviews", i, by))
                elif low.rstrip().endswith((" them", " those", " these")):
                    continue  # "this replaced all of them": whom? a quote must stand on its own
                elif n <= QUOTE_WORDS[1] and len(clause) <= QUOTE_CHARS and not any(h in low for h in HEDGES):
                    quotes.append((_quote_score(clause), _fact("quote", "quote", clause, "reviews", i, by)))
    best = [f for _, f in sorted(quotes, key=lambda sf: -sf[0])]
    return _distinct(best)[:keep] + _distinct(before)[:keep]


def _distinct(facts: list[Fact]) -> list[Fact]:
    """One fact per review item and wording (a sentence and its own clause are the same voice twice)."""
    seen: set[tuple[str, int]] = set()
    out = []
    for f in facts:
        if (f.role, f.item) not in seen:
            seen.add((f.role, f.item))
            out.append(f)
    return out


def extract(product: Product, *, pains: tuple[str, ...] = ()) -> tuple[Fact, ...]:
    """Every typed fact of a product: name, benefits, description, numbers, price, audience, CTA, reviews."""
    facts = [_fact("name", "name", product.name, "name", 0)]
    facts += _benefit_facts(product) + _description_facts(product) + _numbers(product)
    facts += [_fact("pain", "noun_phrase", p, "reviews", 0) for p in pains if _is_pain(p)]
    if product.price_text:
        facts.append(_fact("price", "price", product.price_text, "price", 0))
    if is_copy(product.audience, max_words=10):
        facts.append(_fact("audience", "audience", product.audience, "audience", 0))
    if is_copy(product.cta, max_words=5, max_chars=40):
        facts.append(_fact("cta", "cta", product.cta.rstrip(".!"), "cta", 0))
    return tuple(facts + _review_facts(product))
