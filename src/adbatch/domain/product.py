"""``Product``: one catalog row after validation, as every later stage and the providers see it.

The checks that make a row a ``Product`` (slugs, image content, sizes) live in
``adbatch.stages.catalog``; this module holds only the shape, so planning, providers and the
report can use it without importing the catalog stage (pandas, media fetching).
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

    @property
    def price_text(self) -> str:
        """The price as shoppers read it ("$29.99", "$30"), or "" when unknown."""
        if self.price is None:
            return ""
        return f"${self.price:,.0f}" if self.price == int(self.price) else f"${self.price:,.2f}"
