"""The static end card: product, name, price, a customer's words and the call to action on the brand background.

Composed once per video into a full frame (the CTA shot shows it as is). Everything
sits inside the frame's safe zone (``adbatch.render.safezone``; 9:16, 4:5 or 1:1), laid out by
``style.endcard``, and fills it: the spare height is shared between the rows, never left as an
empty band. With a quote (or when a centred photo would fall under its least size) the photo
stands beside the brand, name and price, and the quote runs across the zone below it, at a size
a phone reads; otherwise the photo is centred under the name with the price on its corner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image

from adbatch.domain.facts import upper_first
from adbatch.media.color import rgb
from adbatch.media.draw import paste_with_shadow, rounded
from adbatch.render import text
from adbatch.render.palette import text_on
from adbatch.render.safezone import Margins, SafeZone
from adbatch.style import EndCardStyle, TextLook

Part = tuple[str, str, tuple[int, int, int, int]]  # (role, text, (x, y, w, h)) of an element as drawn
Row = tuple[str, str, Image.Image]  # (role, text, RGBA patch) of an element not yet placed


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
    """The end card and where each element landed, all inside the safe zone, its spare height shared out
    between them so no band of it is left empty. With a customer's ``quote``: the product photo (at least
    ``style.photo_min`` of the width where the height allows) beside the brand, name and price, then the
    quote across the zone's width at a size a phone reads, the CTA button and the shop's address. Without
    one: the brand, the name, the photo centred with the price on its corner, the button and the address."""
    pen = _Pen(style or EndCardStyle(), size, font_path, SafeZone(*size, margins=margins), palette[0])
    card = background.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    product = _Product(photo.convert("RGB"), name, price, _Brand(logo, brand_name))
    tail = _tail(pen, cta, url)
    parts = None if quote else _centred(pen, card, product, tail)
    if parts is None:
        parts = _beside(pen, card, product, quote, tail)
    return np.asarray(card.convert("RGB")), parts


@dataclass(frozen=True)
class _Pen:
    """What every element is drawn with: the look, the frame's size, the brand's face and the safe zone."""

    look: EndCardStyle
    size: tuple[int, int]
    font_path: str | None
    zone: SafeZone
    colour: str  # the brand colour: the price badge's

    def tall(self, share: float) -> int:
        """``share`` of the height the look's heights are set against: the frame's, or a 9:16 frame's of the
        same width when that is taller (``look.height_basis``), so a feed frame keeps the card's type size."""
        w, h = self.size
        return int(max(h, w * self.look.height_basis) * share)

    def text(
        self, words: str, kind: TextLook, width: int, *, brand_face: bool = True, most: int | None = None
    ) -> Image.Image:
        """``words`` in ``kind``, fitted to ``width`` and the look's height (or ``most`` px, if lower)."""
        style = text.TextStyle.from_look(kind, self.size[0], font_path=self.font_path if brand_face else None)
        tallest = min(self.tall(kind.max_height), most or self.size[1])
        return Image.fromarray(text.render(words, style, width, max(1, tallest)))

    def badge(self, price: str, width: int) -> Image.Image:
        """The price on the brand colour, with type that reads on it."""
        plain = text.TextStyle.from_look(self.look.badge, self.size[0])
        style = replace(plain, fill=text_on(self.colour), box=rgb(self.colour))
        return Image.fromarray(text.render(price, style, width, self.tall(self.look.badge.max_height)))

    @property
    def gap(self) -> int:
        return self.tall(self.look.gap)

    @property
    def span(self) -> tuple[int, int]:
        """The zone's usable top and bottom rows."""
        return self.zone.top + self.tall(self.look.top), self.zone.bottom


@dataclass(frozen=True)
class _Brand:
    """Who makes the product: a logo, else a name shown in capitals, else nothing."""

    logo: Image.Image | None
    name: str


@dataclass(frozen=True)
class _Product:
    """What the card sells: its photo (RGB), name, price text (may be empty) and brand."""

    photo: Image.Image
    name: str
    price: str
    brand: _Brand


def _tail(pen: _Pen, cta: str, url: str) -> list[Row]:
    """The call to action and, when there is one, the shop's address (in the default face: brand fonts vary
    in legibility)."""
    words = cta or pen.look.cta
    rows: list[Row] = [("button", words, pen.text(words, pen.look.button, pen.zone.centered_width))]
    if url:
        domain = url.split("//", 1)[-1].split("/", 1)[0].removeprefix("www.")
        rows.append(("link", domain, pen.text(domain, pen.look.link, pen.zone.centered_width, brand_face=False)))
    return rows


def _brand(pen: _Pen, brand: _Brand, width: int) -> list[Row]:
    """The brand's row, ``width`` at most: its logo, else its name in capitals, else none."""
    if brand.logo is not None:
        mark = brand.logo.convert("RGBA")
        mark.thumbnail((min(width, int(pen.size[0] * pen.look.logo_width)), pen.tall(pen.look.logo_height)))
        return [("logo", "", mark)]
    if brand.name:
        return [("kicker", brand.name.upper(), pen.text(brand.name.upper(), pen.look.kicker, width))]
    return []


def _room(pen: _Pen, rows: Sequence[Row]) -> int:
    """Height left for the photo's row: the zone less ``rows`` and a gap between each."""
    top, bottom = pen.span
    return bottom - top - sum(im.height for _, _, im in rows) - pen.gap * len(rows)


def _fit_tail(pen: _Pen, tail: list[Row], others: Sequence[Row], least_height: int) -> list[Row]:
    """The address goes first when the photo would fall under its least size: the button already takes the
    viewer to the shop."""
    if len(tail) > 1 and _room(pen, [*others, *tail]) < least_height:
        return tail[:1]
    return tail


def _spread(heights: Sequence[int], top: int, bottom: int, gap: int) -> list[int]:
    """Tops of blocks stacked from ``top`` to ``bottom``: the spare height shared evenly, a full share
    between blocks and about half a share above the first and below the last, never less than ``gap``
    between (blocks too tall for the zone run past ``bottom``: callers keep each row inside it)."""
    step = max(gap, (bottom - top - sum(heights)) // max(1, len(heights)))
    ys, y = [], top + (step - gap) // 2
    for height in heights:
        ys.append(y)
        y += height + step
    return ys


@dataclass(frozen=True)
class _Tile:
    """The photo and the column beside it (brand, name, price), and the height of their row."""

    picture: Image.Image
    stack: list[Row]
    tall: int


def _tile(pen: _Pen, product: _Product, room: int) -> _Tile:
    """The photo as large as ``room`` (the row's height) and the look allow, never under ``photo_min`` of
    the width, and the column beside it; a column taller than the photo takes its excess off the photo."""
    look, zone, (w, _), photo = pen.look, pen.zone, pen.size, product.photo
    across = zone.right - zone.left
    least = int(w * look.photo_min)
    widest = min(int(w * look.photo_with_quote), across - pen.gap - int(w * look.column_min))
    side = max(least, min(widest, room * photo.width // photo.height))
    for _ in range(2):  # the column's height depends (a little) on its width: a second pass settles it
        column = across - side - pen.gap
        stack = [
            *_brand(pen, product.brand, column),
            ("name", product.name, pen.text(product.name, look.title_beside, column)),
        ]
        if product.price:
            stack.append(("price", product.price, pen.badge(product.price, column)))
        high = _height(stack, pen.gap)
        picture = rounded(photo, side, look.photo_radius)
        if high <= room or side == least:
            break
        side = max(least, side - (high - room) * photo.width // photo.height)
    return _Tile(picture, stack, max(picture.height, high))


def _height(rows: Sequence[Row], gap: int) -> int:
    """Height of ``rows`` stacked with ``gap`` between them."""
    return sum(im.height for _, _, im in rows) + gap * max(0, len(rows) - 1)


def _beside(pen: _Pen, card: Image.Image, product: _Product, quote: str, tail: list[Row]) -> list[Part]:
    """The photo on the left with the brand, name and price beside it; below, the quote (if any) across the
    zone, the button and the address (dropped first when they do not all fit), each row centred on the zone."""
    zone = pen.zone
    across = zone.right - zone.left
    said: list[Row] = [("quote", quote, pen.text(quote, pen.look.quote, across, brand_face=False))] if quote else []
    for keep in range(len(tail), 0, -1):
        below = [*said, *tail[:keep]]
        room = _room(pen, below)
        tile = _tile(pen, product, room)
        if tile.tall <= room:
            break
    if said and tile.tall > room:  # too tall with the button alone: the quote gives up the excess, in type size
        most = said[0][2].height - tile.tall + room
        below[0] = ("quote", quote, pen.text(quote, pen.look.quote, across, brand_face=False, most=most))
    ys = _spread([tile.tall, *(im.height for _, _, im in below)], *pen.span, pen.gap)
    picture, side = tile.picture, tile.picture.width
    px, py = zone.left, ys[0] + (tile.tall - picture.height) // 2
    paste_with_shadow(card, picture, (px + side // 2, py + picture.height // 2))
    parts: list[Part] = [("photo", "", (px, py, picture.width, picture.height))]
    cx = (px + side + pen.gap + zone.right) // 2
    y = ys[0] + (tile.tall - _height(tile.stack, pen.gap)) // 2
    for role, words, im in tile.stack:
        parts.append(_place(card, im, cx - im.width // 2, y, role, words))
        y += im.height + pen.gap
    mid = (zone.left + zone.right) // 2
    for (role, words, im), y in zip(below, ys[1:]):
        parts.append(_place(card, im, mid - im.width // 2, min(y, zone.bottom - im.height), role, words))
    return parts


def _centred(pen: _Pen, card: Image.Image, product: _Product, tail: list[Row]) -> list[Part] | None:
    """Top to bottom, centred on the frame: the brand, the name, the photo with the price badge overlapping
    its lower right corner, the button and the address; None when the photo would fall under its least size
    (``_beside`` then sets it beside the name)."""
    look, zone, (w, _), photo = pen.look, pen.zone, pen.size, product.photo
    above = _brand(pen, product.brand, zone.centered_width)
    above.append(("name", product.name, pen.text(product.name, look.title, zone.centered_width)))
    least = int(w * look.photo_min)
    badge = pen.badge(product.price, int(w * look.badge_width)) if product.price else None
    hang = badge.height // 2 if badge else 0  # the badge's lower half hangs below the photo
    tail = _fit_tail(pen, tail, above, least * photo.height // photo.width + hang)
    room = _room(pen, [*above, *tail]) - hang
    side = min(int(w * look.photo_alone), zone.centered_width, room * photo.width // photo.height)
    if side < least:
        return None
    picture = rounded(photo, side, look.photo_radius)
    heights = [*(im.height for _, _, im in above), picture.height + hang, *(im.height for _, _, im in tail)]
    ys = _spread(heights, *pen.span, pen.gap)
    parts = [_place(card, im, (w - im.width) // 2, y, role, words) for (role, words, im), y in zip(above, ys)]
    px, py = (w - side) // 2, ys[len(above)]
    paste_with_shadow(card, picture, (w // 2, py + picture.height // 2))
    parts.append(("photo", "", (px, py, picture.width, picture.height)))
    if badge:
        bx = min(zone.right - badge.width, px + side - badge.width + int(w * look.badge_inset))
        parts.append(_place(card, badge, bx, py + picture.height - hang, "price", product.price))
    for (role, words, im), y in zip(tail, ys[len(above) + 1 :]):
        parts.append(_place(card, im, (w - im.width) // 2, min(y, zone.bottom - im.height), role, words))
    return parts


def _place(base: Image.Image, patch: Image.Image, x: int, y: int, role: str, words: str) -> Part:
    """Paste an RGBA patch at (x, y) and say where it went."""
    base.paste(patch, (x, y), patch)
    return role, words, (x, y, patch.width, patch.height)


def pick_quote(
    quotes: Sequence[str],
    *,
    most_words: int,
    least_words: int,
    by: str,
    spoken: Sequence[str] = (),
    hooks: Sequence[str] = (),
) -> str:
    """The card's quote: the best customer quote of ``least_words`` to ``most_words`` words, verbatim, in
    quotation marks and attributed (``by``); empty when none is short enough to read at a glance. An excerpt
    cut off mid-sentence ("…") is taken back to its last whole clause, so the card never trails off. The card
    is a second voice: first a quote neither the video (``spoken``: its body's lines) nor any of its hooks
    (``hooks``: each variant opens with one) says, then one only a hook says, then any."""
    fitting = [w for w in (_whole(q, least_words) for q in quotes) if least_words <= len(w.split()) <= most_words]

    def plain(text: str) -> str:
        return " ".join(text.lower().split())

    body, opened = plain(" | ".join(spoken)), plain(" | ".join(hooks))
    fresh = [w for w in fitting if plain(w) not in body]
    best = next(iter([w for w in fresh if plain(w) not in opened] or fresh or fitting), "")
    best = upper_first(best)  # a clause quoted on its own starts a sentence
    return f"“{best}” — {by}" if best else ""


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
