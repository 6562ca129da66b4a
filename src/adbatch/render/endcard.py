"""The static end card: product, name, price and call to action on the brand background.

Composed once per video into a full frame (the CTA shot shows it as is). Everything
sits inside the 9:16 safe zone: above the bottom 20 % and clear of the right-side
buttons.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from adbatch.providers.offline_art import paste_with_shadow, rounded
from adbatch.render import text
from adbatch.render.palette import rgb, text_on
from adbatch.render.safezone import SafeZone


def compose(
    *,
    background: Image.Image,
    photo: Image.Image,
    name: str,
    price: str,
    cta: str,
    url: str,
    palette: tuple[str, str],
    logo: Image.Image | None,
    size: tuple[int, int],
    brand_name: str = "",
    font_path: str | None = None,
) -> np.ndarray:
    """The end card as an RGB uint8 frame of ``size`` (``font_path``: the brand's headline font)."""
    w, h = size
    zone = SafeZone(w, h)
    card = background.convert("RGB").resize(size, Image.LANCZOS)
    gap, y = int(h * 0.015), zone.top + int(h * 0.02)
    if logo is not None:
        mark = logo.convert("RGBA")
        mark.thumbnail((int(w * 0.2), int(h * 0.07)))
        card.paste(mark, ((w - mark.width) // 2, y), mark)
        y += mark.height + gap
    if brand_name:
        kicker = text.render(
            brand_name.upper(),
            text.TextStyle(size=int(w * 0.04), stroke=(0, 0, 0), stroke_ratio=0.06, max_lines=1, font_path=font_path),
            zone.centered_width,
            int(h * 0.05),
        )
        y = _paste(card, kicker, (w - kicker.shape[1]) // 2, y) + gap
    title = text.render(
        name,
        text.TextStyle(size=int(w * 0.085), stroke=(0, 0, 0), stroke_ratio=0.06, max_lines=2, font_path=font_path),
        zone.centered_width,
        int(h * 0.14),
    )
    y = _paste(card, title, (w - title.shape[1]) // 2, y) + 2 * gap
    button = text.render(
        cta or "Shop now",
        text.TextStyle(
            size=int(w * 0.07),
            fill=(20, 20, 20),
            stroke=None,
            box=(255, 255, 255),
            box_alpha=255,
            pad_ratio=0.5,
            max_lines=1,
            font_path=font_path,
        ),
        zone.centered_width,
        int(h * 0.09),
    )
    link = None
    if url:
        domain = url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")
        link = text.render(
            domain,
            text.TextStyle(size=int(w * 0.038), stroke=(0, 0, 0), stroke_ratio=0.08, max_lines=1),
            zone.centered_width,
            int(h * 0.05),
        )
    below = button.shape[0] + (link.shape[0] + gap if link is not None else 0) + 3 * gap
    side = max(int(w * 0.18), min(int(w * 0.62), zone.bottom - below - y))  # the photo gets the room that is left
    photo_card = rounded(photo.convert("RGB"), side)
    paste_with_shadow(card, photo_card, (w // 2, y + photo_card.height // 2))
    y += photo_card.height
    if price:
        badge = text.render(
            price,
            text.TextStyle(
                size=int(w * 0.07), fill=text_on(palette[0]), stroke=None, box=rgb(palette[0]), box_alpha=255
            ),
            int(w * 0.4),
            int(h * 0.08),
        )
        _paste(card, badge, w // 2 + side // 2 - badge.shape[1] + int(w * 0.04), y - badge.shape[0] // 2)
    y = _paste(card, button, (w - button.shape[1]) // 2, y + 2 * gap + (gap if price else 0)) + gap
    if link is not None:
        _paste(card, link, (w - link.shape[1]) // 2, y)
    return np.asarray(card.convert("RGB"))


def _paste(base: Image.Image, rgba: np.ndarray, x: int, y: int) -> int:
    """Paste an RGBA patch at (x, y); return the y just below it (the layout flows downwards)."""
    patch = Image.fromarray(rgba)
    base.paste(patch, (x, y), patch)
    return y + patch.height
