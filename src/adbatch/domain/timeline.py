"""The timeline: absolute times for every shot, text overlay, voice line and transition.

It is plain data built from the archetype, the script's words and the voice lines'
durations, with the pacing rules applied; nothing here touches a provider, so every
rule is tested on synthetic inputs. Times live on the frame grid (1/fps), so cuts
land exactly on frames and the render's duration matches to the frame.

Rules (conf/pacing): shots last 2-3 s (the hook shot ~1.8 s); the product and the hook
text are on screen from frame 0; each text appears ``text_lead`` before its voice line;
shots inside a beat change with a 0.1 s cut, beats with the archetype's transition
(cut 0.1 s or swipe 0.2 s); the CTA beat ends on the static end card (one 2-3 s shot),
which shows the CTA itself.
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
    need: int  # frames the slot's text lead + voice + tail require
    spoken: int  # frames of the voice line (the longest it reserves for), 0 for a silent beat
    first: int | None  # fixed first-shot length (hook), else None
    n: int
    lo_f: int
    hi_f: int

    def bounds(self, n: int) -> tuple[int, int]:
        if self.first is None:
            return n * self.lo_f, n * self.hi_f
        return self.first + (n - 1) * self.lo_f, self.first + (n - 1) * self.hi_f

    @property
    def lo(self) -> int:
        return max(self.bounds(self.n)[0], self.need)

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
        lengths = _split(span, rng.n, rng.first)
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
            begin = start / fps + pacing.text_lead
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
    (1 shot of 2-3 s, 2 of them 4-6 s...; the hook: one ``hook_scene`` shot plus whole shots), then
    evened out so the lengths add up to the video: a line sized to a 3.5 s share would need a second
    shot and leave a second of it silent.
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
    overhead = pacing.text_lead + pacing.voice_tail
    return {s.id: round(max(0.0, spans[s.id] - overhead), 3) if s.vo else 0.0 for s in archetype.slots}


def _grid(pacing: PacingConf, *, hook: bool) -> list[tuple[float, float]]:
    """The lengths a beat's shots can make: (shortest, longest) for 1, 2, 3... shots."""
    if hook:
        return [(pacing.hook_scene, pacing.hook_scene)] + [
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
    """Shots per beat: enough for its line, then more (to the heaviest body beats per shot) until the
    beats can fill ``total`` (unless ``grow`` is off: the fewest shots the lines need)."""
    lo_f, hi_f = math.ceil(pacing.scene_min * fps - 1e-6), math.floor(pacing.scene_max * fps + 1e-6)
    hook_f = round(pacing.hook_scene * fps)
    ranges = []
    for slot in archetype.slots:
        line = lines.get(slot.id)
        spoken = _held(line, reserve.get(slot.id, 0.0), tempo, pacing)[0] if (slot.vo and line) else 0.0
        need = math.ceil((pacing.text_lead + spoken + pacing.voice_tail) * fps) if spoken else 0
        first = hook_f if slot.type == "hook" else None
        rng = _Range(slot=slot, need=need, spoken=round(spoken * fps), first=first, n=1, lo_f=lo_f, hi_f=hi_f)
        while rng.hi < need:
            rng = _with_n(rng, rng.n + 1)
        ranges.append(rng)
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
    while grow and sum(r.hi for r in ranges) < total:
        body = [i for i, r in enumerate(ranges) if r.slot.type not in ("hook", "cta")]
        i = max(body, key=lambda j: ranges[j].slot.weight / ranges[j].n)
        ranges[i] = _with_n(ranges[i], ranges[i].n + 1)
    return ranges


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
    return _Range(slot=rng.slot, need=rng.need, spoken=rng.spoken, first=rng.first, n=n, lo_f=rng.lo_f, hi_f=rng.hi_f)


def _distribute(ranges: Sequence[_Range], total: int, soft_max: Mapping[str, int] | None = None) -> list[int]:
    """Frames per slot: each at least its minimum, the slack given where it leaves the least silence.

    The CTA beat takes slack first (its end card is outside the body, and its line runs into it);
    then each frame goes to the beat whose silence after its line is shortest, so silences even out
    and no beat holds much more than its line needs while another is tight. ``soft_max`` (frames per
    slot id, the director's trims) is honoured first; what is left goes past it, to the trimmed beat
    stretched least beyond what the director asked (the total must still be filled).
    """
    spans = [r.lo for r in ranges]
    soft = {i: soft_max[r.slot.id] for i, r in enumerate(ranges) if soft_max and r.slot.id in soft_max}
    caps = [max(s, min(r.hi, soft.get(i, r.hi))) for i, (r, s) in enumerate(zip(ranges, spans))]
    last = len(ranges) - 1
    if ranges[last].slot.type == "cta":
        spans[last] += max(0, min(total - sum(spans), caps[last] - spans[last]))
    spans = _level(spans, caps, lambda i, span: float(span - ranges[i].spoken), total - sum(spans))
    past = [r.hi for r in ranges]
    return _level(spans, past, lambda i, span: span / max(1, soft.get(i, span)), total - sum(spans))


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


def _split(span: int, n: int, first: int | None) -> list[int]:
    """Split a slot's frames into ``n`` shots as evenly as frames allow."""
    head = [first] if first is not None else []
    rest, count = span - sum(head), n - len(head)
    if count == 0:
        return head
    base, extra = divmod(rest, count)
    return head + [base + (1 if k < extra else 0) for k in range(count)]


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
