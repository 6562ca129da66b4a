"""The static end card: product, name, price and call to action on the brand background.

Composed once per video into a full frame (the CTA shot shows it as is). Everything
sits inside the 9:16 safe zone (``adbatch.render.safezone``), laid out by ``style.endcard``.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image

from adbatch.media.color import rgb
from adbatch.media.draw import paste_with_shadow, rounded
from adbatch.render import text
from adbatch.render.palette import text_on
from adbatch.render.safezone import Margins, SafeZone
from adbatch.style import EndCardStyle, TextLook


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
    style: EndCardStyle | None = None,
    margins: Margins | None = None,
) -> np.ndarray:
    """The end card as an RGB uint8 frame of ``size`` (``font_path``: the brand's headline font;
    ``style``: the layout, ``style.endcard``; ``margins``: the platforms' UI, see ``adbatch.render.safezone``)."""
    look = style or EndCardStyle()
    w, h = size
    zone = SafeZone(w, h, margins=margins)
    card = background.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    gap, y = int(h * look.gap), zone.top + int(h * look.top)

    def draw(words: str, kind: TextLook, font: str | None = font_path) -> np.ndarray:
        style = text.TextStyle.from_look(kind, w, font_path=font)
        return text.render(words, style, zone.centered_width, int(h * kind.max_height))

    if logo is not None:
        mark = logo.convert("RGBA")
        mark.thumbnail((int(w * look.logo_width), int(h * look.logo_height)))
        card.paste(mark, ((w - mark.width) // 2, y), mark)
        y += mark.height + gap
    if brand_name:
        kicker = draw(brand_name.upper(), look.kicker)
        y = _paste(card, kicker, (w - kicker.shape[1]) // 2, y) + gap
    title = draw(name, look.title)
    y = _paste(card, title, (w - title.shape[1]) // 2, y) + 2 * gap
    button = draw(cta or look.cta, look.button)
    link = None
    if url:
        domain = url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")
        link = draw(domain, look.link, font=None)  # the address in the default face: brand fonts vary in legibility
    below = button.shape[0] + (link.shape[0] + gap if link is not None else 0) + 3 * gap
    # the photo gets the room that is left
    side = max(int(w * look.photo_min), min(int(w * look.photo_max), zone.bottom - below - y))
    photo_card = rounded(photo.convert("RGB"), side, look.photo_radius)
    paste_with_shadow(card, photo_card, (w // 2, y + photo_card.height // 2))
    y += photo_card.height
    if price:
        badge_style = replace(
            text.TextStyle.from_look(look.badge, w), fill=text_on(palette[0]), box=rgb(palette[0])
        )  # the brand colour, with type that reads on it
        badge = text.render(price, badge_style, int(w * look.badge_width), int(h * look.badge.max_height))
        _paste(card, badge, w // 2 + side // 2 - badge.shape[1] + int(w * look.badge_inset), y - badge.shape[0] // 2)
    y = _paste(card, button, (w - button.shape[1]) // 2, y + 2 * gap + (gap if price else 0)) + gap
    if link is not None:
        _paste(card, link, (w - link.shape[1]) // 2, y)
    return np.asarray(card.convert("RGB"))


def _paste(base: Image.Image, rgba: np.ndarray, x: int, y: int) -> int:
    """Paste an RGBA patch at (x, y); return the y just below it (the layout flows downwards)."""
    patch = Image.fromarray(rgba)
    base.paste(patch, (x, y), patch)
    return y + patch.height
