"""A feed file as a table: header and records, from CSV, TSV or RSS 2.0 / Atom XML.

Headers are matched case-insensitively and without surrounding spaces (``Image Src`` and
``image src`` are one column); XML elements are named by their local name, so ``g:image_link``
and ``image_link`` are one column, and a repeated element (``g:additional_image_link``) is one
cell with its values joined by commas, as the text feeds write them.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from adbatch.errors import CatalogError

XML_ITEMS = ("item", "entry")  # RSS 2.0 and Atom product elements
XML_JOIN = ","  # several values of one element, as a text feed lists them


@dataclass(frozen=True)
class Table:
    """A feed's records: ``header`` as written, ``records`` keyed by the normalized header name."""

    path: Path
    kind: str  # csv | tsv | xml
    header: tuple[str, ...]
    records: tuple[dict[str, str], ...]

    def column(self, key: str) -> str:
        """The header as the feed wrote it, for a normalized key (to name it in errors)."""
        return next((h for h in self.header if norm(h) == key), key)


def norm(name: str) -> str:
    """A header's matching key: stripped, lowercase (``Body (HTML)`` -> ``body (html)``)."""
    return str(name).strip().lstrip("\ufeff").lower()


def read_table(path: Path) -> Table:
    """Read ``path`` as XML (when it starts like XML) or as delimited text; CatalogError when unusable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path.name} cannot be read as a UTF-8 CSV: {exc}") from exc
    head = text.lstrip()[:200].lower()
    if head.startswith("<?xml") or head.startswith("<rss") or head.startswith("<feed"):
        return _xml(path, text)
    return _delimited(path, text)


def _delimited(path: Path, text: str) -> Table:
    first = text.split("\n", 1)[0]
    kind, sep = ("tsv", "\t") if first.count("\t") > first.count(",") else ("csv", ",")
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True))
    except csv.Error as exc:
        raise CatalogError(f"{path.name} cannot be read as a UTF-8 CSV: {exc}") from exc
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise CatalogError(f"{path.name} cannot be read as a UTF-8 CSV: the file is empty")
    header = tuple(h.strip() for h in rows[0])
    keys = [norm(h) for h in header]
    records = tuple({k: (r[i] if i < len(r) else "").strip() for i, k in enumerate(keys)} for r in rows[1:])
    return Table(path=path, kind=kind, header=header, records=records)


def _xml(path: Path, text: str) -> Table:
    if "<!entity" in text[:4096].lower():
        raise CatalogError(f"{path.name}: XML entity declarations are refused (a feed needs none)")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CatalogError(f"{path.name} cannot be read as XML: {exc}") from exc
    items = [el for el in root.iter() if _local(el.tag) in XML_ITEMS]
    records: list[dict[str, str]] = []
    header: dict[str, str] = {}
    for item in items:
        cells: dict[str, str] = {}
        for child in item:
            if len(child):  # nested groups (g:shipping, g:tax) are not catalog fields
                continue
            key, value = _local(child.tag), (child.text or "").strip()
            header.setdefault(key, key)
            cells[key] = f"{cells[key]}{XML_JOIN}{value}" if cells.get(key) else value
        records.append(cells)
    keys = tuple(header)
    return Table(path=path, kind="xml", header=keys, records=tuple({k: r.get(k, "") for k in keys} for r in records))


def _local(tag: str) -> str:
    """``{http://base.google.com/ns/1.0}price`` -> ``price``."""
    return norm(tag.rsplit("}", 1)[-1])
