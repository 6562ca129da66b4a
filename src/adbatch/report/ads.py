"""``ads.csv``: the upload sheet a media buyer pastes into a platform's bulk ad creation, one row per ok video.

Each row carries a stable ad name (``adbatch:<product>/<archetype>/<hook>``, the key results come back
under, see ``adbatch.report.exports``), the video's path, primary text and headline from the script cut to
the platform's character limits, the CTA mapped to the platform's enum, and the landing URL with UTM
parameters. Column names, limits, CTA enums and UTM templates are data: ``platforms.ads`` in
``conf/platforms/default.yaml`` (or the sweep's own saved config, when it has that node).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from omegaconf import DictConfig, OmegaConf

from adbatch.feeds._text import shorten
from adbatch.paths import CONF_DIR
from adbatch.report.report import Entry, safe_cell
from adbatch.store.atomic import write_text

log = logging.getLogger(__name__)

ADS_CSV = "ads.csv"
SHIPPED = CONF_DIR / "platforms" / "default.yaml"
SUCCESS = ("ok", "cached")
HYDRA_CONFIG = Path(".hydra") / "config.yaml"


def settings(entries: Sequence[Entry]) -> DictConfig:
    """``platforms.ads``: the shipped node, overlaid with the one the first sweep saved (a sweep run with
    overrides such as ``platforms.ads.utm.utm_medium=cpc`` keeps them when its report is rebuilt)."""
    shipped = OmegaConf.load(SHIPPED).ads
    saved = _Saved()
    for e in entries:
        node = (saved.of(e).get("platforms") or {}).get("ads")
        if node:
            merged = OmegaConf.merge(shipped, node)
            assert isinstance(merged, DictConfig)
            return merged
    assert isinstance(shipped, DictConfig)
    return shipped


def sheet(entries: Sequence[Entry], platform: str | None) -> tuple[str, DictConfig]:
    """The platform whose sheet to write (default ``platforms.ads.platform``) and ``platforms.ads``;
    ValueError naming the choices when it has none."""
    conf = settings(entries)
    name = platform or str(conf.platform)
    if name not in conf or "columns" not in conf[name]:
        known = [k for k, v in conf.items() if isinstance(v, DictConfig) and "columns" in v]
        raise ValueError(
            f"--platform {name!r}: platforms.ads has no upload sheet for it ({', '.join(map(str, known))})"
        )
    return name, conf


def write(entries: Sequence[Entry], out: Path, *, platform: str | None = None) -> Path:
    """Write ``out/ads.csv`` for ``platform`` (default ``platforms.ads.platform``) and return its path."""
    name, conf = sheet(entries, platform)
    columns: Mapping[str, str] = conf[name].columns
    catalogs, saved = _Catalogs(), _Saved()
    rows = [_row(e, out=out, platform=name, conf=conf, catalogs=catalogs, saved=saved.of(e)) for e in _ok(entries)]
    lines = [list(columns.values())] + [[safe_cell(r.get(field, "")) for field in columns] for r in rows]
    path = out / ADS_CSV
    write_text(path, _csv(lines))
    return path


def _ok(entries: Iterable[Entry]) -> list[Entry]:
    return [e for e in entries if e.manifest is not None and e.manifest.status in SUCCESS and e.manifest.outputs.video]


def _row(
    e: Entry, *, out: Path, platform: str, conf: DictConfig, catalogs: _Catalogs, saved: Mapping[str, Any]
) -> dict[str, str]:
    """One ad's cells by field name (ad_name, video, primary_text, headline, description, cta, url, ...)."""
    m = e.manifest
    assert m is not None
    spec = conf[platform]
    limits: Mapping[str, int] = spec.get("limits") or {}
    fields = {"product": m.product_id, "archetype": m.archetype, "hook": m.hook_requested, "platform": platform}
    ad_name = str(conf.ad_name).format(**fields)
    row = catalogs.row(saved, m.product_id)
    brand = saved.get("brand") or {}
    cta_text = row.get("cta") or brand.get("cta") or ""
    lines = _voice_lines(e.folder / (m.outputs.timeline or "timeline.json"))
    hook_text = m.hook.text if m.hook else ""
    product_name = m.product_name or m.product_id
    return {
        "ad_name": ad_name,
        "video": Path(os.path.relpath(e.folder / str(m.outputs.video), out)).as_posix(),
        "primary_text": _fit(" ".join(lines) or hook_text, limits.get("primary_text")),
        "headline": _fit(hook_text or product_name, limits.get("headline")),
        "description": _fit(product_name, limits.get("description")),
        "display_name": _fit(brand.get("brand_name") or product_name, limits.get("display_name")),
        "cta": cta_enum(cta_text, keywords=conf.cta_keywords, enum=spec.cta),
        "url": with_utm(row.get("url", ""), conf.utm, {**fields, "ad_name": ad_name, "sweep": sweep_name(e.sweep)}),
        "product_id": m.product_id,
        "archetype": m.archetype,
        "hook": m.hook_requested,
    }


def _fit(text: str, limit: int | None) -> str:
    return shorten(text, int(limit)) if limit else text


def cta_enum(text: str, *, keywords: Mapping[str, str], enum: Mapping[str, str]) -> str:
    """The platform's CTA value for a CTA text: the first keyword it contains (``Shop now`` -> ``shop`` ->
    ``SHOP_NOW``), else the platform's ``default``."""
    for word, kind in keywords.items():
        if kind in enum and re.search(rf"\b{re.escape(word)}\b", text.lower()):
            return str(enum[kind])
    return str(enum["default"])


def with_utm(url: str, templates: Mapping[str, str], fields: Mapping[str, str]) -> str:
    """``url`` with each UTM parameter filled from its template; the URL's other parameters are kept,
    ours replace any of the same name. No URL, no link: "" stays ""."""
    if not url:
        return ""
    parts = urlsplit(url)
    ours = {key: str(template).format(**fields) for key, template in templates.items()}
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ours]
    return urlunsplit(parts._replace(query=urlencode(query + list(ours.items()))))


def sweep_name(sweep: Path) -> str:
    """The sweep as a campaign name: its dir's last two folders (``2026-11-24/13-05-00`` -> ``2026-11-24-13-05-00``)."""
    return "-".join(Path(sweep).resolve().parts[-2:])


def _voice_lines(path: Path) -> list[str]:
    """The voice-over's lines in the order they are spoken (the hook's first), from the video's timeline."""
    try:
        cues = json.loads(path.read_text(encoding="utf-8")).get("voice") or []
    except (OSError, ValueError):
        return []
    return [str(c["text"]).strip() for c in sorted(cues, key=lambda c: c.get("start", 0)) if c.get("text")]


class _Saved:
    """The config a sweep's jobs ran with, as Hydra saved it in a video's ``.hydra/config.yaml``, read once
    per sweep: the keys ads.csv needs (``products``, ``catalog``, ``brand``, ``platforms.ads``) cannot be swept
    per video, and a thousand-video sweep should not parse a thousand configs. ``{}`` when unreadable."""

    def __init__(self) -> None:
        self._by_sweep: dict[Path, dict[str, Any]] = {}

    def of(self, e: Entry) -> dict[str, Any]:
        if e.sweep not in self._by_sweep:
            self._by_sweep[e.sweep] = _load_yaml(e.folder / HYDRA_CONFIG)
        return self._by_sweep[e.sweep]


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: ~10x faster on Hydra's long configs
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # a safe loader (no Python objects)
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


class _Catalogs:
    """Catalog rows by product, each catalog read once: the landing URL and CTA of an ad come from its row."""

    def __init__(self) -> None:
        self._read: dict[str, Any] = {}

    def row(self, saved: Mapping[str, Any], product_id: str) -> dict[str, str]:
        path = str(saved.get("products") or "")
        if not path:
            return {}
        if path not in self._read:
            self._read[path] = self._load(path, saved.get("catalog"))
        cat = self._read[path]
        try:
            return dict(cat.raw_row(cat.row_for_key(product_id))) if cat is not None else {}
        except Exception:  # a catalog changed since the sweep: the ad keeps its copy, without URL or CTA
            return {}

    @staticmethod
    def _load(path: str, catalog_conf: Any) -> Any:
        from adbatch.errors import CatalogError
        from adbatch.stages.catalog import load_catalog

        try:
            return load_catalog(path, catalog_conf)
        except (CatalogError, OSError, ValueError) as exc:  # moved or changed since the sweep
            log.warning("ads.csv: catalog %s cannot be read (%s); its ads get no landing URL or CTA", path, exc)
            return None


def _csv(lines: list[list[Any]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(lines)
    return buf.getvalue()
