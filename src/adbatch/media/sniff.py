"""What an image file is, by its first bytes (never its extension): catalog photos and generated outputs."""

from __future__ import annotations

FORMATS = {"png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff"}  # magic bytes each format starts with


def sniff_image(head: bytes) -> str | None:
    """The image format from its first bytes: png, jpeg, webp, or None."""
    for name, magic in FORMATS.items():
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None
