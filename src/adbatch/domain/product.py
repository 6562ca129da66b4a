"""``Product``: one catalog row after validation, as every later stage and the providers see it.

The checks that make a row a ``Product`` (slugs, image content, sizes) live in
``adbatch.stages.catalog``; this module holds only the shape, so planning, providers and the
report can use it without importing the catalog stage (CSV reading, media fetching).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")  # a brand colour, as the catalog and the brand kit accept it


class Product(BaseModel):
    """A validated catalog row. ``image`` is a local file that passed the content checks."""

    model_config = ConfigDict(frozen=True)
    id: str
    row: int  # 1-based data row (the header is row 0)
    name: str
    description: str
    image: Path
    image_source: str  # the CSV's own value (a relative path or a URL)
    price: float | None = None
    benefits: tuple[str, ...] = ()
    reviews: tuple[str, ...] = ()
    audience: str = ""
    brand_color: str | None = None
    logo: Path | None = None
    cta: str = ""
    url: str = ""
    extra: dict[str, str] = {}
    # product feeds (adbatch.feeds): more photos of the product, each checked like ``image``; shots cycle them
    extra_images: tuple[Path, ...] = ()
    currency: str = ""  # ISO 4217 code of ``price`` ("" when the catalog gave none)
    price_display: str = ""  # the price in its currency's format (catalog.currencies): "34,90 €"

    @property
    def photos(self) -> tuple[Path, ...]:
        """Every photo of the product, the hero (``image``) first: what the shots of a video cycle through."""
        return (self.image, *self.extra_images)

    @property
    def price_text(self) -> str:
        """The price as shoppers read it ("$29.99", "$30", "34,90 €"), or "" when unknown."""
        if self.price is None:
            return ""
        if self.price_display:
            return self.price_display
        return f"${self.price:,.0f}" if self.price == int(self.price) else f"${self.price:,.2f}"
