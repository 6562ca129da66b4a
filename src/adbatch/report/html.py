"""``report.html``: one self-contained page a marketer can open offline.

Plots are drawn with matplotlib (Agg) and thumbnails shrunk with Pillow, both embedded as
base64 images, so the file needs nothing beside it except the videos its links point to.
The template is rendered with autoescape on: every product-supplied string (names, hook
text and reasons, director notes, error messages) reaches the page as text, never as markup.
"""

from __future__ import annotations

import base64
import inspect
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, same output everywhere

import matplotlib.pyplot as plt
import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from matplotlib.axes import Axes
from PIL import Image

from adbatch.report import stats as stats

THUMB_BOX = (96, 170)  # thumbnails are shrunk into this box (9:16) before embedding
# the failures section's order: videos that were tried and broke (or whose job died) first, then the
# ones the cost cap stopped, then catalog rows that never ran
PROBLEMS = ("failed", "lost", "missing", "corrupt", "skipped_cap", "invalid")
# short names; others show their key
PLATFORM_LABELS = {
    "tiktok": "TikTok",
    "reels": "Reels",
    "shorts": "Shorts",
    "feed_4x5": "Feed 4:5",
    "feed_1x1": "Feed 1:1",
}
# matplotlib 3.10 replaced boxplot(vert=False) with orientation="horizontal"; the floor is 3.9
_SIDEWAYS = (
    {"orientation": "horizontal"} if "orientation" in inspect.signature(Axes.boxplot).parameters else {"vert": False}
)
TEMPLATES = Environment(  # the report's pages (report.html, gallery.html), autoescaped
    loader=PackageLoader("adbatch.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(
    *,
    videos: pd.DataFrame,
    calls: pd.DataFrame,
    summary: dict[str, Any],
    out: Path,
    details: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """The page's HTML for these tables and summary; links are relative to ``out`` (where it is saved).
    ``details`` (``adbatch.report.creative.details``) gives each video's director notes and ranked hooks, by folder."""
    details = details or {}
    rows = [
        _video(r, out) | _extras(r, details.get(r["folder"], {}), summary["qa"]["platforms"])
        for r in ({str(k): v for k, v in record.items()} for record in videos.to_dict("records"))
    ]
    return TEMPLATES.get_template("report.html.j2").render(
        s=summary,
        k=summary["kpis"],
        videos=rows,
        failures=sorted((r for r in rows if r["status"] in PROBLEMS), key=lambda r: PROBLEMS.index(r["status"])),
        plots=plots(videos, calls, summary),
        stage_columns=[c for c in videos.columns if c.startswith("time_")],
    )


def _video(row: dict[str, Any], out: Path) -> dict[str, Any]:
    clean = {k: (None if pd.api.types.is_scalar(v) and pd.isna(v) else v) for k, v in row.items()}
    clean["thumb"] = _thumb(clean.get("thumb_path"))
    clean["href"] = _href(clean.get("video_path"), out)
    clean["sheet_href"] = _href(clean.get("sheet_path"), out)
    return clean


def _extras(row: dict[str, Any], detail: Mapping[str, Any], platforms: list[dict[str, Any]]) -> dict[str, Any]:
    """The video's QA mark per platform it was checked for, its director notes and its ranked hooks (the
    manifest's ``Note`` and ``HookCandidate`` records, which the template reads by attribute)."""
    marks = [
        {
            "label": PLATFORM_LABELS.get(p["platform"], p["platform"]),
            "title": p["title"],
            "passed": row.get(f"qa_{p['platform']}") == "pass",
        }
        for p in platforms
        if row.get(f"qa_{p['platform']}") in ("pass", "fail")
    ]
    return {"qa_marks": marks, "notes": list(detail.get("notes", [])), "hooks": list(detail.get("hooks", []))}


def _thumb(path: str | None) -> str | None:
    """A small JPEG data URI of the video's thumbnail, or None when there is none to show."""
    if not path or not os.path.isfile(path):
        return None
    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            img.thumbnail(THUMB_BOX)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=70)
    except OSError:
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _href(path: str | None, out: Path) -> str | None:
    """A relative link from the report to the video, percent-encoded (so it is only ever a path)."""
    if not path:
        return None
    return quote(Path(os.path.relpath(path, out)).as_posix())


# --- plots -----------------------------------------------------------------------------------


def plots(videos: pd.DataFrame, calls: pd.DataFrame, summary: dict[str, Any]) -> dict[str, str | None]:
    """Every plot as a PNG data URI (None where there is no data to plot)."""
    read = videos[~videos["status"].isin(("missing", "corrupt"))]
    out = {
        "cost": _cost(read, summary["targets"]["cost_per_video_usd"]),
        "stages": _stages(read),
        "archetypes": _archetypes(read),
        "latency": _latency(stats.api_calls(calls)),
        "ctr": None,
    }
    if summary.get("experiment"):
        out["ctr"] = _ctr(summary["experiment"]["hook_angle"], "hook_angle")
    return out


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _cost(read: pd.DataFrame, target: float) -> str | None:
    valid = read[read["status"] != "invalid"]
    if valid.empty:
        return None
    fig, ax = plt.subplots(figsize=(5.5, 3))
    top = max(target, float(valid["cost_usd"].max())) * 1.05  # the target line always in view, 0 at the left
    ax.hist(valid["cost_usd"], bins=20, range=(0, top), color="#3366cc")
    ax.axvline(target, color="#cc3333", linestyle="--", label=f"target ${target:.2f}")
    ax.set(xlabel="cost per video (USD)", ylabel="videos", title="Cost per video")
    ax.legend()
    return _png(fig)


def _stages(read: pd.DataFrame) -> str | None:
    made = read[read["status"] == "ok"]
    cols = [c for c in made.columns if c.startswith("time_") and made[c].notna().any()]
    if not cols:
        return None
    means = made[cols].mean()
    fig, ax = plt.subplots(figsize=(5.5, 0.45 * len(cols) + 1))
    ax.barh([c.removeprefix("time_").removesuffix("_s") for c in cols][::-1], means.to_numpy()[::-1], color="#3366cc")
    ax.set(xlabel="mean seconds per video (videos made in this run)", title="Time per stage")
    return _png(fig)


def _archetypes(read: pd.DataFrame) -> str | None:
    if read.empty:
        return None
    table = pd.crosstab(read["archetype"], read["status"])
    colors = {
        "ok": "#2e9d5b",
        "cached": "#7cc79a",
        "failed": "#cc3333",
        "lost": "#8b1a1a",
        "invalid": "#e8a33d",
        "skipped_cap": "#888888",
    }
    fig, ax = plt.subplots(figsize=(5.5, 3))
    table.plot.bar(stacked=True, ax=ax, color=[colors.get(c, "#555555") for c in table.columns], rot=0)
    ax.set(xlabel="", ylabel="videos", title="Outcome by archetype")
    ax.legend(title="status", loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the bars, never over them
    return _png(fig)


def _latency(api: pd.DataFrame) -> str | None:
    if api.empty:
        return None
    groups = list(api.groupby(["provider", "model"], sort=True)["latency_s"])
    fig, ax = plt.subplots(figsize=(5.5, 0.5 * len(groups) + 1.2))
    ax.boxplot([g.to_numpy() for _, g in groups], **_SIDEWAYS, tick_labels=[f"{p} / {m}" for (p, m), _ in groups])
    ax.set(xlabel="latency (s)", title="API latency per provider and model")
    return _png(fig)


def _ctr(rows: list[dict[str, Any]], by: str) -> str | None:
    rows = [r for r in rows if r["ctr"] is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(5.5, 0.5 * len(rows) + 1.2))
    y = range(len(rows))
    ctr = [100 * r["ctr"] for r in rows]
    err = [[100 * (r["ctr"] - r["ctr_low"]) for r in rows], [100 * (r["ctr_high"] - r["ctr"]) for r in rows]]
    ax.errorbar(ctr, list(y), xerr=err, fmt="o", color="#3366cc", capsize=4)
    ax.set_yticks(list(y), [str(r[by]) for r in rows])
    ax.set(xlabel="CTR (%) with confidence interval", title=f"CTR by {by.replace('_', ' ')}")
    return _png(fig)


def _money(v: float | None) -> str:
    return "–" if v is None else f"${v:,.2f}" if abs(v) >= 0.01 or v == 0 else f"${v:.4f}"


def _pct(v: float | None, digits: int = 1) -> str:
    return "–" if v is None else f"{100 * v:.{digits}f} %"


def _secs(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f} s" if v < 120 else f"{v / 60:.1f} min"


def _num(v: Any, spec: str = "g") -> str:
    return "–" if v is None else format(v, spec)


TEMPLATES.filters.update(money=_money, pct=_pct, secs=_secs, num=_num)
