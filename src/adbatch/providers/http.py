"""Plumbing the live adapters share: a per-provider concurrency limit and checked downloads."""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

import httpx

from adbatch.errors import ProviderError
from adbatch.media.sniff import sniff_image

# content types a generated output may be served as (octet-stream: CDNs that do not say)
CONTENT_TYPES = {
    "video": ("video/mp4", "video/quicktime", "application/octet-stream"),
    "image": ("image/png", "image/jpeg", "image/webp", "application/octet-stream"),
}


class DownloadError(ProviderError, ValueError):
    """A generated output is too big, of the wrong kind, or at a URL we do not fetch."""


class Limiter:
    """At most ``n`` calls of one provider in flight at once, per event loop.

    An asyncio.Semaphore belongs to the loop it is first used in, and each job runs its
    stages under their own ``asyncio.run``: hence one semaphore per running loop.
    """

    def __init__(self, n: int) -> None:
        if n < 1:
            raise ValueError(f"concurrency must be at least 1, got {n}")
        self.n = n
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if loop not in self._by_loop:
            self._by_loop[loop] = asyncio.Semaphore(self.n)
        return self._by_loop[loop]


async def download(url: str, out: Path, *, kind: Literal["video", "image"], max_mb: float, timeout: float) -> int:
    """Stream ``url`` into ``out``, checking size (declared and received), content type and magic bytes.

    Returns the number of bytes written. httpx errors propagate (the retry policy decides);
    DownloadError means the output itself is unacceptable and retrying will not help.
    No credentials are sent: generated outputs live on the vendor's CDN, not its API host.
    """
    if urlparse(url).scheme not in ("http", "https"):
        raise DownloadError(f"generated output {url[:80]!r} is not an http(s) URL")
    limit = int(max_mb * 1024 * 1024)
    received = 0
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True) as client:
        async with client.stream("GET", url) as resp:
            resp.raise_for_status()
            ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype and ctype not in CONTENT_TYPES[kind]:
                raise DownloadError(f"{url} is served as {ctype!r}, not a {kind} ({', '.join(CONTENT_TYPES[kind])})")
            if int(resp.headers.get("content-length") or 0) > limit:
                raise DownloadError(
                    f"{url} is {int(resp.headers['content-length']) / 2**20:.1f} MB; "
                    f"the limit is {max_mb:g} MB (max_download_mb)"
                )
            with out.open("wb") as fh:
                async for chunk in resp.aiter_bytes():
                    received += len(chunk)
                    if received > limit:
                        raise DownloadError(f"{url} is larger than the {max_mb:g} MB limit (max_download_mb)")
                    fh.write(chunk)
    _check_magic(out, kind, url)
    return received


def _check_magic(path: Path, kind: str, url: str) -> None:
    with path.open("rb") as fh:
        head = fh.read(16)
    ok = head[4:8] == b"ftyp" if kind == "video" else sniff_image(head) is not None
    if not ok:
        expected = "an MP4 (no ftyp box)" if kind == "video" else "a PNG, JPEG or WebP image"
        raise DownloadError(f"{url} is not {expected} (checked by content)")
