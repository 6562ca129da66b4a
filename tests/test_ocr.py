"""OCR: the hook a viewer must read in the first second is really readable in the rendered video."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import av
import pytest
from PIL import Image

from tests.conftest import make_png, product_row, run_adbatch, write_catalog


def tesseract() -> str:
    exe = shutil.which("tesseract")
    assert exe, "tesseract is missing: run `sh tests/system-deps.sh` (apt package: tesseract-ocr)"
    return exe


def words(s: str) -> list[str]:
    """Lower-case words without punctuation: 'Cold coffee? Fixed.' -> ['cold', 'coffee', 'fixed']."""
    return re.findall(r"[a-z0-9']+", s.lower().replace("’", "'"))


def frame_at(video: Path, t: float) -> Image.Image:
    """The first decoded frame at or after ``t`` seconds."""
    with av.open(str(video)) as container:
        for frame in container.decode(container.streams.video[0]):
            if frame.time >= t - 1e-6:
                return frame.to_image()
    raise AssertionError(f"{video} has no frame at {t} s")


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> Path:
    """One 20 s draft video rendered through the app, as a user runs it."""
    root = tmp_path_factory.mktemp("ocr")
    make_png(root / "cat" / "images" / "alpha-mug.png", size=(256, 256))
    catalog = write_catalog(root / "cat", [product_row("alpha-mug")])
    out = root / "out"
    proc = run_adbatch(
        f"products={catalog}", "render=draft", "pacing=short", f"hydra.run.dir={out}", f"cache_dir={root / 'cache'}"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.mark.slow
def test_hook_text_is_readable_at_half_a_second(draft: Path, tmp_path: Path) -> None:
    """Tesseract reads at least 80 % of the hook's words in the frame at t = 0.5 s."""
    hook = json.loads((draft / "manifest.json").read_text())["hook"]["text"]
    frame = frame_at(draft / "video.mp4", 0.5)
    w, h = frame.size
    top = frame.crop((0, 0, w, int(h * 0.4)))  # the hook sits in the top of the safe zone
    top.resize((w * 2, top.height * 2), Image.LANCZOS).save(tmp_path / "hook.png")
    read = subprocess.run(
        [tesseract(), str(tmp_path / "hook.png"), "stdout"], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    expected, found = words(hook), set(words(read))
    hits = [word for word in expected if word in found]
    assert expected and len(hits) >= 0.8 * len(expected), f"hook {hook!r}, tesseract read {read!r}"
