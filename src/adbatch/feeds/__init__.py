"""Product feeds as marketers already have them: Google Merchant Center (TSV/CSV, RSS 2.0 XML),
Meta catalog CSV, Shopify product exports (current and legacy headers), and the adbatch CSV.

``read_feed`` detects the format from the header (or takes ``catalog.format``), maps it with that
format's columns from ``conf/catalog/`` and hands the catalog stage adbatch fields to validate.
``localize`` makes an http(s) feed a local file first, with the limits image URLs have.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from adbatch.errors import CatalogError
from adbatch.feeds._map import Feed, detect, map_feed, slug
from adbatch.feeds._read import Table, read_table
from adbatch.feeds._text import Price, PriceError, format_price, html_to_text, parse_price
from adbatch.paths import CONF_DIR

__all__ = [
    "ADBATCH",
    "Feed",
    "Price",
    "PriceError",
    "Table",
    "detect_format",
    "format_price",
    "html_to_text",
    "is_url",
    "localize",
    "parse_price",
    "read_feed",
    "resolved",
    "slug",
]

ADBATCH = "adbatch"  # the adbatch CSV: read exactly as before feeds existed
DEFAULTS = CONF_DIR / "catalog" / "default.yaml"


def resolved(settings: Any | None) -> Any:
    """``catalog`` settings with the shipped mappings and currencies filled in when absent (a caller
    that composed no config, e.g. ``load_catalog(path)`` in a script, still reads every feed)."""
    from omegaconf import OmegaConf

    base = OmegaConf.load(DEFAULTS)
    if settings is None:
        return base
    given = settings if OmegaConf.is_config(settings) else OmegaConf.structured(settings)
    return OmegaConf.merge(base, given)  # dicts merge key by key: a user's format adds to the shipped ones


def header_of(path: Path) -> list[str]:
    """The feed's column names: the first line of a text feed, every item field of an XML one."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline()
        if first.lstrip().lower().startswith(("<?xml", "<rss", "<feed")):
            return list(read_table(path).header)
    sep = "\t" if first.count("\t") > first.count(",") else ","
    return next(csv.reader(io.StringIO(first), delimiter=sep), [])


def detect_format(path: Path, settings: Any) -> str:
    """``catalog.format`` when set, else the format the header matches; an unmatched header is read
    as the adbatch CSV, whose own checks then name the columns it lacks."""
    forced = str(settings.format or "auto")
    if forced != "auto":
        if forced not in settings.formats:
            raise CatalogError(f"catalog.format={forced!r} is not a known format ({', '.join(settings.formats)})")
        return forced
    return detect(header_of(path), settings.formats) or ADBATCH


def read_feed(path: Path, settings: Any, *, name: str, limits: Mapping[str, int]) -> Feed:
    """Read ``path`` as format ``name`` and map it to adbatch fields (drafts and, when asked,
    out-of-stock products left out and listed in ``Feed.skipped``; copy cut to the catalog's ``limits``)."""
    table = read_table(path)
    if not table.records:
        raise CatalogError(f"{path.name} has a header but no product rows")
    return map_feed(table, name=name, spec=settings.formats[name], settings=settings, limits=limits)


def is_url(value: str) -> bool:
    return urlparse(value).scheme.lower() in ("http", "https")


def localize(value: str, *, into: Path, max_mb: float, timeout_s: float) -> Path:
    """A local path for ``products=``: the path itself, or an http(s) feed downloaded into ``into``
    (size and time limits as image URLs; named after the URL, so a rerun fetches the feed afresh)."""
    if not is_url(value):
        return Path(value).expanduser().resolve()
    from adbatch.stages.media import MediaError, download

    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(urlparse(value).path).name).strip("._") or "feed"
    target = into.resolve() / f"{hashlib.sha256(value.encode()).hexdigest()[:8]}-{name}"
    try:
        return download(value, target, max_mb=max_mb, timeout_s=timeout_s)
    except MediaError as exc:
        raise CatalogError(f"products={value}: {exc}") from exc
