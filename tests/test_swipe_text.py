"""Across a swipe each text rides its own picture; no frame ever shows two texts at the same place."""

from __future__ import annotations

import numpy as np
import pytest

from adbatch.domain.timeline import Overlay, Shot, Timeline, Transition
from adbatch.render import layout, overlays
from adbatch.render.frames import Compositor, Layer, StaticShot, ease
from adbatch.style import MotionStyle

SIZE = (540, 960)  # the draft preset
FPS = 30
SWIPE_S, CUT_S = 0.2, 0.1  # conf/pacing/default.yaml
PICTURES = [(20, 40, 200), (30, 160, 60), (150, 40, 40)]  # one flat colour per shot, none of them white


def timeline() -> Timeline:
    """Three one-second beats with a text each: a swipe into the second, a cut (crossfade) into the third."""
    shots = tuple(
        Shot(index=i, slot=s, slot_type="body", shot=0, start=float(i), end=i + 1.0, camera="static", layout="hero")
        for i, s in enumerate("abc")
    )
    texts = tuple(
        Overlay(slot=s, role="body", text=words, start=float(i), end=i + 1.0)
        for i, (s, words) in enumerate(zip("abc", ["Out it goes", "In it comes", "Then a cut"]))
    )
    return Timeline(
        duration=3.0,
        fps=FPS,
        shots=shots,
        overlays=texts,
        voice=(),
        transitions=(
            Transition(at=1.0, kind="swipe", duration=SWIPE_S),
            Transition(at=2.0, kind="cut", duration=CUT_S),
        ),
    )


def compositor(layers: list[Layer] | None = None) -> Compositor:
    tl = timeline()
    pictures = [StaticShot(np.full((SIZE[1], SIZE[0], 3), c, np.uint8), s) for c, s in zip(PICTURES, tl.shots)]
    texts: list[Layer] = list(overlays.overlay_patches(tl, SIZE)) if layers is None else layers
    return Compositor(tl, pictures, texts, SIZE)


def slid(outgoing: np.ndarray, incoming: np.ndarray, p: float) -> np.ndarray:
    """Two whole frames swiped at progress ``p``: the outgoing one pushed left by the incoming one (by an even
    number of pixels, whole chroma samples of an I420 frame)."""
    w = SIZE[0]
    off = int(round(w * (1 - ease(p)) / 2)) * 2
    return np.concatenate([outgoing[:, w - off :], incoming[:, : w - off]], axis=1)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_mid_swipe_each_text_moves_with_its_own_picture(p: float) -> None:
    """A frame inside the swipe is the outgoing shot with its text and the incoming shot with its text, slid
    together as one: the outgoing text leaves with its picture, the incoming one arrives with its own."""
    comp = compositor()
    before, after = comp.frame(0.5), comp.frame(1.5)  # each shot at rest with its text
    t = 1.0 - SWIPE_S / 2 + p * SWIPE_S
    shown = comp.frame(t)
    assert np.array_equal(shown, slid(before, after, p))
    white = (shown > 200).all(axis=2)
    assert white.any(), "the texts stay on screen through the swipe"


def test_the_text_that_slid_in_does_not_pop_when_the_swipe_lands() -> None:
    """Just after the swipe (inside the pop-in time) the incoming text is already whole and in place."""
    comp = compositor()
    assert MotionStyle().pop_seconds > SWIPE_S / 2
    assert np.array_equal(comp.frame(1.0 + SWIPE_S / 2 + 1 / FPS), comp.frame(1.5))


def test_no_frame_shows_two_texts_at_the_same_place() -> None:
    """Frame by frame over a swipe and a crossfade, the pixels each text changes never meet another's."""
    patches = overlays.overlay_patches(timeline(), SIZE)
    assert len(patches) == 3
    plain, alone = compositor([]), [compositor([patch]) for patch in patches]
    for n in range(3 * FPS):
        t = n / FPS
        base = plain.frame(t)
        inked = [(c.frame(t) != base).any(axis=2) for c in alone]
        assert not any((a & b).any() for i, a in enumerate(inked) for b in inked[i + 1 :]), t


def test_the_record_keeps_each_text_on_its_own_shot() -> None:
    """timeline.json's boxes list each text on the shot whose picture carries it, at its place at rest."""
    tl = timeline()
    patches = overlays.overlay_patches(tl, SIZE)
    shots = layout.record(tl, SIZE, layout.drawn_texts(patches), [])
    assert [[tb.text for tb in s.text_boxes] for s in shots] == [["Out it goes"], ["In it comes"], ["Then a cut"]]
    assert shots[0].text_boxes[0].end == 1.0 and shots[1].text_boxes[0].start == 1.0
