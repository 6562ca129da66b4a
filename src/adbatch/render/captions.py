"""Word-by-word captions of the voice, burned in with the spoken word highlighted, and as SRT.

Each voice line's words (absolute timings in ``VoiceCue.words``: ElevenLabs' alignment
live, eSpeak's word events offline) are grouped into short phrases. Timing rules:

- a phrase shows from its first word's start minus ``text_lead`` to its last word's
  end, but never before the previous phrase has ended (phrases never overlap), so in
  continuous speech the next phrase replaces the last one as its first word starts;
- a word is highlighted from its start to the next word's start (the last word until
  the phrase ends); before its first word a phrase shows with no word highlighted.

Every state of a phrase (no word, word 1, word 2, ...) is drawn with one layout, so the text
never moves between states, and painted when it first shows; a frame costs one blend of the patch
kept for the state on screen (``frames.OverlayPatch``). Painting every state up front held ~11 MB
of patches through a 30 s render for frames that each show one. Burned-in captions stop where the
end card starts (it shows the CTA itself), skip what the hook or body text already shows, and sit in
the free band above the product (``adbatch.render.layout``); the SRT keeps every phrase.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from adbatch.config import PacingConf
from adbatch.domain.timeline import Overlay, Timeline, VoiceCue, Word
from adbatch.media.color import rgb
from adbatch.render import layout, text
from adbatch.render.canvas import Canvas
from adbatch.render.frames import OverlayPatch
from adbatch.render.safezone import Margins, SafeZone
from adbatch.store.atomic import write_text
from adbatch.style import CaptionLook, MotionStyle, OverlayStyle

_BREAK_AFTER = tuple(".!?;:,")  # a phrase ends after a word ending a clause
_LOOK = CaptionLook()  # the style's defaults, for callers without a composed config
_GAP = OverlayStyle().gap  # style.overlay.gap's default: the space kept between text and the product
_NOT_WORD = re.compile(r"[^\w]+")
DEFAULT_LEAD = PacingConf().text_lead  # pacing.text_lead's default
MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND = 3_600_000, 60_000, 1000  # SubRip time stamps


@dataclass(frozen=True)
class CaptionStyle:
    """A ``style.captions`` node (``adbatch.style.CaptionLook``, which says what each field does)
    with its colours as RGB, in the brand's font."""

    highlight: tuple[int, int, int] = rgb(_LOOK.highlight)  # the spoken word
    fill: tuple[int, int, int] = rgb(_LOOK.fill)  # the other words
    stroke: tuple[int, int, int] = rgb(_LOOK.stroke)
    stroke_ratio: float = _LOOK.stroke_ratio
    size: float = _LOOK.size
    max_words: int = _LOOK.max_words
    max_chars: int = _LOOK.max_chars
    max_lines: int = _LOOK.max_lines
    band_bottom: float = _LOOK.band_bottom
    band_height: float = _LOOK.band_height
    room: float = _LOOK.room
    font_path: str | None = None  # the brand's font, tried before the fallback chain (adbatch.render.fonts)

    @classmethod
    def from_config(cls, look: CaptionLook, font_path: str | None = None) -> CaptionStyle:
        """The style the ``style.captions`` config node asks for (colours as ``#RRGGBB``), in ``font_path``."""
        return cls(
            highlight=rgb(look.highlight),
            fill=rgb(look.fill),
            stroke=rgb(look.stroke),
            stroke_ratio=look.stroke_ratio,
            size=look.size,
            max_words=int(look.max_words),
            max_chars=look.max_chars,
            max_lines=look.max_lines,
            band_bottom=look.band_bottom,
            band_height=look.band_height,
            room=look.room,
            font_path=font_path,
        )


@dataclass(frozen=True)
class Phrase:
    slot: str
    words: tuple[str, ...]
    starts: tuple[float, ...]  # each word's start: it is highlighted from here to the next one's
    start: float  # on screen from (inclusive)...
    end: float  # ...to (exclusive)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    def active(self, t: float) -> int:
        """Index of the word highlighted at ``t``; -1 before the first word starts."""
        return bisect.bisect_right(self.starts, t) - 1


def phrases(
    timeline: Timeline,
    *,
    max_words: int = _LOOK.max_words,
    max_chars: int = _LOOK.max_chars,
    text_lead: float = DEFAULT_LEAD,
) -> list[Phrase]:
    """Every voice line's words grouped into phrases, timed by the rules in the module docstring."""
    out: list[Phrase] = []
    for cue in timeline.voice:
        for group in _groups(_timed_words(cue), max_words, max_chars):
            start = max(group[0].start - text_lead, out[-1].end if out else 0.0, 0.0)
            end = min(group[-1].end, timeline.duration)
            if end > start:
                out.append(
                    Phrase(
                        slot=cue.slot,
                        words=tuple(w.word for w in group),
                        starts=tuple(w.start for w in group),
                        start=start,
                        end=end,
                    )
                )
    return out


def _timed_words(cue: VoiceCue) -> list[Word]:
    """The cue's timed words, spelled as in its text when the counts match (keeps "$29.99," whole);
    a cue without timings gets its words spread over it by length."""
    tokens = cue.text.split()
    if cue.words:
        if len(tokens) == len(cue.words):
            return [w.model_copy(update={"word": tok}) for w, tok in zip(cue.words, tokens)]
        return list(cue.words)
    bounds = np.cumsum([0] + [len(tok) + 1 for tok in tokens]) / max(1, len(cue.text) + 1)
    at = [cue.start + b * (cue.end - cue.start) for b in bounds]
    return [Word(word=tok, start=a, end=b) for tok, a, b in zip(tokens, at, at[1:])]


def _groups(words: list[Word], max_words: int, max_chars: int) -> list[list[Word]]:
    """Clauses (ended by punctuation) cut into the fewest even chunks within both limits:
    five words at four per phrase read 3 + 2, never 4 + 1."""
    clauses: list[list[Word]] = [[]]
    for w in words:
        clauses[-1].append(w)
        if w.word.endswith(_BREAK_AFTER):
            clauses.append([])
    groups = []
    for clause in filter(None, clauses):
        n = -(-len(clause) // max_words)
        while n < len(clause) and any(_chars(c) > max_chars for c in _even(clause, n)):
            n += 1
        groups += _even(clause, n)
    return groups


def _even(items: list[Word], n: int) -> list[list[Word]]:
    """``items`` cut into ``n`` consecutive chunks whose lengths differ by at most one."""
    size, extra = divmod(len(items), n)
    bounds = np.cumsum([0] + [size + (k < extra) for k in range(n)])
    return [items[a:b] for a, b in zip(bounds, bounds[1:])]


def _chars(group: list[Word]) -> int:
    return sum(len(w.word) for w in group) + len(group) - 1


@dataclass(frozen=True)
class Caption:
    """One phrase as drawn: its layout and where; ``state(k)`` paints it with word k highlighted."""

    phrase: Phrase
    layout: text.Layout
    look: text.TextStyle
    highlight: tuple[int, int, int]
    xy: tuple[int, int]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of every state's patch."""
        return text.painted_size(self.layout)

    def state(self, k: int) -> np.ndarray:
        """The RGBA patch with word ``k`` highlighted (-1: none), painted anew."""
        fills = [self.highlight if i == k else self.look.fill for i in range(len(self.phrase.words))]
        return text.paint(self.layout, self.look, fills)

    @property
    def states(self) -> tuple[np.ndarray, ...]:
        """Every state: [0] no word highlighted, [k + 1] word k highlighted (each painted anew)."""
        return tuple(self.state(k) for k in range(-1, len(self.phrase.words)))


class CaptionTrack:
    """The captions of a video and when each shows; ``blend`` draws the one on screen at ``t``."""

    def __init__(self, items: list[Caption], *, motion: MotionStyle | None = None) -> None:
        self.captions, self.motion = items, motion or MotionStyle()
        self.phrases = [c.phrase for c in items]
        self.starts = [p.start for p in self.phrases]
        self._patch: tuple[tuple[int, int], OverlayPatch] | None = None

    def active(self, t: float) -> bool:
        """True if a caption is on screen at ``t`` (so the track can sit in Compositor's overlays)."""
        return self.state(t) is not None

    def state(self, t: float) -> tuple[int, int] | None:
        """(phrase index, highlighted word index or -1) on screen at ``t``, or None."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0 or t >= self.phrases[i].end:
            return None
        return i, self.phrases[i].active(t)

    def patch(self, t: float) -> OverlayPatch | None:
        """The patch on screen at ``t``; its premultiplied form is kept until the state changes."""
        key = self.state(t)
        if key is None:
            return None
        if self._patch is None or self._patch[0] != key:
            cap = self.captions[key[0]]
            p = cap.phrase
            ov = Overlay(slot=p.slot, role="caption", text=p.text, start=p.start, end=p.end)
            self._patch = key, OverlayPatch(ov, cap.state(key[1]), cap.xy, motion=self.motion)
        return self._patch[1]

    def blend(self, frame: np.ndarray, t: float, canvas: Canvas | None = None) -> None:
        """Blend the caption on screen at ``t`` (if any) into ``frame`` (laid out as ``canvas``) in place."""
        patch = self.patch(t)
        if patch is not None:
            patch.blend(frame, t, canvas)


def build(
    timeline: Timeline,
    size: tuple[int, int],
    *,
    style: CaptionStyle = CaptionStyle(),
    text_lead: float = DEFAULT_LEAD,
    margins: Margins | None = None,
    motion: MotionStyle | None = None,
    gap: float = _GAP,
) -> CaptionTrack:
    """Lay every phrase out once (its states are painted as they show), centred in the safe zone just above
    the product (``adbatch.render.layout``; at ``style.band_bottom`` where its place is unknown), up to the end
    card. A phrase whose words the hook or body text already shows is not captioned, and a phrase leaves as a
    transition into a new beat starts. (``margins``: the platforms' UI, see ``adbatch.render.safezone``; ``motion``: how captions pop in;
    ``gap``: space kept above the product, share of the height.)"""
    w, h = size
    zone = SafeZone(w, h, margins=margins)
    card = timeline.card_start
    look = text.TextStyle(
        size=int(w * style.size),
        fill=style.fill,
        stroke=style.stroke,
        stroke_ratio=style.stroke_ratio,
        max_lines=style.max_lines,
        font_path=style.font_path,
    )
    windows = layout.text_changes(timeline)
    shown = [ov for ov in timeline.overlays if ov.role != "cta"]
    items = []
    for p in phrases(timeline, max_words=style.max_words, max_chars=style.max_chars, text_lead=text_lead):
        start, end = layout.one_layer(p.start, min(p.end, card), windows)
        if start >= min(end, card) or any(repeats(p, ov) for ov in shown):
            continue
        product = layout.product_during(timeline, size, start, end)
        tallest = int(h * (style.band_height if product is None else min(style.band_height, style.room)))
        lay = text.layout([text.Unit(word) for word in p.words], look, zone.centered_width, tallest)
        pw, ph = text.painted_size(lay)
        y = layout.caption_y(zone, product, ph, gap=int(h * gap), fallback_bottom=int(h * style.band_bottom))
        items.append(Caption(replace(p, start=start, end=end), lay, look, style.highlight, ((w - pw) // 2, y)))
    return CaptionTrack(items, motion=motion)


def words_of(line: str) -> list[str]:
    """A line's words as compared for repetition: lower case, without punctuation or quotes."""
    return [w for w in (_NOT_WORD.sub("", tok.lower()) for tok in line.split()) if w]


def repeats(phrase: Phrase, overlay: Overlay) -> bool:
    """True if ``overlay`` is on screen with ``phrase`` and already shows at least half of its words."""
    if overlay.start >= phrase.end or overlay.end <= phrase.start:
        return False
    said, shown = words_of(phrase.text), set(words_of(overlay.text))
    return bool(said) and sum(w in shown for w in said) * 2 >= len(said)


def _stamp(t: float) -> str:
    ms = round(t * MS_PER_SECOND)
    hours, ms = divmod(ms, MS_PER_HOUR)
    minutes, ms = divmod(ms, MS_PER_MINUTE)
    seconds, ms = divmod(ms, MS_PER_SECOND)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{ms:03d}"


def srt(
    timeline: Timeline,
    *,
    max_words: int = _LOOK.max_words,
    max_chars: int = _LOOK.max_chars,
    text_lead: float = DEFAULT_LEAD,
) -> str:
    """The voice's phrases as SubRip cues (HH:MM:SS,mmm), numbered from 1."""
    found = phrases(timeline, max_words=max_words, max_chars=max_chars, text_lead=text_lead)
    blocks = [f"{n}\n{_stamp(p.start)} --> {_stamp(p.end)}\n{p.text}\n" for n, p in enumerate(found, 1)]
    return "\n".join(blocks)


def write_srt(
    timeline: Timeline,
    path: Path,
    *,
    max_words: int = _LOOK.max_words,
    max_chars: int = _LOOK.max_chars,
    text_lead: float = DEFAULT_LEAD,
) -> None:
    """Write ``srt(timeline)`` to ``path`` atomically."""
    write_text(path, srt(timeline, max_words=max_words, max_chars=max_chars, text_lead=text_lead))
