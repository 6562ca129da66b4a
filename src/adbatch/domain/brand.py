"""The brand kit: one look for every video of a sweep, with per-product overrides.

A product's own catalog columns (``brand_color``, ``logo``, ``cta``) win over the kit's,
so a kit sets the house style and a row can still stand out.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from adbatch.config import AdbatchConf, BrandConf
from adbatch.domain.product import HEX_COLOR, Product
from adbatch.errors import ConfigError
from adbatch.paths import PROJECT_ROOT
from adbatch.render.palette import palette
from adbatch.stages import media


class BrandError(ConfigError, ValueError):
    """The brand kit in the config is unusable (bad colour, missing logo or font)."""


class Look(BaseModel):
    """What one video uses: the kit merged with the product's overrides."""

    model_config = ConfigDict(frozen=True)
    palette: tuple[str, str]
    logo: Path | None
    cta: str
    brand_name: str
    font_bold: str | None
    watermark: bool
    watermark_opacity: float


def _path(value: str | None, what: str) -> Path | None:
    if not value:
        return None
    for base in (Path.cwd(), PROJECT_ROOT):
        path = (base / value).expanduser().resolve()
        if path.is_file():
            return path
    raise BrandError(
        f"brand.{what}: {value!r} not found (relative paths are read from the working dir, then {PROJECT_ROOT})"
    )


def look(kit: BrandConf, product: Product, *, max_mb: float = AdbatchConf.image_max_mb) -> Look:
    """The look of ``product``'s videos under the brand ``kit`` (the ``brand`` config node); a logo file
    over ``max_mb`` (``image_max_mb``) is refused like a product image."""
    for key, value in (("primary", kit.primary), ("secondary", kit.secondary)):
        if value and not HEX_COLOR.match(value):
            raise BrandError(f"brand.{key}: {value!r} is not a #RRGGBB colour")
    logo = product.logo or _path(kit.logo, "logo")
    if logo is not None and logo != product.logo:
        try:
            media.check_image_file(logo, label=f"brand.logo {logo}", max_mb=max_mb)
        except media.MediaError as exc:
            raise BrandError(str(exc)) from exc
    font = _path(kit.font_bold, "font_bold")
    # a product's own colour brings its own derived partner; the kit's pair goes together
    colours = palette(product.brand_color) if product.brand_color else palette(kit.primary, kit.secondary)
    return Look(
        palette=colours,
        logo=logo,
        cta=product.cta or kit.cta or "Shop now",
        brand_name=kit.brand_name or "",
        font_bold=str(font) if font else None,
        watermark=kit.watermark,
        watermark_opacity=kit.watermark_opacity,
    )
