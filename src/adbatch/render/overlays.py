"""What is drawn over the shots besides captions: the hook and body text, and the brand watermark.

Each is drawn once into an RGBA patch (``frames.OverlayPatch``) and placed inside the safe zone
(``adbatch.render.safezone``), laid out by ``style.overlay``; the compositor blends it per frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from adbatch.domain.timeline import Overlay, Timeline
from adbatch.render import layout, text
from adbatch.render.frames import SWIPE, OverlayPatch
from adbatch.render.safezone import Margins, SafeZone
from adbatch.style import OverlayStyle, StyleConf, TextLook


def watermark_patch(
    timeline: Timeline,
    logo: Path,
    size: tuple[int, int],
    opacity: float,
    *,
    style: OverlayStyle | None = None,
    margins: Margins | None = None,
) -> OverlayPatch:
    """The brand logo in the safe zone's top-left corner, until the end card (which shows it large)."""
    look = style or OverlayStyle()
    zone = SafeZone(*size, margins=margins)
    with Image.open(logo) as img:
        mark = img.convert("RGBA")
    mark.thumbnail((int(size[0] * look.watermark_width), int(size[1] * look.watermark_height)))
    rgba = np.asarray(mark).copy()
    rgba[..., 3] = (rgba[..., 3].astype(np.float32) * opacity).astype(np.uint8)
    span = Overlay(slot="watermark", role="watermark", text="", start=0.0, end=timeline.card_start)
    return OverlayPatch(span, rgba, (zone.left, zone.top))


def overlay_patches(
    timeline: Timeline,
    size: tuple[int, int],
    *,
    font_path: str | None = None,
    style: StyleConf | None = None,
    margins: Margins | None = None,
) -> list[OverlayPatch]:
    """Text overlays drawn once, in the safe zone's free band above the product (``adbatch.render.layout``),
    leaving the captions their room; the social-proof beat's text is a quote card. The end card carries
    its own CTA. A text leaves as a cut or crossfade into another beat starts, so two never ghost over each
    other; across a swipe it keeps its span, and the compositor slides it out (or in) with its picture."""
    w, h = size
    look = style or StyleConf()
    zone = SafeZone(w, h, margins=margins)
    windows = layout.text_changes(timeline, leave_out=(SWIPE,))
    kinds = {s.slot: s.slot_type for s in timeline.shots}
    gap, room = int(h * look.overlay.gap), int(h * look.captions.room) + int(h * look.overlay.gap)
    patches = []
    for ov in timeline.overlays:
        if ov.role == "cta":
            continue
        start, end = layout.one_layer(ov.start, ov.end, windows)
        if end <= start:
            continue
        product = layout.product_during(timeline, size, start, end)
        band = layout.text_band(
            zone, product, gap=gap, top=int(h * look.overlay.top), room=room, least=int(h * look.overlay.least)
        )
        kind = look.overlay.quote if kinds.get(ov.slot) in QUOTE_BEATS else None
        rgba = _draw(ov, zone, look.overlay, font_path, max_height=band.height, kind=kind)
        x = (w - rgba.shape[1]) // 2
        span = ov.model_copy(update={"start": start, "end": end, "role": "quote" if kind else ov.role})
        patches.append(OverlayPatch(span, rgba, (x, band.top), motion=look.motion))
    return patches


QUOTE_BEATS = ("proof",)  # beats whose text is a customer's words: drawn as a quote card


def _draw(
    ov: Overlay,
    zone: SafeZone,
    look: OverlayStyle,
    font_path: str | None = None,
    *,
    max_height: int | None = None,
    kind: TextLook | None = None,
) -> np.ndarray:
    kind = kind or (look.hook if ov.role == "hook" else look.body)
    style = text.TextStyle.from_look(kind, zone.w, font_path=font_path)
    tallest = int(zone.h * kind.max_height)
    return text.render(ov.text, style, zone.centered_width, min(tallest, max_height or tallest))
