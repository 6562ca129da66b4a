"""Catalog expansion for the sweeper: validate every row, then one job per row.

Only a product id (a validated slug) or ``_row<N>`` crosses Hydra's override grammar;
product text never does (its commas and quotes would be read as sweeps). Each job
reads its own row from the CSV. The CSV path is made absolute here, because the
sweeper runs before HydraConfig exists and jobs may run elsewhere (joblib, RQ).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

log = logging.getLogger(__name__)


class CatalogSweepError(HydraException):
    """The catalog cannot be used at all (unreadable, no rows, a required column missing)."""


def expand_catalog(arguments: list[str], *, config: Any, products_key: str, product_key: str) -> list[str]:
    """Return ``arguments`` with the products path made absolute and a ``product_key`` sweep added."""
    from adbatch.stages import catalog

    overrides = OverridesParser.create().parse_overrides(arguments)
    by_key = {o.get_key_element().lstrip("+~"): (o, arg) for o, arg in zip(overrides, arguments)}
    if products_key in by_key and by_key[products_key][0].is_sweep_override():
        raise CatalogSweepError(f"{products_key}= takes one catalog per sweep; run one sweep per catalog")
    raw = by_key[products_key][0].value() if products_key in by_key else config.get(products_key)
    if not raw:
        return list(arguments)  # no catalog: behave exactly like the basic sweeper
    try:
        path = _local_feed(str(raw), config)
        cat = catalog.load_catalog(path, config.get("catalog"))
    except catalog.CatalogError as exc:
        raise CatalogSweepError(str(exc)) from exc
    keys = _validated_keys(cat, config)
    rest = [arg for key, (_, arg) in by_key.items() if key not in (products_key, product_key)]
    chosen = by_key.get(product_key)
    if chosen is None:
        product_arg = f"{product_key}={','.join(keys)}"
    else:
        product_arg = chosen[1]
    # workers elsewhere (RQ, SLURM) resolve relative paths in their own folder: send absolute ones
    cache = by_key["cache_dir"][0].value() if "cache_dir" in by_key else config.get("cache_dir")
    rest = [arg for arg in rest if not arg.lstrip("+").startswith("cache_dir=")]
    absolute = [f"cache_dir={Path(str(cache)).expanduser().resolve()}"] if cache else []
    return [f"{products_key}={path}", product_arg, *absolute, *rest]


def _local_feed(raw: str, config: Any) -> Path:
    """The catalog as an absolute local path; an http(s) feed is downloaded once into the sweep dir, so
    every job reads the same snapshot of it (with the limits of image URLs)."""
    from adbatch.feeds import localize

    return localize(
        raw,
        into=Path(str(config.hydra.sweep.dir)).expanduser(),
        max_mb=float(config.get("image_max_mb", 10.0)),
        timeout_s=float(config.get("url_timeout_s", 20.0)),
    )


def check_live_keys(config: Any) -> None:
    """Raise CatalogSweepError naming every API key a live stage needs and the environment lacks, or that its
    provider refuses (one free call each, before any job starts: no job pays one provider while another's key
    is bad)."""
    from adbatch.providers.keys import MissingKeyError, check_keys, verify_keys
    from adbatch.providers.retry import KeyRefused

    try:
        check_keys(config.provider)
        verify_keys(config.provider)
    except (MissingKeyError, KeyRefused) as exc:
        raise CatalogSweepError(str(exc)) from exc


def _validated_keys(cat: Any, config: Any) -> list[str]:
    """Job keys for every row; invalid rows are listed now and recorded by their own job."""
    from adbatch.stages import catalog

    cache = Path(str(config.get("cache_dir", "outputs/cache"))).expanduser().resolve()
    keys, bad = [], []
    for row in range(1, len(cat) + 1):
        keys.append(cat.job_key(row))
        try:
            cat.validate_row(
                row,
                image_cache=cache,
                max_mb=float(config.get("image_max_mb", 10.0)),
                timeout_s=float(config.get("url_timeout_s", 20.0)),
            )
        except catalog.RowError as exc:
            bad.append(str(exc))
    log.info(f"catalog {cat.path.name}: {len(cat)} rows, {len(cat) - len(bad)} valid, {len(bad)} invalid")
    for message in bad:
        log.warning(f"invalid: {message} (recorded as status=invalid; the other rows go on)")
    return keys


def progress_display(sweeper: Any, arguments: list[str]) -> Any:
    """The sweep's live progress (``adbatch.report.progress``), told how many jobs BasicSweeper will launch."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from omegaconf import OmegaConf

    from adbatch.report.progress import LiveProgress

    parser = OverridesParser.create(config_loader=sweeper.hydra_context.config_loader)
    overrides = parser.parse_overrides([*sweeper._parse_config(), *arguments])
    total = sum(len(batch) for batch in BasicSweeper.split_arguments(overrides, None))
    return LiveProgress(
        Path(str(sweeper.config.hydra.sweep.dir)),
        total=total,
        cap_usd=OmegaConf.select(sweeper.config, "cost_cap.per_sweep_usd", default=None),
    )
