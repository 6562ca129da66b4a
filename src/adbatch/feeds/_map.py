"""A feed's records mapped onto the adbatch catalog's fields, as each format's config says.

The mapping is data (``conf/catalog/*.yaml``); the code here does what data cannot: merge a
Shopify product's rows, reduce HTML to text, split image lists, skip drafts and out-of-stock items.
Values are not judged here: the catalog stage validates every mapped product and names the
feed's own row and column in its errors (``Feed.rows``, ``Feed.columns``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from adbatch.errors import CatalogError
from adbatch.feeds._read import Table, norm
from adbatch.feeds._text import html_to_text, short_name, shorten, unescape

FIELDS: tuple[str, ...] = ("id", "name", "description", "image", "extra_images", "price", "sale_price", "url")
FIELDS += ("availability", "cta", "audience", "brand_color", "benefits")  # adbatch fields a format may map
LIST_SPLIT = r"[\s|]+"  # besides the format's own separator: URLs hold no whitespace


@dataclass(frozen=True)
class Feed:
    """A feed read and mapped: one record per product in the adbatch catalog's field names."""

    format: str
    records: tuple[dict[str, str], ...]
    rows: tuple[int, ...]  # each product's data row in the feed (its first row, for a merged Shopify product)
    columns: dict[str, str]  # adbatch field -> the feed's column as written in its header
    skipped: tuple[str, ...] = field(default_factory=tuple)  # "row 4 (sku-9): out of stock", for the log


def detect(header: list[str], formats: Mapping[str, Any]) -> str | None:
    """The format whose required headers are all present and which has most hint headers; None if none."""
    keys = {norm(h) for h in header}
    best: tuple[int, str] | None = None
    for name, spec in formats.items():
        rule = spec.get("detect") or {}
        if not rule.get("all") or not {norm(h) for h in rule["all"]} <= keys:
            continue
        score = len({norm(h) for h in rule.get("hints") or ()} & keys)
        if best is None or score > best[0]:
            best = (score, name)
    return best[1] if best else None


def map_feed(table: Table, *, name: str, spec: Mapping[str, Any], settings: Any, limits: Mapping[str, int]) -> Feed:
    """Map ``table`` with format ``name``'s ``spec`` (flat rows, or rows merged per ``group_by``); copy longer
    than the catalog's ``limits`` is cut at a sentence (feeds run longer than an ad needs)."""
    columns = {f: norm(c) for f, c in (spec.get("columns") or {}).items() if c}
    missing = [c for f, c in columns.items() if f in ("id", "name", "image") and c not in _keys(table)]
    if missing:
        raise CatalogError(
            f"{table.path.name} lacks column(s) {', '.join(missing)} that format {name!r} maps "
            f"(found: {', '.join(table.header)}); set catalog.format or map the feed in conf/catalog/"
        )
    groups = _groups(table, spec.get("group_by"))
    records, rows, skipped = [], [], []
    for first, members in groups:
        cells, why = _product(members, columns=columns, spec=spec, settings=settings, limits=limits)
        if why:
            skipped.append(f"row {first} ({cells.get('id') or '?'}): {why}")
            continue
        records.append(cells)
        rows.append(first)
    named = {f: table.column(c) for f, c in columns.items()}
    return Feed(format=name, records=tuple(records), rows=tuple(rows), columns=named, skipped=tuple(skipped))


def _keys(table: Table) -> set[str]:
    return {norm(h) for h in table.header}


def _groups(table: Table, group_by: str | None) -> list[tuple[int, list[dict[str, str]]]]:
    """Records with their 1-based data row: one each, or merged by the ``group_by`` column (Shopify's
    handle; a row with an empty handle continues the product above it)."""
    if not group_by:
        return [(i, [r]) for i, r in enumerate(table.records, start=1)]
    key = norm(group_by)
    groups: list[tuple[int, list[dict[str, str]]]] = []
    index: dict[str, int] = {}
    for i, record in enumerate(table.records, start=1):
        handle = record.get(key, "") or (groups[-1][1][0].get(key, "") if groups else "")
        if handle not in index:
            index[handle] = len(groups)
            groups.append((i, []))
        groups[index[handle]][1].append(record)
    return groups


def _product(
    members: list[dict[str, str]],
    *,
    columns: dict[str, str],
    spec: Mapping[str, Any],
    settings: Any,
    limits: Mapping[str, int],
) -> tuple[dict[str, str], str]:
    """One product's adbatch cells, and why it is skipped ("" when it is not)."""
    head = members[0]

    def cell(f: str) -> str:
        return head.get(columns.get(f, ""), "").strip()

    cells = {f: cell(f) for f in FIELDS}
    cells["source_id"] = cells["id"]
    if settings.slug_ids:
        cells["id"] = slug(cells["id"])
    why = _skip_reason(members, cells, spec, settings)
    cells["title"] = unescape(cells["name"])  # the feed's whole title reaches the writer as an extra
    cells["name"] = short_name(cells["title"], int(settings.name_max), list(settings.title_separators))
    cleaned = html_to_text(cells["description"]) if spec.get("html") else None
    text = cleaned.text if cleaned else re.sub(r"\s+", " ", unescape(cells["description"])).strip()
    cells["description"] = shorten(text, limits["description"])
    if cleaned and cleaned.items and not cells["benefits"]:
        cells["benefits"] = "|".join(cleaned.items)  # an HTML list in the description is the product's benefits
    if spec.get("group_by"):
        cells |= _merged(members, columns=columns, spec=spec)
    else:
        extra = re.split(re.escape(spec.get("list_separator") or ",") + "|" + LIST_SPLIT, cells["extra_images"])
        cells["extra_images"] = "|".join(u.strip() for u in extra if u.strip())
    for out, col in (spec.get("extra") or {}).items():
        if col and head.get(norm(col)):
            cells[out] = unescape(head[norm(col)])
    return cells, why


def _skip_reason(members: list[dict[str, str]], cells: dict[str, str], spec: Mapping[str, Any], settings: Any) -> str:
    """Drafts never make videos; unavailable products do not when ``catalog.skip_unavailable``."""
    head = members[0]
    status = head.get(norm(spec.get("status") or ""), "").lower()
    published = head.get(norm(spec.get("published") or ""), "").lower()
    if status in {s.lower() for s in spec.get("skipped_status") or ()} or (not status and published == "false"):
        return f"status {status or 'unpublished'}"
    if not settings.skip_unavailable:
        return ""
    if cells["availability"].lower() in {v.lower() for v in spec.get("unavailable") or ()}:
        return f"availability {cells['availability']!r}"
    stock = spec.get("stock")
    if stock and not any(_variant_in_stock(m, stock) for m in members if _is_variant(m, spec)):
        return "every variant is out of stock"
    return ""


def _is_variant(record: dict[str, str], spec: Mapping[str, Any]) -> bool:
    """A Shopify row that is a variant (it has a price), not only an extra image."""
    return bool(record.get(norm((spec.get("columns") or {}).get("price", "")), ""))


def _variant_in_stock(record: dict[str, str], stock: Mapping[str, Any]) -> bool:
    """Untracked inventory, a positive quantity, or a policy that keeps selling: the variant can be bought."""
    if not record.get(norm(stock["tracker"]), ""):
        return True
    if record.get(norm(stock["policy"]), "").lower() in {str(v).lower() for v in stock.get("continue") or ()}:
        return True
    try:
        return float(record.get(norm(stock["quantity"]), "0") or 0) > 0
    except ValueError:
        return True  # an unreadable quantity is not evidence of no stock


def _merged(members: list[dict[str, str]], *, columns: dict[str, str], spec: Mapping[str, Any]) -> dict[str, str]:
    """A Shopify product's images by position (the first is the hero, the rest extra shots), its lowest
    variant price, and its URL from ``url_template``."""
    pos_key = norm(spec.get("image_position") or "")
    shots: list[tuple[float, int, str]] = []
    for order, record in enumerate(members):
        url = record.get(columns.get("image", ""), "")
        if url:
            pos = record.get(pos_key, "")
            shots.append((float(pos) if _number(pos) else float("inf"), order, url))
    variant_images = [r.get(columns.get("extra_images", ""), "") for r in members]
    urls = list(dict.fromkeys([u for _, _, u in sorted(shots)] + [u for u in variant_images if u]))
    prices = [r.get(columns.get("price", ""), "") for r in members]
    amounts = sorted((p for p in prices if _number(p)), key=float)
    handle = members[0].get(columns.get("id", ""), "")
    template = str(spec.get("url_template") or "")
    return {
        "image": urls[0] if urls else "",
        "extra_images": "|".join(urls[1:]),
        "price": amounts[0] if amounts else next((p for p in prices if p), ""),
        "url": template.format(handle=handle) if template else "",
    }


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def slug(value: str) -> str:
    """A feed id as an adbatch id: lowercase letters, digits and '-' (``SKU-123_A`` -> ``sku-123-a``)."""
    return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9]+", "-", value.lower())).strip("-")[:64].strip("-")
