"""Where text goes on a shot: in the free band the product leaves inside the safe zone, one layer at a time.

The plate provider says where it put the product (``Shot.product_box``, placed on the frame by
``extent_on_frame`` over the whole camera move), so the layout never guesses: the hook or body text
starts at the top of the safe zone and stops above the product, leaving the caption band between
them; the captions sit just above the product (or below it when that band is the larger). A
transition that changes the text (a new beat, the end card) shows one text layer at a time: across a
cut or crossfade the outgoing beat's text leaves as the transition starts and the incoming beat's
appears at the cut; across a swipe each text rides its own picture (``frames.Compositor``), so the
outgoing one slides out with it and the incoming one slides in, never over each other.
``record`` writes down what was drawn, per shot, for ``timeline.json``: each text with its span on
its own shot and its box at rest.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from adbatch.domain.timeline import ENDCARD, Shot, ShotBoxes, TextBox, Timeline
from adbatch.render.frames import StillShot
from adbatch.render.safezone import SafeZone
from adbatch.style import MotionStyle

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
Shares = tuple[float, float, float, float]  # x0, y0, x1, y1, shares of a picture
CAMERA_SAMPLES = 17  # times per shot the camera is asked where the product is (ends included)


def window(picture: tuple[int, int], frame: tuple[int, int], box: Sequence[float] | None, *, most: float = 1.0) -> Box:
    """The part of a ``picture`` a frame of another shape shows (x, y, w, h in picture pixels): the largest
    window of the frame's shape inside it, centred on the product's ``box`` (shares of the picture) where known,
    else on the picture; grown (past the picture's edges if need be) until the product, shown on the frame at the
    camera's rest (picture pixels 1:1), is at most ``most`` of the frame's height. A picture of the frame's own shape is shown whole. This is how one 9:16 plate serves a 4:5 or a
    square cut: re-framed around the product, never squeezed."""
    pw, ph = picture
    w, h = frame
    ww, wh = (round(ph * w / h), ph) if pw * h > w * ph else (pw, round(pw * h / w))
    if ww >= pw - 1 and wh >= ph - 1:  # the same shape, give or take a rounded pixel
        return 0, 0, pw, ph
    if box is not None and most < 1.0:
        grow = max(1.0, (box[3] - box[1]) * ph / (most * h))
        ww, wh = round(ww * grow), round(wh * grow)
    cx, cy = ((box[0] + box[2]) / 2 * pw, (box[1] + box[3]) / 2 * ph) if box else (pw / 2, ph / 2)

    def place(centre: float, span: int, full: int) -> int:
        """Inside the picture when it fits, else centred on it."""
        return round((full - span) / 2) if span >= full else round(min(max(centre - span / 2, 0), full - span))

    return place(cx, ww, pw), place(cy, wh, ph), ww, wh


def in_window(box: Sequence[float], picture: tuple[int, int], win: Box) -> Shares:
    """A box in shares of the picture, as shares of the window ``win`` of it (clipped to the window)."""
    pw, ph = picture
    x, y, ww, wh = win

    def on(v: float, at: int, span: int, full: int) -> float:
        return min(1.0, max(0.0, (v * full - at) / span))

    return on(box[0], x, ww, pw), on(box[1], y, wh, ph), on(box[2], x, ww, pw), on(box[3], y, wh, ph)


def extent_on_frame(
    box: Sequence[float],
    *,
    kind: str,
    shot: Shot,
    size: tuple[int, int],
    plate_size: tuple[int, int],
    motion: MotionStyle,
    seed: int,
    most: float = 1.0,
) -> Shares:
    """The product's extent on the frame over the whole shot (shares of the frame), from its ``box`` on the
    picture: a still plate is re-framed to the frame's shape around the product (``window``, the product at
    most ``most`` of its height) and followed through its camera move; a clip (it starts from such a still, so
    it has the plate's shape) is cut around the product and shown as it is; the end card is composed at the
    frame's size."""
    x0, y0, x1, y1 = (float(v) for v in box)
    if kind == "static":
        return x0, y0, x1, y1
    if kind != "still":
        return in_window(box, plate_size, window(plate_size, size, box))
    x0, y0, x1, y1 = in_window(box, plate_size, window(plate_size, size, box, most=most))
    w, h = size
    pw, ph = window(plate_size, size, None)[2:]  # the re-framed plate is scaled to the plain cut's size
    cam = StillShot(lambda: np.empty((0, 0, 3), np.uint8), shot, size, seed, motion=motion)
    corners = np.array([[x0 * pw, y0 * ph, 1.0], [x1 * pw, y1 * ph, 1.0]])
    seen = []
    for u in np.linspace(0.0, 1.0, CAMERA_SAMPLES):
        t = shot.start + u * max(0.0, shot.duration - 1e-3)
        seen.append(corners @ cam.matrix_for(t, (pw, ph)).T.astype(np.float64))
    pts = np.concatenate(seen)
    fx0, fy0 = np.clip(pts.min(axis=0), 0, None)
    fx1, fy1 = pts.max(axis=0)
    return fx0 / w, fy0 / h, min(1.0, fx1 / w), min(1.0, fy1 / h)


def to_pixels(shares: Sequence[float], size: tuple[int, int]) -> Box:
    """A shares box as (x, y, w, h) pixels of a ``size`` frame."""
    w, h = size
    x0, y0, x1, y1 = (int(round(v * d)) for v, d in zip(shares, (w, h, w, h)))
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


def union(boxes: Iterable[Box | None]) -> Box | None:
    """The smallest box holding every known box; None if none is known."""
    known = [b for b in boxes if b is not None]
    if not known:
        return None
    x0, y0 = min(b[0] for b in known), min(b[1] for b in known)
    x1, y1 = max(b[0] + b[2] for b in known), max(b[1] + b[3] for b in known)
    return x0, y0, x1 - x0, y1 - y0


def overlap(a: Box, b: Box) -> int:
    """Pixels two boxes share."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def product_during(timeline: Timeline, size: tuple[int, int], start: float, end: float) -> Box | None:
    """Where the product is on any shot on screen between ``start`` and ``end`` (their union)."""
    return union(
        to_pixels(s.product_box, size) if s.product_box else None
        for s in timeline.shots
        if s.start < end and s.end > start
    )


@dataclass(frozen=True)
class Band:
    """A free horizontal band of the safe zone: text may use rows ``top`` .. ``bottom``."""

    top: int
    bottom: int

    @property
    def height(self) -> int:
        return max(0, self.bottom - self.top)


def bands(zone: SafeZone, product: Box | None, gap: int) -> tuple[Band, Band]:
    """The free bands of the zone above and below the product (the whole zone above, when it is unknown)."""
    if product is None:
        return Band(zone.top, zone.bottom), Band(zone.bottom, zone.bottom)
    return (
        Band(zone.top, min(zone.bottom, product[1] - gap)),
        Band(max(zone.top, product[1] + product[3] + gap), zone.bottom),
    )


def text_band(zone: SafeZone, product: Box | None, *, gap: int, top: int, room: int, least: int) -> Band:
    """Where the hook or body text may go: from ``top`` below the zone's top down to the caption ``room``
    above the product; below the product when the band above cannot hold ``least`` rows and the one below can."""
    above, below = bands(zone, product, gap)
    first = Band(above.top + top, above.bottom - room)
    if first.height >= least or below.height < least + room:
        return Band(first.top, max(first.bottom, first.top + least))
    return Band(below.top, below.bottom - room)


def caption_y(zone: SafeZone, product: Box | None, height: int, *, gap: int, fallback_bottom: int) -> int:
    """The caption's top row: just above the product, or at the foot of the band below it when only that band
    has the room (the text then sits at its head, ``text_band``); at ``fallback_bottom`` (its bottom edge) when
    the product's place is unknown."""
    if product is None:
        return max(zone.top, fallback_bottom - height)
    above, below = bands(zone, product, gap)
    if above.height < height and below.height >= height:
        return below.bottom - height
    return max(zone.top, above.bottom - height)


def text_changes(timeline: Timeline, *, leave_out: Collection[str] = ()) -> list[tuple[float, float]]:
    """The windows (start, end) of the transitions that change the text: into a new beat or the end card;
    transitions of a kind in ``leave_out`` are not counted (the swipes, whose texts ride their pictures)."""
    by_start = {round(s.start, 6): s for s in timeline.shots}
    out = []
    for tr in timeline.transitions:
        if tr.kind in leave_out:
            continue
        incoming = by_start.get(round(tr.at, 6))
        before = [s for s in timeline.shots if s.end <= tr.at + 1e-6]
        if incoming is None or not before:
            continue
        if incoming.slot != before[-1].slot or incoming.layout == ENDCARD:
            out.append((tr.at - tr.duration / 2, tr.at + tr.duration / 2))
    return out


def one_layer(start: float, end: float, windows: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """``start``..``end`` ended as the text-changing window it runs into opens: the outgoing beat's text is
    gone before the incoming beat's appears at the cut, so a transition never shows two beats' text."""
    for a, b in windows:
        if start < a < end <= b + 1e-6:
            end = a
    return start, end


def record(
    timeline: Timeline, size: tuple[int, int], drawn: Sequence[TextBox], card: Sequence[TextBox]
) -> tuple[ShotBoxes, ...]:
    """Per shot: the product's box and every text box on screen during it (``card``: the end card's own)."""
    out = []
    for s in timeline.shots:
        texts = card if s.layout == ENDCARD else [t for t in drawn if t.start < s.end and t.end > s.start]
        box = to_pixels(s.product_box, size) if s.product_box else None
        out.append(ShotBoxes(shot=s.index, product_box=box, text_boxes=tuple(texts)))
    return tuple(out)


def drawn_texts(layers: Sequence[object]) -> list[TextBox]:
    """Every text a compositor's layers draw (hook and body patches, each caption phrase; not the watermark)."""
    from adbatch.render.captions import CaptionTrack
    from adbatch.render.frames import OverlayPatch

    out = []
    for layer in layers:
        if isinstance(layer, OverlayPatch) and layer.overlay.role != "watermark":
            ov, (h, w) = layer.overlay, layer.alpha.shape[:2]
            out.append(TextBox(role=ov.role, text=ov.text, start=ov.start, end=ov.end, box=(layer.x, layer.y, w, h)))
        elif isinstance(layer, CaptionTrack):
            for cap in layer.captions:
                (x, y), (w, h) = cap.xy, cap.size
                p = cap.phrase
                out.append(TextBox(role="caption", text=p.text, start=p.start, end=p.end, box=(x, y, w, h)))
    return out
