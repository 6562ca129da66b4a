"""Upload sheets out (ads.csv) and platform results back (Meta / TikTok Ads Manager exports)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from omegaconf import OmegaConf

from adbatch.domain.manifest import Outputs
from adbatch.report import ads, report, stats
from adbatch.report.exports import _plain_number
from tests.feeds_helpers import EXAMPLES
from tests.helpers_report import folder_of, video, write_sweep

CONF = OmegaConf.load(ads.SHIPPED).ads
LONG = "Tired of dull skin that never seems to glow. " * 5


def sweep_with(tmp_path: Path, rows: list[dict[str, str]], manifests: list, voice: list[str]) -> Path:
    """A sweep of ``manifests`` whose jobs read ``rows`` (an adbatch CSV) and spoke ``voice``."""
    sweep = write_sweep(tmp_path / "2026-11-24" / "02-00-00", manifests)
    cat = tmp_path / "catalog.csv"
    with cat.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "name", "description", "image", "cta", "url"])
        writer.writeheader()
        writer.writerows(rows)
    for m in manifests:
        folder = folder_of(sweep, m)
        (folder / ".hydra" / "config.yaml").write_text(OmegaConf.to_yaml({"products": str(cat), "brand": {}}))
        cues = [{"slot": f"s{i}", "text": t, "start": float(i)} for i, t in enumerate(voice)]
        (folder / "timeline.json").write_text(json.dumps({"voice": cues}))
    return sweep


def row(pid: str, **over: str) -> dict[str, str]:
    return {"id": pid, "name": pid.title(), "description": "d", "image": "x.png", "cta": "Shop now", "url": ""} | over


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_ads_csv_lists_every_ok_video_in_the_meta_sheet(tmp_path: Path) -> None:
    """Ok and cached videos get a row each (failed ones none), named adbatch:<product>/<archetype>/<hook>."""
    ms = [
        video("alpha-mug"),
        video("beta-lamp", status="cached", outputs=Outputs(video="video.mp4")),
        video("gamma", status="failed", error=("x", "y")),
    ]
    sweep = sweep_with(tmp_path, [row("alpha-mug"), row("beta-lamp"), row("gamma")], ms, ["Hi there."])
    rows = read(ads.write(report.scan(sweep), sweep))
    assert list(rows[0]) == list(CONF.meta.columns.values())
    assert [r["Ad Name"] for r in rows] == ["adbatch:alpha-mug/ugc/best", "adbatch:beta-lamp/ugc/best"]
    assert rows[0]["Video File Name"] == "alpha-mug/ugc/hook-best/video.mp4"


def test_copy_is_cut_to_each_platforms_character_limits(tmp_path: Path) -> None:
    """Meta's primary text <= 125 and headline <= 40, TikTok's ad text <= 100, each ending on a sentence or word."""
    hook = "Your skin called and it wants this serum back right now"
    sweep = sweep_with(tmp_path, [row("alpha-mug")], [video("alpha-mug", text=hook)], [LONG])
    meta = read(ads.write(report.scan(sweep), sweep))[0]
    tiktok = read(ads.write(report.scan(sweep), tmp_path / "tt", platform="tiktok"))[0]
    assert len(meta["Body"]) <= 125 and meta["Body"].endswith("glow.") and LONG.startswith(meta["Body"])
    assert len(meta["Title"]) <= 40 and hook.startswith(meta["Title"]) and not meta["Title"].endswith(" ")
    assert len(tiktok["Ad Text"]) <= 100 and tiktok["Ad Text"].endswith("glow.")
    assert list(tiktok) == list(CONF.tiktok.columns.values())


def test_landing_url_carries_utm_parameters(tmp_path: Path) -> None:
    """utm_source = platform, utm_campaign = sweep, utm_content = ad name; the URL's own parameters stay,
    except a utm_* of the same name, which ours replace."""
    url = "https://shop.example.com/p/alpha?ref=news&utm_source=old"
    sweep = sweep_with(tmp_path, [row("alpha-mug", url=url)], [video("alpha-mug")], ["Hi."])
    link = read(ads.write(report.scan(sweep), sweep))[0]["Link"]
    query = parse_qs(urlsplit(link).query)
    assert link.startswith("https://shop.example.com/p/alpha?")
    assert query == {
        "ref": ["news"],
        "utm_source": ["meta"],
        "utm_medium": ["paid_social"],
        "utm_campaign": ["2026-11-24-02-00-00"],
        "utm_content": ["adbatch:alpha-mug/ugc/best"],
    }


def test_product_without_url_has_no_link() -> None:
    """No landing page in the catalog: the cell stays empty rather than a bare query string."""
    assert ads.with_utm("", CONF.utm, {}) == ""


@pytest.mark.parametrize(
    ("text", "meta", "tiktok"),
    [
        ("Shop now", "SHOP_NOW", "Shop now"),
        ("Buy it today", "BUY_NOW", "Shop now"),
        ("Learn more", "LEARN_MORE", "Learn more"),
        ("Sign up free", "SIGN_UP", "Sign up"),
        ("Get yours", "GET_OFFER", "Shop now"),
        ("Treat yourself", "SHOP_NOW", "Shop now"),
        ("", "SHOP_NOW", "Shop now"),
    ],
)
def test_cta_maps_to_each_platforms_enum(text: str, meta: str, tiktok: str) -> None:
    """The first keyword of the CTA text picks the enum value; none found is the platform's default."""
    assert ads.cta_enum(text, keywords=CONF.cta_keywords, enum=CONF.meta.cta) == meta
    assert ads.cta_enum(text, keywords=CONF.cta_keywords, enum=CONF.tiktok.cta) == tiktok


def test_ads_csv_cells_are_formula_safe(tmp_path: Path) -> None:
    """A cell starting with = + - @ (here the hook and the product name) is written with a leading apostrophe."""
    m = video("alpha-mug", text='=HYPERLINK("http://evil.example","x")', product_name="@SUM(1)")
    sweep = sweep_with(tmp_path, [row("alpha-mug")], [m], ["+1 line.", "-2 line."])
    r = read(ads.write(report.scan(sweep), sweep))[0]
    assert r["Title"].startswith("'=HYPERLINK") and r["Link Description"] == "'@SUM(1)"
    assert r["Body"].startswith("'+1 line.")


def test_report_cli_writes_the_platform_sheet_asked_for(tmp_path: Path) -> None:
    """--platform tiktok writes TikTok's columns; an unknown platform exits 2 with a message."""
    sweep = sweep_with(tmp_path, [row("alpha-mug")], [video("alpha-mug")], ["Hi."])
    assert report.main([str(sweep), "--platform", "tiktok"]) == 0
    assert list(read(sweep / ads.ADS_CSV)[0])[:3] == ["Ad Name", "Video", "Ad Text"]
    assert report.main([str(sweep), "--platform", "myspace"]) == 2


@pytest.mark.parametrize(
    ("cell", "plain"),
    [("12,345", "12345"), ("21.344", "21344"), ("2,40%", "2.4"), ("1.052,40", "1052.4"), ("$1,234.50", "1234.5")]
    + [("-", "0"), ("", "0"), ("44.52", "44.52"), ("-5", "-5"), ("abc", "abc")],
)
def test_export_numbers_are_read_as_exports_write_them(cell: str, plain: str) -> None:
    """Thousands separators, percent signs, currency marks, decimal commas, - or blank for zero; the rest
    is left for the results check to refuse by row and column."""
    assert _plain_number(cell) == plain


def results_sweep(tmp_path: Path, ids: list[str]) -> Path:
    return write_sweep(tmp_path / "sweep", [video(pid) for pid in ids])


def test_meta_export_is_joined_by_ad_name_and_lists_the_rest(tmp_path: Path) -> None:
    """Meta's own export (Amount spent (USD), Link clicks, "-" for none) feeds the experiment; an ad that
    is not one of ours is listed as unmatched."""
    sweep = results_sweep(tmp_path, ["summit-bottle-750", "candle-cedar-fig"])
    built = report.build([sweep], results=EXAMPLES / "meta_ads_export.csv")
    x = built.summary["experiment"]
    assert x["unmatched"] == ["Brand video - autumn"]
    per = {v["video"]: v for v in x["videos"]}
    assert per["summit-bottle-750/ugc/hook-best"]["impressions"] == 14230
    assert per["candle-cedar-fig/ugc/hook-best"]["clicks"] == 201


def test_tiktok_export_drops_its_totals_row(tmp_path: Path) -> None:
    """TikTok's export (Cost with decimal commas, Clicks (destination), a Total row) matches both videos."""
    results = stats.load_results(EXAMPLES / "tiktok_ads_export.csv")
    assert list(results["video"]) == ["northwind-daypack/ugc/hook-best", "pulse-earbuds/ugc/hook-best"]
    assert list(results["spend"]) == [1052.4, 1010.75] and list(results["impressions"]) == [21344, 20870]


def test_adbatch_results_csv_reads_as_before(tmp_path: Path) -> None:
    """adbatch's own results columns are not mistaken for a platform export."""
    path = tmp_path / "r.csv"
    path.write_text("video,impressions,clicks,spend\nalpha-mug/ugc/hook-best,100,5,1.50\n")
    assert stats.load_results(path)["clicks"].tolist() == [5]


def test_bad_count_in_an_export_names_row_and_column(tmp_path: Path) -> None:
    """A fractional impression count in a Meta export fails like adbatch's own CSV does."""
    path = tmp_path / "export.csv"
    path.write_text("Ad name,Impressions,Link clicks,Amount spent (EUR)\nadbatch:a/ugc/best,12.5,3,1\n")
    with pytest.raises(stats.ResultsError, match="row 1, column 'impressions'"):
        stats.load_results(path)
