"""Brand colours: parse, derive a secondary colour, and pick readable text colours."""

from __future__ import annotations

import colorsys

from adbatch.media.color import rgb

DEFAULT_BRAND = "#FF3B6B"


def hex_of(color: tuple[int, int, int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*color)


def secondary(hex_color: str) -> str:
    """A darker, slightly hue-shifted partner colour for gradients and accents."""
    r, g, b = (c / 255 for c in rgb(hex_color))
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    r2, g2, b2 = colorsys.hls_to_rgb((h + 0.06) % 1.0, max(0.12, light * 0.55), min(1.0, s * 1.1))
    return hex_of((int(r2 * 255), int(g2 * 255), int(b2 * 255)))


def palette(primary: str | None, second: str | None = None) -> tuple[str, str]:
    """(primary, secondary) with defaults filled in."""
    first = primary or DEFAULT_BRAND
    return first, second or secondary(first)


def luminance(hex_color: str) -> float:
    r, g, b = (c / 255 for c in rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(hex_color: str) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``hex_color``."""
    return (20, 20, 20) if luminance(hex_color) > 0.6 else (255, 255, 255)
