"""KPI maths on a hand-built sweep whose answers are worked out by hand below.

The sweep (costs in USD, times in seconds):

    alpha/ugc  ok          script .10 | voice .20 (3 attempts) | scenes .50 | music cache hit (saved .30)   60 s
    alpha/pov  ok          script .10 | voice .20 (2 attempts) | scenes .70                                 120 s
    beta/ugc   failed      script .10 | scenes failed after 4 attempts (error in the "assets" stage)          30 s
    beta/pov   invalid     bad catalog row, no calls                                                        0.1 s
    gamma/ugc  skipped_cap script .10 | scenes refused by the cap before sending (0 attempts)                 20 s
    gamma/pov  cached      reused from an earlier run, no calls (making it again: .85)                      0.5 s
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from adbatch.report import report
from adbatch.report.stats import Targets
from tests.helpers_report import call, video, write_sweep

SCRIPT = dict(provider="anthropic", model="claude", latency_s=1.0)
VOICE = dict(provider="eleven", model="v2")
SCENES = dict(provider="replicate", model="flux")


def known_manifests():
    return [
        video(
            "alpha",
            calls=[
                call("script", cost_usd=0.10, **SCRIPT),
                call("voice", cost_usd=0.20, latency_s=2.0, attempts=3, **VOICE),
                call("scenes", cost_usd=0.50, latency_s=4.0, **SCENES),
                call("music", provider="synth", model="s1", cache_hit=True, attempts=0, saved_usd=0.30),
            ],
            total_s=60.0,
        ),
        video(
            "alpha",
            archetype="pov",
            angle="benefit",
            calls=[
                call("script", cost_usd=0.10, **SCRIPT),
                call("voice", cost_usd=0.20, latency_s=3.0, attempts=2, **VOICE),
                call("scenes", cost_usd=0.70, latency_s=6.0, **SCENES),
            ],
            total_s=120.0,
        ),
        video(
            "beta",
            status="failed",
            calls=[
                call("script", cost_usd=0.10, **SCRIPT),
                call("scenes", latency_s=10.0, attempts=4, ok=False, error="HTTP 500", **SCENES),
            ],
            error=("assets", "HTTP 500 from replicate"),
            total_s=30.0,
        ),
        video("beta", archetype="pov", status="invalid", rank=None, error=("catalog", "row 2: bad image"), total_s=0.1),
        video(
            "gamma",
            status="skipped_cap",
            calls=[
                call("script", cost_usd=0.10, **SCRIPT),
                call("scenes", attempts=0, ok=False, error="CapExceeded", **SCENES),
            ],
            error=("assets", "per-video cap"),
            total_s=20.0,
        ),
        video("gamma", archetype="pov", status="cached", total_s=0.5, saved_usd=0.85, reused_from="earlier/run"),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> report.Report:
    sweep = write_sweep(tmp_path_factory.mktemp("known"), known_manifests())
    return report.build([sweep])


@pytest.fixture(scope="module")
def k(built) -> dict:
    return built.summary["kpis"]


@pytest.fixture(scope="module")
def rows(built) -> dict[str, dict[str, str]]:
    with (built.out / "report.csv").open(newline="", encoding="utf-8") as fh:
        return {r["video"]: r for r in csv.DictReader(fh)}


def test_status_counts_split_every_outcome(k) -> None:
    """Six videos: 2 ok, 1 cached, 1 failed, 1 invalid, 1 skipped by the cap; 5 valid, 3 succeeded."""
    assert k["videos"] == {
        "ok": 2,
        "cached": 1,
        "failed": 1,
        "lost": 0,
        "invalid": 1,
        "skipped_cap": 1,
        "missing": 0,
        "corrupt": 0,
        "attempted": 6,
        "valid": 5,
        "succeeded": 3,
        "degraded": 0,
    }


def test_success_rate_is_succeeded_over_valid_videos(k) -> None:
    """3 of 5 valid videos came out (cached counts as success): 60 %, which fails the > 95 % target."""
    assert k["success_rate"] == {"value": pytest.approx(0.6), "target": 0.95, "pass": False}


def test_total_spend_is_the_sum_of_video_costs_to_the_cent(k, rows) -> None:
    """$0.80 + $1.00 + $0.10 + $0.10 = $2.00, and the CSV's per-video costs add up to the same."""
    assert k["cost"]["total_usd"] == pytest.approx(2.00, abs=1e-9)
    assert round(sum(float(r["cost_usd"]) for r in rows.values()), 2) == round(k["cost"]["total_usd"], 2)


def test_cost_per_video_is_taken_over_valid_videos(k) -> None:
    """Valid videos cost [.80, 1.00, .10, .10, 0]: mean .40, median .10, max 1.00."""
    cost = k["cost"]
    assert (cost["per_video_mean_usd"], cost["per_video_p50_usd"], cost["per_video_max_usd"]) == pytest.approx(
        (0.40, 0.10, 1.00)
    )


def test_cost_per_successful_video_carries_the_spend_on_failures(k) -> None:
    """$2.00 over 3 successful videos = $0.667, under the $1.50 target."""
    assert k["cost"]["per_successful_video_usd"] == pytest.approx(2.0 / 3)
    assert k["cost"]["pass"] is True


def test_generation_time_percentiles_cover_videos_made_in_the_run(k) -> None:
    """Only the two ok videos (60 s, 120 s) were generated: p50 90 s, p95 117 s, max 120 s; under 8 min."""
    assert (k["time"]["p50_s"], k["time"]["p95_s"], k["time"]["max_s"]) == pytest.approx((90.0, 117.0, 120.0))
    assert k["time"]["target_s"] == 480.0 and k["time"]["pass"] is True


def test_cache_hit_rate_counts_hits_over_lookups_that_reached_cache_or_api(k) -> None:
    """1 hit among 9 API calls (the cap-refused call never left) = 1 of 10 lookups; $0.30 saved by the asset
    cache and $0.85 by the reused video: $1.15."""
    assert k["cache"] == {
        "lookups": 10,
        "hits": 1,
        "hit_rate": pytest.approx(0.1),
        "saved_usd": pytest.approx(1.15),
        "assets_saved_usd": pytest.approx(0.3),
        "videos_saved_usd": pytest.approx(0.85),
        "videos_reused": 1,
    }


def test_a_reused_videos_row_says_what_reusing_it_saved(rows) -> None:
    gamma = rows["gamma/pov/hook-best"]
    assert float(gamma["saved_usd"]) == pytest.approx(0.85) and float(gamma["cost_usd"]) == 0


def test_retries_are_attempts_minus_one_per_api_call(rows) -> None:
    """alpha/ugc retried its voice twice; beta/ugc its scenes three times; a cache hit retries nothing."""
    assert {v: int(r["retries"]) for v, r in rows.items()} == {
        "alpha/ugc/hook-best": 2,
        "alpha/pov/hook-best": 1,
        "beta/ugc/hook-best": 3,
        "beta/pov/hook-best": 0,
        "gamma/ugc/hook-best": 0,
        "gamma/pov/hook-best": 0,
    }


def test_provider_failure_rate_and_latency_percentiles(built) -> None:
    """replicate/flux: 3 calls reached it (4, 6, 10 s), 1 failed; p50 6, p95 9.6, p99 9.92 (linear)."""
    flux = next(p for p in built.summary["providers"] if p["model"] == "flux")
    assert (flux["calls"], flux["failed"], flux["retries"]) == (3, 1, 3)
    assert flux["failure_rate"] == pytest.approx(1 / 3)
    expected = np.percentile([4.0, 6.0, 10.0], [50, 95, 99])
    assert [flux["latency_p50_s"], flux["latency_p95_s"], flux["latency_p99_s"]] == pytest.approx(list(expected))
    assert list(expected) == pytest.approx([6.0, 9.6, 9.92])


def test_providers_are_listed_per_provider_and_model(built) -> None:
    """Cache hits are not API calls: synth/s1 (only a hit) is absent; the others have their call counts."""
    assert {(p["provider"], p["model"]): p["calls"] for p in built.summary["providers"]} == {
        ("anthropic", "claude"): 4,
        ("eleven", "v2"): 2,
        ("replicate", "flux"): 3,
    }


def test_asset_stage_error_is_blamed_on_the_failed_call(rows) -> None:
    """beta/ugc failed in the "assets" fan-out; its component is the call that failed: scenes."""
    assert rows["beta/ugc/hook-best"]["error_component"] == "scenes"
    assert rows["beta/ugc/hook-best"]["error_message"] == "HTTP 500 from replicate"


def test_error_rate_by_component_lists_every_seed_component(built) -> None:
    """catalog 1/6 and scenes 1/6; script, voice, music and render listed at 0; a cap skip is not an error."""
    rates = {c["component"]: (c["errors"], c["rate"]) for c in built.summary["components"]}
    assert rates == {
        "catalog": (1, pytest.approx(1 / 6)),
        "script": (0, 0.0),
        "voice": (0, 0.0),
        "scenes": (1, pytest.approx(1 / 6)),
        "music": (0, 0.0),
        "render": (0, 0.0),
    }


def test_group_by_archetype_has_count_success_cost_and_time(built) -> None:
    """ugc: 3 videos, 1 of 3 valid ok, mean cost $0.333, mean time 45 s over the 2 that ran (ok 60 s, failed
    30 s; the skipped one never ran); pov: 3 videos, 2 of 2 valid ok, mean time 120 s: only alpha/pov ran
    (the invalid row's 0.1 s and the reused video's 0.5 s are left out)."""
    ugc, pov = (next(g for g in built.summary["groups"]["archetype"] if g["archetype"] == a) for a in ("ugc", "pov"))
    assert (ugc["videos"], ugc["success_rate"], ugc["mean_cost_usd"], ugc["mean_wall_s"]) == (
        3,
        pytest.approx(1 / 3),
        pytest.approx(1.0 / 3),
        pytest.approx(45.0),
    )
    assert (ugc["timed"], pov["timed"]) == (2, 1)
    assert (pov["videos"], pov["success_rate"], pov["mean_cost_usd"], pov["mean_wall_s"]) == (
        3,
        1.0,
        pytest.approx(1.0 / 3),
        pytest.approx(120.0),
    )


def test_group_by_hook_puts_videos_without_a_hook_under_none(built) -> None:
    """The invalid row never chose a hook: it is grouped as "(none)" by angle and by rank."""
    angles = {g["hook_angle"]: g["videos"] for g in built.summary["groups"]["hook_angle"]}
    ranks = {g["hook_rank"]: g["videos"] for g in built.summary["groups"]["hook_rank"]}
    assert angles == {"benefit": 1, "curiosity": 4, "(none)": 1} and ranks == {"1": 5, "(none)": 1}


def test_group_by_product_covers_every_product(built) -> None:
    """One row per product, each with its two videos."""
    assert {g["product_id"]: g["videos"] for g in built.summary["groups"]["product"]} == {
        "alpha": 2,
        "beta": 2,
        "gamma": 2,
    }


def test_cost_columns_per_stage_and_per_provider_add_up_to_the_video_cost(rows) -> None:
    """alpha/pov: script .10 + voice .20 + scenes .70 = 1.00, by stage and by provider alike."""
    r = {k: float(v) for k, v in rows["alpha/pov/hook-best"].items() if k.startswith("cost_")}
    stages = sum(v for k, v in r.items() if k.startswith("cost_stage_"))
    providers = sum(v for k, v in r.items() if k.startswith("cost_provider_"))
    assert (r["cost_stage_scenes_usd"], r["cost_provider_replicate_usd"]) == (0.7, 0.7)
    assert stages == pytest.approx(r["cost_usd"]) and providers == pytest.approx(r["cost_usd"])


def test_time_columns_are_whatever_stages_the_manifests_timed(tmp_path: Path) -> None:
    """A stage the report has never heard of ("upload") gets its own time column."""
    m = video("alpha", timings={"catalog": 1.0, "upload": 4.0, "total": 5.0})
    videos, _ = report.tables(report.scan(write_sweep(tmp_path, [m])))
    assert {"time_catalog_s", "time_upload_s", "wall_s"} <= set(videos.columns)
    assert videos.loc[0, "time_upload_s"] == 4.0 and "time_total_s" not in videos.columns


def test_targets_can_be_overridden(tmp_path: Path) -> None:
    """With a $0.50 target, $0.667 per successful video fails; with 50 % success, 60 % passes."""
    sweep = write_sweep(tmp_path / "s", known_manifests())
    k = report.build([sweep], targets=Targets(cost_per_video_usd=0.5, success_rate=0.5)).summary["kpis"]
    assert (k["cost"]["pass"], k["success_rate"]["pass"]) == (False, True)


def test_group_time_is_none_when_no_video_of_the_group_ran(built) -> None:
    """Product beta has a failed video (30 s) and an invalid row; gamma only a skipped and a reused one."""
    by = {g["product_id"]: g for g in built.summary["groups"]["product"]}
    assert (by["beta"]["mean_wall_s"], by["beta"]["timed"]) == (pytest.approx(30.0), 1)
    assert (by["gamma"]["mean_wall_s"], by["gamma"]["timed"]) == (None, 0)


def test_report_csv_has_a_degraded_column(rows) -> None:
    """``degraded`` is empty for a video made without fallbacks (older manifests have no such key)."""
    assert rows["alpha/ugc/hook-best"]["degraded"] == ""


def test_savings_count_a_shared_product_analysis_once(tmp_path: Path) -> None:
    """Both archetypes of a product took its analysis ($0.02) from the cache, and a third video reused whole stands
    for it too: the sweep saved the analysis once ($0.02), plus the reused video's other work ($0.60), not $0.66."""
    vision = dict(provider="anthropic", model="claude", key="vision-alpha", cache_hit=True, attempts=0, saved_usd=0.02)
    made = [
        video("alpha", archetype=a, calls=[call("vision", **vision), call("script", cost_usd=0.10, key=f"script-{a}")])
        for a in ("ugc", "pov")
    ]
    reused = video(
        "alpha",
        hook="2",
        status="cached",
        saved_usd=0.62,
        reused_from="earlier/run",
        reused_work={"vision-alpha": 0.02, "script-ugc-2": 0.10, "scenes-ugc-2": 0.50},
    )
    cache = report.build([write_sweep(tmp_path / "s", [*made, reused])]).summary["kpis"]["cache"]
    assert cache["assets_saved_usd"] == pytest.approx(0.02) and cache["videos_saved_usd"] == pytest.approx(0.60)
    assert cache["saved_usd"] == pytest.approx(0.62)


def test_savings_leave_out_work_the_sweep_made_itself(tmp_path: Path) -> None:
    """One video pays for a scene ($0.50), its hook variant takes it from the cache: the sweep paid for the scene,
    so a run on an empty cache would pay the same; nothing was saved."""
    scene = dict(provider="replicate", model="kling", key="scene-body")
    videos = [
        video("alpha", hook="1", calls=[call("scenes", cost_usd=0.50, **scene)]),
        video("alpha", hook="2", calls=[call("scenes", cache_hit=True, attempts=0, saved_usd=0.50, **scene)]),
    ]
    built = report.build([write_sweep(tmp_path / "s", videos)])
    assert built.summary["kpis"]["cache"]["saved_usd"] == 0 and built.summary["kpis"]["cache"]["hits"] == 1
    rows = {r["hook_requested"]: r for r in csv.DictReader((tmp_path / "s" / "report.csv").open())}
    assert float(rows["2"]["saved_usd"]) == pytest.approx(0.50)  # what that video alone did not pay
