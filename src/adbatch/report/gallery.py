"""``gallery.html``: every video of one or more sweeps on one page, the page a creative lead reviews
before anything ships::

    python -m adbatch.gallery SWEEP_DIR [MORE_DIRS ...] [--out FILE]

Each video is a card: the video itself (muted, plays while the pointer is on it), its contact sheet,
hook, status, cost, duration and platform QA; select boxes filter by product, archetype, hook, angle
and status. Videos, posters and sheets are linked by paths relative to the page, never embedded, so
the page stays small and still works when the sweep folder is copied whole. It reads the same rows
as the report (``adbatch.report.report.scan`` and ``tables``), so a folder without a readable
manifest is a card saying why. The template is rendered with autoescape on: product names, hooks and
error messages are user or model text and reach the page only as text.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from adbatch.errors import ReportError
from adbatch.report.html import PLATFORM_LABELS, TEMPLATES
from adbatch.report.report import VIDEO_COLUMNS, Entry, scan, tables
from adbatch.store.atomic import write_text

GALLERY_HTML = "gallery.html"
PLAYABLE = ("ok", "cached")  # statuses whose video.mp4 is a finished ad
# the select boxes above the cards: (card attribute, label); the sweep filter appears only for several sweeps
FILTERS = (
    ("product", "product"),
    ("archetype", "archetype"),
    ("hook", "hook"),
    ("angle", "angle"),
    ("status", "status"),
    ("sweep", "sweep"),
)


class GalleryError(ReportError):
    """A sweep dir that cannot be shown: not a directory, or no readable manifest.json under it."""


def build(sweeps: Sequence[Path], *, out: Path | None = None) -> Path:
    """Write the gallery of every video under ``sweeps`` to ``out`` (default ``<first sweep>/gallery.html``)
    and return its path; raises ``GalleryError`` for a dir with no readable manifest."""
    sweeps = [Path(s).resolve() for s in sweeps]
    entries = [e for s in sweeps for e in _entries(s)]
    page = Path(out).resolve() if out else sweeps[0] / GALLERY_HTML
    page.parent.mkdir(parents=True, exist_ok=True)
    write_text(page, render(entries, page=page, sweeps=sweeps))
    return page


def _entries(sweep: Path) -> list[Entry]:
    if not sweep.is_dir():
        raise GalleryError(f"{sweep} is not a directory")
    entries = scan(sweep)
    if not any(e.manifest for e in entries):
        raise GalleryError(
            f"{sweep} has no readable manifest.json under it: pass a sweep dir (e.g. outputs/multirun/<date>/<time>)"
        )
    return entries


def render(entries: Sequence[Entry], *, page: Path, sweeps: Sequence[Path]) -> str:
    """The page's HTML for these video folders; every link is relative to ``page``'s folder."""
    videos, _ = tables(entries)
    platforms = [c.removeprefix("qa_") for c in videos.columns if c.startswith("qa_") and c not in VIDEO_COLUMNS]
    cards = [_card(_clean(r), page.parent, platforms) for r in videos.to_dict("records")]
    filters = [
        {"key": key, "label": label, "options": _options(cards, key)}
        for key, label in FILTERS
        if key != "sweep" or len(sweeps) > 1
    ]
    return TEMPLATES.get_template("gallery.html.j2").render(
        cards=cards, filters=filters, sweeps=[str(s) for s in sweeps]
    )


def _clean(row: dict[Any, Any]) -> dict[str, Any]:
    """A report row with pandas' missing values (NaN, NA) as None."""
    return {str(k): (None if pd.api.types.is_scalar(v) and pd.isna(v) else v) for k, v in row.items()}


def _card(row: dict[str, Any], base: Path, platforms: list[str]) -> dict[str, Any]:
    """What one card shows: the report row's fields, links relative to ``base``, and a QA mark per platform
    it was checked for (the report's ``qa_<platform>`` columns)."""
    video = row["video_path"] if row["status"] in PLAYABLE and _exists(row["video_path"]) else None
    return row | {
        "product": row["product_id"] or "",
        "hook": row["hook_requested"] or "",
        "angle": row["hook_angle"] or "",
        "sweep": Path(row["sweep"]).name,
        "src": _href(video, base),
        "poster": _href(row["thumb_path"], base) if video and _exists(row["thumb_path"]) else None,
        "sheet": _href(row["sheet_path"], base) if _exists(row["sheet_path"]) else None,
        "missing_video": row["status"] in PLAYABLE and video is None,
        "qa_marks": [
            {"label": PLATFORM_LABELS.get(p, p), "passed": row[f"qa_{p}"] == "pass"}
            for p in platforms
            if row[f"qa_{p}"] in ("pass", "fail")
        ],
    }


def _options(cards: list[dict[str, Any]], key: str) -> list[dict[str, str]]:
    """The distinct values of ``key`` over the cards, sorted, each with the text its option shows."""
    labels: dict[str, str] = {}
    for c in cards:
        if c[key]:
            shown = c["product_name"] if key == "product" and c["product_name"] else c[key]
            labels.setdefault(c[key], shown)
    return [{"value": v, "label": labels[v]} for v in sorted(labels)]


def _exists(path: str | None) -> bool:
    return bool(path) and os.path.isfile(str(path))


def _href(path: str | None, base: Path) -> str | None:
    """A relative, percent-encoded link from ``base`` to ``path`` (so it is only ever a path)."""
    if not path:
        return None
    return quote(Path(os.path.relpath(path, base)).as_posix())


# --- command line ----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The ``python -m adbatch.gallery`` command line."""
    p = argparse.ArgumentParser(
        prog="python -m adbatch.gallery",
        description="Write one HTML page with every video of one or more sweeps, playable inline and filterable.",
    )
    p.add_argument("sweeps", nargs="+", type=Path, metavar="SWEEP_DIR", help="sweep dir(s); several share one page")
    p.add_argument(
        "--out", type=Path, metavar="FILE", help=f"page to write (default: <first SWEEP_DIR>/{GALLERY_HTML})"
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; 0 when the page was written, 2 for a dir that is missing or holds no manifest."""
    args = parser().parse_args(argv)
    try:
        page = build(args.sweeps, out=args.out)
    except (GalleryError, OSError) as exc:
        print(f"adbatch.gallery: {exc}", file=sys.stderr)
        return 2
    print(f"adbatch gallery: written to {page}")
    return 0
