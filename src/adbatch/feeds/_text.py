"""Cell-level cleaning for product feeds: HTML to text, prices with their currency, short names.

Feeds carry shop copy as it is stored: Shopify's ``Body (HTML)`` holds editor markup (spans with inline
styles, ``&nbsp;``, empty paragraphs, comments), Google and Meta prices read ``34.00 USD``. These helpers
turn a cell into what the catalog stage validates; they know nothing of any one feed's columns.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from adbatch.errors import CatalogError

BLOCK_TAGS = frozenset(  # tags that end a line of text
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table", "section", "article"}
    | {"blockquote", "hr", "dd", "dt"}
)
SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "iframe", "noscript", "template", "svg"})
SENTENCE_END = ".!?:;…"  # a line ending in one of these needs no period added
CUT_AFTER = ".!?…"  # where shortened copy may end
CURRENCY_CODE = re.compile(r"\b([A-Z]{3})\b")
SYMBOLS = {
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
    "₺": "TRY",
}  # Unicode symbol -> ISO 4217
NUMBER = re.compile(r"\d[\d\s.,'\u00a0\u202f]*")


class _TextParser(HTMLParser):
    """Collects visible text, one line per block element, and the items of lists on their own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.items: list[str] = []
        self._skip = 0
        self._item: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in SKIPPED_TAGS:
            self._skip += 1
        elif tag in BLOCK_TAGS:
            self.lines.append("")
        if tag == "li":
            self._item = []

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in BLOCK_TAGS:
            self.lines.append("")
        if tag == "li" and self._item is not None:
            self.items.append(_squash("".join(self._item)))
            self._item = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.lines[-1] += data
        if self._item is not None:
            self._item.append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


@dataclass(frozen=True)
class Cleaned:
    """A description as text (one paragraph, sentences closed) and the bullet points it listed."""

    text: str
    items: tuple[str, ...]


def html_to_text(value: str) -> Cleaned:
    """Visible text of an HTML fragment (or plain text): tags, comments, scripts and styles dropped,
    entities decoded, each block a sentence (a period added where a line lacks one), one paragraph."""
    parser = _TextParser()
    parser.feed(value.replace("\r\n", "\n"))
    parser.close()
    lines = [_squash(line) for line in parser.lines]
    lines = [line if line[-1] in SENTENCE_END else line + "." for line in lines if line]
    return Cleaned(text=" ".join(lines), items=tuple(item for item in parser.items if item))


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters: at the last sentence end that fits, else the last
    word, never mid-word. Feed copy runs longer than an ad's catalog limits; a whole sentence reads better."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(mark + " ") + 1 for mark in CUT_AFTER)
    if head[-1] in CUT_AFTER and text[limit] == " ":
        cut = limit
    if cut < limit // 2:  # no sentence ends late enough: end at a word
        cut = limit if text[limit] == " " else head.rfind(" ")
    if cut <= 0:
        cut = limit
    return head[:cut].rstrip(" ,;:-–—|")


def short_name(title: str, limit: int, separators: Sequence[str]) -> str:
    """A feed title as the name an ad says: the part before its first separator (``Glow Serum - Vitamin C
    Face Serum, 30 ml`` -> ``Glow Serum``: feed titles stack keywords after the name), within ``limit``."""
    cut = min((title.find(sep) for sep in separators if title.find(sep) > 0), default=len(title))
    return shorten(title[:cut].strip(), limit)


class PriceError(CatalogError, ValueError):
    """A price cell cannot be read as an amount (with or without a currency); the catalog stage turns it
    into the row's RowError, naming the feed's column."""


@dataclass(frozen=True)
class Price:
    amount: float
    currency: str  # ISO 4217, or "" when the cell gave none


def parse_price(value: str) -> Price | None:
    """``34.00 USD``, ``USD 34``, ``$1,299.99``, ``34,00 EUR``, ``1.299,00 €`` -> amount and currency;
    None for an empty cell. A decimal comma is told from a thousands comma by what follows it."""
    text = value.strip()
    if not text:
        return None
    code = CURRENCY_CODE.search(text)
    currency = code.group(1) if code else next((c for s, c in SYMBOLS.items() if s in text), "")
    numbers = NUMBER.findall(text)
    if len(numbers) != 1:
        raise PriceError(f"{value!r} is not a price (write 34.00 USD)")
    return Price(amount=_amount(numbers[0], value), currency=currency)


def _amount(digits: str, value: str) -> float:
    raw = re.sub(r"[\s'\u00a0\u202f]", "", digits).rstrip(".,")
    last_dot, last_comma = raw.rfind("."), raw.rfind(",")
    decimal = "," if last_comma > last_dot and len(raw) - last_comma - 1 in (1, 2) else "."
    group = "." if decimal == "," else ","
    try:
        return float(raw.replace(group, "").replace(decimal, "."))
    except ValueError as exc:
        raise PriceError(f"{value!r} is not a price (write 34.00 USD)") from exc


def format_price(amount: float, currency: str, formats: Mapping[str, Any]) -> str:
    """The amount as shoppers of that currency read it, per ``catalog.currencies`` (prefix, decimal and
    group marks, suffix, decimals; whole amounts drop their decimals): ``$34``, ``34,90 €``, ``£1,299``.
    A currency with no entry reads ``34.90 CHF``."""
    spec = formats.get(currency) or {"suffix": f" {currency}"}
    places = 0 if amount == int(amount) else int(spec.get("decimals", 2))
    text = f"{amount:,.{places}f}".replace(",", "\0").replace(".", str(spec.get("decimal", ".")))
    text = text.replace("\0", str(spec.get("group", ",")))
    return f"{spec.get('prefix', '')}{text}{spec.get('suffix', '')}"


def unescape(value: str) -> str:
    """An XML or CSV cell with stray entities (``&amp;`` in a title) as plain text."""
    return html.unescape(value)
