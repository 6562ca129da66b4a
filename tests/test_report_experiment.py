"""Variant experiments: joining ad-platform results to videos, CTR intervals and the winner test.

scipy is the reference for the statistics (adbatch computes them with the standard library)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scipy import stats as sp

from adbatch.report import report, stats
from adbatch.report.stats import two_proportion, wilson
from tests.helpers_report import call, video, write_sweep


def sweep_of_variants(root: Path) -> Path:
    """alpha in ugc (curiosity) and pov (benefit), beta in ugc (curiosity); every video cost $1.00."""
    gen = [call("scenes", cost_usd=1.0)]
    return write_sweep(
        root,
        [
            video("alpha", angle="curiosity", calls=gen),
            video("alpha", archetype="pov", angle="benefit", calls=gen),
            video("beta", angle="curiosity", calls=gen),
        ],
    )


def results_csv(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def experiment(tmp_path: Path, csv_text: str) -> dict:
    sweep = sweep_of_variants(tmp_path / "sweep")
    return report.build([sweep], results=results_csv(tmp_path / "results.csv", csv_text)).summary["experiment"]


@pytest.mark.parametrize(("clicks", "n"), [(30, 1000), (0, 250), (7, 7), (1, 3), (412, 98_000)])
def test_wilson_interval_matches_scipy(clicks: int, n: int) -> None:
    """The CTR interval is the Wilson score interval, as scipy's binomtest computes it."""
    ref = sp.binomtest(clicks, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson(clicks, n, 0.95) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_wilson_interval_follows_the_confidence_level() -> None:
    """A 99 % interval is scipy's 99 % interval (and wider than the 95 % one)."""
    ref = sp.binomtest(30, 1000).proportion_ci(confidence_level=0.99, method="wilson")
    assert wilson(30, 1000, 0.99) == pytest.approx((ref.low, ref.high), abs=1e-12)


@pytest.mark.parametrize(
    ("c1", "n1", "c2", "n2"), [(30, 1000, 20, 1000), (45, 1500, 20, 1200), (5, 80, 1, 90), (300, 10_000, 310, 10_000)]
)
def test_two_proportion_p_value_matches_scipy(c1: int, n1: int, c2: int, n2: int) -> None:
    """The pooled two-proportion z-test's p-value equals the uncorrected chi-square test of the 2x2 table."""
    ref = sp.chi2_contingency([[c1, n1 - c1], [c2, n2 - c2]], correction=False)
    z, p = two_proportion(c1, n1, c2, n2)
    assert p == pytest.approx(ref.pvalue, rel=1e-9)
    assert z * z == pytest.approx(ref.statistic, rel=1e-9)


def test_two_proportion_of_identical_zero_rates_is_not_significant() -> None:
    """No clicks on either side: nothing to tell apart, p = 1."""
    assert two_proportion(0, 100, 0, 200) == (0.0, 1.0)


def test_results_join_by_video_column(tmp_path: Path) -> None:
    """A ``video`` column names the folder (``product/archetype/hook-X``), with or without ``/video.mp4``."""
    x = experiment(
        tmp_path,
        """
video,impressions,clicks
alpha/ugc/hook-best,1000,30
outputs/multirun/2026-11-24/02-00-00/alpha/pov/hook-best/video.mp4,1000,20
""",
    )
    assert {v["video"]: v["clicks"] for v in x["videos"]} == {"alpha/ugc/hook-best": 30, "alpha/pov/hook-best": 20}


def test_results_join_by_product_archetype_and_hook_columns(tmp_path: Path) -> None:
    """Without ``video``, ``product_id,archetype,hook`` name the video (hook as requested: best or a rank)."""
    x = experiment(
        tmp_path,
        """
product_id,archetype,hook,impressions,clicks
alpha,ugc,best,1000,30
beta,ugc,hook-best,500,5
""",
    )
    assert {v["video"] for v in x["videos"]} == {"alpha/ugc/hook-best", "beta/ugc/hook-best"}


def test_rows_for_the_same_video_are_added_up(tmp_path: Path) -> None:
    """Two days of results for one video become one variant with the summed counts."""
    x = experiment(
        tmp_path,
        """
video,impressions,clicks
alpha/ugc/hook-best,600,10
alpha/ugc/hook-best,400,20
""",
    )
    assert [(v["impressions"], v["clicks"]) for v in x["videos"]] == [(1000, 30)]


def test_results_that_match_no_video_are_listed(tmp_path: Path) -> None:
    """A row for a video the sweeps never made is reported as unmatched, not dropped silently."""
    x = experiment(
        tmp_path,
        """
video,impressions,clicks
alpha/ugc/hook-best,1000,30
ghost/ugc/hook-best,1000,99
""",
    )
    assert x["unmatched"] == ["ghost/ugc/hook-best"]


def test_ctr_per_hook_angle_pools_its_videos(tmp_path: Path) -> None:
    """curiosity = alpha/ugc + beta/ugc: 45 clicks in 1500 impressions, with the Wilson interval of 45/1500."""
    x = experiment(
        tmp_path,
        """
video,impressions,clicks
alpha/ugc/hook-best,1000,30
alpha/pov/hook-best,1000,20
beta/ugc/hook-best,500,15
""",
    )
    curiosity = next(r for r in x["hook_angle"] if r["hook_angle"] == "curiosity")
    assert (curiosity["impressions"], curiosity["clicks"], curiosity["ctr"]) == (1500, 45, pytest.approx(0.03))
    assert (curiosity["ctr_low"], curiosity["ctr_high"]) == pytest.approx(wilson(45, 1500))
    assert {r["archetype"]: r["clicks"] for r in x["archetype"]} == {"pov": 20, "ugc": 45}


def test_cost_per_click_and_conversion_include_generation_cost(tmp_path: Path) -> None:
    """pov: ($9 ad spend + $1 to make the video) / 20 clicks = $0.50; / 4 conversions = $2.50."""
    x = experiment(
        tmp_path,
        """
video,impressions,clicks,spend,conversions
alpha/pov/hook-best,1000,20,$9.00,4
""",
    )
    pov = x["archetype"][0]
    assert (pov["cost_per_click_usd"], pov["cost_per_conversion_usd"]) == pytest.approx((0.50, 2.50))


def test_conversions_are_optional(tmp_path: Path) -> None:
    """Without a conversions column there is no cost per conversion, and no crash."""
    x = experiment(tmp_path, "video,impressions,clicks\nalpha/pov/hook-best,1000,20\n")
    assert x["archetype"][0]["conversions"] is None and x["archetype"][0]["cost_per_conversion_usd"] is None


def test_winner_is_declared_when_the_difference_is_significant(tmp_path: Path) -> None:
    """alpha: 60/1000 against 20/1000 (p ~ 1e-5): ugc wins."""
    x = experiment(tmp_path, "video,impressions,clicks\nalpha/ugc/hook-best,1000,60\nalpha/pov/hook-best,1000,20\n")
    alpha = next(w for w in x["winners"] if w["product_id"] == "alpha")
    assert alpha["winner"] == "alpha/ugc/hook-best" and alpha["significant"] is True
    assert alpha["p_value"] == pytest.approx(two_proportion(60, 1000, 20, 1000)[1])


def test_no_winner_when_the_difference_is_noise(tmp_path: Path) -> None:
    """alpha: 30/1000 against 25/1000 is within chance: the leader is shown, no winner is named."""
    x = experiment(tmp_path, "video,impressions,clicks\nalpha/ugc/hook-best,1000,30\nalpha/pov/hook-best,1000,25\n")
    alpha = next(w for w in x["winners"] if w["product_id"] == "alpha")
    assert alpha["leader"] == "alpha/ugc/hook-best" and alpha["winner"] is None and alpha["p_value"] > 0.05


def test_winner_test_is_corrected_for_several_comparisons(tmp_path: Path) -> None:
    """Three variants: a raw p of 0.03 against the runner-up is 0.06 after Bonferroni (x2): no winner."""
    sweep = write_sweep(tmp_path / "sweep", [video("alpha", hook=h, rank=int(h)) for h in ("1", "2", "3")])
    c2 = next(c for c in range(100, 0, -1) if 0.025 < two_proportion(130, 3000, c, 3000)[1] < 0.05)
    csv_text = (
        f"product_id,archetype,hook,impressions,clicks\n"
        f"alpha,ugc,1,3000,130\nalpha,ugc,2,3000,{c2}\nalpha,ugc,3,3000,20\n"
    )
    x = report.build([sweep], results=results_csv(tmp_path / "r.csv", csv_text)).summary["experiment"]
    alpha = x["winners"][0]
    assert alpha["winner"] is None
    assert alpha["p_value"] == pytest.approx(2 * two_proportion(130, 3000, c2, 3000)[1])


def test_a_product_with_one_variant_has_no_winner(tmp_path: Path) -> None:
    """beta has only one video with results: nothing to compare."""
    x = experiment(tmp_path, "video,impressions,clicks\nbeta/ugc/hook-best,1000,60\n")
    (beta,) = x["winners"]
    assert (beta["variants"], beta["runner_up"], beta["p_value"], beta["winner"]) == (1, None, None, None)


def test_clicks_above_impressions_is_an_error_naming_the_row(tmp_path: Path) -> None:
    """The results file is refused with its row number; no half-joined report is written."""
    path = results_csv(
        tmp_path / "r.csv", "video,impressions,clicks\nalpha/ugc/hook-best,100,5\nbeta/ugc/hook-best,10,50\n"
    )
    with pytest.raises(stats.ResultsError, match="row 2: clicks"):
        stats.load_results(path)


def test_results_without_a_video_key_are_refused(tmp_path: Path) -> None:
    """Neither ``video`` nor ``product_id,archetype,hook``: the error says which columns are needed."""
    path = results_csv(tmp_path / "r.csv", "ad,impressions,clicks\nx,100,5\n")
    with pytest.raises(stats.ResultsError, match="'video' column"):
        stats.load_results(path)


def test_cli_reports_a_bad_results_file_with_exit_code_2(tmp_path: Path, capsys) -> None:
    """``--results`` with a non-numeric count: exit 2 and a message on stderr, not a traceback."""
    sweep = sweep_of_variants(tmp_path / "sweep")
    bad = results_csv(tmp_path / "r.csv", "video,impressions,clicks\nalpha/ugc/hook-best,lots,5\n")
    assert report.main([str(sweep), "--results", str(bad)]) == 2
    assert "column 'impressions'" in capsys.readouterr().err


def test_experiment_section_is_in_the_page(tmp_path: Path) -> None:
    """report.html shows the experiment tables and names the winner."""
    sweep = sweep_of_variants(tmp_path / "sweep")
    path = results_csv(
        tmp_path / "r.csv", "video,impressions,clicks\nalpha/ugc/hook-best,1000,60\nalpha/pov/hook-best,1000,20\n"
    )
    html = (report.build([sweep], results=path).out / "report.html").read_text(encoding="utf-8")
    assert 'id="experiment"' in html and "<b>alpha/ugc/hook-best</b>" in html


@pytest.mark.parametrize("value", ["2.5", "-3"])
def test_fractional_or_negative_clicks_are_an_error_naming_the_row(tmp_path: Path, value: str) -> None:
    """Half a click or minus three clicks is not a count: refused, naming the row and the cell."""
    text = f"video,impressions,clicks\nalpha/ugc/hook-best,100,5\nbeta/ugc/hook-best,100,{value}\n"
    with pytest.raises(stats.ResultsError, match=rf"row 2, column 'clicks': '{value}' is not a whole count"):
        stats.load_results(results_csv(tmp_path / "r.csv", text))


def test_fractional_impressions_are_an_error_naming_the_row(tmp_path: Path) -> None:
    """Impressions are counts too: ``99.5`` names its row."""
    path = results_csv(tmp_path / "r.csv", "video,impressions,clicks\nalpha/ugc/hook-best,99.5,5\n")
    with pytest.raises(stats.ResultsError, match=r"row 1, column 'impressions': '99.5'"):
        stats.load_results(path)


def test_zero_impressions_are_listed_and_warned_about(tmp_path: Path) -> None:
    """A video never shown has no CTR: it is listed in the summary, the printed summary and on the page."""
    sweep = sweep_of_variants(tmp_path / "sweep")
    path = results_csv(
        tmp_path / "r.csv", "video,impressions,clicks\nalpha/ugc/hook-best,1000,30\nbeta/ugc/hook-best,0,0\n"
    )
    built = report.build([sweep], results=path)
    assert built.summary["experiment"]["zero_impressions"] == ["beta/ugc/hook-best"]
    assert "Warning: 1 video(s) have zero impressions, so no CTR: beta/ugc/hook-best." in built.paragraph()
    html = (built.out / "report.html").read_text(encoding="utf-8")
    assert 'id="zero-impressions"' in html and "<code>beta/ugc/hook-best</code>" in html


def test_unknown_video_ids_are_named_in_the_printed_summary(tmp_path: Path, capsys) -> None:
    """The CLI's summary names each results video that matches no video of the sweep."""
    sweep = sweep_of_variants(tmp_path / "sweep")
    path = results_csv(
        tmp_path / "r.csv",
        "video,impressions,clicks\nalpha/ugc/hook-best,1000,30\nghost/ugc/hook-best,10,1\nalpha/tiktok/hook-9,5,1\n",
    )
    assert report.main([str(sweep), "--results", str(path)]) == 0
    out = capsys.readouterr().out
    assert "2 results video(s) match no video in the report: alpha/tiktok/hook-9, ghost/ugc/hook-best." in out


def test_per_video_ctr_is_on_the_page(tmp_path: Path) -> None:
    """Each joined video has its own row with impressions, clicks and CTR in the page's per-video table."""
    sweep = sweep_of_variants(tmp_path / "sweep")
    path = results_csv(
        tmp_path / "r.csv", "video,impressions,clicks\nalpha/ugc/hook-best,1000,60\nalpha/pov/hook-best,800,20\n"
    )
    html = (report.build([sweep], results=path).out / "report.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="ctr-row">(.*?)</tr>', html, flags=re.S)
    assert len(rows) == 2
    assert "alpha/pov/hook-best" in rows[0] and ">800<" in rows[0] and ">20<" in rows[0] and "2.50 %" in rows[0]
    assert "alpha/ugc/hook-best" in rows[1] and "6.00 %" in rows[1]
