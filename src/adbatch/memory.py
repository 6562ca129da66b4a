"""Handing freed memory back to the system between a job's stages and between jobs.

glibc's allocator keeps what a program frees for its next allocations, and returns it to the system only
from the top of its heaps. A job frees a lot at two points: after making its assets (photos decoded and
blurred, voice lines, the music bed), just before the render, the job's peak (the encoder's ~190 MB of
buffers come on top of whatever the process holds); and at its end, where a worker that runs job after
job would otherwise keep each job's high-water mark (measured: seven 1080x1920 renders in one process
rose 240 -> 349 MB, and stayed at 146-197 MB with a trim after each). While a video encodes, the drawing
thread frees each frame's scratch in its own arena: the renderer trims every ``segments.TRIM_EVERY`` frames.

``malloc_trim`` releases the free pages in every arena, a few milliseconds' work. Pinning glibc's mmap
threshold instead (each big buffer its own mapping, returned on free) was measured too: 30 % more CPU in
the render, every new frame buffer faulting its pages in again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, if it is glibc (``malloc_trim`` is a GNU extension; musl and macOS lack it)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 - raises AttributeError where the C library has no malloc_trim
    except (OSError, AttributeError):
        return None
    return libc


def give_back() -> bool:
    """Return the free pages of every malloc arena to the system; False where that cannot be done."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
