"""report.html, opened for real in headless Chromium: it renders cleanly, shows every video, and
product-supplied text stays text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adbatch.report import report
from tests.conftest import make_png
from tests.helpers_report import call, chromium, folder_of, video, write_sweep

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
