"""The 9:16 safe zone: where text and key visuals stay clear of the platforms' UI.

TikTok, Reels and Shorts draw their captions and buttons over the bottom of the frame, a
column of buttons along the right edge, and a status/tabs bar at the top. This zone is the
strictest of their published zones (conf/platforms/default.yaml: Reels keeps the top 14 %
and the bottom 35 % clear), so everything placed inside it (hook and body text, captions,
the end card) passes every platform's safe-zone gate.
"""

from __future__ import annotations

from dataclasses import dataclass

TOP = 0.14  # status bar, tabs, the Reels ad header
BOTTOM = 0.35  # caption, username, CTA bar, music ticker (Reels ads: 35 %)
LEFT = 0.06
RIGHT = 0.16  # like / comment / share column


@dataclass(frozen=True)
class SafeZone:
    w: int
    h: int

    @property
    def left(self) -> int:
        return int(self.w * LEFT)

    @property
    def right(self) -> int:
        return int(self.w * (1 - RIGHT))

    @property
    def top(self) -> int:
        return int(self.h * TOP)

    @property
    def bottom(self) -> int:
        return int(self.h * (1 - BOTTOM))

    @property
    def centered_width(self) -> int:
        """Widest box centred on the frame that stays inside the zone."""
        return 2 * min(self.w // 2 - self.left, self.right - self.w // 2)

    def contains(self, x: int, y: int, w: int, h: int) -> bool:
        """True if the box (x, y, w, h) lies inside the zone."""
        return x >= self.left and y >= self.top and x + w <= self.right and y + h <= self.bottom
