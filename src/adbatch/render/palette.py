"""Brand colours: parse, derive a secondary colour, and pick readable text colours."""

from __future__ import annotations

import colorsys

from adbatch.media.color import rgb

DEFAULT_BRAND = "#FF3B6B"  # a product with no brand colour and no brand kit
CHANNEL_MAX = 255  # 8-bit colour channels
BT709_LUMA = (0.2126, 0.7152, 0.0722)  # relative luminance of the R, G, B primaries (ITU-R BT.709)
DARK_INK, LIGHT_INK = (20, 20, 20), (255, 255, 255)  # text on light and on dark backgrounds
LIGHT_BACKGROUND = 0.6  # a background above this luminance takes dark text
# the derived partner colour: hue turned this far, lightness scaled (not below the floor), saturation scaled
PARTNER_HUE, PARTNER_LIGHTNESS, PARTNER_MIN_LIGHTNESS, PARTNER_SATURATION = 0.06, 0.55, 0.12, 1.1


def hex_of(color: tuple[int, int, int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*color)


def secondary(hex_color: str) -> str:
    """A darker, slightly hue-shifted partner colour for gradients and accents."""
    r, g, b = (c / CHANNEL_MAX for c in rgb(hex_color))
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    hue = (h + PARTNER_HUE) % 1.0
    r2, g2, b2 = colorsys.hls_to_rgb(
        hue, max(PARTNER_MIN_LIGHTNESS, light * PARTNER_LIGHTNESS), min(1.0, s * PARTNER_SATURATION)
    )
    return hex_of((int(r2 * CHANNEL_MAX), int(g2 * CHANNEL_MAX), int(b2 * CHANNEL_MAX)))


def palette(primary: str | None, second: str | None = None) -> tuple[str, str]:
    """(primary, secondary) with defaults filled in."""
    first = primary or DEFAULT_BRAND
    return first, second or secondary(first)


def luminance(hex_color: str) -> float:
    r, g, b = (c / CHANNEL_MAX for c in rgb(hex_color))
    wr, wg, wb = BT709_LUMA
    return wr * r + wg * g + wb * b


def text_on(hex_color: str) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``hex_color``."""
    return DARK_INK if luminance(hex_color) > LIGHT_BACKGROUND else LIGHT_INK
