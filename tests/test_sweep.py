"""End to end: the README's sweep, run as a user runs it, on a tiny catalog at the draft preset."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from adbatch.domain.manifest import read
from adbatch.render.probe import probe
from tests.conftest import SCRIPT_NAME, SMOKE, make_png, product_row, run_adbatch, write_catalog


@pytest.fixture(scope="module")
def sweep(readme_sweep: Path) -> Path:
    """2 valid products + 1 invalid row x archetype=ugc,pov, draft preset, 20 s (conftest's ``readme_sweep``)."""
    return readme_sweep


def manifests(sweep: Path) -> dict[tuple[str, str], object]:
    return {(m.product_id, m.archetype): m for m in map(read, sweep.glob("*/*/*/manifest.json"))}


def test_one_job_per_row_and_archetype(sweep: Path) -> None:
    """3 rows x 2 archetypes = 6 video folders, named product/archetype/hook-best."""
    found = manifests(sweep)
    assert set(found) == {(p, a) for p in ("alpha-mug", "broken", "beta-lamp") for a in ("ugc", "pov")}
    assert (sweep / "alpha-mug" / "pov" / "hook-best" / "video.mp4").is_file()
    assert (sweep / "multirun.yaml").is_file()


@pytest.mark.parametrize("pid", ["alpha-mug", "beta-lamp"])
@pytest.mark.parametrize("arch", ["ugc", "pov"])
def test_each_video_is_a_valid_draft_mp4(sweep: Path, pid: str, arch: str) -> None:
    """540x960, 30 fps, H.264 yuv420p, AAC audio, 20 s within 0.1 s, with thumbnail and log."""
    folder = sweep / pid / arch / "hook-best"
    info = probe(folder / "video.mp4")
    assert (info.width, info.height, info.fps, info.video_codec, info.pix_fmt) == (540, 960, 30.0, "h264", "yuv420p")
    assert info.audio_codec == "aac" and abs(info.duration - 20.0) <= 0.1
    assert (folder / "thumb.jpg").stat().st_size > 0 and (folder / ".hydra" / "config.yaml").is_file()
    assert not list(folder.glob("*.part*")) and not (folder / ".work").exists()


@pytest.mark.parametrize("arch", ["ugc", "pov"])
def test_manifest_records_the_whole_job(sweep: Path, arch: str) -> None:
    """Status, hooks, provider calls, stage timings, outputs and the input hash are all there."""
    m = manifests(sweep)[("alpha-mug", arch)]
    assert m.status == "ok" and m.error is None and m.row == 1 and m.product_name == SCRIPT_NAME
    assert len(m.hooks) == 5 and m.hook is not None and m.hook.rank == 1 and m.hook == m.hooks[0]
    assert {c.stage for c in m.calls} == {"script", "voice", "scenes", "image", "music"}
    assert all(c.provider == "offline" and c.cost_usd == 0 for c in m.calls)
    assert {"catalog", "script", "assets", "timeline", "render", "total"} <= set(m.timings)
    assert m.outputs.video == "video.mp4" and m.outputs.duration_s == pytest.approx(20.0, abs=0.1)
    assert m.input_hash and m.config["render"] == "draft"
    assert all({"rule", "message", "applied"} <= set(note.model_dump()) for note in m.director)
    assert {"director", "assets"} <= set(m.timings)


def test_invalid_row_is_recorded_and_renders_nothing(sweep: Path) -> None:
    """The bad row's jobs end invalid with row, field and reason; no video is made."""
    for arch in ("ugc", "pov"):
        m = manifests(sweep)[("broken", arch)]
        assert m.status == "invalid" and m.error.row == 2 and m.error.field == "image"
        assert "not a PNG, JPEG or WebP" in m.error.message
        assert not (sweep / "broken" / arch / "hook-best" / "video.mp4").exists()


def test_log_lines_carry_the_job_context(sweep: Path) -> None:
    """Every log.jsonl line is JSON with product, archetype and hook bound."""
    lines = (sweep / "beta-lamp" / "ugc" / "hook-best" / "log.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    assert events and all(
        e["product"] == "beta-lamp" and e["archetype"] == "ugc" and e["hook"] == "best" for e in events
    )
    assert events[-1]["event"] == "job_end" and events[-1]["status"] == "ok"


def test_music_is_generated_once_per_archetype_and_reused(sweep: Path) -> None:
    """The second product's music call is a cache hit."""
    calls = [c for m in manifests(sweep).values() for c in m.calls if c.stage == "music"]
    assert sum(not c.cache_hit for c in calls) == 2  # one bed per archetype
    assert sum(c.cache_hit for c in calls) == 2


def test_catalog_missing_a_column_fails_fast(tmp_path: Path) -> None:
    """No image column: exit code != 0, one clear message, no job folder."""
    catalog = write_catalog(tmp_path, [product_row("x")], columns=["id", "name", "description"])
    proc = run_adbatch(f"products={catalog}", f"hydra.sweep.dir={tmp_path / 'out'}", "-m")
    assert proc.returncode != 0
    assert "lacks required column(s) image" in proc.stderr
    assert not list((tmp_path / "out").glob("*/*/*"))


@pytest.mark.slow
def test_single_run_renders_the_first_valid_product(tmp_path: Path) -> None:
    """Without -m, products=<csv> renders one video of the first valid row."""
    make_png(tmp_path / "images" / "good.png")
    catalog = write_catalog(tmp_path, [product_row("bad", image="images/missing.png"), product_row("good")])
    proc = run_adbatch(
        f"products={catalog}",
        *SMOKE,
        f"hydra.run.dir={tmp_path / 'run'}",
        f"cache_dir={tmp_path / 'cache'}",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    m = read(tmp_path / "run" / "manifest.json")
    assert m.product_id == "good" and m.status == "ok"


def sweep_two_products(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    """A draft sweep of a 2-row catalog into tmp_path/out, with extra overrides: ``one``, whose image is not an
    image (its job ends invalid at once), and ``two``, which renders."""
    make_png(tmp_path / "images" / "two.png")
    (tmp_path / "images" / "one.png").write_text("not a png")
    catalog = write_catalog(tmp_path, [product_row("one"), product_row("two")])
    return run_adbatch(
        f"products={catalog}",
        *SMOKE,
        *overrides,
        f"hydra.sweep.dir={tmp_path / 'out'}",
        f"cache_dir={tmp_path / 'cache'}",
        "-m",
    )


@pytest.mark.slow
def test_product_id_picks_one_product(tmp_path: Path) -> None:
    """product_id=<id> in a sweep renders only that product."""
    proc = sweep_two_products(tmp_path, "product_id=two")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [p.parts[-4] for p in (tmp_path / "out").glob("*/*/*/manifest.json")] == ["two"]


@pytest.mark.slow
def test_max_batch_size_is_respected(tmp_path: Path) -> None:
    """hydra.sweeper.max_batch_size=1 launches the catalog's jobs one batch at a time, all of them."""
    proc = sweep_two_products(tmp_path, "hydra.sweeper.max_batch_size=1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (proc.stdout + proc.stderr).count("Launching 1 jobs locally") == 2
    assert len(list((tmp_path / "out").glob("*/*/*/manifest.json"))) == 2
    assert [p.parts[-4] for p in (tmp_path / "out").glob("*/*/*/video.mp4")] == ["two"]


def test_a_sweep_in_which_no_video_succeeded_exits_non_zero_without_a_gate(tmp_path: Path) -> None:
    """Every row invalid and no min_success_rate: the sweep ends with exit 1 and the line naming the counts."""
    (tmp_path / "images" / "fake.png").parent.mkdir(parents=True)
    (tmp_path / "images" / "fake.png").write_text("not a png")
    catalog = write_catalog(
        tmp_path, [product_row("gone", image="images/missing.png"), product_row("fake", image="images/fake.png")]
    )
    proc = run_adbatch(
        f"products={catalog}",
        *SMOKE,
        f"hydra.sweep.dir={tmp_path / 'out'}",
        f"cache_dir={tmp_path / 'cache'}",
        "-m",
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "0 ok, 0 degraded, 0 failed, 2 invalid, 0 skipped" in proc.stdout
    assert "no video succeeded" in proc.stderr
    assert len(list((tmp_path / "out").glob("*/*/*/manifest.json"))) == 2
