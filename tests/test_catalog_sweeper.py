"""The catalog sweeper checks a batch before launching it: one composition per kind of job, not one per job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hydra._internal.callbacks import Callbacks
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.utils import create_config_search_path
from hydra.core.plugins import Plugins
from hydra.errors import ConfigCompositionException
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig

from adbatch.config import register_configs
from adbatch.paths import CONF_DIR


class CountingLoader(ConfigLoaderImpl):
    """Hydra's own config loader, counting the job compositions it is asked for."""

    def __init__(self) -> None:
        super().__init__(create_config_search_path(str(CONF_DIR)))
        self.composed: list[list[str]] = []

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> DictConfig:
        self.composed.append(list(sweep_overrides))
        return super().load_sweep_config(master_config, sweep_overrides)


def checked(batch: Sequence[Sequence[str]]) -> list[list[str]]:
    """The job overrides the sweeper composed to check ``batch``."""
    register_configs()
    loader = CountingLoader()
    master = loader.load_configuration("config", ["products=catalog.csv"], RunMode.MULTIRUN)
    context = HydraContext(loader, Callbacks())
    sweeper = Plugins.instance().instantiate_sweeper(config=master, hydra_context=context, task_function=_task)
    assert type(sweeper).__name__ == "CatalogSweeper"  # conf/config.yaml's hydra/sweeper, as a sweep runs it
    sweeper.validate_batch_is_legal(batch)
    return loader.composed


def _task(_cfg: Any) -> None:
    return None


def test_jobs_differing_only_in_their_product_are_composed_once() -> None:
    """Three products x two archetypes: two compositions, one per archetype."""
    batch = [[f"product_id={p}", f"archetype={a}"] for p in ("a", "b", "c") for a in ("ugc", "pov")]
    assert checked(batch) == [["product_id=a", "archetype=ugc"], ["product_id=a", "archetype=pov"]]


def test_a_job_that_cannot_compose_is_still_caught_before_launch() -> None:
    """The one kind of job with an unknown archetype fails the check, whichever product it is for."""
    batch = [["product_id=a", "archetype=ugc"], ["product_id=b", "archetype=ugc"], ["product_id=b", "archetype=nope"]]
    with pytest.raises(ConfigCompositionException, match="nope"):
        checked(batch)
