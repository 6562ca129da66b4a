"""report.html, opened for real in headless Chromium: it renders cleanly, shows every video, and
product-supplied text stays text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from adbatch.report import report
from tests.conftest import make_png
from tests.helpers_report import (
    CHROMIUM_FLAGS,
    call,
    check,
    chromium,
    folder_of,
    note,
    qa_result,
    ranked_hooks,
    video,
    write_sweep,
)

SCRIPT_NAME = "<script>document.title='pwned'</script>"
IMG_HOOK = "<img src=x onerror=\"document.body.dataset.pwned='yes'\">"


def manifests():
    return [
        video("alpha", product_name=SCRIPT_NAME, calls=[call("scenes", cost_usd=0.4, latency_s=2.0)]),
        video(
            "alpha",
            archetype="pov",
            hook="2",
            rank=2,
            angle="benefit",
            text=IMG_HOOK,
            calls=[call("voice", latency_s=1.0)],
        ),
        video("beta", status="failed", error=("render", "<b>encoder</b> crashed & burned"), calls=[call("script")]),
        video("gamma", status="invalid", rank=None, error=("catalog", 'row 3, field "image": not a PNG')),
    ]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    sweep = write_sweep(tmp_path_factory.mktemp("html"), manifests())
    make_png(folder_of(sweep, manifests()[0]) / "thumb.jpg", size=(54, 96))
    return report.build([sweep]).out / "report.html"


@pytest.fixture(scope="module")
def loaded(page, tmp_path_factory) -> tuple[str, list[str]]:
    return chromium(page, tmp_path_factory.mktemp("profile"))


def test_page_renders_without_console_errors(loaded) -> None:
    """Chromium logs nothing to the console, and the page's own script ran to its end."""
    dom, console = loaded
    assert console == []
    assert 'data-js="ready"' in dom


def test_page_shows_one_row_per_video(loaded) -> None:
    """Four videos in the sweep, four rows in the videos table."""
    dom, _ = loaded
    assert len(re.findall(r'<tr class="video-row"', dom)) == 4


def test_script_in_a_product_name_is_shown_as_text_and_never_runs(loaded) -> None:
    """The name appears escaped in the DOM, the title is untouched, and no <script> of it exists."""
    dom, _ = loaded
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "<title>adbatch report</title>" in dom and SCRIPT_NAME not in dom


def test_markup_in_hook_text_is_not_an_element(loaded) -> None:
    """An <img onerror> in hook text stays text: its handler never fires."""
    dom, _ = loaded
    assert "&lt;img src=x onerror=" in dom and "data-pwned" not in dom


def test_every_failure_is_listed_with_its_reason(loaded) -> None:
    """The failures section has the failed and the invalid video, each with its (escaped) message."""
    dom, _ = loaded
    assert len(re.findall(r'<tr class="failure-row"', dom)) == 2
    assert "&lt;b&gt;encoder&lt;/b&gt; crashed &amp; burned" in dom and "not a PNG" in dom


def test_kpi_cards_show_pass_and_fail(loaded) -> None:
    """2 of 3 valid videos succeeded (67 %): the success card fails; $0.20 per success passes."""
    dom, _ = loaded
    assert re.search(r'class="card fail">\s*<div class="label">Success rate', dom)
    assert re.search(r'class="card pass">\s*<div class="label">Cost per successful video', dom)


def test_page_is_self_contained(page) -> None:
    """Images are embedded as data URIs and nothing is fetched from a network address."""
    html = page.read_text(encoding="utf-8")
    assert re.findall(r'<img[^>]+src="(?!data:image/)', html) == []
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert html.count('src="data:image/png;base64,') >= 3


def test_thumbnail_is_embedded_and_video_is_linked_relative_to_the_report(page) -> None:
    """alpha/ugc has a thumbnail (embedded) and a link to its video.mp4 beside the report."""
    html = page.read_text(encoding="utf-8")
    assert 'src="data:image/jpeg;base64,' in html
    assert 'href="alpha/ugc/hook-best/video.mp4"' in html


# --- a page as wide as a real night makes it --------------------------------------------------

VIEWPORT = 1280
LONG_ID = "glow_serum_limited_holiday_edition_bundle_with_travel_case_2026"  # no hyphen to break at
MEASURE = (  # appended to a copy of the page: the widths once everything (images included) is laid out
    "<script>window.addEventListener('load', function () { var d = document.documentElement;"
    " document.body.dataset.widths = d.scrollWidth + ' ' + d.clientWidth; });</script>"
)


def wide_manifests():
    platforms = ["tiktok", "reels", "shorts", "feed_4x5", "feed_1x1"]
    failed_check = check("text_safe_zone", passed=False, actual="caption box /" + "x" * 180)
    return [
        video("aardvark", status="invalid", rank=None, error=("catalog", 'row 2, field "image": ' + "p/" * 120)),
        video(
            LONG_ID,
            product_name="The Glow Serum Limited Holiday Edition Bundle With Travel Case " * 3,
            text="Tired of dull skin every single winter morning before work? " * 3,
            qa=qa_result({"tiktok": [failed_check]}, platforms=platforms),
            director=[note()],
            hooks=ranked_hooks(),
            calls=[call("scenes", provider="replicate", model="kwaivgi/kling-v2.1-master-extended", cost_usd=0.5)],
        ),
        video("beta", archetype="pov", hook="2", rank=2, angle="benefit", calls=[call("voice", cost_usd=0.1)]),
        video("zeta", status="failed", error=("render", "/very/long/path/" * 30 + " exploded")),
        video("mu", status="skipped_cap", error=("assets", "per-video cap $1.50 reached")),
    ]


@pytest.fixture(scope="module")
def wide(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wide")
    sweep = write_sweep(root / "sweep", wide_manifests())
    degraded = folder_of(sweep, wide_manifests()[2]) / "manifest.json"
    degraded.write_text(json.dumps(json.loads(degraded.read_text()) | {"degraded": ["scenes/demo", "endcard"]}))
    results = root / "results.csv"
    results.write_text(
        f"video,impressions,clicks,spend,conversions\n{LONG_ID}/ugc/hook-best,12000,310,45.00,12\n"
        "beta/pov/hook-2,0,0,0,0\nghost/ugc/hook-best,10,1,0,0\n",
        encoding="utf-8",
    )
    return report.build([sweep], results=results).out / "report.html"


def test_page_fits_1280_px_without_scrolling_sideways(wide, tmp_path) -> None:
    """At a 1280 px viewport, the document is no wider than the window: long ids, paths, messages,
    five platform marks and the experiment tables all wrap or scroll inside their own box."""
    probe = tmp_path / "probe.html"
    probe.write_text(wide.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    exe = shutil.which("chromium")
    assert exe, "headless Chromium is missing: run `sh tests/system-deps.sh`"
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={VIEWPORT},900"]
    proc = subprocess.run([exe, *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=60)
    found = re.search(r'data-widths="(\d+) (\d+)"', proc.stdout)
    assert found, proc.stderr[-2000:]
    scroll, client = map(int, found.groups())
    assert VIEWPORT - 20 <= client <= VIEWPORT  # the viewport really is 1280 px (less a scrollbar)
    assert scroll <= client


def test_real_failures_are_listed_before_skipped_and_invalid_rows(wide) -> None:
    """Failures read failed first, then the video the cap skipped, then the invalid row, whatever their names."""
    html = wide.read_text(encoding="utf-8")
    statuses = re.findall(r'<tr class="failure-row">.*?class="status s-(\w+)"', html, flags=re.S)
    assert statuses == ["failed", "skipped_cap", "invalid"]


def test_per_video_ctr_and_zero_impressions_are_on_the_page(wide) -> None:
    """The experiment lists each video's CTR, warns about the video shown zero times and the unknown id."""
    html = wide.read_text(encoding="utf-8")
    ctr = re.findall(r'<tr class="ctr-row">(.*?)</tr>', html, flags=re.S)
    assert len(ctr) == 2 and LONG_ID in ctr[1] and "2.58 %" in ctr[1]
    zero = re.search(r'id="zero-impressions">(.*?)</p>', html, flags=re.S)
    assert zero and "beta/pov/hook-2" in zero.group(1)
    assert re.search(r'id="unmatched">.*ghost/ugc/hook-best', html)


def test_a_degraded_video_says_what_was_replaced(wide) -> None:
    """A video made with fallbacks shows the replaced assets under its status, and the KPI card counts it."""
    html = wide.read_text(encoding="utf-8")
    assert '<div class="muted degraded">degraded: scenes/demo endcard</div>' in html
    assert "1 degraded (assets replaced by fallbacks)" in html
