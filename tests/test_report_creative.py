"""What the report shows of each video's platform QA, creative director notes and hook ranking.

The sweep (QA: TikTok / Reels / Shorts; loudness as integrated LUFS, true peak dBTP):

    alpha/ugc  ok       QA pass all three, -14.2 / -1.6      notes: dead_air (applied), Claude's (rejected)
                        hooks ranked by Claude, #1 chosen
    alpha/pov  ok       QA pass; TikTok misses an advisory check (not a failure), -13.8 / -1.2
                        notes: dead_air (applied); hooks ranked offline, #2 chosen
    beta/ugc   failed   QA fail: TikTok loudness, Shorts duration, -17.0 / -3.0
                        no notes; hooks from before hooks had reasons
    beta/pov   invalid  never reached QA, the director or the hooks
"""

from __future__ import annotations

import csv
from html.parser import HTMLParser
from pathlib import Path

import pytest

from adbatch.report import report
from tests.helpers_report import (
    check,
    chromium,
    note,
    qa_result,
    ranked_hooks,
    video,
    write_sweep,
)

SCRIPT_NOTE = "<script>document.title='pwned'</script> hook is generic"
DURATION = check("duration", passed=False, expected="1-60 s", actual="61.20 s")
LOUDNESS = check("loudness", passed=False, expected="-14.0 +- 1.0 LUFS", actual="-17.0 LUFS")
ADVISORY = check("recommended_size", passed=False, expected=">= 1080x1920", actual="540x960", required=False)


def manifests():
    return [
        video(
            "alpha",
            hooks=ranked_hooks(ranked_by="claude"),
            qa=qa_result(loudness=(-14.2, -1.6)),
            director=[
                note("dead_air", "scene 3 drags — cut 0.5 s", applied=True),
                note("hook_strength", SCRIPT_NOTE, source="claude", rejected="the beat is already at its minimum"),
            ],
        ),
        video(
            "alpha",
            archetype="pov",
            rank=2,
            hooks=ranked_hooks(),
            qa=qa_result({"tiktok": [ADVISORY]}, loudness=(-13.8, -1.2)),
            director=[note("dead_air", "scene 2 drags — cut 0.4 s", applied=True)],
        ),
        video(
            "beta",
            status="failed",
            error=("qa", "QA failed"),
            hooks=ranked_hooks(reasons=False),
            qa=qa_result({"tiktok": [LOUDNESS], "shorts": [DURATION]}, loudness=(-17.0, -3.0)),
        ),
        video("beta", archetype="pov", status="invalid", rank=None, error=("catalog", "row 2: bad image")),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> report.Report:
    return report.build([write_sweep(tmp_path_factory.mktemp("creative"), manifests())])


@pytest.fixture(scope="module")
def header(built) -> list[str]:
    with (built.out / "report.csv").open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


@pytest.fixture(scope="module")
def rows(built) -> dict[str, dict[str, str]]:
    with (built.out / "report.csv").open(newline="", encoding="utf-8") as fh:
        return {r["video"]: r for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def html(built) -> str:
    return (built.out / "report.html").read_text(encoding="utf-8")


class _Texts(HTMLParser):
    """The text of every element whose class list has ``cls`` (nested markup included)."""

    VOID = frozenset({"br", "img", "meta", "input", "hr", "link"})

    def __init__(self, cls: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cls, self.depth, self.found = cls, 0, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.found[-1] += " "  # a new element (a cell, a line break) separates words
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif self.cls in (dict(attrs).get("class") or "").split():
            self.depth = 1
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1] += data


ORDER = ["alpha/pov", "alpha/ugc", "beta/pov", "beta/ugc"]  # the page lists videos in folder order


def texts(html: str, cls: str) -> list[str]:
    """The whitespace-normalized text of each element of class ``cls``, in page order."""
    parser = _Texts(cls)
    parser.feed(html)
    return [" ".join(t.split()) for t in parser.found]


# --- report.csv ------------------------------------------------------------------------------


def test_csv_has_a_qa_column_per_platform_after_the_fixed_qa_columns(header) -> None:
    """qa_passed, loudness_lufs, true_peak_dbtp, qa_reason, then qa_<platform> in the manifests' order."""
    at = header.index("qa_passed")
    assert header[at : at + 7] == [
        "qa_passed",
        "loudness_lufs",
        "true_peak_dbtp",
        "qa_reason",
        "qa_tiktok",
        "qa_reels",
        "qa_shorts",
    ]


def test_csv_qa_cells_say_pass_or_fail_per_platform_with_loudness(rows) -> None:
    """beta/ugc failed TikTok and Shorts at -17.0 LUFS / -3.0 dBTP; an advisory miss still passes alpha/pov."""
    got = {
        v: tuple(
            rows[v][c] for c in ("qa_passed", "loudness_lufs", "true_peak_dbtp", "qa_tiktok", "qa_reels", "qa_shorts")
        )
        for v in ("alpha/pov/hook-best", "beta/ugc/hook-best")
    }
    assert got == {
        "alpha/pov/hook-best": ("True", "-13.8", "-1.2", "pass", "pass", "pass"),
        "beta/ugc/hook-best": ("False", "-17.0", "-3.0", "fail", "pass", "fail"),
    }


def test_csv_qa_reason_names_each_failed_required_check(rows) -> None:
    """The reason is the QA result's own: platform, check, actual and expected value."""
    assert rows["beta/ugc/hook-best"]["qa_reason"] == (
        "tiktok: loudness is -17.0 LUFS, expected -14.0 +- 1.0 LUFS; shorts: duration is 61.20 s, expected 1-60 s"
    )
    assert rows["alpha/pov/hook-best"]["qa_reason"] == ""


def test_video_never_checked_has_empty_qa_cells(rows) -> None:
    """The invalid video never reached QA: every QA cell is empty, not "fail"."""
    r = rows["beta/pov/hook-best"]
    assert {c: r[c] for c in r if c.startswith("qa_") or c in ("loudness_lufs", "true_peak_dbtp")} == {
        "qa_passed": "",
        "loudness_lufs": "",
        "true_peak_dbtp": "",
        "qa_reason": "",
        "qa_tiktok": "",
        "qa_reels": "",
        "qa_shorts": "",
    }


def test_csv_counts_director_notes_applied_and_from_claude(rows) -> None:
    """alpha/ugc: 2 notes, 1 applied, 1 from Claude; alpha/pov: 1, 1, 0; no notes counts 0."""
    assert {
        v: tuple(int(r[c]) for c in ("director_notes", "director_applied", "director_claude_notes"))
        for v, r in rows.items()
    } == {
        "alpha/ugc/hook-best": (2, 1, 1),
        "alpha/pov/hook-best": (1, 1, 0),
        "beta/ugc/hook-best": (0, 0, 0),
        "beta/pov/hook-best": (0, 0, 0),
    }


def test_csv_has_the_chosen_hooks_reason_ranker_and_score(rows) -> None:
    """alpha/ugc chose #1 (ranked by Claude), alpha/pov #2 (offline), each with its reason and score."""
    got = {
        v: (rows[v]["hook_rank"], rows[v]["hook_reason"], rows[v]["hook_ranked_by"], rows[v]["hook_score"])
        for v in ("alpha/ugc/hook-best", "alpha/pov/hook-best")
    }
    assert got == {
        "alpha/ugc/hook-best": ("1", "curiosity reason", "claude", "80.0"),
        "alpha/pov/hook-best": ("2", "benefit reason", "offline", "70.0"),
    }


def test_manifest_from_before_hook_reasons_has_empty_reason_cells(rows) -> None:
    """beta/ugc's hooks have no reason or ranked_by: it loads, and those cells are empty."""
    r = rows["beta/ugc/hook-best"]
    assert (r["status"], r["hook_rank"], r["hook_reason"], r["hook_ranked_by"]) == ("failed", "1", "", "")


def test_hook_reason_that_looks_like_a_formula_is_neutralized(tmp_path: Path) -> None:
    """A reason starting with "=" gets a leading apostrophe, like every other text cell."""
    hooks = [h | {"reason": '=HYPERLINK("http://evil")'} for h in ranked_hooks()]
    built = report.build([write_sweep(tmp_path, [video("alpha", hooks=hooks)])])
    with (built.out / "report.csv").open(newline="", encoding="utf-8") as fh:
        (row,) = csv.DictReader(fh)
    assert row["hook_reason"] == '\'=HYPERLINK("http://evil")'


# --- summary.json ----------------------------------------------------------------------------


def test_summary_qa_counts_videos_that_passed_every_platform(built) -> None:
    """3 videos were checked (the invalid one never was); 2 passed."""
    q = built.summary["qa"]
    assert (q["videos"], q["passed"], q["pass_rate"]) == (3, 2, pytest.approx(2 / 3))


def test_summary_qa_pass_rate_per_platform(built) -> None:
    """TikTok 2 of 3 (an advisory miss is a pass), Reels 3 of 3, Shorts 2 of 3."""
    assert [(p["platform"], p["checked"], p["passed"], p["pass_rate"]) for p in built.summary["qa"]["platforms"]] == [
        ("tiktok", 3, 2, pytest.approx(2 / 3)),
        ("reels", 3, 3, 1.0),
        ("shorts", 3, 2, pytest.approx(2 / 3)),
    ]


def test_summary_qa_mean_loudness(built) -> None:
    """(-14.2 - 13.8 - 17.0) / 3 = -15.0 LUFS; (-1.6 - 1.2 - 3.0) / 3 = -1.933 dBTP."""
    q = built.summary["qa"]
    assert (q["mean_lufs"], q["mean_true_peak_dbtp"]) == (pytest.approx(-15.0), pytest.approx(-5.8 / 3))


def test_summary_qa_failures_are_required_checks_only(built) -> None:
    """TikTok loudness and Shorts duration failed once each; the advisory size miss is not a failure."""
    assert sorted((f["platform"], f["check"], f["videos"], f["example"]) for f in built.summary["qa"]["failures"]) == [
        ("shorts", "duration", 1, "duration is 61.20 s, expected 1-60 s"),
        ("tiktok", "loudness", 1, "loudness is -17.0 LUFS, expected -14.0 +- 1.0 LUFS"),
    ]


def test_summary_director_totals(built) -> None:
    """3 notes on 2 of 4 videos, 3 fixes offered, 2 applied, 1 rejected, 1 from Claude."""
    d = built.summary["director"]
    assert {k: d[k] for k in ("videos", "videos_with_notes", "notes", "fixes", "applied", "rejected", "claude")} == {
        "videos": 4,
        "videos_with_notes": 2,
        "notes": 3,
        "fixes": 3,
        "applied": 2,
        "rejected": 1,
        "claude": 1,
    }


def test_summary_director_counts_per_rule_most_frequent_first(built) -> None:
    """dead_air twice (both applied), then hook_strength once (from Claude, rejected)."""
    assert built.summary["director"]["rules"] == [
        {"rule": "dead_air", "notes": 2, "fixes": 2, "applied": 2, "rejected": 0, "claude": 0},
        {"rule": "hook_strength", "notes": 1, "fixes": 1, "applied": 0, "rejected": 1, "claude": 1},
    ]


def test_sweep_without_qa_or_notes_has_empty_summaries(tmp_path: Path) -> None:
    """Manifests from before QA and the director: zero counts and no rates, and the page says so."""
    built = report.build([write_sweep(tmp_path, [video("alpha")])])
    assert (built.summary["qa"]["videos"], built.summary["qa"]["pass_rate"], built.summary["qa"]["mean_lufs"]) == (
        0,
        None,
        None,
    )
    assert (built.summary["director"]["notes"], built.summary["director"]["rules"]) == (0, [])
    page = (built.out / "report.html").read_text(encoding="utf-8")
    assert "No video was checked against the platform specs." in page and "No notes" in page


# --- report.html -----------------------------------------------------------------------------


def test_qa_cell_marks_each_platform_with_loudness(html) -> None:
    """Per video: TikTok / Reels / Shorts with a tick or a cross, then LUFS and dBTP; a dash when never checked."""
    cells = dict(zip(ORDER, texts(html, "qa"), strict=True))
    assert cells["alpha/ugc"] == "TikTok ✓ Reels ✓ Shorts ✓ -14.2 LUFS · -1.6 dBTP"
    assert cells["beta/ugc"].startswith("TikTok ✗ Reels ✓ Shorts ✗ -17.0 LUFS · -3.0 dBTP")
    assert cells["beta/pov"] == "–"


def test_qa_cell_gives_the_failed_checks_as_the_reason(html) -> None:
    """Only beta/ugc failed: its cell carries the QA reason."""
    assert texts(html, "qa-reason") == [
        ("tiktok: loudness is -17.0 LUFS, expected -14.0 +- 1.0 LUFS; shorts: duration is 61.20 s, expected 1-60 s")
    ]


def test_platform_qa_section_has_each_platforms_pass_rate_and_failures(html) -> None:
    """One row per platform (checked, passed, rate) and one per failed check."""
    platforms = texts(html.split('id="qa-platforms"')[1].split("</table>")[0], "n")
    assert platforms == ["3", "2", "66.7 %", "3", "3", "100.0 %", "3", "2", "66.7 %"]
    failures = html.split('id="qa-failures"')[1].split("</table>")[0]
    assert "duration is 61.20 s, expected 1-60 s" in failures and "recommended_size" not in failures


def test_director_notes_show_source_message_and_whether_applied(html) -> None:
    """alpha/ugc's notes: a rules note applied, a Claude note not applied with why it was rejected."""
    assert texts(html, "note")[1:] == [
        "rules dead_air: scene 3 drags — cut 0.5 s — ✓ applied",
        "Claude hook_strength: " + SCRIPT_NOTE + " — not applied: rejected, the beat is already at its minimum",
    ]


def test_script_in_a_director_note_is_escaped(html) -> None:
    """A note carrying a <script> tag reaches the page as text."""
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt; hook is generic" in html
    assert "<script>document.title" not in html


def test_details_summary_counts_notes_and_hooks(html) -> None:
    """Each video with notes or hooks has an expandable row saying what it holds."""
    summaries = [s.split("Director: ")[1].split("</summary>")[0] for s in html.split("<summary>")[1:]]
    assert summaries == [
        "1 note, 1 applied · 5 ranked hooks",
        "2 notes, 1 applied · 5 ranked hooks",
        "0 notes, 0 applied · 5 ranked hooks",
    ]  # alpha/pov, alpha/ugc, beta/ugc


def test_hook_reason_is_shown_under_the_hook(html) -> None:
    """The chosen hook's reason and who ranked it, muted under the hook; none for old manifests."""
    assert texts(html, "hook-reason") == ["benefit reason (offline score)", "curiosity reason (ranked by Claude)"]


def test_details_list_the_five_ranked_hooks_with_reasons(html) -> None:
    """alpha/ugc's details: rank, angle, text, score and reason of each candidate, best first."""
    assert texts(html, "hook-candidate")[5:10] == [
        "1 curiosity curiosity hook 80.0 curiosity reason",
        "2 benefit benefit hook 70.0 benefit reason",
        "3 social_proof social_proof hook 60.0 social_proof reason",
        "4 problem problem hook 50.0 problem reason",
        "5 bold_claim bold_claim hook 40.0 bold_claim reason",
    ]


def test_old_manifests_hooks_render_without_reasons(html) -> None:
    """beta/ugc's five candidates are listed with an empty reason."""
    assert texts(html, "hook-candidate")[10:] == [
        "1 curiosity curiosity hook 80.0",
        "2 benefit benefit hook 70.0",
        "3 social_proof social_proof hook 60.0",
        "4 problem problem hook 50.0",
        "5 bold_claim bold_claim hook 40.0",
    ]


def test_director_section_summarises_rules_and_fixes(html) -> None:
    """The section totals the notes and fixes and has a row per rule, most frequent first."""
    section = html.split('id="director"')[1].split("</table>")[0]
    assert "3 notes on 2 of 4 videos (1 from Claude);" in " ".join(section.split())
    assert "2 of 3 fixes applied, 1 rejected" in " ".join(section.split())
    assert section.index("dead_air") < section.index("hook_strength")


def test_page_with_details_rows_runs_cleanly_in_chromium(built, tmp_path: Path) -> None:
    """With details rows in the table the page logs nothing, its script ends, and no note runs as a script."""
    dom, console = chromium(built.out / "report.html", tmp_path / "profile")
    assert console == [] and 'data-js="ready"' in dom and "<title>adbatch report</title>" in dom
    assert dom.count('<tr class="video-details"') == 3
