"""The report's maths: KPIs against targets, group-bys, provider health, variant experiments.

Everything here takes the two tables ``adbatch.report.report`` builds from manifests (one row per
video, one row per provider call), and for experiments the ad-platform results CSV
(``load_results``), and returns plain numbers, so it is testable on hand-built manifests with
known answers (the creative layer's tallies, QA and director notes, are in
``adbatch.report.creative``). Percentiles use linear interpolation between order statistics
(numpy's default). Definitions, in one place:

- attempted: every readable manifest. valid: attempted minus ``invalid`` (bad catalog row).
  ``lost`` (a job that died for good, its manifest written by the launcher) is a failure: valid,
  not succeeded, its spend counted; ``failed`` does not include it, the counts name it apart.
- succeeded: ``ok`` plus ``cached`` (a finished video reused by a rerun, shown apart too).
  degraded: succeeded videos whose manifest lists assets replaced by fallbacks (``degraded``).
- success rate: succeeded / valid (``skipped_cap`` counts against it: the video was not made).
  The nightly gate's rate (``gate_rate``) also counts folders without a readable manifest, and
  by default invalid rows: a row that produced no video is a video the night did not deliver.
- cost per video: over valid videos; per successful video: total spend / succeeded, so the
  money spent on failures is carried by the videos that did come out.
- generation time: the ``total`` timing of videos made in this run (status ``ok``). Group means
  of time cover the videos that ran (``RAN``: made or failed), never invalid rows, videos the cap
  skipped, or reused ones, whose near-zero times would pull a mean far under a real video's.
- an API call: a call that reached its provider (not a cache hit, at least one attempt);
  retries = attempts - 1 per such call. Cache hit rate: hits / (hits + API calls).
- money saved: what the sweep would have paid on an empty cache, less what it paid. Each piece of
  work (a cache key: a product's analysis, a body's scene, a music bed) counts once per sweep, however
  many videos reused it, and not at all when the sweep made it itself (its videos then share what was
  paid). By asset cache hits (``assets_saved_usd``), then by whole reused videos for the work no
  hit already counted (``videos_saved_usd``). A video's own ``saved_usd`` in report.csv is what that
  video alone did not pay, so the column's sum may exceed the sweep's saving.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from adbatch.domain.manifest import MANIFEST, video_key
from adbatch.errors import ReportError

SUCCESS = ("ok", "cached")
READ = ("ok", "cached", "failed", "lost", "invalid", "skipped_cap")  # the statuses a readable manifest has
RAN = ("ok", "failed")  # videos whose wall time is a video being made (or tried) in this run
COMPONENTS = ("catalog", "script", "voice", "scenes", "music", "render")  # always listed; others when seen
NONE = "(none)"  # group label for videos that never got that far (no hook chosen, ...)


@dataclass(frozen=True)
class Targets:
    """The seed's KPI targets (README, "The report"); ``python -m adbatch.report --help`` overrides them."""

    success_rate: float = 0.95  # share of valid videos that must come out (strictly above)
    cost_per_video_usd: float = 1.50  # spend per successful video must stay below this
    minutes_per_video: float = 8.0  # p95 generation time must stay below this
    confidence: float = 0.95  # confidence level of the CTR intervals
    alpha: float = 0.05  # significance level of the winner test (Bonferroni-corrected)


def pct(values: Any, q: float) -> float | None:
    """The ``q``-th percentile (linear interpolation), or None for no values."""
    arr = np.asarray(pd.Series(values, dtype="float64").dropna())
    return float(np.percentile(arr, q)) if arr.size else None


def mean(values: Any) -> float | None:
    """The mean of the values that are numbers, or None for none."""
    arr = pd.Series(list(values), dtype="float64").dropna()
    return float(arr.mean()) if len(arr) else None


def ratio(num: float, den: float) -> float | None:
    """``num / den``, or None when there is nothing to divide by."""
    return float(num) / float(den) if den else None


def _check(value: float | None, target: float, *, below: bool) -> bool | None:
    if value is None:
        return None
    return value < target if below else value > target


def counts(videos: pd.DataFrame) -> dict[str, int]:
    """How many videos ended in each status, plus attempted, valid, succeeded and degraded (succeeded
    with fallbacks; they stay counted under their status too)."""
    status = videos["status"].value_counts()
    out = {s: int(status.get(s, 0)) for s in (*READ, "missing", "corrupt")}
    out["attempted"] = sum(out[s] for s in READ)
    out["valid"] = out["attempted"] - out["invalid"]
    out["succeeded"] = out["ok"] + out["cached"]
    out["degraded"] = int((videos["status"].isin(SUCCESS) & videos["degraded"].notna()).sum())
    return out


def gate_rate(n: dict[str, int], *, count_invalid: bool = True) -> float | None:
    """The nightly gate's success rate from ``counts``: succeeded over every video the sweep owed,
    folders whose job left no readable manifest included, invalid rows too unless ``count_invalid``
    is off (then it is the success-rate KPI plus those folders). None when nothing was owed."""
    owed = n["valid"] + n["missing"] + n["corrupt"] + (n["invalid"] if count_invalid else 0)
    return ratio(n["succeeded"], owed)


def kpis(
    videos: pd.DataFrame, calls: pd.DataFrame, targets: Targets, *, reused: pd.DataFrame | None = None
) -> dict[str, Any]:
    """The headline numbers, each with its target and pass/fail where the seed set one; ``reused``: the work the
    reused videos stand for (``report.reused_work``), else each reused video is one piece of its ``saved_usd``."""
    n = counts(videos)
    read = videos[videos["status"].isin(READ)]
    valid = read[read["status"] != "invalid"]
    total = round(math.fsum(read["cost_usd"]), 6)
    rate = ratio(n["succeeded"], n["valid"])
    per_success = ratio(total, n["succeeded"])
    made = read.loc[read["status"] == "ok", "wall_s"]
    p95 = pct(made, 95)
    return {
        "videos": n,
        "success_rate": {
            "value": rate,
            "target": targets.success_rate,
            "pass": _check(rate, targets.success_rate, below=False),
        },
        "cost": {
            "total_usd": total,
            # what earlier runs of these videos into the same folders spent (a rerun reuses; it does not erase)
            "spent_before_usd": round(math.fsum(read["spent_before_usd"].fillna(0.0)), 6)
            if "spent_before_usd" in read
            else 0.0,
            # paid requests whose reply was lost after sending, at their estimates: maybe billed, not in total_usd
            "possibly_billed_usd": round(math.fsum(read["possibly_billed_usd"].fillna(0.0)), 6),
            "per_video_mean_usd": float(valid["cost_usd"].mean()) if len(valid) else None,
            "per_video_p50_usd": pct(valid["cost_usd"], 50),
            "per_video_max_usd": float(valid["cost_usd"].max()) if len(valid) else None,
            "per_successful_video_usd": per_success,
            "target_usd": targets.cost_per_video_usd,
            "pass": _check(per_success, targets.cost_per_video_usd, below=True),
        },
        "time": {
            "p50_s": pct(made, 50),
            "p95_s": p95,
            "max_s": float(made.max()) if len(made) else None,
            "target_s": targets.minutes_per_video * 60,
            "pass": _check(p95, targets.minutes_per_video * 60, below=True),
        },
        "cache": cache(calls, n["cached"], reused=_reused_videos(read) if reused is None else reused),
    }


def api_calls(calls: pd.DataFrame) -> pd.DataFrame:
    """The calls that reached a provider (not cache hits, not refused by the cost cap before sending)."""
    return calls[~calls["cache_hit"] & (calls["attempts"] > 0)]


def _reused_videos(videos: pd.DataFrame) -> pd.DataFrame:
    """Each reused video as one piece of work worth its ``saved_usd`` (when its parts are not known)."""
    cached = videos[videos["status"] == "cached"]
    return pd.DataFrame(
        {"sweep": cached["sweep"], "key": "video:" + cached["video"], "usd": cached["saved_usd"].astype("float64")}
    )


def savings(calls: pd.DataFrame, reused: pd.DataFrame) -> tuple[float, float]:
    """(by asset cache hits, by whole reused videos): money saved, each piece of work counted once per sweep and
    not at all in a sweep that made it (see the module's definitions)."""
    assets, videos = [], []
    for sweep in sorted(set(calls["sweep"]) | set(reused["sweep"])):
        c, r = calls[calls["sweep"] == sweep], reused[reused["sweep"] == sweep]
        made = set(c.loc[~c["cache_hit"] & (c["attempts"] > 0) & c["ok"], "key"])
        hits = c[c["cache_hit"] & ~c["key"].isin(made)].groupby("key")["saved_usd"].max()
        rest = r[~r["key"].isin(made | set(hits.index))].groupby("key")["usd"].max()
        assets.append(math.fsum(hits))
        videos.append(math.fsum(rest))
    return math.fsum(assets), math.fsum(videos)


def cache(calls: pd.DataFrame, videos_reused: int, *, reused: pd.DataFrame) -> dict[str, Any]:
    """Cache hit rate over asset lookups, and money saved (``savings``): by asset cache hits, plus by whole
    videos reused by reruns (``reused``: the work each stands for, as ``report.reused_work`` lists it)."""
    hits = int(calls["cache_hit"].sum())
    lookups = hits + len(api_calls(calls))
    assets, videos_saved_usd = savings(calls, reused)
    return {
        "lookups": lookups,
        "hits": hits,
        "hit_rate": ratio(hits, lookups),
        "saved_usd": round(assets + videos_saved_usd, 6),
        "assets_saved_usd": round(assets, 6),
        "videos_saved_usd": round(videos_saved_usd, 6),
        "videos_reused": videos_reused,
    }


def providers(calls: pd.DataFrame) -> list[dict[str, Any]]:
    """Per provider and model: API calls, failures, failure rate, retries and latency p50/p95/p99."""
    out = []
    for (provider, model), g in api_calls(calls).groupby(["provider", "model"], sort=True):
        failed = int((~g["ok"]).sum())
        out.append(
            {
                "provider": provider,
                "model": model,
                "calls": len(g),
                "failed": failed,
                "failure_rate": failed / len(g),
                "retries": int((g["attempts"] - 1).clip(lower=0).sum()),
                "cost_usd": round(math.fsum(g["cost_usd"]), 6),
                "possibly_billed_usd": round(math.fsum(g["possibly_billed_usd"]), 6),
                "latency_p50_s": pct(g["latency_s"], 50),
                "latency_p95_s": pct(g["latency_s"], 95),
                "latency_p99_s": pct(g["latency_s"], 99),
            }
        )
    return out


def components(videos: pd.DataFrame) -> list[dict[str, Any]]:
    """Errors (failed, lost or invalid videos) per component, as a share of attempted videos."""
    n = counts(videos)["attempted"]
    broken = videos[videos["status"].isin(("failed", "lost", "invalid"))]
    seen = broken["error_component"].fillna("unknown").value_counts()
    names = list(COMPONENTS) + sorted(set(seen.index) - set(COMPONENTS))
    return [{"component": c, "errors": int(seen.get(c, 0)), "rate": ratio(int(seen.get(c, 0)), n)} for c in names]


GROUPS = {"archetype": "archetype", "hook_angle": "hook_angle", "hook_rank": "hook_rank", "product": "product_id"}


def group_by(videos: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    """Count, success rate (over valid videos), mean cost and mean wall time (over the videos that ran,
    ``timed``) per value of ``column``."""
    read = videos[~videos["status"].isin(("missing", "corrupt"))].copy()
    read[column] = read[column].astype("object").map(lambda v: NONE if pd.isna(v) else str(v))
    out = []
    for value, g in read.groupby(column, sort=True):
        valid, succeeded = int((g["status"] != "invalid").sum()), int(g["status"].isin(SUCCESS).sum())
        ran = g.loc[g["status"].isin(RAN), "wall_s"]
        out.append(
            {
                column: value,
                "videos": len(g),
                "succeeded": succeeded,
                "success_rate": ratio(succeeded, valid),
                "mean_cost_usd": float(g["cost_usd"].mean()),
                "mean_wall_s": mean(ran),
                "timed": int(ran.notna().sum()),
            }
        )
    return out


def groups(videos: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Every group-by the report shows: per archetype, hook angle, hook rank and product."""
    return {name: group_by(videos, column) for name, column in GROUPS.items()}


# --- variant experiments --------------------------------------------------------------------


class ResultsError(ReportError, ValueError):
    """The results CSV cannot be used: a required column is missing or a value is not a count."""


def load_results(path: Path, platforms: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Read a results CSV into one row per video key (rows for the same video are summed): adbatch's own
    columns, or a Meta / TikTok Ads Manager export as it comes (``platforms``: ``platforms.ads``, whose
    ``results`` name each platform's columns; default: conf/platforms; see ``adbatch.report.exports``)."""
    from adbatch.report import exports

    df = pd.read_csv(path, dtype=str, keep_default_na=False).rename(columns=lambda c: c.strip().lower())
    conf = platforms if platforms is not None else _shipped_ads()
    platform = exports.detect(list(df.columns), conf)
    keys: list[str]
    if platform is not None:
        df = exports.to_results(df, platform=platform, conf=conf)
        keys = list(df["video"])
    elif "video" in df.columns:
        keys = list(df["video"].map(_video_from_path))
    elif {"product_id", "archetype", "hook"} <= set(df.columns):
        keys = [video_key(p.strip(), a.strip(), h) for p, a, h in zip(df["product_id"], df["archetype"], df["hook"])]
    else:
        raise ResultsError(f"{path}: needs a 'video' column, or 'product_id', 'archetype' and 'hook'")
    missing = {"impressions", "clicks"} - set(df.columns)
    if missing:
        raise ResultsError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    out = pd.DataFrame({"video": list(keys)})
    for col in ("impressions", "clicks", "spend", "conversions"):
        out[col] = _numbers(path, df, col) if col in df.columns else (0.0 if col == "spend" else float("nan"))
    bad = out.index[out["clicks"] > out["impressions"]]
    if len(bad):
        raise ResultsError(
            f"{path} row {bad[0] + 1}: clicks ({out['clicks'][bad[0]]:g}) exceed impressions "
            f"({out['impressions'][bad[0]]:g})"
        )
    summed = out.groupby("video", sort=True).agg(
        impressions=("impressions", "sum"),
        clicks=("clicks", "sum"),
        spend=("spend", "sum"),
        conversions=("conversions", lambda s: s.sum(min_count=1)),
    )
    return summed.reset_index()


def _shipped_ads() -> Mapping[str, Any]:
    """``platforms.ads`` as shipped in conf/platforms/default.yaml."""
    from omegaconf import OmegaConf

    from adbatch.paths import CONF_DIR

    node = OmegaConf.load(CONF_DIR / "platforms" / "default.yaml").ads
    return node  # type: ignore[no-any-return]


def _video_from_path(value: str) -> str:
    """``product/archetype/hook-X`` from a folder or file path as an ad platform may have kept it."""
    parts = [p for p in value.strip().replace("\\", "/").split("/") if p and p != "."]
    if parts and parts[-1] in ("video.mp4", MANIFEST):
        parts = parts[:-1]
    return "/".join(parts[-3:])


COUNTS = ("impressions", "clicks")  # required, and whole numbers: a platform never shows half an ad


def _numbers(path: Path, df: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` as numbers (``$`` and thousands separators allowed); a bad cell names its row:
    negative anywhere, empty or fractional in ``COUNTS``."""
    values = pd.to_numeric(df[col].str.replace(r"[$,\s]", "", regex=True).replace("", "nan"), errors="coerce")
    counted = col in COUNTS
    bad = values.index[(values.isna() & counted) | (values < 0) | (counted & (values % 1 != 0) & values.notna())]
    if len(bad):
        what = "a whole count >= 0" if counted else "a number >= 0"
        raise ResultsError(f"{path} row {bad[0] + 1}, column {col!r}: {df[col][bad[0]]!r} is not {what}")
    return values.fillna(0.0) if col == "spend" else values


def join_results(videos: pd.DataFrame, results: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Results joined to the videos they measure, and the result keys that match no video.

    A video rendered in several merged sweeps counts once: its latest successful manifest gives
    its archetype and hook, and its generation cost is the sum over all of its renders."""
    done = videos[videos["status"].isin(SUCCESS)].sort_values("finished_at")
    latest = done.groupby("video").tail(1).set_index("video")[["product_id", "archetype", "hook_angle", "hook_rank"]]
    cost = videos.groupby("video")["cost_usd"].sum().rename("gen_cost_usd")
    table = results.join(latest, on="video", how="inner").join(cost, on="video")
    table["hook_angle"] = table["hook_angle"].fillna(NONE)
    return table, sorted(set(results["video"]) - set(latest.index))


def wilson(clicks: int, impressions: int, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Wilson score interval for a click-through rate (good at small counts and near 0 %)."""
    if impressions <= 0:
        return None, None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p, n = clicks / impressions, impressions
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion(c1: int, n1: int, c2: int, n2: int) -> tuple[float, float]:
    """Pooled two-proportion z-test: (z, two-sided p-value) for CTR ``c1/n1`` against ``c2/n2``."""
    pooled = (c1 + c2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (c1 / n1 - c2 / n2) / se
    return z, 2 * NormalDist().cdf(-abs(z))


def rates(table: pd.DataFrame, by: str, targets: Targets) -> list[dict[str, Any]]:
    """Per value of ``by``: impressions, clicks, CTR with its interval, and cost per click/conversion
    counting ad spend plus what the videos cost to generate."""
    out = []
    for value, g in table.groupby(by, sort=True):
        imp, clicks = int(g["impressions"].sum()), int(g["clicks"].sum())
        conv = g["conversions"].sum(min_count=1)
        total = float(g["spend"].sum()) + float(g["gen_cost_usd"].sum())
        low, high = wilson(clicks, imp, targets.confidence)
        out.append(
            {
                by: value,
                "videos": len(g),
                "impressions": imp,
                "clicks": clicks,
                "ctr": ratio(clicks, imp),
                "ctr_low": low,
                "ctr_high": high,
                "spend_usd": float(g["spend"].sum()),
                "gen_cost_usd": float(g["gen_cost_usd"].sum()),
                "conversions": None if pd.isna(conv) else int(conv),
                "cost_per_click_usd": ratio(total, clicks),
                "cost_per_conversion_usd": None if pd.isna(conv) else ratio(total, int(conv)),
            }
        )
    return out


def winners(table: pd.DataFrame, targets: Targets) -> list[dict[str, Any]]:
    """Per product, the variant with the highest CTR, a winner only if it beats every other variant
    (two-proportion z-test, p-values Bonferroni-corrected for the number of comparisons)."""
    out = []
    for product, g in table[table["impressions"] > 0].groupby("product_id", sort=True):
        g = g.assign(ctr=g["clicks"] / g["impressions"]).sort_values(["ctr", "impressions"], ascending=False)
        lead, rest = g.iloc[0], g.iloc[1:]
        row = {
            "product_id": product,
            "variants": len(g),
            "leader": lead["video"],
            "archetype": lead["archetype"],
            "hook_angle": lead["hook_angle"],
            "ctr": float(lead["ctr"]),
            "runner_up": None,
            "p_value": None,
            "significant": False,
            "winner": None,
        }
        if len(rest):
            ps = [
                two_proportion(int(lead["clicks"]), int(lead["impressions"]), int(r["clicks"]), int(r["impressions"]))[
                    1
                ]
                for _, r in rest.iterrows()
            ]
            p = min(1.0, max(ps) * len(rest))
            row.update(runner_up=rest.iloc[0]["video"], p_value=p, significant=p < targets.alpha)
            row["winner"] = lead["video"] if row["significant"] else None
        out.append(row)
    return out


def experiment(table: pd.DataFrame, targets: Targets, unmatched: list[str]) -> dict[str, Any]:
    """The variant report: per-video CTRs, per hook angle and archetype, winners per product, and the
    videos whose results cannot give a CTR: ``unmatched`` keys and ``zero_impressions`` (listed, warned)."""
    per_video = []
    for _, r in table.sort_values("video").iterrows():
        low, high = wilson(int(r["clicks"]), int(r["impressions"]), targets.confidence)
        per_video.append(
            {
                "video": r["video"],
                "product_id": r["product_id"],
                "archetype": r["archetype"],
                "hook_angle": r["hook_angle"],
                "impressions": int(r["impressions"]),
                "clicks": int(r["clicks"]),
                "ctr": ratio(int(r["clicks"]), int(r["impressions"])),
                "ctr_low": low,
                "ctr_high": high,
            }
        )
    return {
        "confidence": targets.confidence,
        "alpha": targets.alpha,
        "videos": per_video,
        "hook_angle": rates(table, "hook_angle", targets),
        "archetype": rates(table, "archetype", targets),
        "winners": winners(table, targets),
        "unmatched": unmatched,
        "zero_impressions": sorted(table.loc[table["impressions"] == 0, "video"]),
    }
