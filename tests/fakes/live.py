"""Helpers for driving the live adapters against the fake server (tests and the parallel benchmark).

Adapters are built from the real config (``provider=live`` composed by Hydra), pointed at
the fake server, with a fast retry base and poll interval so no test waits real seconds.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from adbatch.config import register_configs
from adbatch.paths import CONF_DIR
from tests.conftest import SMOKE, make_png, product_row, write_catalog
from tests.fakes.server import FakeProviders

KEY = "sk-fake-TEST-KEY-9f3c2a17d0"  # what the tests export as every API key (and grep outputs for)
KEY_VARS = ("ANTHROPIC_API_KEY", "REPLICATE_API_TOKEN", "ELEVENLABS_API_KEY")
FAST = {
    "script": {},
    "voice": {},
    "scenes": {"poll_s": 0.02, "reconcile_s": 0.05},
    "image": {"poll_s": 0.02, "reconcile_s": 0.05},
}
FAST_RETRY = {"max_retries": 3, "base_s": 0.01, "max_wait_s": 60}

register_configs()


@lru_cache(maxsize=32)
def live_config(*overrides: str) -> Any:
    """The composed app config with ``provider=live`` and ``overrides`` (cached: treat it as read-only)."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=["provider=live", *overrides])


def build(stage: str, fake: FakeProviders, *overrides: str, **kwargs: Any) -> Any:
    """The ``stage`` adapter of ``provider=live``, talking to ``fake``, with fast retries and polls."""
    node = live_config(*overrides).provider[stage]
    return instantiate(node, base_url=fake.url, **{"retry": FAST_RETRY, **FAST[stage], **kwargs})


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def url_overrides(url: str) -> list[str]:
    """Command-line overrides pointing every live stage at ``url``, its polls and retries as configured."""
    return [f"provider.{stage}.base_url={url}" for stage in FAST]


def fast_overrides(url: str) -> list[str]:
    """Command-line overrides pointing every live stage at ``url`` with fast retries and polls."""
    args = url_overrides(url)
    for stage, extra in FAST.items():
        args += [f"provider.{stage}.retry.base_s={FAST_RETRY['base_s']}"]
        args += [f"provider.{stage}.{k}={v}" for k, v in extra.items()]
    return args


def catalog_of(folder: Path, *ids: str) -> Path:
    """A catalog of ``ids`` (256x256 photos) in ``folder``."""
    for pid in ids:
        make_png(folder / "images" / f"{pid}.png", size=(256, 256))
    return write_catalog(folder, [product_row(pid) for pid in ids])


def live_job(
    fake: FakeProviders, catalog: Path, product_id: str, root: Path, *overrides: str, folder: str = "video"
) -> Any:
    """Render ``product_id`` into ``root/folder`` in this process with provider=live against ``fake``
    (draft, 20 s, cache in ``root/cache``); its manifest."""

    from adbatch.app import build_providers
    from adbatch.config import typed
    from adbatch.pipeline import run_job

    cfg = live_config(
        f"products={catalog}",
        f"product_id={product_id}",
        *SMOKE,
        f"cache_dir={root / 'cache'}",
        *fast_overrides(fake.url),
        *overrides,
    )
    writer, providers = build_providers(cfg)
    return run_job(typed(cfg), out_dir=root / folder, writer=writer, providers=providers)
