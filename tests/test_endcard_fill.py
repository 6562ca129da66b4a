"""The end card fills its safe zone in every frame shape: product, name, price, a legible quote and the button."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from adbatch.paths import PROJECT_ROOT
from adbatch.render import endcard, layout
from adbatch.render.safezone import Margins, SafeZone
from adbatch.style import EndCardStyle

IMAGES = PROJECT_ROOT / "examples" / "images"
FEED = Margins(top=0.05, bottom=0.05, left=0.05, right=0.05)
SHAPES = {  # a frame size and its margins (None: the platforms' 9:16 zone)
    "9x16": ((1080, 1920), None),
    "4x5": ((1080, 1350), FEED),
    "1x1": ((1080, 1080), FEED),
}
PRODUCTS = {  # image, name, price, a logo or not; the longest names of the example catalog among them
    "serum": ("glow-serum.png", "Glow Serum", "$29.99", False),
    "earbuds": ("pulse-earbuds.png", "Pulse Wireless Earbuds", "$79", True),
    "candle": ("cedar-fig-candle.jpg", "Cedar & Fig Soy Candle", "$28", True),
}
# the longest quote the card takes (style.endcard.quote_words), as pick_quote writes it
QUOTE = "“I've tried three vitamin C serums that turned orange in a month” — a customer"
LEAST_QUOTE_TYPE = 0.045  # the quote's type is at least this share of the width (body captions' scale)
DARK = 100  # a pixel of the quote's type: darker than this (mean of R, G, B) on the light card
WIDEST_GAP = 0.12  # no band of the zone wider than this share of its height is left empty


def card(shape: str, product: str, quote: str) -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    size, margins = SHAPES[shape]
    image, name, price, with_logo = PRODUCTS[product]
    with Image.open(IMAGES / image) as photo:
        logo = Image.open(PROJECT_ROOT / "examples" / "brand_logo.png") if with_logo else None
        frame, parts = endcard.compose_with_parts(
            background=Image.new("RGB", size, (40, 60, 90)),
            photo=photo,
            name=name,
            price=price,
            cta="Shop the scent",
            url="https://example.com/p",
            palette=("#C8843A", "#1E1E2A"),
            logo=logo,
            size=size,
            brand_name="Lumea",
            quote=quote,
            margins=margins,
        )
    return frame, {role: box for role, _, box in parts}


def zone_of(shape: str) -> SafeZone:
    (w, h), margins = SHAPES[shape]
    return SafeZone(w, h, margins=margins)


def widest_empty_band(boxes: list[tuple[int, int, int, int]], zone: SafeZone) -> int:
    """The tallest run of the zone's rows that no element covers."""
    covered = np.zeros(zone.bottom - zone.top, dtype=bool)
    for _, y, _, h in boxes:
        covered[max(0, y - zone.top) : y - zone.top + h] = True
    runs, run = [0], 0
    for c in covered:
        run = 0 if c else run + 1
        runs.append(run)
    return max(runs)


def type_size(frame: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """The font size of dark text on a light card, from the card's height and its count of lines of ink."""
    x, y, w, h = box
    inside = frame[y : y + h, x + w // 10 : x + w - w // 10]  # clear of the card's rounded corners
    assert np.median(inside) > DARK, "the quote sits on a light card"
    ink = (inside.mean(axis=2) < DARK).any(axis=1)
    edges = np.flatnonzero(np.diff(np.r_[0, ink.astype(int), 0]))
    runs = edges[1::2] - edges[::2]  # heights of the bands of ink, top to bottom
    lines = int(np.sum(runs > runs.max() / 3))  # an i's dot above a line of lower case is no line of its own
    look = EndCardStyle().quote
    return h / (lines * look.line_spacing + 2 * look.pad_ratio)


CASES = [(shape, product) for shape in SHAPES for product in PRODUCTS]


@pytest.mark.parametrize(("shape", "product"), CASES)
@pytest.mark.parametrize("quote", [QUOTE, ""])
def test_every_element_lies_inside_the_safe_zone(shape: str, product: str, quote: str) -> None:
    """Logo or brand, name, photo, price, quote, button and address all sit inside the zone."""
    _, parts = card(shape, product, quote)
    assert {"photo", "name", "price", "button"} <= set(parts)
    assert all(zone_of(shape).contains(*box) for box in parts.values()), parts


@pytest.mark.parametrize(("shape", "product"), CASES)
@pytest.mark.parametrize("quote", [QUOTE, ""])
def test_no_element_covers_another(shape: str, product: str, quote: str) -> None:
    """No two elements overlap, but for the price badge set on the photo's corner by design."""
    _, parts = card(shape, product, quote)
    pairs = [(a, b) for i, a in enumerate(parts) for b in list(parts)[i + 1 :]]
    touching = [(a, b) for a, b in pairs if layout.overlap(parts[a], parts[b]) > 0]
    assert set(touching) <= {("photo", "price")}, touching


@pytest.mark.parametrize(("shape", "product"), [c for c in CASES if c[0] != "1x1"])
@pytest.mark.parametrize("quote", [QUOTE, ""])
def test_the_product_takes_at_least_40_percent_of_the_width(shape: str, product: str, quote: str) -> None:
    """On the tall frames the product photo is at least 40 % of the frame's width."""
    _, parts = card(shape, product, quote)
    assert parts["photo"][2] >= 0.4 * SHAPES[shape][0][0]


@pytest.mark.parametrize(("shape", "product"), CASES)
def test_the_quote_is_set_at_a_size_a_phone_reads(shape: str, product: str) -> None:
    """The longest quote the card takes is set on a light card, no smaller than body captions' scale."""
    frame, parts = card(shape, product, QUOTE)
    assert type_size(frame, parts["quote"]) >= LEAST_QUOTE_TYPE * SHAPES[shape][0][0]


@pytest.mark.parametrize(("shape", "product"), CASES)
@pytest.mark.parametrize("quote", [QUOTE, ""])
def test_the_card_leaves_no_empty_band_in_the_zone(shape: str, product: str, quote: str) -> None:
    """The elements spread over the zone's whole height: its bottom third holds content and no band of it
    is left empty beyond a gap between rows."""
    _, parts = card(shape, product, quote)
    zone = zone_of(shape)
    tall = zone.bottom - zone.top
    assert max(y + h for _, y, _, h in parts.values()) >= zone.top + 0.85 * tall
    assert widest_empty_band(list(parts.values()), zone) <= WIDEST_GAP * tall
