"""The timeline: absolute times for every shot, text overlay, voice line and transition.

It is plain data built from the archetype, the script's words and the voice lines'
durations, with the pacing rules applied; nothing here touches a provider, so every
rule is tested on synthetic inputs. Times live on the frame grid (1/fps), so cuts
land exactly on frames and the render's duration matches to the frame.

Rules (conf/pacing): shots last 2-3 s (the hook shot ~1.8 s, held up to ``hook_scene_max`` when it
is the hook beat's only shot); the product and the hook text are on screen from frame 0; each text
appears ``text_lead`` before its voice line;
shots inside a beat change with a 0.1 s cut, beats with the archetype's transition
(cut 0.1 s or swipe 0.2 s); the CTA beat ends on the static end card (one 2-3 s shot),
which shows the CTA itself.

The voice leads the timing: a line may end over the next beat's cut, and that beat's text (and its
line, ``text_lead`` later) then waits up to ``text_delay_max`` after the cut, so lines follow each
other ``voice_gap`` apart instead of leaving the shot grid's slack silent. The hook's line ends
before the body starts (hook variants share the body).
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, computed_field

from adbatch.config import PacingConf
from adbatch.domain.archetype import Archetype, Slot
from adbatch.errors import AdbatchError

ENDCARD = "endcard"  # layout of the last shot: the static end card


class TimelineError(AdbatchError, ValueError):
    """The words or the duration cannot be paced within the rules."""


class VoiceTooLong(TimelineError):
    """The voice needs more time than the video has; ``tempo`` would make it fit."""

    def __init__(self, message: str, tempo: float) -> None:
        super().__init__(message)
        self.tempo = tempo


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Shot(_Frozen):
    index: int
    slot: str
    slot_type: str
    shot: int  # index within its slot
    start: float
    end: float
    camera: str
    layout: str
    # where the product is on the frame over the whole shot (x0, y0, x1, y1, shares of the frame), set by the
    # render from the picture's box (adbatch.render.layout); None: not known
    product_box: tuple[float, float, float, float] | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


class Overlay(_Frozen):
    slot: str
    role: str  # hook | body | cta
    text: str
    start: float
    end: float


class Word(_Frozen):
    word: str
    start: float
    end: float


class VoiceCue(_Frozen):
    slot: str
    text: str
    start: float
    end: float
    tempo: float  # playback speed-up applied to the recorded line
    words: tuple[Word, ...]


class Transition(_Frozen):
    at: float  # the cut point between two shots
    kind: str  # cut | swipe
    duration: float


class TextBox(_Frozen):
    """A text drawn over a shot, as drawn: what it is, when it shows and its box (x, y, w, h) in frame pixels."""

    role: str  # hook | body | proof | caption | endcard part (name, price, button, quote, link, kicker)
    text: str
    start: float
    end: float
    box: tuple[int, int, int, int]


class ShotBoxes(_Frozen):
    """What the layout knew and did on one shot: the product's box in frame pixels (its extent over the
    camera move) and every text box drawn while the shot is on screen."""

    shot: int
    product_box: tuple[int, int, int, int] | None  # (x, y, w, h); None: not known (a picture with no box)
    text_boxes: tuple[TextBox, ...]


class Timeline(_Frozen):
    duration: float
    fps: int
    shots: tuple[Shot, ...]
    overlays: tuple[Overlay, ...]
    voice: tuple[VoiceCue, ...]
    transitions: tuple[Transition, ...]
    boxes: tuple[ShotBoxes, ...] = ()  # recorded by the render: the layout of every shot

    @property
    def hook_slot(self) -> str:
        """The hook beat's slot id (the first shot's)."""
        return self.shots[0].slot

    @property
    def card_start(self) -> float:
        """When the end card appears (the video's end if it has none)."""
        return next((s.start for s in self.shots if s.layout == ENDCARD), self.duration)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def voice_coverage(self) -> float:
        """Share of the body (the video before the end card) the voice speaks over, 0-1."""
        return voice_coverage(self)[0]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def longest_gap_s(self) -> float:
        """The longest silence of the voice inside the body (before the end card), seconds."""
        return voice_coverage(self)[1]


def voice_coverage(tl: Timeline) -> tuple[float, float]:
    """(share of the body voiced, longest silence in it, s): the body is the video before the end card,
    silences count from its start, between lines, and from the last line to the card."""
    end = tl.card_start
    if end <= 0:
        return 1.0, 0.0
    voiced, gaps, cursor = 0.0, [0.0], 0.0
    for start, stop in sorted((c.start, min(c.end, end)) for c in tl.voice if c.start < end):
        gaps.append(start - cursor)
        voiced += max(0.0, stop - max(start, cursor))
        cursor = max(cursor, stop)
    gaps.append(end - cursor)
    return round(voiced / end, 4), round(max(gaps), 3)


class Fitting(_Frozen):
    """How the voice-over was fitted to the video (``manifest.json``'s ``fitting``): each step tried, in
    order (drop optional lines, shorter lines, a longer video, text-only beats), and what it left."""

    needed_s: float  # the video length the voice needed as first written, at normal speed
    duration_s: float  # the video's length after fitting
    tempo: float = 1.0  # the voice's speed-up (within pacing.max_voice_speedup)
    dropped: tuple[str, ...] = ()  # slots whose voice line was left out (their text stays)
    shortened: tuple[str, ...] = ()  # slots whose line the writer shortened
    tried: tuple[str, ...] = ()  # every step tried, with what it gave
    voice_coverage: float | None = None  # of the final timeline (Timeline.voice_coverage)
    longest_gap_s: float | None = None


@dataclass(frozen=True)
class SpokenLine:
    """A voice line as recorded: its duration and word timings relative to its start."""

    text: str
    duration: float
    words: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True)
class _Range:
    """Frames a slot may span with ``n`` shots, given the first shot's fixed length (hook)."""

    slot: Slot
    need: int  # frames the slot's line requires (its wait after the cut, lead, voice, tail or spill)
    spoken: int  # frames of the voice line (the longest it reserves for), 0 for a silent beat
    first: int | None  # fixed first-shot length (hook), else None
    n: int
    lo_f: int
    hi_f: int
    first_max: int = 0  # the hook shot's longest when it is the beat's only shot
    before_card: int = 0  # CTA beat: frames its line needs before the end card (0: the line may run onto it)

    def bounds(self, n: int) -> tuple[int, int]:
        if self.first is None:
            return n * self.lo_f, n * self.hi_f
        if n == 1:
            return self.first, max(self.first, self.first_max)
        return self.first + (n - 1) * self.lo_f, self.first + (n - 1) * self.hi_f

    @property
    def held_hook(self) -> bool:
        """A hook beat of one shot: it lasts as long as its line needs and takes no slack (``_distribute``)."""
        return self.first is not None and self.n == 1

    @property
    def lo(self) -> int:
        card = self.before_card + self.lo_f if self.before_card else 0
        return max(self.bounds(self.n)[0], self.need, card)

    def card(self, span: int) -> int:
        """Frames of the end card when this (CTA) beat lasts ``span``: as long as it may be, after the line
        (``before_card``) and the other shots' shortest."""
        if self.n == 1:
            return span
        return min(self.hi_f, span - max((self.n - 1) * self.lo_f, self.before_card))

    @property
    def hi(self) -> int:
        return self.bounds(self.n)[1]


def build(
    *,
    archetype: Archetype,
    pacing: PacingConf,
    texts: Mapping[str, str],
    lines: Mapping[str, SpokenLine],
    fps: int,
    tempo: float = 1.0,
    transition: str | None = None,
    soft_max: Mapping[str, float] | None = None,
    cameras: Mapping[tuple[str, int], str] | None = None,
    reserve: Mapping[str, float] | None = None,
    order: Sequence[str] | None = None,
) -> Timeline:
    """Lay out the video; raise VoiceTooLong (with the tempo that would fit) or TimelineError.

    ``soft_max`` (seconds per slot id) and ``cameras`` ((slot id, shot in slot) -> camera) are the
    creative director's edits: trim a beat's dead air, punch in on a long shot. ``reserve``
    (seconds per slot id) holds room for a longer line than the one given: the hook beat
    reserves its longest candidate, so every hook variant gets the same body, to the frame.
    ``order`` puts the archetype's reorderable beats in a new order (the director's reorder edit).
    """
    reserve = reserve or {}
    if order:
        archetype = archetype.model_copy(update={"slots": archetype.arranged(tuple(order))})
    total = round(pacing.duration * fps)
    try:
        ranges = _shot_counts(archetype, pacing, lines, fps, tempo, total, reserve)
    except VoiceTooLong as exc:
        raise VoiceTooLong(str(exc), _fitting_tempo(archetype, pacing, lines, fps, tempo, total, reserve)) from None
    frames = _distribute(ranges, total, {k: round(v * fps) for k, v in (soft_max or {}).items()})
    cameras = cameras or {}
    shots: list[Shot] = []
    overlays: list[Overlay] = []
    voice: list[VoiceCue] = []
    transitions: list[Transition] = []
    beat_cut = transition or archetype.transition
    cursor = 0
    for rng, span in zip(ranges, frames):
        slot = rng.slot
        lengths = _split(span, rng)
        start = cursor
        for k, length in enumerate(lengths):
            if cursor > 0:
                kind = beat_cut if k == 0 else "cut"
                transitions.append(
                    Transition(at=cursor / fps, kind=kind, duration=getattr(pacing, kind))
                )  # kind is cut or swipe: both are PacingConf fields
            card = slot.type == "cta" and k == len(lengths) - 1
            shots.append(
                Shot(
                    index=len(shots),
                    slot=slot.id,
                    slot_type=slot.type,
                    shot=k,
                    start=cursor / fps,
                    end=(cursor + length) / fps,
                    camera="static"
                    if card
                    else cameras.get((slot.id, k)) or (slot.camera if k == 0 else _varied(slot.camera, k)),
                    layout=ENDCARD if card else slot.layout,
                )
            )
            cursor += length
        role = "hook" if slot.type == "hook" else "cta" if slot.type == "cta" else "body"
        # the end card carries the CTA itself; a CTA text overlay only leads into it
        text_end = shots[-1].start * fps if role == "cta" else cursor
        if slot.text and texts.get(slot.id) and text_end > start:
            overlays.append(
                Overlay(slot=slot.id, role=role, text=texts[slot.id], start=start / fps, end=text_end / fps)
            )
        line = lines.get(slot.id)
        if slot.vo and line and line.duration > 0:
            # voice-led: the line waits for the one before (ending over the cut) a breath, its text with it
            begin = max(start / fps + pacing.text_lead, (voice[-1].end + pacing.voice_gap) if voice else 0.0)
            if overlays and overlays[-1].slot == slot.id:
                overlays[-1] = overlays[-1].model_copy(update={"start": begin - pacing.text_lead})
            pace = _held(line, reserve.get(slot.id, 0.0), tempo, pacing)[1]
            voice.append(
                VoiceCue(
                    slot=slot.id,
                    text=line.text,
                    start=begin,
                    end=begin + line.duration / pace,
                    tempo=pace,
                    words=tuple(Word(word=w, start=begin + s / pace, end=begin + e / pace) for w, s, e in line.words),
                )
            )
    return Timeline(
        duration=total / fps,
        fps=fps,
        shots=tuple(shots),
        overlays=tuple(overlays),
        voice=tuple(voice),
        transitions=tuple(transitions),
    )


def speech_budget(archetype: Archetype, pacing: PacingConf) -> dict[str, float]:
    """Seconds of speech each slot can hold: its share of the video, on the shot grid, minus lead and tail.

    A share is the slot's weight's share of the video, moved to the nearest length its shots can make
    (1 shot of 2-3 s, 2 of them 4-6 s...; the hook: one shot of ``hook_scene`` to ``hook_scene_max`` or
    ``hook_scene`` plus whole shots), then evened out so the lengths add up to the video: a line sized to
    a 3.5 s share would need a second shot and leave a second of it silent. Lines follow each other
    ``voice_gap`` apart (the voice leads the cuts), so a body beat spends only that on silence; the hook
    its text lead (its line ends by the body's first cut), the last beat its lead and tail.
    """
    weights = {s.id: s.weight for s in archetype.slots}
    total = sum(weights.values())
    spans = {s.id: _on_grid(pacing.duration * s.weight / total, pacing, hook=s.type == "hook") for s in archetype.slots}
    for _ in range(len(spans)):  # even out what snapping added or took, within each slot's shot count
        miss = pacing.duration - sum(spans.values())
        rooms = {k: _room(v, pacing, hook=k == archetype.slots[0].id, up=miss > 0) for k, v in spans.items()}
        if abs(miss) < 1e-6 or not sum(rooms.values()):
            break
        scale = min(1.0, abs(miss) / sum(rooms.values()))
        spans = {k: v + math.copysign(rooms[k] * scale, miss) for k, v in spans.items()}
    last = archetype.slots[-1].id
    overhead = {s.id: pacing.voice_gap for s in archetype.slots} | {
        archetype.slots[0].id: pacing.text_lead,
        last: pacing.text_lead + pacing.voice_tail,
    }
    return {s.id: round(max(0.0, spans[s.id] - overhead[s.id]), 3) if s.vo else 0.0 for s in archetype.slots}


def _grid(pacing: PacingConf, *, hook: bool) -> list[tuple[float, float]]:
    """The lengths a beat's shots can make: (shortest, longest) for 1, 2, 3... shots."""
    if hook:
        return [(pacing.hook_scene, max(pacing.hook_scene, pacing.hook_scene_max))] + [
            (pacing.hook_scene + k * pacing.scene_min, pacing.hook_scene + k * pacing.scene_max) for k in range(1, 4)
        ]
    return [(k * pacing.scene_min, k * pacing.scene_max) for k in range(1, 6)]


def _on_grid(share: float, pacing: PacingConf, *, hook: bool) -> float:
    """The beat length nearest ``share`` that its shots can make."""
    return min((min(max(share, lo), hi) for lo, hi in _grid(pacing, hook=hook)), key=lambda x: abs(x - share))


def _room(span: float, pacing: PacingConf, *, hook: bool, up: bool) -> float:
    """How far ``span`` can grow (``up``) or shrink without changing its beat's number of shots."""
    lo, hi = next(((lo, hi) for lo, hi in _grid(pacing, hook=hook) if lo - 1e-6 <= span <= hi + 1e-6), (span, span))
    return hi - span if up else span - lo


def minimum_seconds(
    *,
    archetype: Archetype,
    pacing: PacingConf,
    lines: Mapping[str, SpokenLine],
    fps: int,
    reserve: Mapping[str, float] | None = None,
) -> float:
    """The shortest video the lines fit in at normal speed (lead, tail and the shot grid included)."""
    long = dataclasses.replace(pacing, duration=3600.0)
    ranges = _shot_counts(archetype, long, lines, fps, 1.0, round(long.duration * fps), reserve or {}, grow=False)
    return sum(r.lo for r in ranges) / fps


def _shot_counts(
    archetype: Archetype,
    pacing: PacingConf,
    lines: Mapping[str, SpokenLine],
    fps: int,
    tempo: float,
    total: int,
    reserve: Mapping[str, float],
    grow: bool = True,
) -> list[_Range]:
    """Shots per beat: enough for its line (each line's need counts the wait the line before makes it
    take), the CTA's line before the end card if there is room, then more (to the heaviest body beats per
    shot) until the beats can fill ``total`` (unless ``grow`` is off: the fewest shots the lines need)."""
    lo_f, hi_f = math.ceil(pacing.scene_min * fps - 1e-6), math.floor(pacing.scene_max * fps + 1e-6)
    hook_f, hook_max_f = round(pacing.hook_scene * fps), math.floor(pacing.hook_scene_max * fps + 1e-6)
    said = {
        s.id: _held(lines.get(s.id), reserve.get(s.id, 0.0), tempo, pacing)[0] if s.vo else 0.0 for s in archetype.slots
    }
    ranges: list[_Range] = []
    wait = 0.0  # wait: how long the beat's text waits after its cut for the line before to end
    for i, slot in enumerate(archetype.slots):
        spoken = said[slot.id]
        follows = i + 1 < len(archetype.slots) and said[archetype.slots[i + 1].id] > 0
        shell = _Range(slot=slot, need=0, spoken=round(spoken * fps), first=None, n=1, lo_f=lo_f, hi_f=hi_f)
        if slot.type == "hook":
            shell = dataclasses.replace(shell, first=hook_f, first_max=hook_max_f)
        rng, alone = (
            _enough(shell, _need(pacing, spoken, w, hook=slot.type == "hook", spill=follows), fps) for w in (wait, 0.0)
        )
        held = dataclasses.replace(ranges[-1], need=ranges[-1].lo + rng.need - alone.need) if ranges else None
        if held and alone.n < rng.n and held.need <= held.hi:
            rng = alone  # waiting would cost this beat a shot of silence: the beat before holds the wait instead
            ranges[-1] = held
        ranges.append(rng)
        # the shortest this beat can be decides how long the next one's line may have to wait
        wait = max(0.0, wait + spoken + pacing.voice_gap - rng.lo / fps) if spoken and follows else 0.0
    grid = sum(r.bounds(1)[0] for r in ranges)  # one shortest shot per beat, no voice
    if grid > total:
        raise TimelineError(
            f"duration {total / fps:.1f} s is too short for archetype "
            f"{archetype.name!r}: its {len(ranges)} beats need at least {grid / fps:.1f} s"
        )
    minimum = sum(r.lo for r in ranges)
    if minimum > total:
        raise VoiceTooLong(
            f"the voiceover needs {minimum / fps:.1f} s but the video lasts {total / fps:.1f} s", math.inf
        )
    if grow and ranges[-1].slot.type == "cta" and ranges[-1].spoken and len(ranges) > 1:
        # the end card is the next "beat": the CTA line may end over its cut like any line over the next
        line = said[archetype.slots[-1].id]
        own = math.ceil(_need(pacing, line, 0.0, hook=False, spill=True) * fps - 1e-6)
        wait = ranges[-1].need - math.ceil(_need(pacing, line, 0.0, hook=False, spill=False) * fps - 1e-6)
        ranges[-2:] = _cta_in_body(ranges[-2], ranges[-1], own=own, wait=max(0, wait), slack=total - minimum)
    while grow and sum(r.lo if r.held_hook else r.hi for r in ranges) < total:
        body = [i for i, r in enumerate(ranges) if r.slot.type not in ("hook", "cta")]
        i = max(body, key=lambda j: ranges[j].slot.weight / ranges[j].n)
        ranges[i] = _with_n(ranges[i], ranges[i].n + 1)
    return ranges


def _enough(rng: _Range, need: float, fps: int) -> _Range:
    """``rng`` needing ``need`` seconds, with the fewest shots that hold it."""
    rng = dataclasses.replace(rng, need=math.ceil(need * fps - 1e-6))
    while rng.hi < rng.need:
        rng = _with_n(rng, rng.n + 1)
    return rng


def _cta_in_body(before: _Range, cta: _Range, *, own: int, wait: int, slack: int) -> list[_Range]:
    """The beat before the CTA and the CTA beat, laid out so the CTA line is said before the end card (in
    the body, which the voice should carry): shots for the line (``own`` frames, its lead to its tail), then
    the card, the beat before holding the ``wait`` its line would make the CTA's text wait (or the CTA beat
    holding it, when the beat before cannot); else a shot before the card that the line starts in; else
    the card alone, the line over it. ``slack``: frames the video has over the beats' shortest."""

    def whole(need: int) -> _Range:
        return dataclasses.replace(cta, n=-(-need // cta.hi_f) + 1, need=need, before_card=need)

    ahead = dataclasses.replace(before, need=before.need + wait)
    options = [[ahead, whole(own)], [before, whole(own + wait)], [before, _with_n(cta, max(2, cta.n))], [before, cta]]
    fits = [pair for pair in options if pair[0].lo <= pair[0].hi]
    return next(p for p in fits if sum(r.lo for r in p) - before.lo - cta.lo <= slack)


def _need(pacing: PacingConf, spoken: float, wait: float, *, hook: bool, spill: bool) -> float:
    """Seconds a beat must last for its line: its wait and text lead, the line, then the tail before a
    silent beat or the end; a line followed by another may end over the cut, as far as the next beat's
    text may wait (``text_delay_max``) less a breath. The hook's line ends by the body's first cut."""
    if not spoken:
        return 0.0
    if hook:
        return pacing.text_lead + spoken
    if spill:
        return max(wait + pacing.text_lead, wait + spoken + pacing.voice_gap - pacing.text_delay_max)
    return wait + pacing.text_lead + spoken + pacing.voice_tail


def _held(line: SpokenLine | None, reserve: float, tempo: float, pacing: PacingConf) -> tuple[float, float]:
    """(seconds a slot's line holds, the tempo it plays at). A slot with a ``reserve`` holds that long: a
    shorter line leaves the rest silent, a longer one (another hook variant) plays faster to fit, up to
    pacing.max_voice_speedup, and only past that holds more."""
    if line is None or line.duration <= 0:
        return 0.0, tempo
    own, held = line.duration / tempo, reserve / tempo
    if own <= held or held <= 0:
        return max(own, held), tempo
    seconds = max(held, own / pacing.max_voice_speedup)
    return seconds, tempo * own / seconds


def _fitting_tempo(
    archetype: Archetype,
    pacing: PacingConf,
    lines: Mapping[str, SpokenLine],
    fps: int,
    tempo: float,
    total: int,
    reserve: Mapping[str, float],
) -> float:
    """The smallest tempo (in 1 % steps, up to 4x) at which the voice fits; inf if none does."""
    trial = tempo
    while trial < 4.0:
        trial = round(trial + 0.01, 2)
        try:
            _shot_counts(archetype, pacing, lines, fps, trial, total, reserve)
            return trial
        except VoiceTooLong:
            continue
    return math.inf


def _with_n(rng: _Range, n: int) -> _Range:
    return dataclasses.replace(rng, n=n)


def _distribute(ranges: Sequence[_Range], total: int, soft_max: Mapping[str, int] | None = None) -> list[int]:
    """Frames per slot: each at least its minimum, the slack given where it leaves the least silence.

    The CTA beat takes slack first, up to a full end card (outside the body);
    then each frame goes to the beat whose silence after its line is shortest, so silences even out
    and no beat holds much more than its line needs while another is tight. ``soft_max`` (frames per
    slot id, the director's trims) is honoured first; what is left goes past it, to the trimmed beat
    stretched least beyond what the director asked (the total must still be filled).
    """
    spans = [r.lo for r in ranges]
    soft = {i: soft_max[r.slot.id] for i, r in enumerate(ranges) if soft_max and r.slot.id in soft_max}
    caps = [max(s, min(r.hi, soft.get(i, r.hi))) for i, (r, s) in enumerate(zip(ranges, spans))]
    past = [r.hi for r in ranges]
    if ranges[0].held_hook:
        caps[0] = past[0] = spans[0]  # a hook shot held past hook_scene holds no longer than its line needs
    last = len(ranges) - 1
    cta = ranges[last]
    if cta.slot.type == "cta":  # up to a full end card, before the line's shots take any
        full = cta.lo + max(0, cta.hi_f - cta.card(cta.lo))
        spans[last] += max(0, min(total - sum(spans), caps[last] - spans[last], full - spans[last]))

    def silence(i: int, span: int) -> float:  # after the beat's line; the end card is not silence
        card = ranges[i].card(span) if ranges[i].slot.type == "cta" and ranges[i].n > 1 else 0
        return float(span - card - ranges[i].spoken)

    spans = _level(spans, caps, silence, total - sum(spans))
    spans = _level(spans, past, lambda i, span: span / max(1, soft.get(i, span)), total - sum(spans))
    return _level(spans, [r.hi for r in ranges], lambda i, span: float(span), total - sum(spans))


def _level(spans: list[int], caps: Sequence[int], key: Callable[[int, int], float], slack: int) -> list[int]:
    """Add ``slack`` frames one at a time to the beat below its cap with the lowest ``key(i, span)``."""
    heap = [(key(i, spans[i]), i) for i in range(len(spans)) if spans[i] < caps[i]]
    heapq.heapify(heap)
    spans = list(spans)
    while slack > 0 and heap:
        _, i = heapq.heappop(heap)
        spans[i] += 1
        slack -= 1
        if spans[i] < caps[i]:
            heapq.heappush(heap, (key(i, spans[i]), i))
    return spans


def _split(span: int, rng: _Range) -> list[int]:
    """Split a slot's frames into its shots as evenly as frames allow; the CTA beat's last shot (the end
    card) is as long as it may be, so the card starts soon after the line before it."""
    if rng.n == 1:
        return [span]  # one shot (a hook shot held as long as its line needs, within hook_scene_max)
    if rng.slot.type == "cta":
        card = rng.card(span)
        return _even(span - card, rng.n - 1) + [card]
    head = [rng.first] if rng.first is not None else []
    return head + _even(span - sum(head), rng.n - len(head))


def _even(span: int, count: int) -> list[int]:
    base, extra = divmod(span, count)
    return [base + (1 if k < extra else 0) for k in range(count)]


# A beat's second and later shots vary the camera so a long beat does not feel static.
_FOLLOW_UP = {
    "push_in": "pan_left",
    "pull_out": "push_in",
    "pan_left": "pan_right",
    "pan_right": "pan_left",
    "pan_up": "push_in",
    "handheld": "push_in",
    "jump_zoom": "handheld",
    "static": "static",
}


def _varied(camera: str, k: int) -> str:
    return _FOLLOW_UP[camera] if k % 2 else camera
