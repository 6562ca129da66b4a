"""The static end card: product, name, price, a customer's words and the call to action on the brand background.

Composed once per video into a full frame (the CTA shot shows it as is). Everything
sits inside the 9:16 safe zone (``adbatch.render.safezone``), laid out by ``style.endcard``,
and fills it: the spare height is shared between the elements, never left as an empty band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from PIL import Image

from adbatch.media.color import rgb
from adbatch.media.draw import paste_with_shadow, rounded
from adbatch.render import text
from adbatch.render.palette import text_on
from adbatch.render.safezone import Margins, SafeZone
from adbatch.style import EndCardStyle, TextLook

Part = tuple[str, str, tuple[int, int, int, int]]  # (role, text, (x, y, w, h)) of an element as drawn


def compose(**card: Any) -> np.ndarray:
    """The end card as an RGB uint8 frame: ``compose_with_parts`` (same keywords) without the parts."""
    return compose_with_parts(**card)[0]


def compose_with_parts(
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
    quote: str = "",
    font_path: str | None = None,
    style: EndCardStyle | None = None,
    margins: Margins | None = None,
) -> tuple[np.ndarray, list[Part]]:
    """The end card and where each element landed. Top to bottom inside the safe zone: the logo (or the
    brand's name), the product's name, the product photo (at least ``style.photo_min`` of the width) beside
    its price and a customer's ``quote`` (the photo alone, centred, when there is none), the CTA button and
    the shop's address; the zone's spare height is shared out between them, so no part of it is left empty."""
    look = style or EndCardStyle()
    w, h = size
    zone = SafeZone(w, h, margins=margins)
    card = background.convert("RGB").resize(size, Image.Resampling.LANCZOS)

    def draw(words: str, kind: TextLook, width: int = zone.centered_width, font: str | None = font_path) -> np.ndarray:
        style = text.TextStyle.from_look(kind, w, font_path=font)
        return text.render(words, style, width, int(h * kind.max_height))

    rows: list[tuple[str, str, Image.Image]] = []  # (role, text, RGBA patch) top to bottom, centred
    if logo is not None:
        mark = logo.convert("RGBA")
        mark.thumbnail((int(w * look.logo_width), int(h * look.logo_height)))
        rows.append(("logo", "", mark))
    elif brand_name:
        rows.append(("kicker", brand_name.upper(), Image.fromarray(draw(brand_name.upper(), look.kicker))))
    rows.append(("name", name, Image.fromarray(draw(name, look.title))))
    tail: list[tuple[str, str, Image.Image]] = [
        ("button", cta or look.cta, Image.fromarray(draw(cta or look.cta, look.button)))
    ]
    if url:
        domain = url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")
        # the address in the default face: brand fonts vary in legibility
        tail.append(("link", domain, Image.fromarray(draw(domain, look.link, font=None))))
    gap, tall, photo = int(h * look.gap), zone.bottom - zone.top, photo.convert("RGB")
    least = int(w * look.photo_min)

    def room() -> int:
        """Rows the photo may take: the zone less the other elements and a gap around each."""
        others = rows + tail
        return tall - int(h * look.top) - sum(im.height for _, _, im in others) - gap * (len(others) + 1)

    if len(tail) > 1 and room() < least * photo.height // photo.width:
        tail.pop()  # the address goes first: the button already takes the viewer to the shop
    fixed = sum(im.height for _, _, im in rows + tail)
    wide = int(w * (look.photo_with_quote if quote else look.photo_alone))
    side = max(least, min(wide, int(room() * photo.width / photo.height)))
    photo_card = rounded(photo, side, look.photo_radius)
    column = zone.right - zone.left - side - gap
    aside: list[tuple[str, str, np.ndarray]] = []
    if price:
        badge_style = replace(
            text.TextStyle.from_look(look.badge, w), fill=text_on(palette[0]), box=rgb(palette[0])
        )  # the brand colour, with type that reads on it
        badge_width = column if quote else int(w * look.badge_width)
        aside.append(("price", price, text.render(price, badge_style, badge_width, int(h * look.badge.max_height))))
    if quote:
        tallest = photo_card.height - sum(a.shape[0] + gap for _, _, a in aside)
        q = text.TextStyle.from_look(look.quote, w, font_path=None)
        aside.append(
            ("quote", quote, text.render(quote, q, column, max(1, min(tallest, int(h * look.quote.max_height)))))
        )
    parts: list[Part] = []
    spare = tall - int(h * look.top) - fixed - photo_card.height
    step = max(gap, spare // (len(rows) + len(tail) + 1))
    y = zone.top + int(h * look.top) + (step - gap) // 2
    for role, words, im in rows:
        parts.append(_place(card, im, (w - im.width) // 2, y, role, words))
        y += im.height + step
    if quote:
        px = zone.left
        ax = px + side + gap
        paste_with_shadow(card, photo_card, (px + side // 2, y + photo_card.height // 2))
        parts.append(("photo", "", (px, y, photo_card.width, photo_card.height)))
        ay = y + (photo_card.height - sum(a.shape[0] for _, _, a in aside) - gap * (len(aside) - 1)) // 2
        for role, words, patch in aside:
            parts.append(_place(card, Image.fromarray(patch), ax, ay, role, words))
            ay += patch.shape[0] + gap
    else:
        px = (w - side) // 2
        paste_with_shadow(card, photo_card, (w // 2, y + photo_card.height // 2))
        parts.append(("photo", "", (px, y, photo_card.width, photo_card.height)))
        for role, words, patch in aside:  # the price badge overlaps the photo's lower right corner
            bx = min(zone.right - patch.shape[1], px + side - patch.shape[1] + int(w * look.badge_inset))
            parts.append(
                _place(card, Image.fromarray(patch), bx, y + photo_card.height - patch.shape[0] // 2, role, words)
            )
    y += photo_card.height + step
    for role, words, im in tail:
        parts.append(_place(card, im, (w - im.width) // 2, min(y, zone.bottom - im.height), role, words))
        y += im.height + step
    return np.asarray(card.convert("RGB")), parts


def _place(base: Image.Image, patch: Image.Image, x: int, y: int, role: str, words: str) -> Part:
    """Paste an RGBA patch at (x, y) and say where it went."""
    base.paste(patch, (x, y), patch)
    return role, words, (x, y, patch.width, patch.height)


def pick_quote(quotes: Sequence[str], *, most_words: int, least_words: int, by: str) -> str:
    """The card's quote: the best customer quote of ``least_words`` to ``most_words`` words, verbatim, in
    quotation marks and attributed (``by``); empty when none is short enough to read at a glance. An excerpt
    cut off mid-sentence ("…") is taken back to its last whole clause, so the card never trails off."""
    for quote in quotes:
        words = _whole(quote, least_words)
        if least_words <= len(words.split()) <= most_words:
            return f"“{words}” — {by}"
    return ""


def _whole(quote: str, least_words: int) -> str:
    """``quote`` without its quotation marks, and without a trailing cut-off clause when one is marked."""
    text = quote.strip().strip('"“”').strip()
    if not text.endswith(("…", "...")):
        return text
    text = text.rstrip(".… ").rstrip(",;:")
    cut = max(text.rfind(mark) for mark in ",;.!?")
    if cut > 0 and len(text[:cut].split()) >= least_words:
        return text[:cut]
    return text
