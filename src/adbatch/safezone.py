"""The 9:16 safe zone: where text and key visuals stay clear of the platforms' UI.

TikTok, Reels and Shorts draw their captions and buttons over the bottom ~20 % of the
frame and a column of buttons along the right edge, and a status/tabs bar at the top.
Everything important (hook text, captions, price, CTA) is placed inside this zone.
"""

from __future__ import annotations

from dataclasses import dataclass

TOP = 0.08  # status bar and "Following | For You" tabs
BOTTOM = 0.20  # caption, username, music ticker
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
    def width(self) -> int:
        return self.right - self.left

    @property
    def centered_width(self) -> int:
        """Widest box centred on the frame that stays inside the zone."""
        return 2 * min(self.w // 2 - self.left, self.right - self.w // 2)

    def contains(self, x: int, y: int, w: int, h: int) -> bool:
        """True if the box (x, y, w, h) lies inside the zone."""
        return x >= self.left and y >= self.top and x + w <= self.right and y + h <= self.bottom
