"""The Hydra app: compose the config, pick the product, build providers, run one job.

A multirun (``-m``) goes through the catalog sweeper (``hydra_plugins``), which turns
``products=<csv>`` into one job per product x archetype x hook; each job lands here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, cast

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from adbatch.config import AdbatchConf, register_configs, typed
from adbatch.domain.manifest import job_summary
from adbatch.errors import CatalogError, ConfigError
from adbatch.paths import CONF_DIR
from adbatch.pipeline import not_started, run_job
from adbatch.providers import keys
from adbatch.providers.retry import KeyRefused
from adbatch.render import formats
from adbatch.stages import catalog
from adbatch.stages.assets import Providers
from adbatch.store.atomic import write_text
from adbatch.store.ledger import Caps, Ledger, RedisLedger, SqliteLedger

register_configs()


def first_valid_key(cfg: AdbatchConf) -> str:
    """The job key of the first valid product, for a single run without ``product_id``."""
    cat = catalog.load_catalog(cfg.products or "", cfg.catalog)
    errors = []
    for row in range(1, len(cat) + 1):
        try:
            cat.validate_row(row, image_cache=Path(cfg.cache_dir), max_mb=cfg.image_max_mb, timeout_s=cfg.url_timeout_s)
            return cat.job_key(row)
        except catalog.RowError as exc:
            errors.append(str(exc))
    raise CatalogError("no valid product in the catalog:\n  " + "\n  ".join(errors))


def build_providers(cfg: DictConfig) -> tuple[Any, Providers]:
    """Instantiate each stage's provider from its ``_target_``; exit naming any API key a live stage lacks."""
    from adbatch.providers.keys import MissingKeyError, check_keys

    p = cfg.provider
    try:
        check_keys(p)
    except MissingKeyError as exc:
        sys.exit(f"adbatch: {exc}")
    return instantiate(p.script), Providers(
        voice=instantiate(p.voice), scenes=instantiate(p.scenes), image=instantiate(p.image), music=instantiate(p.music)
    )


def build_ledger(cfg: DictConfig) -> Ledger:
    """The sweep's shared ledger: Redis under the RQ launcher (or when asked), else SQLite in the sweep dir."""
    hc = HydraConfig.get()
    multirun = hc.mode == RunMode.MULTIRUN
    base = Path(hc.sweep.dir if multirun else hc.runtime.output_dir).resolve()
    caps = Caps(per_video_usd=cfg.cost_cap.per_video_usd, per_sweep_usd=cfg.cost_cap.per_sweep_usd)
    kind = cfg.cost_cap.ledger
    hydra_node = cast(DictConfig, hc)  # HydraConfig.get() is the DictConfig of the hydra node
    launcher = OmegaConf.select(hydra_node, "launcher._target_", default="") or ""
    if kind == "auto":
        kind = "redis" if "rq_launcher" in launcher else "sqlite"
    if kind == "redis":
        url = (
            cfg.cost_cap.redis_url
            or OmegaConf.select(hydra_node, "launcher.redis.url", default=None)
            or os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
        )
        return RedisLedger(url, sweep=str(base), caps=caps)
    if kind != "sqlite":
        sys.exit(f"adbatch: cost_cap.ledger={kind!r}: use auto, sqlite or redis")
    return SqliteLedger(base / "ledger.sqlite", caps)


def localize(products: str, *, into: Path, cfg: AdbatchConf) -> Path:
    """``products=`` as a local file: a path resolved, or an http(s) feed downloaded into ``into``."""
    from adbatch.feeds import localize as fetch

    return fetch(products, into=into, max_mb=cfg.image_max_mb, timeout_s=cfg.url_timeout_s)


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def main(cfg: DictConfig) -> dict[str, Any]:
    """Render one video; return a small summary (the manifest on disk has the rest)."""
    if not cfg.products:
        sys.exit("adbatch: products=<catalog.csv> is required, e.g. products=examples/catalog.csv")
    job = typed(cfg)
    hc = HydraConfig.get()
    sweep = Path(hc.sweep.dir).resolve() if hc.mode == RunMode.MULTIRUN else None
    try:
        job.products = str(localize(job.products or "", into=Path(hc.runtime.output_dir), cfg=job))
        formats.resolve(job.render, job.platforms, job.qa.platforms)  # a shape no platform takes stops here
        if not job.product_id:
            job.product_id = first_valid_key(job)
        if sweep is None:
            keys.verify_keys(cfg.provider)  # a sweep checked them once, before its first job
        writer, providers = build_providers(cfg)
    except (CatalogError, ConfigError, KeyRefused) as exc:
        sys.exit(f"adbatch: {exc}")
    out_dir = Path(hc.runtime.output_dir)
    refused = sweep / keys.REFUSED_FILE if sweep is not None else None
    if refused is not None and refused.is_file():  # an earlier job's key was refused: paying for this one is waste
        result = not_started(job, out_dir, reason=refused.read_text(encoding="utf-8").strip())
    else:
        result = run_job(job, out_dir=out_dir, writer=writer, providers=providers, ledger=build_ledger(cfg))
        if refused is not None and result.error is not None and result.error.type == KeyRefused.__name__:
            write_text(refused, result.error.message)
    return job_summary(result, out_dir)


if __name__ == "__main__":
    main()
