"""Load the product catalog (the adbatch CSV or a product feed) and validate each row into a ``Product``.

Product feeds (Google Merchant Center, Meta, Shopify) are read and mapped by ``adbatch.feeds``; their
products are then validated here exactly as adbatch CSV rows, and errors name the feed's own row and
column (``Catalog.rows``, ``Catalog.columns``).

Two kinds of failure, on purpose:
- ``CatalogError``: the file as a whole is unusable (unreadable, no rows, a required
  column missing). The sweep stops before any job starts, with one message.
- ``RowError``: one row is bad. It names the row, the field and the reason; the
  row's job records status ``invalid`` and every other row goes on.
"""

from __future__ import annotations

import csv
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from adbatch import feeds
from adbatch.domain.product import HEX_COLOR, Product  # the row's shape lives in domain/; importable from here too
from adbatch.errors import CatalogError
from adbatch.stages import media
from adbatch.stages.table import Table, read_csv

log = logging.getLogger(__name__)

REQUIRED = ("id", "name", "description", "image")
OPTIONAL = ("price", "benefits", "reviews", "audience", "brand_color", "logo", "cta", "url", "reviews_file")
REVIEWS_FILE_MAX_MB = 2.0
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
TEXT_LIMITS = {"name": 80, "description": 2000, "audience": 200, "cta": 40, "benefits": 1000}
INVALID_KEY_PREFIX = "_row"  # job key of a row whose id cannot be used (never a valid slug)
FEED_FIELDS = ("extra_images", "sale_price", "availability", "source_id")  # mapped by adbatch.feeds; not extras


class RowError(CatalogError):
    """One catalog row is invalid: carries the row number, field and reason."""

    def __init__(self, *, catalog: Path, row: int, field: str, reason: str) -> None:
        self.catalog, self.row, self.field, self.reason = catalog, row, field, reason
        super().__init__(f'{catalog.name} row {row}, field "{field}": {reason}')


@dataclass(frozen=True)
class Catalog:
    """The parsed catalog: every cell a stripped string, in adbatch's field names. Rows are validated on demand.

    A product feed also records its ``format``, the feed's column behind each field (``columns``) and
    each product's row in the feed (``rows``), so errors name what the user sees in their file."""

    path: Path
    table: Table
    format: str = feeds.ADBATCH
    columns: dict[str, str] = field(default_factory=dict)  # adbatch field -> the feed's column
    rows: tuple[int, ...] = ()  # data row -> the product's (first) row in the feed
    settings: Any = None  # the catalog config (currencies, max_extra_images), resolved

    def __len__(self) -> int:
        return len(self.table)

    def raw_row(self, row: int) -> dict[str, str]:
        """The cells of 1-based data row ``row``."""
        return self.table.row(row)

    @functools.cached_property
    def _first_row(self) -> dict[str, int]:
        """Each id's first 1-based data row (a repeated id points back to it)."""
        first: dict[str, int] = {}
        for row, pid in enumerate(self.table["id"], start=1):
            first.setdefault(pid, row)
        return first

    def job_key(self, row: int) -> str:
        """The key a job uses to find its row: the product id, or ``_row<N>`` if unusable."""
        pid = self.raw_row(row)["id"]
        if SLUG.match(pid) and self._first_row[pid] == row:
            return pid
        return f"{INVALID_KEY_PREFIX}{row}"

    def row_for_key(self, key: str) -> int:
        """Inverse of ``job_key``; raises CatalogError when no row has that key."""
        if key.startswith(INVALID_KEY_PREFIX) and key[len(INVALID_KEY_PREFIX) :].isdigit():
            row = int(key[len(INVALID_KEY_PREFIX) :])
            if 1 <= row <= len(self):
                return row
        if key in self._first_row:
            return self._first_row[key]
        raise CatalogError(f"{self.path.name}: no product with id {key!r}")

    def validate_row(self, row: int, *, image_cache: Path, max_mb: float, timeout_s: float) -> Product:
        """Validate data row ``row`` into a Product, or raise RowError naming the field."""
        cells = self.raw_row(row)
        fail = _failer(self.path, self.rows[row - 1] if self.rows else row, self.columns)
        pid = cells["id"]
        if not SLUG.match(pid):
            fail("id", f"{pid!r} is not a safe slug (lowercase letters, digits and '-', 1-64 chars)")
        first = self._first_row[pid]
        if first != row:
            fail("id", f"{pid!r} duplicates row {self.rows[first - 1] if self.rows else first}; ids must be unique")
        for name in REQUIRED:
            if not cells[name]:
                fail(name, "is required but empty")
        for name, limit in TEXT_LIMITS.items():
            if len(cells.get(name, "")) > limit:
                fail(name, f"is {len(cells[name])} characters; the limit is {limit}")
        fetch = dict(base=self.path.parent, cache=image_cache, max_mb=max_mb, timeout_s=timeout_s)
        image = _checked_image(cells["image"], "image", fail, fetch)
        logo = _checked_image(cells["logo"], "logo", fail, fetch) if cells.get("logo") else None
        price = _price(cells.get("sale_price", ""), fail, "sale_price") or _price(cells.get("price", ""), fail)
        return Product(
            id=pid,
            row=row,
            name=cells["name"],
            description=cells["description"],
            image=image,
            image_source=cells["image"],
            price=price.amount if price else None,
            benefits=_split(cells.get("benefits", "")),
            reviews=_split(cells.get("reviews", ""))
            + _reviews_file(cells.get("reviews_file", ""), self.path.parent, fail),
            audience=cells.get("audience", ""),
            brand_color=_color(cells.get("brand_color", ""), fail),
            logo=logo,
            cta=cells.get("cta", ""),
            url=_url(cells.get("url", ""), fail),
            extra={k: v for k, v in cells.items() if k not in REQUIRED + OPTIONAL + FEED_FIELDS},
            extra_images=self._extra_images(cells.get("extra_images", ""), image, fail, fetch),
            currency=self._currency(price),
            price_display=feeds.format_price(price.amount, self._currency(price), self.conf.currencies)
            if price
            else "",
        )

    @functools.cached_property
    def conf(self) -> Any:
        """The catalog config this catalog was read with (the shipped defaults when none was given)."""
        return self.settings if self.settings is not None else feeds.resolved(None)

    def _currency(self, price: feeds.Price | None) -> str:
        """The price's own currency, else ``catalog.currency`` (feeds and CSVs that write bare amounts)."""
        return "" if price is None else price.currency or str(self.conf.currency)

    def _extra_images(self, value: str, hero: Path, fail: Fail, fetch: dict[str, Any]) -> tuple[Path, ...]:
        """The product's other photos (``|``-separated; the hero again is left out), at most
        ``catalog.max_extra_images``, each checked like the hero."""
        urls = _split(value)[: int(self.conf.max_extra_images)]
        photos = dict.fromkeys(_checked_image(u, "extra_images", fail, fetch) for u in urls)
        return tuple(p for p in photos if p != hero)


def load_catalog(path: str | Path, settings: Any | None = None) -> Catalog:
    """Parse the catalog (the adbatch CSV, or a feed detected from its header or named by ``settings.format``),
    or raise CatalogError if the file as a whole cannot be used. ``settings``: the ``catalog`` config."""
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise CatalogError(f"catalog not found: {path}")
    conf = feeds.resolved(settings)
    name = feeds.detect_format(path, conf)
    if name != feeds.ADBATCH:
        return _from_feed(path, conf, name)
    return Catalog(path=path, table=_adbatch_table(path), settings=conf)


def _from_feed(path: Path, conf: Any, name: str) -> Catalog:
    """A product feed mapped to adbatch fields; drafts and skipped products are logged, not rows."""
    feed = feeds.read_feed(path, conf, name=name, limits=TEXT_LIMITS)
    log.info(f"{path.name}: read as a {name} feed: {len(feed.records)} products, {len(feed.skipped)} skipped")
    for message in feed.skipped:
        log.info(f"{path.name}: skipped {message}")
    if not feed.records:
        raise CatalogError(f"{path.name} ({name} feed) has no product to advertise: {len(feed.skipped)} skipped")
    table = Table.of_records(feed.records).with_columns(OPTIONAL)
    return Catalog(path=path, table=table, format=name, columns=feed.columns, rows=feed.rows, settings=conf)


def _adbatch_table(path: Path) -> Table:
    """The adbatch CSV (``adbatch.stages.table``): required columns checked, optional ones added empty."""
    try:
        table = read_csv(path)
    except (csv.Error, UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"{path.name} cannot be read as a UTF-8 CSV: {exc}") from exc
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise CatalogError(
            f"{path.name} lacks required column(s) {', '.join(missing)}; "
            f"required: {', '.join(REQUIRED)} (found: {', '.join(table.columns)})"
        )
    if not table:
        raise CatalogError(f"{path.name} has a header but no product rows")
    return table.with_columns(OPTIONAL)


Fail = Callable[[str, str], NoReturn]  # fail(field, reason): raise the row's RowError


def _failer(catalog: Path, row: int, columns: dict[str, str] | None = None) -> Fail:
    """``fail(field, reason)`` for one row; a feed's field is named by the feed's own column."""

    def fail(field: str, reason: str) -> NoReturn:
        raise RowError(catalog=catalog, row=row, field=(columns or {}).get(field, field), reason=reason)

    return fail


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def _price(value: str, fail: Fail, name: str = "price") -> feeds.Price | None:
    """``29.99``, ``$29.99``, ``34.00 USD``, ``34,90 €``: the amount and its currency ("" when none given)."""
    if not value:
        return None
    try:
        price = feeds.parse_price(value)
    except feeds.PriceError:
        return fail(name, f"{value!r} is not a number (write 29.99, or 29.99 USD)")
    if price is None or re.search(r"-\s*\d", value) or not 0 <= price.amount < 1_000_000:
        return fail(name, f"{value!r} is out of range")
    return price


def _color(value: str, fail: Fail) -> str | None:
    if not value:
        return None
    if not HEX_COLOR.match(value):
        fail("brand_color", f"{value!r} is not a #RRGGBB colour")
    return value.upper()


def _url(value: str, fail: Fail) -> str:
    if value and not re.match(r"^https?://[^\s/$.?#][^\s]*$", value):
        fail("url", f"{value!r} is not an http(s) URL")
    return value


def _reviews_file(value: str, base: Path, fail: Fail) -> tuple[str, ...]:
    """Reviews from a CSV (a review/text/body column, else the first), JSON (strings or objects
    with one of those keys) or TXT (one per line) file inside the catalog's folder."""
    if not value:
        return ()
    path = (base / value).resolve()
    if not path.is_relative_to(base.resolve()):
        return fail("reviews_file", f"{value!r} points outside the catalog's folder {base}")
    if path.suffix.lower() not in (".csv", ".json", ".txt"):
        return fail("reviews_file", f"{value!r}: use a .csv, .json or .txt file")
    if not path.is_file():
        return fail("reviews_file", f"{value!r} does not exist")
    if path.stat().st_size > REVIEWS_FILE_MAX_MB * 1024 * 1024:
        return fail("reviews_file", f"{value!r} is larger than {REVIEWS_FILE_MAX_MB:g} MB")
    try:
        return tuple(r.strip() for r in _read_reviews(path) if r and r.strip())
    except (ValueError, KeyError, UnicodeDecodeError, csv.Error) as exc:
        return fail("reviews_file", f"{value!r} cannot be read: {exc}")


def _read_reviews(path: Path) -> list[str]:
    keys = ("review", "text", "body")
    if path.suffix.lower() == ".txt":
        return path.read_text(encoding="utf-8").splitlines()
    if path.suffix.lower() == ".csv":
        table = read_csv(path, encoding="utf-8")
        return table[next((c for c in table.columns if c in keys), table.columns[0])]
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of reviews")
    return [item if isinstance(item, str) else next(str(item[k]) for k in keys if k in item) for item in data]


def _checked_image(value: str, field: str, fail: Fail, fetch: dict[str, Any]) -> Path:
    try:
        return media.resolve_image(value, **fetch)
    except media.MediaError as exc:
        return fail(field, str(exc))
