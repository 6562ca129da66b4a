"""Scene-level regeneration: one scene re-made and paid for, everything else from the cache."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from adbatch.domain.manifest import read
from adbatch.render.probe import probe
from tests.conftest import SMOKE, make_png, product_row, run_adbatch, write_catalog

pytestmark = pytest.mark.slow  # renders a video, then re-renders it twice


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> tuple[Path, Path]:
    """One draft video with priced scene plates (a test invoice), rendered once for the module."""
    root = tmp_path_factory.mktemp("regen")
    make_png(root / "cat" / "images" / "mug.png", size=(128, 128))
    cat = write_catalog(root / "cat", [product_row("mug")])
    invoice = root / "invoice.jsonl"
    proc = run_adbatch(
        f"products={cat}",
        *SMOKE,
        "provider.scenes._target_=tests.paid.PricedPlates",
        "+provider.scenes.price_usd=0.05",
        f"+provider.scenes.invoice={invoice}",
        f"hydra.run.dir={root / 'run'}",
        f"cache_dir={root / 'cache'}",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return root / "run", invoice


@pytest.fixture
def video(made: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the module's video folder for one test to regenerate (the cache and invoice are shared: each
    test regenerates its own scenes)."""
    folder, invoice = made
    shutil.copytree(folder, tmp_path / "run")
    return tmp_path / "run", invoice


def regen(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return run_adbatch(str(folder), *args, module="adbatch.regen")


def test_regenerating_a_scene_pays_for_that_scene_only(video) -> None:
    """scene=3: one new paid scene call; every other asset is a cache hit; history keeps the old version."""
    folder, invoice = video
    before = len(invoice.read_text().splitlines())
    proc = regen(folder, "scene=3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(invoice.read_text().splitlines()) == before + 1
    m = read(folder / "manifest.json")
    paid = [c for c in m.calls if not c.cache_hit]
    assert [c.stage for c in paid] == ["scenes"] and m.cost_usd == pytest.approx(0.05)
    assert m.status == "ok" and len(m.history) == 1 and m.history[0]["scene"] == 3
    assert probe(folder / "video.mp4").duration == pytest.approx(20.0, abs=0.1)


def test_regenerating_twice_uses_a_new_seed_each_time(video) -> None:
    """Each regeneration bumps the scene's seed: two more paid calls, two history entries."""
    folder, invoice = video
    before = len(invoice.read_text().splitlines())
    assert regen(folder, "scene=2").returncode == 0
    assert regen(folder, "scene=2", "prompt=close-up, warm light").returncode == 0
    m = read(folder / "manifest.json")
    assert len(invoice.read_text().splitlines()) == before + 2
    assert [h["seed_offset"] for h in m.history] == [1, 2] and m.history[1]["prompt"] == "close-up, warm light"


def test_the_end_card_and_unknown_scenes_are_refused(video) -> None:
    """The end card is drawn, not generated; scene numbers past the end are named."""
    folder, _ = video
    shots = json.loads((folder / "timeline.json").read_text())["shots"]
    assert "end card" in regen(folder, f"scene={len(shots)}").stderr
    assert f"scenes 1..{len(shots)}" in regen(folder, "scene=99").stderr
