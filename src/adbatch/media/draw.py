"""Drawing primitives the offline plates and the end card share: a rounded photo card and its drop shadow."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFilter

SHADOW_ALPHA = 110  # drop shadow opacity, 0-255
SHADOW_BLUR_DIVISOR, SHADOW_MIN_BLUR = 30, 4  # shadow blur: the card width / this, at least this many px


def rounded(photo: Image.Image, width: int, radius_ratio: float) -> Image.Image:
    """The photo scaled to ``width`` with corners rounded by ``radius_ratio`` x ``width`` (RGBA)."""
    scale = width / photo.width
    card = photo.resize((width, max(1, int(photo.height * scale))), Image.Resampling.LANCZOS).convert("RGBA")
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, card.width - 1, card.height - 1), radius=int(width * radius_ratio), fill=255
    )
    card.putalpha(mask)
    return card


def paste_with_shadow(
    base: Image.Image, card: Image.Image, center: tuple[int, int], angle: float = 0.0
) -> tuple[int, int]:
    """Paste an RGBA card centred at ``center`` with a soft drop shadow, optionally rotated; the pasted card's
    size (a rotated card's bounding box)."""
    if angle:
        card = card.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    alpha = card.getchannel("A")
    blur = max(SHADOW_MIN_BLUR, card.width // SHADOW_BLUR_DIVISOR)
    margin = 2 * blur  # room for the blur on every side
    x, y = center[0] - card.width // 2, center[1] - card.height // 2
    at = (x - 2 * blur + blur // 2, y - 2 * blur + blur)
    if base.mode == "RGB":  # black through the blurred silhouette: one channel to blur instead of four
        mask = Image.new("L", (card.width + 2 * margin, card.height + 2 * margin), 0)
        mask.paste(SHADOW_ALPHA, (margin, margin), alpha)
        base.paste(
            (0, 0, 0), (*at, at[0] + mask.width, at[1] + mask.height), mask.filter(ImageFilter.GaussianBlur(blur))
        )
    else:  # the shadow's own alpha blends into the base's
        shadow = Image.new("RGBA", (card.width + 2 * margin, card.height + 2 * margin), (0, 0, 0, 0))
        shadow.paste((0, 0, 0, SHADOW_ALPHA), (margin, margin), alpha)
        shadow = shadow.filter(ImageFilter.GaussianBlur(blur))
        base.paste(shadow, at, shadow)
    base.paste(card, (x, y), card)
    return card.size
