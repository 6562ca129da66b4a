"""Checks on input media from the catalog: local images and image URLs.

Images are trusted by content, never by extension: the first bytes must be PNG,
JPEG or WebP and Pillow must be able to read the header. Local paths must stay
inside the catalog's folder; URLs are http(s) only, fetched with size and time
limits into a cache keyed by the URL, so the sweeper and the jobs fetch once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from PIL import Image

from adbatch.errors import CatalogError
from adbatch.media.sniff import sniff_image


class MediaError(CatalogError, ValueError):
    """An input image is missing, too big, of the wrong kind or out of bounds."""


def check_image_file(path: Path, *, label: str, max_mb: float) -> Path:
    """Raise MediaError unless ``path`` is a readable PNG/JPEG/WebP within ``max_mb``."""
    if not path.is_file():
        raise MediaError(f"{label} does not exist")
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise MediaError(f"{label} is {size / 1024 / 1024:.1f} MB; the limit is {max_mb:g} MB")
    with path.open("rb") as fh:
        kind = sniff_image(fh.read(16))
    if kind is None:
        raise MediaError(f"{label} is not a PNG, JPEG or WebP image (checked by content)")
    try:
        with Image.open(path) as im:
            im.verify()
    except Exception as exc:  # Pillow raises many types for broken files
        raise MediaError(f"{label} is a damaged {kind.upper()} file: {exc}") from exc
    return path


def resolve_image(value: str, *, base: Path, cache: Path, max_mb: float, timeout_s: float) -> Path:
    """Turn a catalog image cell into a checked local file (fetching URLs into ``cache``)."""
    scheme = urlparse(value).scheme.lower()
    if scheme in ("http", "https"):
        return check_image_file(_fetch(value, cache, max_mb, timeout_s), label=value, max_mb=max_mb)
    if scheme and len(scheme) > 1:  # "C:" drive letters are not schemes
        raise MediaError(f"{value!r}: only http(s) URLs or paths relative to the catalog are allowed")
    path = (base / value).resolve()
    if not path.is_relative_to(base.resolve()):
        raise MediaError(f"{value!r} points outside the catalog's folder {base}")
    return check_image_file(path, label=value, max_mb=max_mb)


def _fetch(url: str, cache: Path, max_mb: float, timeout_s: float) -> Path:
    target = cache / "inputs" / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".img")
    if target.is_file():
        return target
    return download(url, target, max_mb=max_mb, timeout_s=timeout_s)


def download(url: str, target: Path, *, max_mb: float, timeout_s: float) -> Path:
    """Fetch ``url`` into ``target`` (written whole or not at all), within ``max_mb`` and ``timeout_s``;
    MediaError naming the URL otherwise. Image URLs and product feeds share these limits."""
    import httpx  # only catalogs with URLs pay for the import

    target.parent.mkdir(parents=True, exist_ok=True)
    limit, deadline = int(max_mb * 1024 * 1024), time.monotonic() + timeout_s
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True) as resp:
            if resp.status_code != 200:
                raise MediaError(f"{url} answered HTTP {resp.status_code}")
            declared = int(resp.headers.get("content-length") or 0)
            if declared > limit:
                raise MediaError(f"{url} is {declared / 1024 / 1024:.1f} MB; the limit is {max_mb:g} MB")
            received = 0
            for chunk in resp.iter_bytes():
                received += len(chunk)
                if received > limit:
                    raise MediaError(f"{url} is larger than the {max_mb:g} MB limit")
                if time.monotonic() > deadline:
                    raise MediaError(f"{url} took longer than {timeout_s:g} s to download")
                out.write(chunk)
        os.replace(tmp, target)
    except httpx.HTTPError as exc:
        raise MediaError(f"{url} could not be fetched: {exc.__class__.__name__}: {exc}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
