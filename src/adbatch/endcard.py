"""The static end card: product, name, price and call to action on the brand background.

Composed once per video into a full frame (the CTA shot shows it as is). Everything
sits inside the 9:16 safe zone: above the bottom 20 % and clear of the right-side
buttons.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from adbatch import text
from adbatch.palette import rgb, text_on
from adbatch.providers.offline_art import paste_with_shadow, rounded
from adbatch.safezone import SafeZone


def compose(*, background: Image.Image, photo: Image.Image, name: str, price: str, cta: str, url: str,
            palette: tuple[str, str], logo: Image.Image | None, size: tuple[int, int]) -> np.ndarray:
    """The end card as an RGB uint8 frame of ``size``."""
    w, h = size
    zone = SafeZone(w, h)
    card = background.convert("RGB").resize(size, Image.LANCZOS)
    if logo is not None:
        mark = logo.convert("RGBA")
        mark.thumbnail((int(w * 0.2), int(h * 0.07)))
        card.paste(mark, ((w - mark.width) // 2, zone.top), mark)
    title = text.render(name, text.TextStyle(size=int(w * 0.085), stroke=(0, 0, 0), stroke_ratio=0.06, max_lines=2),
                        zone.centered_width, int(h * 0.14))
    _paste(card, title, (w - title.shape[1]) // 2, zone.top + int(h * 0.07))
    paste_with_shadow(card, rounded(photo.convert("RGB"), int(w * 0.56)), (w // 2, int(h * 0.45)))
    if price:
        badge = text.render(price, text.TextStyle(size=int(w * 0.075), fill=text_on(palette[0]), stroke=None,
                                                  box=rgb(palette[0]), box_alpha=255), int(w * 0.4), int(h * 0.08))
        _paste(card, badge, int(w * 0.62) - badge.shape[1] // 2, int(h * 0.585))
    button = text.render(cta or "Shop now", text.TextStyle(size=int(w * 0.07), fill=(20, 20, 20), stroke=None,
                                                          box=(255, 255, 255), box_alpha=255, pad_ratio=0.5, max_lines=1),
                         zone.centered_width, int(h * 0.09))
    by = int(h * 0.66)
    _paste(card, button, (w - button.shape[1]) // 2, by)
    if url:
        domain = url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")
        link = text.render(domain, text.TextStyle(size=int(w * 0.038), stroke=(0, 0, 0), stroke_ratio=0.08, max_lines=1),
                           zone.centered_width, int(h * 0.05))
        _paste(card, link, (w - link.shape[1]) // 2, min(zone.bottom - link.shape[0], by + button.shape[0] + int(h * 0.015)))
    return np.asarray(card.convert("RGB"))


def _paste(base: Image.Image, rgba: np.ndarray, x: int, y: int) -> None:
    patch = Image.fromarray(rgba, "RGBA")
    base.paste(patch, (x, y), patch)

