"""A priced provider for cost tests: the offline plates, billed like a paid API.

It charges a fixed price per scene and appends every billed call to an invoice file,
so tests can compare what was really paid (the invoice) with the ledger and manifests.
Selected through config, like any provider: ``provider.scenes._target_=tests.paid.PricedPlates``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from adbatch.providers.base import Output, SceneRequest
from adbatch.providers.offline import PlateSceneGenerator


class PricedPlates(PlateSceneGenerator):
    name = "paidfake"
    model = "plates-priced"

    def __init__(self, price_usd: float = 0.05, invoice: str | None = None, plates: Any = None) -> None:
        super().__init__(plates)  # the plates are drawn in the house style, like the offline ones
        self.price, self.invoice = price_usd, invoice

    def params(self) -> dict[str, Any]:
        return {"price": self.price}

    def estimate(self, request: Any) -> float:
        return self.price

    async def scene(self, request: SceneRequest, out: Path) -> Output:
        made = await super().scene(request, out)
        if self.invoice:
            line = json.dumps(
                {
                    "product": request.product.id,
                    "slot": request.slot.id,
                    "shot": request.shot,
                    "size": [request.width, request.height],
                    "usd": self.price,
                    "pid": os.getpid(),
                }
            )
            with open(self.invoice, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return Output(meta=made.meta, units=made.units, cost_usd=self.price)
