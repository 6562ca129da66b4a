"""The catalog sweeper: Hydra's basic sweeper, plus one job per catalog row.

Thin on purpose (Hydra imports every plugin module at start-up): the catalog work
lives in ``_core`` and is imported only when a sweep actually runs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper


class CatalogSweeper(BasicSweeper):
    """Expands ``products=<csv>`` into ``product_id=<id>`` per row, then sweeps like BasicSweeper."""

    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        products_key: str = "products",
        product_key: str = "product_id",
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.products_key, self.product_key = products_key, product_key

    def sweep(self, arguments: list[str]) -> Any:
        from ._core import CatalogSweepError

        try:
            return self._sweep(arguments)
        except CatalogSweepError as exc:  # one clear line, exit code 1, no traceback: nothing has run yet
            sys.exit(f"adbatch: {exc}")

    def _sweep(self, arguments: list[str]) -> Any:
        from ._core import expand_catalog

        assert self.config is not None
        expanded = expand_catalog(
            arguments, config=self.config, products_key=self.products_key, product_key=self.product_key
        )
        if self.config.get("dry_run"):
            from ._dry_run import dry_run

            return dry_run(self, expanded)
        from ._core import check_live_keys, progress_display

        check_live_keys(self.config)  # a missing API key stops the sweep before any job folder exists

        with progress_display(self, expanded):  # stopped (and its last line shown) even if the sweep raises
            return super().sweep(expanded)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose one job of each kind before launching: jobs that differ only in their product id (a plain
        string, already parsed) compose alike, so a 1,000-row catalog swept over two archetypes is checked
        with two compositions, not 2,000 (Hydra's own check composes every job, ~0.5 s each, before any runs;
        the launcher composes each job again when it runs it)."""
        kinds: dict[tuple[str, ...], Sequence[str]] = {}
        for overrides in batch:
            kinds.setdefault(tuple(o for o in overrides if not o.startswith(f"{self.product_key}=")), overrides)
        super().validate_batch_is_legal(list(kinds.values()))
