"""Word-by-word captions of the voice, burned in with the spoken word highlighted, and as SRT.

Each voice line's words (absolute timings in ``VoiceCue.words``: ElevenLabs' alignment
live, eSpeak's word events offline) are grouped into short phrases. Timing rules:

- a phrase shows from its first word's start minus ``text_lead`` to its last word's
  end, but never before the previous phrase has ended (phrases never overlap), so in
  continuous speech the next phrase replaces the last one as its first word starts;
- a word is highlighted from its start to the next word's start (the last word until
  the phrase ends); before its first word a phrase shows with no word highlighted.

Every state of a phrase (no word, word 1, word 2, ...) is drawn once, with one layout,
so the text never moves between states and a frame costs one blend of a cached patch
(``frames.OverlayPatch``). Burned-in captions stop where the end card starts (it shows
the CTA itself); the SRT keeps every phrase.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from adbatch.domain.timeline import Overlay, Timeline, VoiceCue, Word
from adbatch.render import text
from adbatch.render.frames import OverlayPatch
from adbatch.render.palette import rgb
from adbatch.render.safezone import SafeZone
from adbatch.store.atomic import write_text

_BREAK_AFTER = tuple(".!?;:,")  # a phrase ends after a word ending a clause


@dataclass(frozen=True)
class CaptionStyle:
    highlight: tuple[int, int, int] = (255, 212, 0)  # the spoken word
    fill: tuple[int, int, int] = (255, 255, 255)  # the other words
    stroke: tuple[int, int, int] = (0, 0, 0)
    size: float = 0.072  # starting font size, share of the frame width (shrunk to fit)
    max_words: int = 4  # words per phrase at most
    max_chars: int = 22  # characters per phrase at most (a longer single word gets a phrase of its own)
    max_lines: int = 2
    band_bottom: float = 0.58  # caption bottom edge, share of the frame height: above the body text
    band_height: float = 0.12  # tallest caption, share of the frame height
    font_path: str | None = None  # the brand's font, tried before the fallback chain (adbatch.render.fonts)

    @classmethod
    def from_config(cls, conf: Mapping[str, Any], font_path: str | None = None) -> CaptionStyle:
        """The style a ``captions`` config node asks for (highlight as ``#RRGGBB``), in ``font_path``."""
        return cls(highlight=rgb(conf["highlight"]), max_words=int(conf["max_words"]), font_path=font_path)


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


def phrases(timeline: Timeline, *, max_words: int = 4, max_chars: int = 22, text_lead: float = 0.3) -> list[Phrase]:
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
    """One phrase as drawn: its layout and one RGBA patch per state, all of one size at ``xy``."""

    phrase: Phrase
    layout: text.Layout
    states: tuple[np.ndarray, ...]  # [0]: no word highlighted; [k + 1]: word k highlighted
    xy: tuple[int, int]


class CaptionTrack:
    """The captions of a video and when each shows; ``blend`` draws the one on screen at ``t``."""

    def __init__(self, items: list[Caption]) -> None:
        self.captions = items
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
            self._patch = key, OverlayPatch(ov, cap.states[key[1] + 1], cap.xy)
        return self._patch[1]

    def blend(self, frame: np.ndarray, t: float) -> None:
        """Blend the caption on screen at ``t`` (if any) into ``frame`` in place."""
        patch = self.patch(t)
        if patch is not None:
            patch.blend(frame, t)


def build(
    timeline: Timeline, size: tuple[int, int], *, style: CaptionStyle = CaptionStyle(), text_lead: float = 0.3
) -> CaptionTrack:
    """Draw every phrase state once, centred in the safe zone's caption band, up to the end card."""
    w, h = size
    zone = SafeZone(w, h)
    card = timeline.card_start
    look = text.TextStyle(
        size=int(w * style.size),
        fill=style.fill,
        stroke=style.stroke,
        stroke_ratio=0.09,
        max_lines=style.max_lines,
        font_path=style.font_path,
    )
    max_w, max_h = zone.centered_width, int(h * style.band_height)
    items = []
    for p in phrases(timeline, max_words=style.max_words, max_chars=style.max_chars, text_lead=text_lead):
        if p.start >= card:
            continue
        lay = text.layout([text.Unit(word) for word in p.words], look, max_w, max_h)
        n = len(p.words)
        states = tuple(
            text.paint(lay, look, [style.highlight if i == k else style.fill for i in range(n)]) for k in range(-1, n)
        )
        ph, pw = states[0].shape[:2]
        xy = ((w - pw) // 2, max(zone.top, int(h * style.band_bottom) - ph))
        items.append(Caption(replace(p, end=min(p.end, card)), lay, states, xy))
    return CaptionTrack(items)


def _stamp(t: float) -> str:
    ms = round(t * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    seconds, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{ms:03d}"


def srt(timeline: Timeline, *, max_words: int = 4, text_lead: float = 0.3) -> str:
    """The voice's phrases as SubRip cues (HH:MM:SS,mmm), numbered from 1."""
    blocks = [
        f"{n}\n{_stamp(p.start)} --> {_stamp(p.end)}\n{p.text}\n"
        for n, p in enumerate(phrases(timeline, max_words=max_words, text_lead=text_lead), 1)
    ]
    return "\n".join(blocks)


def write_srt(timeline: Timeline, path: Path, *, max_words: int = 4, text_lead: float = 0.3) -> None:
    """Write ``srt(timeline)`` to ``path`` atomically."""
    write_text(path, srt(timeline, max_words=max_words, text_lead=text_lead))
