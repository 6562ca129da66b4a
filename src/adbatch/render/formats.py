"""Feed formats: the sizes one timeline is rendered at, and the platforms that judge each.

``render.formats`` names frame shapes as ``<w>x<h>`` aspect ratios (``9x16``, ``4x5``, ``1x1``); the first is
the video's main file (``video.mp4``), each other one gets ``video_<name>.mp4`` beside it. Every format
is the same timeline and soundtrack re-flowed at its own size: ``render.width`` across, and the height
the ratio gives (the 9:16 format keeps ``render.height``). A format is checked against, and keeps its
text inside the safe zones of, the platforms of ``qa.platforms`` that take its shape (their ``aspect``
in conf/platforms), so a feed cut is never judged by TikTok's 9:16 rules and the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adbatch.config import RenderConf
from adbatch.errors import ConfigError
from adbatch.render.safezone import Margins, strictest

NAME = re.compile(r"^(\d+)x(\d+)$")
TALL = "9x16"  # the vertical format render.width x render.height describes
DEFAULT_TOLERANCE = 0.01  # how far a video's shape may be off a platform's aspect when the spec gives none


@dataclass(frozen=True)
class Format:
    """One frame shape of the video: its size, the platforms that take it, and their safe zone."""

    name: str  # 9x16 | 4x5 | 1x1 | any <w>x<h>
    size: tuple[int, int]
    platforms: tuple[str, ...]  # of qa.platforms, those whose aspect this is
    margins: Margins
    main: bool  # the first of render.formats: video.mp4, thumb.jpg, timeline.json, sheet.jpg

    def file(self, stem: str, ext: str) -> str:
        """``video.mp4`` for the main format, ``video_4x5.mp4`` for another."""
        return f"{stem}.{ext}" if self.main else f"{stem}_{self.name}.{ext}"


def ratio(name: str) -> tuple[int, int]:
    """``"4x5"`` -> (4, 5); a clear error for anything else."""
    match = NAME.match(str(name).strip())
    if not match or not all(int(g) for g in match.groups()):
        raise ConfigError(f"render.formats: {name!r} is not a frame shape; write it as <width>x<height>, e.g. 4x5")
    return int(match[1]), int(match[2])


def size_of(name: str, conf: RenderConf) -> tuple[int, int]:
    """The frame size of format ``name``: ``render.width`` across; the 9:16 format is ``render.height`` tall,
    another the height its ratio gives (even, as H.264's 4:2:0 chroma needs)."""
    a, b = ratio(name)
    if (a, b) == ratio(TALL):
        return int(conf.width), int(conf.height)
    return int(conf.width), 2 * round(conf.width * b / a / 2)


def takes(spec: Mapping[str, Any], shape: tuple[int, int]) -> bool:
    """True if a platform's spec accepts a frame of ``shape`` (w, h): its aspect within its tolerance."""
    if "aspect" not in spec:
        return True
    a, b = (float(v) for v in spec["aspect"])
    tolerance = float(spec.get("aspect_tolerance", DEFAULT_TOLERANCE))
    return abs(shape[0] / shape[1] - a / b) <= tolerance * (a / b)


def resolve(conf: RenderConf, specs: Mapping[str, Mapping[str, Any]], platforms: Sequence[str]) -> list[Format]:
    """Every format of ``conf.formats``, main first, each with the platforms of ``platforms`` that take it.
    A format no platform of ``qa.platforms`` takes is a config error: it could be neither laid out nor checked."""
    names = [str(n) for n in conf.formats] or [TALL]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ConfigError(f"render.formats lists {', '.join(repeated)} more than once")
    out = []
    for i, name in enumerate(names):
        size = size_of(name, conf)
        known = [p for p in platforms if p in specs]
        own = tuple(p for p in known if takes(specs[p], size))
        if known and not own:
            raise ConfigError(
                f"render.formats: no platform of qa.platforms ({', '.join(known)}) takes a {name.replace('x', ':')} "
                f"video; add one whose aspect is {name.replace('x', ':')} (e.g. feed_4x5, feed_1x1 in conf/platforms)"
            )
        out.append(Format(name=name, size=size, platforms=own, margins=strictest(specs, own), main=i == 0))
    return out
