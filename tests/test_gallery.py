"""gallery.html, opened and driven for real in headless Chromium: every finished video plays inline from a
relative path, hovering plays it, the select boxes filter the cards, and manifest text stays text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest

from adbatch.report import gallery
from tests.conftest import make_png, run_adbatch
from tests.fakes.media import mp4
from tests.helpers_report import CHROMIUM_FLAGS, check, chromium, folder_of, qa_result, video, write_sweep

SCRIPT_NAME = "<script>document.title='pwned'</script>"
IMG_HOOK = "<img src=x onerror=\"document.body.dataset.pwned='yes'\">"
# appended to a copy of the page (beside it, so its relative links still resolve); results land in data-* attributes
HOVER_SCRIPT = """
(async function () {
  function next(el, names) {  // the first of these events on el
    return new Promise(function (done) { names.forEach(function (n) { el.addEventListener(n, function () { done(n); }, {once: true}); }); });
  }
  var videos = Array.from(document.querySelectorAll("video.player")), first = videos[0], body = document.body;
  body.dataset.before = first.paused ? "paused" : "playing";
  var started = next(first, ["playing", "error"]);
  first.dispatchEvent(new MouseEvent("mouseenter"));
  body.dataset.hover = await started;
  first.dispatchEvent(new MouseEvent("mouseleave"));
  body.dataset.leave = first.paused ? "paused" : "playing";
  for (const v of videos) {
    var outcome = next(v, ["playing", "error"]);
    v.dispatchEvent(new MouseEvent("mouseenter"));
    v.dataset.outcome = (await outcome) + " " + v.videoWidth + "x" + v.videoHeight;
  }
  body.dataset.driven = "done";
})();
"""
FILTER_SCRIPT = """
var select = document.querySelector('select[data-filter="archetype"]');
select.value = "pov";
select.dispatchEvent(new Event("change"));
document.body.dataset.driven = "done";
"""


def manifests():
    """Two finished videos (one with a script tag for a name, one with markup in its hook), one failed, one invalid."""
    qa = qa_result({"tiktok": [check("duration", passed=False, expected="<= 60 s", actual="75 s")]})
    return [
        video("alpha", product_name=SCRIPT_NAME, qa=qa, outputs=_outputs()),
        video("alpha", archetype="pov", hook="2", rank=2, angle="benefit", text=IMG_HOOK, outputs=_outputs()),
        video("beta", status="failed", error=("render", "<b>encoder</b> crashed & burned")),
        video("gamma", status="invalid", rank=None, error=("catalog", 'row 3, field "image": not a PNG')),
    ]


def _outputs() -> dict[str, object]:
    return {"video": "video.mp4", "thumb": "thumb.jpg", "sheet": "sheet.jpg", "duration_s": 1.0, "size_bytes": 5000}


def make_sweep(root: Path) -> Path:
    """The sweep of ``manifests()``, each finished video with a real 1 s H.264 file, a thumbnail and a sheet."""
    sweep = write_sweep(root, manifests())
    for m in manifests():
        if m.status == "ok":
            folder = folder_of(sweep, m)
            (folder / "video.mp4").write_bytes(mp4(1.0, (72, 128), 12))
            make_png(folder / "thumb.jpg", size=(72, 128))
            make_png(folder / "sheet.jpg", size=(288, 128))
    return sweep


def cards(dom: str) -> dict[str, tuple[str, str]]:
    """Each card of the page by its video key: (its opening tag's attributes, its inner HTML)."""
    found = re.findall(r"<article ([^>]*)>(.*?)</article>", dom, flags=re.S)
    return {re.search(r'data-video="([^"]*)"', attrs).group(1): (attrs, inner) for attrs, inner in found}


def driven(page: Path, script: str, profile: Path) -> str:
    """The DOM of a copy of ``page`` with ``script`` run after its own, once Chromium's virtual clock allows
    media to load and play (``--virtual-time-budget``)."""
    copy = page.with_name(f"driven-{profile.name}.html")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", f"<script>{script}</script></body>"))
    exe = shutil.which("chromium")
    assert exe, "headless Chromium is missing: run `sh tests/system-deps.sh` (apt package: chromium)"
    proc = subprocess.run(
        [
            exe,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    body = re.search(r"<body[^>]*>", proc.stdout)
    assert 'data-driven="done"' in proc.stdout, f"the test script did not finish: {body and body.group(0)}"
    return proc.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> Path:
    return gallery.build([make_sweep(tmp_path_factory.mktemp("gallery"))])


@pytest.fixture(scope="module")
def loaded(page, tmp_path_factory) -> tuple[str, list[str]]:
    return chromium(page, tmp_path_factory.mktemp("profile"))


@pytest.fixture(scope="module")
def hovered(page, tmp_path_factory) -> str:
    return driven(page, HOVER_SCRIPT, tmp_path_factory.mktemp("hover"))


@pytest.fixture(scope="module")
def filtered(page, tmp_path_factory) -> str:
    return driven(page, FILTER_SCRIPT, tmp_path_factory.mktemp("filter"))


def test_page_is_written_into_the_first_sweep_dir(page) -> None:
    """Without --out the page is <sweep>/gallery.html."""
    assert page.name == "gallery.html" and (page.parent / "alpha").is_dir()


def test_page_renders_without_console_errors(loaded) -> None:
    """Chromium logs nothing to the console, and the page's own script ran to its end."""
    dom, console = loaded
    assert console == []
    assert 'data-js="ready"' in dom


def test_every_video_has_a_card(loaded) -> None:
    """Four videos in the sweep, four cards."""
    assert sorted(cards(loaded[0])) == [
        "alpha/pov/hook-2",
        "alpha/ugc/hook-best",
        "beta/ugc/hook-best",
        "gamma/ugc/hook-best",
    ]


def test_every_ok_video_has_an_inline_player_with_a_relative_src_to_its_file(page, loaded) -> None:
    """Each ok card has a muted, looping, inline <video> that loads lazily, and its src is a relative path
    that resolves from the page's folder to that video's file."""
    for key in ("alpha/pov/hook-2", "alpha/ugc/hook-best"):
        tag = re.search(r"<video [^>]*>", cards(loaded[0])[key][1]).group(0)
        src = re.search(r'src="([^"]*)"', tag).group(1)
        assert src == f"{key}/video.mp4" and (page.parent / unquote(src)).is_file()
        for attr in ("muted", "loop", "playsinline"):
            assert re.search(rf"\b{attr}\b", tag), attr
        assert re.search(r'preload="(none|metadata)"', tag)


def test_every_player_plays_its_video_in_chromium(hovered) -> None:
    """Every player reaches "playing" and decodes the 72x128 frames of the file it links to."""
    outcomes = re.findall(r'<video [^>]*data-outcome="([^"]*)"', hovered)
    assert outcomes == ["playing 72x128", "playing 72x128"]


def test_hovering_a_video_plays_it_and_leaving_pauses_it(hovered) -> None:
    """Paused until the pointer enters (the page's mouseenter handler, dispatched as Chromium would), playing
    after, paused again when it leaves."""
    body = re.search(r"<body [^>]*>", hovered).group(0)
    assert 'data-before="paused"' in body and 'data-hover="playing"' in body and 'data-leave="paused"' in body


def test_filtering_by_archetype_hides_the_other_videos(filtered) -> None:
    """Choosing archetype pov leaves only the pov card visible, and the count says 1."""
    hidden = {key: "hidden" in attrs for key, (attrs, _) in cards(filtered).items()}
    assert hidden == {
        "alpha/pov/hook-2": False,
        "alpha/ugc/hook-best": True,
        "beta/ugc/hook-best": True,
        "gamma/ugc/hook-best": True,
    }
    assert '<b id="shown">1</b>' in filtered


def test_script_in_a_product_name_is_shown_as_text_and_never_runs(loaded) -> None:
    """The name appears escaped in the DOM, the title is untouched, and no <script> of it exists."""
    dom, _ = loaded
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "<title>adbatch gallery</title>" in dom and SCRIPT_NAME not in dom


def test_markup_in_hook_text_is_not_an_element(loaded) -> None:
    """An <img onerror> in hook text stays text: its handler never fires."""
    dom, _ = loaded
    assert "&lt;img src=x onerror=" in dom and "data-pwned" not in dom


def test_failed_and_invalid_videos_show_their_error_and_no_player(loaded) -> None:
    """The failed and the invalid card each show their (escaped) message and have no <video>."""
    shown = cards(loaded[0])
    failed, invalid = shown["beta/ugc/hook-best"][1], shown["gamma/ugc/hook-best"][1]
    assert "&lt;b&gt;encoder&lt;/b&gt; crashed &amp; burned" in failed and "not a PNG" in invalid
    assert "<video" not in failed and "<video" not in invalid


def test_card_shows_hook_qa_per_platform_and_sheet_link(loaded) -> None:
    """alpha/ugc shows its hook's rank and angle, TikTok failed and Reels passed, and links its sheet."""
    inner = cards(loaded[0])["alpha/ugc/hook-best"][1]
    assert "#1 curiosity" in inner and "curiosity hook" in inner
    assert re.search(r'qa-mark fail"[^>]*>TikTok ✗', inner) and re.search(r'qa-mark pass"[^>]*>Reels ✓', inner)
    assert 'href="alpha/ugc/hook-best/sheet.jpg"' in inner


def test_page_embeds_no_media_and_fetches_nothing_from_the_network(page) -> None:
    """No data: URIs (videos and images stay files beside the page) and no network address anywhere."""
    html = page.read_text(encoding="utf-8")
    assert "data:" not in html and "base64" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_links_still_resolve_when_the_sweep_folder_is_copied(page, tmp_path) -> None:
    """Copied whole to another place, every src and href of the page points at a file of the copy."""
    copy = Path(shutil.copytree(page.parent, tmp_path / "copied"))
    html = (copy / page.name).read_text(encoding="utf-8")
    links = re.findall(r'<(?:video|img|a)\b[^>]*?(?:src|href|poster)="([^"]+)"', html)
    assert len(links) >= 4 and all((copy / unquote(link)).is_file() for link in links)


def test_two_sweeps_share_one_page_with_a_sweep_filter(tmp_path) -> None:
    """Two sweeps: one page in the first, videos of the second linked relatively, and a sweep select box."""
    first, second = make_sweep(tmp_path / "night-1"), make_sweep(tmp_path / "night-2")
    assert gallery.main([str(first), str(second)]) == 0
    html = (first / "gallery.html").read_text(encoding="utf-8")
    assert 'src="../night-2/alpha/pov/hook-2/video.mp4"' in html and 'src="alpha/pov/hook-2/video.mp4"' in html
    assert 'data-filter="sweep"' in html and html.count("<article ") == 8


def test_out_file_elsewhere_links_videos_relative_to_itself(tmp_path) -> None:
    """--out in another folder: the page is written there and its links climb back to the sweep."""
    sweep = make_sweep(tmp_path / "sweep")
    assert gallery.main([str(sweep), "--out", str(tmp_path / "review" / "all.html")]) == 0
    html = (tmp_path / "review" / "all.html").read_text(encoding="utf-8")
    assert 'src="../sweep/alpha/ugc/hook-best/video.mp4"' in html


def test_cached_video_plays_and_a_lost_file_or_manifest_is_said_not_shown(tmp_path) -> None:
    """A cached video (reused from an earlier run) gets a player; an ok video whose file is gone and a job
    that died before its manifest get a card saying so, without a player."""
    sweep = make_sweep(tmp_path / "sweep")
    cached = video("delta", status="cached", outputs=_outputs())
    write_sweep(sweep, [cached, video("omega", outputs=_outputs())])
    (folder_of(sweep, cached) / "video.mp4").write_bytes(mp4(1.0, (72, 128), 12))
    (sweep / "zeta" / "ugc" / "hook-best" / ".hydra").mkdir(parents=True)
    shown = cards(gallery.build([sweep]).read_text(encoding="utf-8"))
    assert 'src="delta/ugc/hook-best/video.mp4"' in shown["delta/ugc/hook-best"][1]
    assert "<video" not in shown["omega/ugc/hook-best"][1] and "video file not found" in shown["omega/ugc/hook-best"][1]
    assert "<video" not in shown["zeta/ugc/hook-best"][1] and "the job did not finish" in shown["zeta/ugc/hook-best"][1]


def test_cli_exits_2_for_a_dir_without_manifests(tmp_path) -> None:
    """An empty dir is no sweep: exit code 2, a message naming it, and no page written."""
    proc = run_adbatch(str(tmp_path), module="adbatch.gallery", timeout=120)
    assert proc.returncode == 2
    assert str(tmp_path) in proc.stderr and "no readable manifest.json" in proc.stderr
    assert not (tmp_path / "gallery.html").exists()
