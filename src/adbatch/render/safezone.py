"""The 9:16 safe zone: where text and key visuals stay clear of the platforms' UI.

TikTok, Reels and Shorts draw their captions and buttons over the bottom of the frame, a
column of buttons along the right edge, and a status/tabs bar at the top. Each publishes the
share of the frame its UI covers (``safe_zone`` in conf/platforms/default.yaml); the zone here is
the strictest of the platforms a video is made for (``qa.platforms``), side by side, so everything
placed inside it (hook and body text, captions, the end card) passes each of their safe-zone gates.
The numbers are read from the config, never copied into code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from adbatch.paths import CONF_DIR

SIDES = ("top", "bottom", "left", "right")


@dataclass(frozen=True)
class Margins:
    """Share of the frame the UI covers on each side."""

    top: float = 0.0
    bottom: float = 0.0
    left: float = 0.0
    right: float = 0.0


def strictest(specs: Mapping[str, Any], platforms: Sequence[str]) -> Margins:
    """The widest margin on each side over ``platforms`` (keys of ``specs``, the ``platforms`` config
    node); a platform that publishes no safe zone adds nothing. With none of them in ``specs`` (a
    config composed without conf/platforms), every platform of conf/platforms/default.yaml counts."""
    known = [specs[name] for name in platforms if name in specs]
    if not known:
        return default_margins()
    zones = [spec.get("safe_zone") or {} for spec in known]
    return Margins(**{side: max((float(z.get(side, 0.0)) for z in zones), default=0.0) for side in SIDES})


@cache
def default_margins() -> Margins:
    """The strictest zone of every platform in conf/platforms/default.yaml: for callers that render
    without a composed config (tests, benches); a job passes its own (``qa.platforms``)."""
    specs = yaml.safe_load((CONF_DIR / "platforms" / "default.yaml").read_text(encoding="utf-8"))
    return strictest(specs, list(specs))


@dataclass(frozen=True)
class SafeZone:
    w: int
    h: int
    margins: Margins | None = None  # None: ``default_margins()``

    @property
    def _m(self) -> Margins:
        return self.margins or default_margins()

    @property
    def left(self) -> int:
        return int(self.w * self._m.left)

    @property
    def right(self) -> int:
        return int(self.w * (1 - self._m.right))

    @property
    def top(self) -> int:
        return int(self.h * self._m.top)

    @property
    def bottom(self) -> int:
        return int(self.h * (1 - self._m.bottom))

    @property
    def centered_width(self) -> int:
        """Widest box centred on the frame that stays inside the zone."""
        return 2 * min(self.w // 2 - self.left, self.right - self.w // 2)

    def contains(self, x: int, y: int, w: int, h: int) -> bool:
        """True if the box (x, y, w, h) lies inside the zone."""
        return x >= self.left and y >= self.top and x + w <= self.right and y + h <= self.bottom
