"""The offline copywriter: the archetype's slots filled from the product's own typed facts.

Templates live in ``prompts/offline/copy.yaml``. Each blank names the role and the grammar it
takes (``{benefit:noun_phrase}``, ``{pain:noun_phrase}``, ``{quote}``); a fact fills a blank only
if its ``kind`` is one the blank lists, so a clause never lands in a noun slot. ``{benefit:sentence}``
takes any benefit as a sentence of its own, framed by its kind ("it fades dark spots", "it's
fragrance-free", "brighter skin in 2 weeks"), so one template serves every row. Substitution is
one pass of a regex over the template: product text is data, never template source.

Per slot the writer prefers, in order: the role the beat is about (a customer's quote in the
social-proof beat, a customer's pain in a problem beat), a line that fits the slot's word budget, in a
video a line that says nothing its body has said (a fact, a review, a figure), one that leaves the leading
hook's fact unsaid, a line that says a fact rather than just the name (when shortening, this comes before
avoiding what the body said), a line that does not name the product right after a line that did, and a
line that fills most of its budget (the beat's time at the voice's speaking rate,
so the voice carries the ad without dead air: a short line gets a second sentence from the bank's
``more`` section). The leading hook is the one ranked first (``lead_with``, after the job ranks the
hooks): it opens every hook=best video, so the body leaves its fact to it; the close may repeat the price.

Among the best, the template is taken in turn by catalog row (offset per archetype and beat), so a
sweep's products open their lines differently (n products that can all fill the same k templates share
none more than ceil(n / k) times); the seed then picks which of the row's facts fill it. A line never
names the product and then restates what it is ("Meet Kiln Mug: a stoneware mug"), and a quote inside
a sentence reads on from it ("A customer wrote: this one is...", not "...: This one is...").
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from adbatch.domain.archetype import ANGLES
from adbatch.domain.facts import Fact, lower_first, upper_first
from adbatch.domain.script import HookCandidate, Script, SlotCopy, spoken_words
from adbatch.paths import PROMPTS_DIR
from adbatch.providers.base import Output, ScriptRequest, ScriptWriter, ShortenRequest
from adbatch.store.cache import file_digest

_BLANK = re.compile(r"\{([a-z_]+?)(\d?)(?::([a-z_|]+))?\}")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")
_REVIEW = "review:"  # the key a review's words use up, whichever clause of it a line quotes (_keys)
_FIGURE = "figure:"  # the key a figure uses up: "ice-cold for 24 hours", then "cold for 24 hours" is one fact twice
_FIGURES = re.compile(r"(\d+(?:[.,]\d+)?)(?:[\s-]+([a-z]+))?")  # a figure and its unit: "45-hour", "45 hours"
_OPENS_SENTENCE = (".", "!", "?", "“")  # a quote after these starts a sentence (or a card) and keeps its capital
MAX_BINDINGS = 48  # per template: plenty for a row's handful of facts of one kind
FILL = 0.85  # a line under this share of its word budget leaves its beat half silent: it gets a second sentence
HOOK_FILL = 0.7  # hooks this full tie: the hook beat holds the longest variant sped up (plan.hook_reserve)
STRETCH = 1.1  # a line may run this much over its budget: the timeline evens beats out (a budget is a share)
FILL_STEPS = 5  # lines are ranked by how full they are in steps of FILL / 5 (a seeded choice within a step)
SECOND_ROUND = 60  # the longest lines still short after one more sentence that may take a third
# ``{benefit:sentence}`` takes a fact of any of these kinds, said as a sentence of its own in its grammar's frame
SENTENCE = {"verb_phrase": "it {}", "adjective": "it's {}", "noun_phrase": "{}", "claim": "{}"}


@dataclass(frozen=True)
class _Option:
    entry: dict[str, str]
    keys: frozenset[str]  # the facts it says (the name aside)
    roles: frozenset[str]
    turn: tuple[int, ...] = ()  # its template's place in the bank, then its added sentences' (for _in_turn)
    says: bool = True  # its first sentence says a fact (not just the name): added sentences do not make up for it


def _blanks(variant: Mapping[str, str]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Blank name -> (role, kinds it takes); ``{quote:by}`` is the attribution of ``{quote}``, not a blank."""
    blanks: dict[str, tuple[str, tuple[str, ...]]] = {}
    for template in variant.values():
        for role, n, kinds in _BLANK.findall(template):
            if kinds != "by":
                taken = tuple(SENTENCE) if kinds == "sentence" else tuple(kinds.split("|")) if kinds else (role,)
                blanks.setdefault(role + n, (role, taken))
    return blanks


def _bindings(variant: Mapping[str, str], facts: Sequence[Fact]) -> Iterator[dict[str, Fact]]:
    """Every way to fill the variant's blanks with distinct facts of the right role and kind."""
    blanks = _blanks(variant)
    names = list(blanks)
    choices = [[f for f in facts if f.role == role and f.kind in kinds] for role, kinds in blanks.values()]
    for combo in itertools.islice(itertools.product(*choices), MAX_BINDINGS):
        if len({f.key for f in combo}) == len(combo):
            yield dict(zip(names, combo, strict=True))


def render(template: str, binding: Mapping[str, Fact], *, attribution: str) -> str:
    """One line: blanks replaced by their facts' words, sentence starts capitalised, spaces tidied."""

    def fill(match: re.Match[str]) -> str:
        fact = binding[match.group(1) + match.group(2)]
        if match.group(3) == "by":
            return fact.attribution or attribution
        if match.group(3) == "sentence":
            return SENTENCE[fact.kind].format(fact.text)
        before = template[: match.start()].rstrip()
        mid_sentence = bool(before) and not before.endswith(_OPENS_SENTENCE)
        if fact.kind != "quote":
            return fact.text
        return lower_first(fact.text) if mid_sentence else upper_first(fact.text)  # “My sunscreen…” on a card

    line = " ".join(_BLANK.sub(fill, template).split())
    return _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), line)


def fills(variant: Mapping[str, str], facts: Sequence[Fact]) -> bool:
    """Whether ``facts`` can fill every blank of ``variant``."""
    return next(_bindings(variant, facts), None) is not None


class OfflineScriptWriter(ScriptWriter):  # no vision, no judge: the Protocol's defaults
    """Deterministic copywriter: a seeded choice among template fillings that fit each slot."""

    name = "offline"
    model = "copybank-v3"

    def __init__(self, copy_bank: str | None = None) -> None:
        self.path = Path(copy_bank) if copy_bank else PROMPTS_DIR / "offline" / "copy.yaml"
        self.bank: dict[str, Any] = yaml.safe_load(self.path.read_text(encoding="utf-8"))

    def params(self) -> dict[str, Any]:
        return {"bank": file_digest(self.path)}

    def estimate(self, request: Any) -> float:
        return 0.0

    async def write(self, request: ScriptRequest) -> tuple[Script, Output]:
        """The script a video is made from: lines chosen, then sized to fill their beats (``write_now(fill=True)``)."""
        script = self.write_now(request, fill=True)
        return script, Output(units={"hooks": len(script.hooks), "slots": len(script.slots)})

    async def shorten(self, request: ShortenRequest) -> tuple[Script, Output]:
        """The listed slots' lines chosen again within their word caps (the bank's shorter variants)."""
        req = request.request
        seconds = {k: min(v, request.words.get(k, 1e9) / req.words_per_second) for k, v in req.speech_seconds.items()}
        short = self.write_now(dataclasses.replace(req, speech_seconds=seconds), lead=request.script.hooks[0].angle)
        slots = tuple(short.slot(s.slot) if s.slot in request.words and s.voice else s for s in request.script.slots)
        return request.script.model_copy(update={"slots": slots}), Output(units={"slots": len(request.words)})

    async def lead_with(self, request: ScriptRequest, script: Script) -> tuple[Script, Output]:
        """The body written again around the ranked script's leading hook (``write_now(lead=...)``); the
        hooks are drawn before the body from the same seed, so they are the script's own. Free and not cached
        (it is the writer's own deterministic redraw). A script whose hooks this writer would not draw (one
        cached from another version of it) keeps its body: the facts to leave unsaid are not known."""
        again = self.write_now(request, fill=True, lead=script.hooks[0].angle)
        if {h.voice for h in again.hooks} != {h.voice for h in script.hooks}:
            return script, Output()
        return script.model_copy(update={"slots": again.slots}), Output(units={"slots": len(again.slots)})

    def write_now(self, req: ScriptRequest, *, fill: bool = False, lead: str | None = None) -> Script:
        """One line per slot within its word budget (min of vo_words and its time at the speaking rate);
        ``fill``: a body line short of its beat's time takes a second (or third) sentence from the bank's
        ``more`` section, so the voice carries the ad, and may run up to STRETCH over (the timeline evens
        beats out), and may repeat a fact only a hook said; but not the ``lead`` hook's (its angle: the
        hook ranked first, heard by every video that renders hook=best), before the call to action."""
        if lead is not None and lead not in ANGLES:
            raise ValueError(f"lead={lead!r} is not a hook angle; angles: {', '.join(ANGLES)}")
        rng = random.Random(f"{req.seed}:{req.product.id}:{req.archetype.name}")
        facts = self._facts(req)
        seconds = {s.id: req.speech_seconds[s.id] * req.words_per_second for s in req.archetype.slots}
        budgets = {s.id: seconds[s.id] if fill else min(s.vo_words[1], int(seconds[s.id])) for s in req.archetype.slots}
        caps = {s.id: s.vo_words[1] for s in req.archetype.slots}
        hook_budget, used, led = budgets[req.archetype.slots[0].id], set[str](), frozenset[str]()
        hooks = []
        for angle in ANGLES:
            # a hook stays one punchy sentence: no second sentence (its length decides the hook beat's)
            entry, keys = self._pick(
                self.bank["hooks"][angle],
                facts,
                hook_budget,
                rng,
                used=used,
                req=req,
                beat=f"hook:{angle}",
                hooked=set() if fill else None,  # filling: hooks of about one length keep the hook beat tight
                max_words=caps[req.archetype.slots[0].id],
                full=HOOK_FILL,
            )
            hooks.append(HookCandidate(angle=angle, text=entry["text"], voice=entry["voice"]))
            used |= keys
            led = keys if angle == lead else led
        said = set[str]()  # what the body says: a body line may repeat a hook's fact (one hook of five is heard)
        slots, previous = [], next((h.voice for h in hooks if h.angle == lead), "")
        for slot in req.archetype.slots[1:]:
            prefer = _listed(self.bank.get("prefer", {}).get(slot.type))
            if led and "quote" not in prefer and all(led & set(_keys(f, facts)) for f in facts if f.role in prefer):
                prefer = frozenset()  # the leading hook spoke the row's only pain: this beat says what was wanted
            avoid = led if slot.type != "cta" else frozenset()  # the close may say the price again
            kept = (set() if "quote" in prefer else _kept_for_proof(facts)) | avoid
            entry, keys = self._pick(
                self.bank["slots"][slot.type],
                facts,
                budgets[slot.id],
                rng,
                used=said | kept if fill else said | used | kept,
                req=req,
                beat=slot.id,
                prefer=prefer,
                more=self._more(slot.type, facts, req.product.name) if fill else (),
                hooked=used if fill else None,
                max_words=caps[slot.id],
                previous=previous,
                avoid=avoid,
            )
            entry.setdefault("visual", self._visual(slot.type, req))
            slots.append(SlotCopy(slot=slot.id, **entry))
            said, previous = said | keys, entry["voice"]
        slots = self._fit_total(slots, hooks, req, stretch=STRETCH if fill else 1.0)
        return Script(writer=f"{self.name}/{self.model}", hooks=tuple(hooks), slots=tuple(slots))

    @staticmethod
    def _facts(req: ScriptRequest) -> tuple[Fact, ...]:
        """The row's typed facts; the name is always one (insights made without facts still have a product)."""
        facts = tuple(getattr(req.insights, "facts", ()))
        if any(f.role == "name" for f in facts):
            return facts
        return (Fact(role="name", kind="name", text=req.product.name, field="name", column="name"), *facts)

    def _visual(self, slot_type: str, req: ScriptRequest) -> str:
        template = self.bank.get("visuals", {}).get(slot_type, "{name}")
        return f"{template.replace('{name}', req.product.name)}, {req.archetype.tone}"

    @staticmethod
    def _fit_total(
        slots: list[SlotCopy], hooks: list[HookCandidate], req: ScriptRequest, *, stretch: float = 1.0
    ) -> list[SlotCopy]:
        """Short videos cannot voice every beat: mute the lightest body beats (their text stays)."""
        allowed = sum(req.speech_seconds.values()) * req.words_per_second * stretch
        longest_hook = max(spoken_words(h.voice) for h in hooks)
        weights = {s.id: s.weight for s in req.archetype.slots}
        body = sorted((i for i, s in enumerate(slots[:-1])), key=lambda i: weights[slots[i].slot])
        for i in body:
            if longest_hook + sum(spoken_words(s.voice) for s in slots) <= allowed:
                break
            slots[i] = slots[i].model_copy(update={"voice": ""})
        return slots

    def _options(self, variants: list[dict[str, str]], facts: Sequence[Fact], name: str) -> list[_Option]:
        """Every filling of every variant, but none that names the product and restates what it is."""
        attribution = str(self.bank.get("attribution", "a customer"))
        restating = _restating(facts, name)
        options = []
        for n, variant in enumerate(variants):
            for binding in _bindings(variant, facts):
                said = [f for f in binding.values() if f.role != "name"]
                if len(said) < len(binding) and restating & {f.key for f in said}:
                    continue
                entry = {k: render(t, binding, attribution=attribution) for k, t in variant.items()}
                keys, roles = frozenset(k for f in said for k in _keys(f, facts)), frozenset(f.role for f in said)
                options.append(_Option(entry, keys, roles, (n,), says=bool(keys)))
        return options

    def _more(self, slot_type: str, facts: Sequence[Fact], name: str) -> list[_Option]:
        """Second sentences a short line of this beat type may take (spoken only): the bank's ``more``
        groups that ``more_for`` lists for the type (default: ``any`` and the type's own)."""
        bank = self.bank.get("more", {})
        groups = self.bank.get("more_for", {}).get(slot_type, ["any", slot_type])
        sentences = [v for g in groups for v in bank.get(g, [])]
        return self._options([{"voice": v} for v in sentences], facts, name)

    def _pick(
        self,
        variants: list[dict[str, str]],
        facts: Sequence[Fact],
        budget: float,
        rng: random.Random,
        *,
        used: set[str],
        req: ScriptRequest,
        beat: str,
        prefer: frozenset[str] = frozenset(),
        more: Sequence[_Option] = (),
        hooked: set[str] | None = None,
        max_words: int = 99,
        full: float = FILL,
        previous: str = "",
        avoid: frozenset[str] = frozenset(),
    ) -> tuple[dict[str, str], frozenset[str]]:
        """The best option for a slot (see the module docstring) and the facts it says (``avoid``: the leading
        hook's, said again only as a last resort); ``more`` are the
        second sentences a short line may take. Filling (``hooked`` given: the facts only a hook said, one
        hook of five is heard), a fact in ``used`` is avoided before a short line is, a hooked one only after;
        a line ``full`` of its budget is as good as a fuller one. A line does not name the product right
        after the ``previous`` line did, and one that echoes that line's words is the last choice. Among
        the best, the template whose turn it is (``_in_turn``), then the seed's choice of its fillings."""
        options = self._options(variants, facts, req.product.name)
        if not options:
            raise ValueError(f"no copy variant fits product {req.product.id!r} (bank {self.path})")
        filling = hooked is not None
        if filling:
            skip = _restating(facts, req.product.name)  # an added sentence restating a line that names the product
            options += _extended(options, more, budget, used, name=req.product.name, restating=skip)
        stretch, name = STRETCH if filling else 1.0, req.product.name
        heard = _pairs(previous, name)

        def rank(o: _Option) -> tuple[bool, bool, bool, bool, bool, bool, bool, bool, int, bool, bool]:
            words = spoken_words(o.entry["voice"])
            return (
                bool(prefer) and not prefer & o.roles,
                words > stretch * budget or (filling and len(o.entry["voice"].split()) > max_words),
                any(k.startswith(_REVIEW) for k in o.keys & used),  # a customer's words heard twice: last resort
                filling and bool(o.keys & used),  # in a video, a fact said twice is worse than just the name
                bool(o.keys & avoid),  # the leading hook's fact, said again a few seconds after it
                not o.says,
                bool(o.keys & used),
                name in o.entry["voice"] and name in previous,
                -min(FILL_STEPS, int(words / budget * FILL_STEPS / full)) if filling else 0,  # fuller, up to full
                bool(o.keys & (hooked or set())),
                bool(heard & _pairs(o.entry["voice"], name)),
            )

        ranks = {id(o): rank(o) for o in options}
        best = min(ranks.values())
        if best[1]:  # nothing fits: the shortest, as the fitting stage expects
            chosen = min(options, key=lambda o: (ranks[id(o)], spoken_words(o.entry["voice"])))
            return dict(chosen.entry), chosen.keys
        turn = req.product.row + zlib.crc32(f"{req.archetype.name}:{beat}".encode())
        chosen = rng.choice(_in_turn([o for o in options if ranks[id(o)] == best], turn))
        return dict(chosen.entry), chosen.keys


def _kept_for_proof(facts: Sequence[Fact]) -> set[str]:
    """The review of the best quote, which other beats leave to the social-proof beat (a review is quoted
    once a video: a pain beat that took it would leave the proof beat to repeat it)."""
    best = next((f for f in facts if f.role == "quote"), None)
    return set(_keys(best, facts)) - {best.key} if best else set()


def _listed(roles: str | list[str] | None) -> frozenset[str]:
    """The bank's ``prefer`` entry of a beat type: one role or a list of them."""
    return frozenset([roles] if isinstance(roles, str) else roles or ())


def _keys(fact: Fact, facts: Sequence[Fact]) -> tuple[str, ...]:
    """What saying ``fact`` uses up: its words, and for a customer's words their review (one review is
    quoted once a video, not as the pain and again as the proof); a pain in the words of one of the row's
    (``facts``) reviews uses that review up too ("water rings on my desk", then "no more water rings…");
    a figure other than the price is said once ("45-hour burn time", then "burns for about 45 hours")."""
    found = _FIGURES.findall(fact.text.lower())
    figures = () if fact.role == "price" else tuple(f"{_FIGURE}{n} {unit.removesuffix('s')}" for n, unit in found)
    if fact.role in ("quote", "before"):
        return fact.key, f"{_REVIEW}{fact.item}", *figures
    if fact.role == "pain":
        low = fact.text.lower()
        heard = {f"{_REVIEW}{f.item}" for f in facts if f.role in ("quote", "before") and low in f.text.lower()}
        return fact.key, *sorted(heard), *figures
    return fact.key, *figures


def _restating(facts: Sequence[Fact], name: str) -> set[str]:
    """Facts that say again what the name says ("compact wireless earbuds" of Pulse Wireless Earbuds):
    a noun phrase whose head word is in the name. Beside the name they read as filler."""
    named = {w.lower() for w in re.findall(r"[\w'-]+", name)}
    return {f.key for f in facts if f.kind == "noun_phrase" and f.text.split()[-1].lower().strip(",.") in named}


def _pairs(line: str, name: str) -> set[tuple[str, str]]:
    """The line's word pairs, the product's name aside (a line after it may name it where it is on screen)."""
    words = re.findall(r"[\w'$.-]+", line.replace(name, " ").lower())
    return set(itertools.pairwise(w.strip(".") for w in words))


def _in_turn(pool: Sequence[_Option], turn: int) -> list[_Option]:
    """The options of the template whose turn it is, the ``turn``-th (cyclically) of those in the pool,
    then of the added sentence whose turn it is: consecutive rows that can fill the same templates take
    each in turn (measured on the example catalog, fewer shared lead-ins than any other order tried)."""
    for depth in range(2):
        places = sorted({o.turn[depth] if len(o.turn) > depth else -1 for o in pool})
        place = places[turn % len(places)]
        pool = [o for o in pool if (o.turn[depth] if len(o.turn) > depth else -1) == place]
    return list(pool)


def _extended(
    options: Sequence[_Option], more: Sequence[_Option], budget: float, used: set[str], **same: Any
) -> list[_Option]:
    """Lines short of their budget with one or two more sentences that say something new and still fit
    (``same``: the product's name and the facts that restate it, see ``_joined``)."""
    once = _joined(options, more, budget, used, **same)
    short = [o for o in once if spoken_words(o.entry["voice"]) < FILL * budget]
    short.sort(key=lambda o: -spoken_words(o.entry["voice"]))
    return once + _joined(short[:SECOND_ROUND], more, budget, used, **same)


def _joined(
    options: Sequence[_Option],
    more: Sequence[_Option],
    budget: float,
    used: set[str],
    *,
    name: str,
    restating: set[str],
) -> list[_Option]:
    """Each short line with each sentence that says something new; never a restatement after the name."""
    out = []
    for base in options:
        if spoken_words(base.entry["voice"]) >= FILL * budget:
            continue
        avoid = base.keys | used | (restating if name in base.entry["voice"] else set())
        for extra in more:
            if extra.keys & avoid or not extra.keys:
                continue
            voice = f"{base.entry['voice']} {extra.entry['voice']}"
            if spoken_words(voice) <= STRETCH * budget:
                keys, roles = base.keys | extra.keys, base.roles | extra.roles
                out.append(_Option(base.entry | {"voice": voice}, keys, roles, base.turn + extra.turn, base.says))
    return out
