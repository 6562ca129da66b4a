"""Colours as the brand config writes them (``#RRGGBB``), as the drawing code needs them (RGB tuples)."""

from __future__ import annotations


def rgb(hex_color: str) -> tuple[int, int, int]:
    """``#RRGGBB`` -> (r, g, b)."""
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
