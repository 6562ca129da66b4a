"""Prices are data: dated tables in ``conf/provider.<stage>/*.yaml`` turn billed units into USD.

Each live stage's config carries ``prices`` (model -> rate, or model -> {variant: rate}) and
``prices_checked`` (the date someone last checked them against the vendor's price page);
code only looks rates up and multiplies. Adapters look their rates up when they are built,
so a model without a price fails at start-up, not after the money is spent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adbatch.errors import ConfigError


class PriceError(ConfigError, ValueError):
    """The price table has no rate for a model (or one of its variants)."""


def rate(prices: Mapping[str, Any], model: str, variant: str | None = None, *, stage: str) -> float:
    """USD per unit for ``model`` (and ``variant``: a mode, or input/output for tokens)."""
    entry = prices.get(model)
    where = f"provider.{stage}.prices"
    if entry is None:
        raise PriceError(
            f"{where} has no entry for model {model!r} (known: {', '.join(prices) or 'none'}); "
            f"add its USD rate and the date you checked it (prices_checked)"
        )
    if isinstance(entry, Mapping):
        if variant not in entry:
            raise PriceError(f"{where}.{model} has no rate for {variant!r} (known: {', '.join(map(str, entry))})")
        return float(entry[variant])
    return float(entry)


def usd(amount: float) -> float:
    """A cost as recorded in manifests: USD rounded to a millionth of a dollar."""
    return round(float(amount), 6)
