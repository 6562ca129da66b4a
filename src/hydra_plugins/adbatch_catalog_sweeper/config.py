"""Config of the catalog sweeper, stored as ``hydra/sweeper=catalog``.

No ``from __future__ import annotations`` here: Hydra executes plugin modules without
registering them in sys.modules, and dataclasses then cannot resolve string annotations.
"""

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore


@dataclass
class CatalogSweeperConf:
    _target_: str = "hydra_plugins.adbatch_catalog_sweeper.catalog_sweeper.CatalogSweeper"
    # jobs handed to the launcher at once (None: all); as in Hydra's basic sweeper
    max_batch_size: int | None = None
    # extra sweep parameters, as in Hydra's basic sweeper (e.g. {archetype: "ugc,pov"})
    params: dict[str, str] | None = None
    # config key holding the catalog CSV path
    products_key: str = "products"
    # config key each job reads its product from (a product id, or _row<N> for an unusable row)
    product_key: str = "product_id"


ConfigStore.instance().store(
    group="hydra/sweeper", name="catalog", node=CatalogSweeperConf, provider="adbatch_catalog_sweeper"
)
