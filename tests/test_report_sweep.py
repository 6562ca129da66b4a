"""The report of a real sweep (draft preset, run as a user runs it) against its own manifests.

One sweep, shared with tests/test_sweep.py (conftest's ``readme_sweep``): 2 valid products + 1 bad row x
archetype=ugc,pov. The report is written by the Hydra callback at the end of the multirun; a second sweep
over the same cache (every video reused, ``cached``) is merged with the first.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from adbatch.domain.manifest import Manifest
from adbatch.report import report
from tests.conftest import FORMULA_NAME, run_adbatch, sweep_manifests
from tests.helpers_report import chromium

pytestmark = pytest.mark.slow  # two real nightly sweeps


@pytest.fixture(scope="module")
def night1(readme_sweep: Path) -> Path:
    """conftest's ``readme_sweep``: 2 valid products (named as markup and as a formula) + 1 bad row x ugc,pov."""
    return readme_sweep


@pytest.fixture(scope="module")
def night2(night1: Path) -> Path:
    """The same sweep again over the same cache: every valid video is reused."""
    catalog = night1.parent / "cat" / "catalog.csv"
    proc = run_adbatch(
        f"products={catalog}",
        "archetype=ugc,pov",
        "render=draft",
        "pacing=short",
        f"hydra.sweep.dir={night1.parent / 'night2'}",
        f"cache_dir={night1.parent / 'cache'}",
        "-m",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return night1.parent / "night2"


def manifests(sweep: Path) -> list[Manifest]:
    return sweep_manifests(sweep, "*/*/hook-*/manifest.json")


def summary(sweep: Path) -> dict:
    return json.loads((sweep / "summary.json").read_text(encoding="utf-8"))


def csv_rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {r["video"]: r for r in csv.DictReader(fh)}


def test_callback_writes_the_report_into_the_sweep_dir(night1: Path) -> None:
    """After the multirun, the sweep dir holds report.csv, summary.json and report.html (on by default)."""
    assert all((night1 / name).is_file() for name in ("report.csv", "summary.json", "report.html"))


def test_counts_match_the_manifests(night1: Path) -> None:
    """4 ok and 2 invalid manifests, and the summary says the same."""
    statuses = [m.status for m in manifests(night1)]
    assert sorted(statuses) == ["invalid"] * 2 + ["ok"] * 4
    n = summary(night1)["kpis"]["videos"]
    assert (n["attempted"], n["ok"], n["invalid"], n["failed"]) == (
        len(statuses),
        statuses.count("ok"),
        statuses.count("invalid"),
        0,
    )


def test_spend_and_time_percentiles_match_the_manifests(night1: Path) -> None:
    """Total spend is the sum of manifest costs; p50/p95/max of ``total`` over ok videos are numpy's."""
    ms, k = manifests(night1), summary(night1)["kpis"]
    assert k["cost"]["total_usd"] == pytest.approx(math.fsum(m.cost_usd for m in ms), abs=0.005)
    totals = [m.timings["total"] for m in ms if m.status == "ok"]
    assert [k["time"]["p50_s"], k["time"]["p95_s"], k["time"]["max_s"]] == pytest.approx(
        [np.percentile(totals, 50), np.percentile(totals, 95), max(totals)]
    )


def test_cache_and_latency_figures_match_the_calls(night1: Path) -> None:
    """Cache hits over lookups, and each provider/model's API calls and latency p99, from the raw calls."""
    calls = [c for m in manifests(night1) for c in m.calls]
    api = [c for c in calls if not c.cache_hit and c.attempts > 0]
    s = summary(night1)
    assert (s["kpis"]["cache"]["hits"], s["kpis"]["cache"]["lookups"]) == (
        sum(c.cache_hit for c in calls),
        sum(c.cache_hit for c in calls) + len(api),
    )
    for p in s["providers"]:
        lat = [c.latency_s for c in api if (c.provider, c.model) == (p["provider"], p["model"])]
        assert (p["calls"], p["latency_p99_s"]) == (len(lat), pytest.approx(np.percentile(lat, 99)))
    assert sum(p["calls"] for p in s["providers"]) == len(api)


def test_csv_has_each_manifests_figures(night1: Path) -> None:
    """One row per manifest, with its status, cost, wall time, cache hits, hook and file size."""
    rows = csv_rows(night1 / "report.csv")
    ms = manifests(night1)
    assert len(rows) == len(ms)
    for m in ms:
        r = rows[f"{m.product_id}/{m.archetype}/hook-{m.hook_requested}"]
        assert (r["status"], float(r["cost_usd"]), float(r["wall_s"])) == (m.status, m.cost_usd, m.timings["total"])
        assert int(r["cache_hits"]) == sum(c.cache_hit for c in m.calls)
        assert r["hook_angle"] == (m.hook.angle if m.hook else "")
        assert r["size_bytes"] == (str(m.outputs.size_bytes) if m.outputs.size_bytes else "")


def test_product_name_that_is_a_formula_is_neutralized(night1: Path) -> None:
    """beta-lamp's name starts with "=": the CSV cell starts with an apostrophe."""
    assert csv_rows(night1 / "report.csv")["beta-lamp/ugc/hook-best"]["product_name"] == "'" + FORMULA_NAME


def test_cli_rebuild_gives_the_callbacks_csv(night1: Path, tmp_path: Path) -> None:
    """``python -m adbatch.report`` on the sweep dir, from the manifests alone, writes the same report.csv."""
    proc = run_adbatch(str(night1), "--out", str(tmp_path), module="adbatch.report", timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "report.csv").read_text() == (night1 / "report.csv").read_text()


def test_rerun_reports_reused_videos_as_cached(night2: Path) -> None:
    """The second sweep made nothing: 4 cached (counted as success, shown apart), 2 invalid, $0."""
    k = summary(night2)["kpis"]
    assert (k["videos"]["cached"], k["videos"]["ok"], k["videos"]["invalid"]) == (4, 0, 2)
    assert (k["success_rate"]["value"], k["cost"]["total_usd"], k["cache"]["videos_reused"]) == (1.0, 0.0, 4)


def test_merge_of_two_sweeps_counts_both(night1: Path, night2: Path, tmp_path: Path) -> None:
    """Merging the two nights: 12 rows, 4 ok + 4 cached + 4 invalid, each row tagged with its sweep."""
    built = report.build([night1, night2], out=tmp_path)
    n = built.summary["kpis"]["videos"]
    assert (n["attempted"], n["ok"], n["cached"], n["invalid"]) == (12, 4, 4, 4)
    with (tmp_path / "report.csv").open(newline="", encoding="utf-8") as fh:
        sweeps = [Path(r["sweep"]).name for r in csv.DictReader(fh)]
    assert sorted(sweeps) == ["night1"] * 6 + ["night2"] * 6


def test_real_report_opens_cleanly_in_chromium(night1: Path, tmp_path: Path) -> None:
    """Six rows, no console output, and the <script> product name is text that never ran."""
    dom, console = chromium(night1 / "report.html", tmp_path / "profile")
    assert console == [] and dom.count('<tr class="video-row"') == 6
    assert "<title>adbatch report</title>" in dom and "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom


def test_report_links_each_videos_contact_sheet(night1: Path) -> None:
    """report.csv names each ok video's sheet.jpg and report.html links it."""
    rows = csv_rows(night1 / "report.csv")
    ok = [r for r in rows.values() if r["status"] == "ok"]
    assert ok and all(Path(r["sheet_path"]).is_file() for r in ok)
    assert (night1 / "report.html").read_text().count(">sheet.jpg</a>") == len(ok)
