"""Shared fixtures: small real inputs (a 2-row CSV, tiny PNGs) and config helpers."""

from __future__ import annotations

import csv
import fcntl
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from adbatch.config import PacingConf
from adbatch.domain.archetype import Archetype, load_archetype
from adbatch.domain.manifest import Manifest, read
from adbatch.domain.product import Product
from adbatch.paths import ARCHETYPES_DIR, PROJECT_ROOT

SCRIPT_NAME = "<script>document.title='pwned'</script>"  # a product name that is markup...
FORMULA_NAME = '=HYPERLINK("http://x","Lamp")'  # ...and one that is a spreadsheet formula

COLUMNS = [
    "id",
    "name",
    "description",
    "image",
    "price",
    "benefits",
    "reviews",
    "audience",
    "brand_color",
    "cta",
    "url",
]


# Tests of what runs around a render (caches, caps, launchers, resume, feeds, regen, keys) render small: the
# draft preset at 288x512 and 20 s, under a third of draft's pixels, which takes about 40 % off a job's time
# (7.3 -> 4.5 s for a 20 s ad on 2 cores). The platforms' minimum frame is lowered to match, so the QA gate runs its other checks
# on these videos as on any; the delivery size itself is checked by the tests that render at draft or final.
SMOKE = (
    "render=draft",
    "pacing=short",
    "render.width=288",
    "render.height=512",
    "platforms.tiktok.min_size=[288,512]",
    "platforms.reels.min_size=[288,0]",
)


# the end-to-end module that makes the README sweep first, the one that re-reads it last (``readme_sweep``)
FIRST, LAST = "test_sweep.py", "test_report_sweep.py"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files with slow tests run first, so that spread over the cores (pytest-xdist hands out files in this
    order) the long ones start early and the many quick files even out the end, instead of one long file
    running alone while the other cores sit idle. Within a file the order is kept."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> tuple[int, int]:
        name = item.path.name
        return (item.path not in slow, 0 if name == FIRST else 2 if name == LAST else 1)

    items.sort(key=rank)


def run_adbatch(
    *args: str, module: str = "adbatch", cwd: Path = PROJECT_ROOT, timeout: float = 600, **kw
) -> subprocess.CompletedProcess:
    """``python -m <module> ARGS`` as a user runs it (from the project root), output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, **kw
    )


def sweep_manifests(sweep: Path, pattern: str = "*/*/*/manifest.json") -> list[Manifest]:
    """The manifests of a sweep's video folders (``<product>/<archetype>/hook-<hook>``), in folder order."""
    return [read(p) for p in sorted(Path(sweep).glob(pattern))]


def make_png(path: Path, size: tuple[int, int] = (64, 64), color: tuple[int, int, int] = (200, 80, 60)) -> Path:
    """A small real PNG with a gradient, so plates have something to show."""
    w, h = size
    ramp = np.linspace(0, 255, w, dtype=np.uint8)[None, :, None]
    img = np.broadcast_to(ramp, (h, w, 3)).copy()
    img[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] = color
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(img).save(path)
    return path


def product_row(pid: str, **over: str) -> dict[str, str]:
    row = {
        "id": pid,
        "name": f"{pid.replace('-', ' ').title()}",
        "description": "A small thing that makes mornings better.",
        "image": f"images/{pid}.png",
        "price": "19.99",
        "benefits": "saves time|feels great|lasts for years",
        "reviews": "I was tired of cold coffee. This fixed it.|Honestly the best gift I bought this year.",
        "audience": "busy people",
        "brand_color": "#3366CC",
        "cta": "Shop now",
        "url": "https://example.com/p",
    }
    row.update(over)
    return row


def write_catalog(folder: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    """Write ``rows`` as catalog.csv in ``folder`` (images are created for local paths that look like ours)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "catalog.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns or COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def tiny_catalog(tmp_path: Path) -> Path:
    """A valid 2-product catalog with 64x64 PNG images."""
    for pid in ("alpha-mug", "beta-lamp"):
        make_png(tmp_path / "images" / f"{pid}.png")
    return write_catalog(tmp_path, [product_row("alpha-mug"), product_row("beta-lamp", brand_color="#E8A33D")])


@pytest.fixture
def pacing() -> dict:
    return PacingConf()


@pytest.fixture
def ugc() -> Archetype:
    return load_archetype("ugc", ARCHETYPES_DIR)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    """A real redis-server on 127.0.0.1 (random port), for the session."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> list[Product]:
    """The example catalog's products, validated as a job validates them."""
    from adbatch.stages.catalog import load_catalog

    cat = load_catalog(PROJECT_ROOT / "examples" / "catalog.csv")
    cache = tmp_path_factory.mktemp("images")
    return [cat.validate_row(row, image_cache=cache, max_mb=10, timeout_s=5) for row in range(1, len(cat) + 1)]


@pytest.fixture(scope="session")
def readme_sweep(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The README's sweep, run as a user runs it, once per test run: 2 valid products named as markup and as a
    formula + 1 row whose image is not an image, x archetype=ugc,pov, draft preset, 20 s (pacing=short). Its folder
    is ``night1`` beside the ``cache`` it filled. Under pytest-xdist the first worker to need it makes it, under
    a file lock, and the others read it (pytest-xdist's recipe for a session fixture made once)."""
    root = tmp_path_factory.getbasetemp()
    root = (root.parent if worker_id != "master" else root) / "readme-sweep"
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if this worker fails
        if not (root / "night1" / "summary.json").is_file():
            for pid in ("alpha-mug", "beta-lamp"):
                make_png(root / "cat" / "images" / f"{pid}.png", size=(256, 256))
            (root / "cat" / "images" / "fake.png").write_text("not a png")
            rows = [
                product_row("alpha-mug", name=SCRIPT_NAME),
                product_row("broken", image="images/fake.png"),
                product_row("beta-lamp", name=FORMULA_NAME, brand_color="#E8A33D"),
            ]
            proc = run_adbatch(
                f"products={write_catalog(root / 'cat', rows)}",
                "archetype=ugc,pov",
                "render=draft",
                "pacing=short",
                f"hydra.sweep.dir={root / 'night1'}",
                f"cache_dir={root / 'cache'}",
                "-m",
            )
            assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "night1"
