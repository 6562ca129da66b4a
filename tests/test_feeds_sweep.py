"""Each feed format end to end: feed over HTTP -> sweep (draft, 20 s, one product) -> ads.csv -> the
platform's results export -> the experiment report, run as a user runs them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from PIL import Image

from adbatch.domain.manifest import read
from tests.conftest import SMOKE, run_adbatch
from tests.feeds_helpers import serve, served_copy

FORMATS = {  # example feed -> (the product swept, the platform whose sheet and export it goes through)
    "google_merchant.tsv": ("gs-30ml", "meta"),
    "google_merchant.xml": ("gs-30ml-eu", "tiktok"),
    "meta_catalog.csv": ("summit-bottle-750", "meta"),
    "shopify_products_export.csv": ("northwind-daypack", "tiktok"),
    "shopify_products_export_legacy.csv": ("pulse-earbuds", "meta"),
}
EXPORT_HEADERS = {  # the columns of each Ads Manager's ad-level export, as it writes them
    "meta": ["Reporting starts", "Ad name", "Impressions", "Amount spent (USD)", "Link clicks", "Purchases"],
    "tiktok": ["Ad name", "Currency", "Cost", "Impressions", "Clicks (destination)", "Conversions"],
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """The example feeds and their photos on a local HTTP server; one asset cache for every sweep."""
    root = tmp_path_factory.mktemp("feeds")
    with serve(root / "www") as (www, base):
        for name in FORMATS:
            served_copy(name, www, base)
        yield root, base


def sweep(shop, name: str) -> Path:
    root, base = shop
    product, platform = FORMATS[name]
    out = root / name.replace(".", "-")
    proc = run_adbatch(
        f"products={base}/{name}",
        f"product_id={product}",
        *SMOKE,
        f"platforms.ads.platform={platform}",
        f"hydra.sweep.dir={out}",
        f"cache_dir={root / 'cache'}",
        "-m",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def export(path: Path, platform: str, ad_names: list[str]) -> Path:
    """A results export in the platform's own shape: our ads plus one that is not ours, and a totals row."""
    rows = []
    for i, name in enumerate([*ad_names, "Spring brand video"]):
        impressions, clicks = 10000 + 1000 * i, 200 + 10 * i
        if platform == "meta":
            rows.append(["2026-11-24", name, f"{impressions:,}", "41.20", str(clicks), "-"])
        else:
            rows.append([name, "EUR", "41,20", f"{impressions:,}".replace(",", "."), str(clicks), "3"])
    if platform == "tiktok":
        rows.append(["Total of 2 ads", "EUR", "82,40", "21.000", "410", "6"])
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([EXPORT_HEADERS[platform], *rows])
    return path


QUICK = "shopify_products_export.csv"  # one format in the quick suite (its photos also show the cycling); the rest slow


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n == QUICK else pytest.mark.slow) for n in FORMATS])
def test_feed_to_video_to_sheet_to_results(shop, name: str) -> None:
    """The feed's product becomes an ok video; ads.csv names it in the platform's sheet; the platform's export of
    that ad name joins back to it in the experiment, and the foreign ad is listed as unmatched."""
    product, platform = FORMATS[name]
    out = sweep(shop, name)
    m = read(out / product / "ugc" / "hook-best" / "manifest.json")
    assert m.status == "ok", m.error
    with (out / "ads.csv").open(encoding="utf-8", newline="") as fh:
        sheet = list(csv.DictReader(fh))
    assert [r["Ad Name"] for r in sheet] == [f"adbatch:{product}/ugc/best"]
    assert (out / sheet[0]["Video File Name" if platform == "meta" else "Video"]).is_file()
    results = export(out / "export.csv", platform, [r["Ad Name"] for r in sheet])
    proc = run_adbatch(str(out), "--results", str(results), "--platform", platform, module="adbatch.report")
    assert proc.returncode == 0, proc.stderr[-2000:]
    x = json.loads((out / "summary.json").read_text())["experiment"]
    assert [v["video"] for v in x["videos"]] == [f"{product}/ugc/hook-best"]
    assert x["videos"][0]["impressions"] == 10000 and x["unmatched"] == ["Spring brand video"]


def test_extra_photos_cycle_across_shots(shop) -> None:
    """A Shopify product with 4 photos shows several of them across its scene plates, not one packshot."""
    root, _ = shop
    out = root / QUICK.replace(".", "-")
    if not out.is_dir():
        out = sweep(shop, QUICK)
    m = read(out / "northwind-daypack" / "ugc" / "hook-best" / "manifest.json")
    centres = set()
    for call in (c for c in m.calls if c.stage == "scenes"):
        plate = next((root / "cache" / "assets" / call.key[:2]).glob(f"{call.key}*.jpg"))
        record = json.loads(next(plate.parent.glob(f"{call.key}*.record.json")).read_text())
        x0, y0, x1, y1 = record["meta"]["product_box"]
        with Image.open(plate) as im:
            pixel = im.convert("RGB").getpixel((int((x0 + x1) / 2 * im.width), int((y0 + y1) / 2 * im.height)))
        centres.add(tuple(v // 32 for v in pixel))  # the photo's centre colour, coarsely
    assert len(centres) >= 3
