"""Pytest fixtures for the live adapters: ``keys`` (fake API keys in the environment), ``fake`` (a fresh
fake provider server insisting on them) and ``product`` (one valid product).

Test modules load them with ``pytest_plugins = ["tests.fakes.fixtures"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adbatch.stages import catalog
from tests.conftest import make_png, product_row, write_catalog
from tests.fakes.live import KEY, KEY_VARS
from tests.fakes.server import FakeProviders


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every provider key set to the fake test key."""
    for var in KEY_VARS:
        monkeypatch.setenv(var, KEY)
    return KEY


@pytest.fixture
def fake(keys: str) -> Iterator[FakeProviders]:
    """A fresh fake provider server that insists on the test key."""
    with FakeProviders(key=keys) as server:
        yield server


@pytest.fixture
def product(tmp_path: Path) -> catalog.Product:
    """One valid product with a 256x256 photo."""
    make_png(tmp_path / "images" / "alpha-mug.png", size=(256, 256))
    cat = catalog.load_catalog(write_catalog(tmp_path, [product_row("alpha-mug")]))
    return cat.validate_row(1, image_cache=tmp_path / "cache", max_mb=10, timeout_s=5)
