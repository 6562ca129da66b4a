"""Example product feeds served from 127.0.0.1, as a shop's CDN would serve them (no internet needed)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import make_png

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "feeds"
CDN = "https://cdn.example.com/images/"  # where the example feeds say their photos are


@contextlib.contextmanager
def serve(root: Path) -> Iterator[tuple[Path, str]]:
    """A ThreadingHTTPServer on 127.0.0.1 serving ``root``: yields (root, base URL)."""
    root.mkdir(parents=True, exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def served_copy(name: str, root: Path, base: str) -> Path:
    """Copy example feed ``name`` into ``root`` with its photo URLs pointing at ``base``, and put every
    photo it names there (the hero from examples/images, extra shots drawn in distinct colours)."""
    text = (EXAMPLES / name).read_text(encoding="utf-8").replace(CDN, f"{base}/images/")
    images = root / "images"
    for i, file in enumerate(sorted(set(re.findall(re.escape(f"{base}/images/") + r"([\w.-]+)", text)))):
        if not (images / file).is_file():
            hero = EXAMPLES.parent / "images" / file
            if hero.is_file():
                images.mkdir(parents=True, exist_ok=True)
                shutil.copy(hero, images / file)
            else:
                make_png(images / file, size=(256, 256), color=(40 + 50 * (i % 4), 90, 200 - 40 * (i % 4)))
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path
