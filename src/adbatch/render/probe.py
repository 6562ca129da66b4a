"""What a rendered file really is: ``adbatch.media.probe``, importable from the renderer as before."""

from __future__ import annotations

from adbatch.media.probe import MediaInfo, probe

__all__ = ["MediaInfo", "probe"]
