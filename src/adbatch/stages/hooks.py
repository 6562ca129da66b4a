"""The offline scroll-stop score: rank hook candidates by transparent features.

Every feature is a number in [0, 1] with a one-line rationale below; the score is
their weighted mean (weights in ``conf``: ``hook_scoring.weights``) times 100. The
features and the weighted sum are recorded in the manifest, so a ranking can be
read and argued with, not just trusted.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence

from adbatch.domain.archetype import Archetype
from adbatch.domain.script import HookCandidate

CURIOSITY_WORDS = ("why", "secret", "nobody", "didn't expect", "wait", "…", "this is", "here is why", "pov")
NUMBER_WORDS = ("one", "two", "three", "five", "ten", "100", "first")
_WORD = re.compile(r"[\w']+")


class HookContext:
    """What the features look at besides the hook itself."""

    def __init__(
        self,
        *,
        product_name: str,
        pains: Sequence[str],
        archetype: Archetype,
        ideal_words: Sequence[int],
        reading_wps: float,
        hook_seconds: float,
    ) -> None:
        self.product_words = {w.lower() for w in _WORD.findall(product_name) if len(w) > 2}
        self.pains = [p.lower() for p in pains]
        self.angles = list(archetype.hook_angles)
        self.ideal_words = (int(ideal_words[0]), int(ideal_words[1]))
        self.reading_wps = reading_wps
        self.hook_seconds = hook_seconds
        self.candidates: tuple[HookCandidate, ...] = ()  # all of the script's hooks (set by ``rank``)


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def names_product(h: HookCandidate, ctx: HookContext) -> float:
    """Naming the product in the first second ties the stop to the brand."""
    return 1.0 if ctx.product_words & set(_words(h.text + " " + h.voice)) else 0.0


def length_fit(h: HookCandidate, ctx: HookContext) -> float:
    """Hooks of 4-9 words stop best: shorter says nothing, longer is not read."""
    n, (lo, hi) = len(_words(h.text)), ctx.ideal_words
    if lo <= n <= hi:
        return 1.0
    return max(0.0, 1.0 - (lo - n if n < lo else n - hi) / hi)


def reading_fit(h: HookCandidate, ctx: HookContext) -> float:
    """The on-screen text must be readable within the hook scene."""
    needed = len(_words(h.text)) / ctx.reading_wps
    return min(1.0, ctx.hook_seconds / needed) if needed else 0.0


def question(h: HookCandidate, ctx: HookContext) -> float:
    """A question invites an answer in the viewer's head."""
    return 1.0 if h.text.rstrip().endswith("?") else 0.0


def number(h: HookCandidate, ctx: HookContext) -> float:
    """Numbers and prices are concrete and scannable."""
    text = h.text.lower()
    return 1.0 if re.search(r"\d", text) or any(w in _words(text) for w in NUMBER_WORDS) else 0.0


def second_person(h: HookCandidate, ctx: HookContext) -> float:
    """Talking to "you" makes the viewer the subject."""
    return 1.0 if {"you", "your", "you're"} & set(_words(h.text + " " + h.voice)) else 0.0


def curiosity_gap(h: HookCandidate, ctx: HookContext) -> float:
    """An open loop (why, secret, wait...) makes people stay for the answer."""
    text = (h.text + " " + h.voice).lower()
    return 1.0 if any(w in text for w in CURIOSITY_WORDS) else 0.0


def pain_point(h: HookCandidate, ctx: HookContext) -> float:
    """A pain in the customers' own words is recognized instantly."""
    text = (h.text + " " + h.voice).lower()
    return 1.0 if any(p and p in text for p in ctx.pains) else 0.0


STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "at",
        "be",
        "but",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "just",
        "my",
        "of",
        "on",
        "or",
        "so",
        "that",
        "the",
        "this",
        "to",
        "was",
        "what",
        "with",
        "you",
        "your",
    ]
)


def angle_diversity(h: HookCandidate, ctx: HookContext) -> float:
    """A hook that says what another candidate says tests nothing new in an A/B split: 1 minus its
    largest word overlap (Jaccard, stopwords aside) with any other candidate."""

    def content(c: HookCandidate) -> set[str]:
        return set(_words(c.text + " " + c.voice)) - STOPWORDS

    mine = content(h)
    others = [content(c) for c in ctx.candidates if c.angle != h.angle]
    overlaps = [len(mine & o) / len(mine | o) for o in others if mine | o]
    return 1.0 - max(overlaps, default=0.0)


def angle_preference(h: HookCandidate, ctx: HookContext) -> float:
    """Each archetype has angles that suit its format (archetype ``hook_angles``)."""
    return 1.0 - ctx.angles.index(h.angle) / max(1, len(ctx.angles) - 1)


FEATURES: dict[str, Callable[[HookCandidate, HookContext], float]] = {
    f.__name__: f
    for f in (
        names_product,
        length_fit,
        reading_fit,
        question,
        number,
        second_person,
        curiosity_gap,
        pain_point,
        angle_diversity,
        angle_preference,
    )
}


def score(h: HookCandidate, ctx: HookContext, weights: Mapping[str, float]) -> HookCandidate:
    """The hook with its features and weighted score (0-100) filled in."""
    unknown = set(weights) - set(FEATURES)
    if unknown:
        raise ValueError(f"hook_scoring.weights has unknown features {sorted(unknown)}; known: {sorted(FEATURES)}")
    feats = {name: round(FEATURES[name](h, ctx), 3) for name in weights}
    total = sum(weights.values()) or 1.0
    value = 100.0 * sum(weights[n] * feats[n] for n in weights) / total
    return h.model_copy(update={"features": feats, "score": round(value, 2)})


# How each feature reads in a reason: (said when it is present, said when it is missing or weak).
PHRASES: dict[str, tuple[str, str]] = {
    "names_product": ("names the product", "does not name the product"),
    "length_fit": ("a scannable length", "too long or too short to scan"),
    "reading_fit": ("readable within the hook scene", "too long to read in the hook scene"),
    "question": ("asks a question", ""),
    "number": ("has a number", ""),
    "second_person": ("talks to the viewer", ""),
    "curiosity_gap": ("opens a curiosity gap", ""),
    "pain_point": ("names a pain from the reviews", ""),
    "angle_diversity": ("says something the other hooks do not", "repeats what another hook says"),
    "angle_preference": ("an angle this format favours", "an angle this format rarely leads with"),
}


def reason(h: HookCandidate, weights: Mapping[str, float]) -> str:
    """The offline score in words: its strongest features, then what holds it back."""
    feats = h.features
    strong = sorted((n for n in feats if feats[n] >= 0.75 and PHRASES[n][0]), key=lambda n: -weights.get(n, 0))
    weak = sorted((n for n in feats if feats[n] < 0.5 and PHRASES[n][1]), key=lambda n: -weights.get(n, 0))
    text = f"Scores {h.score:.0f}/100: " + (", ".join(PHRASES[n][0] for n in strong[:5]) or "no strong feature")
    return text + (f"; but {' and '.join(PHRASES[n][1] for n in weak[:2])}" if weak else "") + "."


def rank(hooks: Sequence[HookCandidate], ctx: HookContext, weights: Mapping[str, float]) -> tuple[HookCandidate, ...]:
    """Score every hook and number them 1..n, best first (ties go to the archetype's preferred angle)."""
    ctx = copy.copy(ctx)
    ctx.candidates = tuple(hooks)
    scored = [score(h, ctx, weights) for h in hooks]
    ordered = sorted(scored, key=lambda h: (-h.score, ctx.angles.index(h.angle)))
    return tuple(
        h.model_copy(update={"rank": i, "offline_rank": i, "reason": reason(h, weights)})
        for i, h in enumerate(ordered, start=1)
    )


def judged(
    hooks: Sequence[HookCandidate], ranking: Sequence[Mapping[str, str]], *, by: str
) -> tuple[HookCandidate, ...]:
    """The hooks in a judge's order (``ranking``: ``{"angle", "reason"}`` best first, every angle once).

    Offline scores, features and ranks are kept beside the judge's rank and reason, so the
    report can show where the two disagree."""
    by_angle: dict[str, HookCandidate] = {h.angle: h for h in hooks}
    if sorted(r["angle"] for r in ranking) != sorted(by_angle):
        raise ValueError(f"a ranking must list the angles {sorted(by_angle)} once each")
    return tuple(
        by_angle[r["angle"]].model_copy(update={"rank": i, "reason": r["reason"].strip(), "ranked_by": by})
        for i, r in enumerate(ranking, start=1)
    )
