"""What is drawn over the shots besides captions: the hook and body text, and the brand watermark.

Each is drawn once into an RGBA patch (``frames.OverlayPatch``) and placed inside the safe zone
(``adbatch.render.safezone``), laid out by ``style.overlay``; the compositor blends it per frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from adbatch.domain.timeline import Overlay, Timeline
from adbatch.render import text
from adbatch.render.frames import OverlayPatch
from adbatch.render.safezone import Margins, SafeZone
from adbatch.style import OverlayStyle, StyleConf


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
    """Text overlays drawn once and placed in the safe zone (the end card carries its own CTA)."""
    w, h = size
    look = style or StyleConf()
    zone = SafeZone(w, h, margins=margins)
    patches = []
    for ov in timeline.overlays:
        if ov.role == "cta":
            continue
        rgba = _draw(ov, zone, look.overlay, font_path)
        x = (w - rgba.shape[1]) // 2
        y = zone.top + int(h * look.overlay.top)  # text at the top of the zone; captions own the band above its bottom
        patches.append(OverlayPatch(ov, rgba, (x, y), motion=look.motion))
    return patches


def _draw(ov: Overlay, zone: SafeZone, look: OverlayStyle, font_path: str | None = None) -> np.ndarray:
    kind = look.hook if ov.role == "hook" else look.body
    style = text.TextStyle.from_look(kind, zone.w, font_path=font_path)
    return text.render(ov.text, style, zone.centered_width, int(zone.h * kind.max_height))
