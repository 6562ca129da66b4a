"""Results as the ad platforms export them: Meta Ads Manager and TikTok Ads Manager ad-level CSVs.

An export is recognised by its columns (``platforms.ads.<platform>.results`` in conf/platforms: each
field's column names, the first present used; ``*`` matches the currency in ``Amount spent (USD)``) and
turned into adbatch's own results table (``video``, ``impressions``, ``clicks``, ``spend``,
``conversions``), which ``adbatch.report.stats.load_results`` then checks as ever. Videos are matched by ad
name (``adbatch:<product>/<archetype>/<hook>``, the name ``ads.csv`` gave them); any other name stays as
it is, so the report lists it as unmatched. Totals rows, thousands separators, percent signs, currency
marks and ``-`` or blank for zero are what exports hold, and are read as such.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from adbatch.domain.manifest import video_key

FIELDS = ("impressions", "clicks", "spend", "conversions")
ZERO = {"", "-", "--", "—", "n/a"}  # how exports write nothing
GROUPED = re.compile(r"^\d{1,3}(?:([,.\s'\u00a0])\d{3})+$")  # 12,345 / 12.345 / 12 345: a whole number


def detect(columns: list[str], conf: Mapping[str, Any]) -> str | None:
    """The platform whose export these columns are (most result fields found; its ad name column
    required), or None for adbatch's own results CSV."""
    best: tuple[int, str] | None = None
    for name, spec in conf.items():
        results = spec.get("results") if isinstance(spec, Mapping) else None
        if not results or _column(columns, results["ad_name"]) is None:
            continue
        score = sum(_column(columns, results[f]) is not None for f in FIELDS if f in results)
        if best is None or score > best[0]:
            best = (score, name)
    return best[1] if best else None


def to_results(df: pd.DataFrame, *, platform: str, conf: Mapping[str, Any]) -> pd.DataFrame:
    """The export ``df`` (lowercased headers) as adbatch's results table: totals rows dropped, ad names
    turned into video keys, numbers cleaned to plain digits (validated later, naming row and column)."""
    spec = conf[platform]["results"]
    name_col = _column(list(df.columns), spec["ad_name"])
    assert name_col is not None  # detect() required it
    summary = [re.compile(p, re.IGNORECASE) for p in conf.get("summary_rows") or ()]
    keep = [not any(p.search(str(n).strip()) for p in summary) for n in df[name_col]]
    rows = df[keep].reset_index(drop=True)
    pattern = _name_pattern(str(conf.get("ad_name", "adbatch:{product}/{archetype}/{hook}")))
    out = pd.DataFrame({"video": [_video(str(n).strip(), pattern) for n in rows[name_col]]})
    for field in FIELDS:
        col = _column(list(rows.columns), spec.get(field) or [])
        cells = rows[col] if col is not None else pd.Series([""] * len(rows), dtype=str)
        out[field] = [_plain_number(str(v)) for v in cells] if col is not None else ""
    return out


def _column(columns: list[str], names: Any) -> str | None:
    """The first of ``names`` (glob patterns, any case) that ``columns`` holds."""
    for name in [names] if isinstance(names, str) else list(names):
        for col in columns:
            if fnmatch.fnmatchcase(col.strip().lower(), str(name).strip().lower()):
                return col
    return None


def _name_pattern(template: str) -> re.Pattern[str]:
    """``adbatch:{product}/{archetype}/{hook}`` as a regex with those groups."""
    parts = re.split(r"\{(product|archetype|hook)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


def _video(ad_name: str, pattern: re.Pattern[str]) -> str:
    """The video key an ad name points at, or the name itself when it is not one of ours."""
    found = pattern.match(ad_name)
    if not found:
        return ad_name
    return video_key(found["product"], found["archetype"], found["hook"])


def _plain_number(value: str) -> str:
    """``12,345`` -> ``12345``, ``1.25%`` -> ``1.25``, ``$1,234.50`` / ``1.234,50 €`` -> ``1234.5``,
    ``-`` or blank -> ``0``; anything else is left for the results check to refuse by name."""
    text = value.strip().replace("\u00a0", " ").rstrip("%").strip()
    if text.lower() in ZERO:
        return "0"
    grouped = GROUPED.match(text)
    if grouped:
        return re.sub(r"[,.\s'\u00a0]", "", text)
    if re.search(r"[^\d.,\s-]", text) or ("," in text and "." in text) or re.search(r",\d{1,2}$", text):
        from adbatch.feeds import PriceError, parse_price

        try:
            price = parse_price(text)
        except PriceError:
            return value
        return f"{price.amount:g}" if price is not None else "0"
    return text
