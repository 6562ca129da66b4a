"""The contact sheet: one frame per shot of a rendered video, captioned, as ``sheet.jpg``.

A reviewer reads a whole ad in one look: each tile is the middle frame of a shot, under it the shot's
index, start-end time, slot, on-screen text and the slot's voice-over line.

The tiles are the frames the renderer drew and handed to the encoder, kept in passing (``Stills``) at
tile size: reading them back out of the encoded file cost a 30 s 1080x1920 ad 1.3 s of decoding on
2 cores, to show the same pixels less the codec's loss, which is invisible at a tile's size. A tile the
render did not draw (a body reused from the cache, or a sheet made afterwards from a file) is decoded
from the video: one forward pass per decoder that seeks only when the next wanted frame lies beyond
a keyframe still ahead (keyframes are listed by demuxing, which reads packets without decoding), each
chosen frame scaled straight to tile size by swscale.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
from PIL import Image, ImageDraw

from adbatch.domain.timeline import Shot, Timeline
from adbatch.media.color import rgb
from adbatch.render import text
from adbatch.store.atomic import atomic_path
from adbatch.style import SheetStyle

if TYPE_CHECKING:
    from av.video.frame import VideoFrame

    from adbatch.render.canvas import Canvas

Rgb = tuple[int, int, int]
DECODERS = 2  # the sheet's times are split between this many decoders, side by side
QUOTES = {"“": "”", '"': '"', "«": "»", "„": "“"}  # a quotation on screen (a customer's words) is not quoted again


class Stills:
    """The sheet's tiles, taken from the frames as the renderer draws them (``take``, given every frame).

    Each shot's tile is its middle frame (the frame nearest the middle of its span), converted to RGB and
    scaled to the tile's width as it passes, so the render holds a dozen small images, not full frames."""

    def __init__(self, timeline: Timeline, width: int) -> None:
        last = max(0, round(timeline.duration * timeline.fps) - 1)
        self.width, self.times = width, middles(timeline)
        self.tile_of = {min(round(mid * timeline.fps), last): k for k, mid in enumerate(self.times)}
        self.tiles: dict[int, np.ndarray] = {}  # shot index -> its tile

    def take(self, n: int, frame: np.ndarray, canvas: Canvas) -> None:
        """Keep frame ``n`` (laid out as ``canvas`` lays frames out) if it is a shot's middle frame."""
        k = self.tile_of.get(n)
        if k is None:
            return
        picture = canvas.rgb(frame)
        size = (self.width, round(self.width * picture.shape[0] / picture.shape[1]))
        self.tiles[k] = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)


def middles(timeline: Timeline) -> list[float]:
    """The time each shot's tile shows: the middle of the shot."""
    return [(s.start + s.end) / 2 for s in timeline.shots]


@dataclass(frozen=True)
class Sheet:
    path: Path
    size: tuple[int, int]  # width, height of the image
    tiles: tuple[tuple[int, int, int, int], ...]  # (x, y, w, h) of each shot's frame, in shot order


def make(
    video: Path,
    timeline: Timeline | str | Path,
    out: Path,
    *,
    columns: int | None = None,
    thumb_width: int | None = None,
    product: str | None = None,
    archetype: str | None = None,
    hook: str | None = None,
    style: SheetStyle | None = None,
    stills: Stills | None = None,
) -> Sheet:
    """Write the contact sheet of ``video`` (one tile per timeline shot) to ``out`` atomically; the
    title bar shows whichever of product, archetype and hook are given. ``columns`` and
    ``thumb_width`` default to ``style``'s (the ``style.sheet`` config node). ``stills``: the tiles the
    render kept, used when made for the same shots at the same width; the others are decoded from ``video``."""
    look = style or SheetStyle()
    columns, tw, gap = columns or look.columns, thumb_width or look.thumb_width, look.gap
    tl = timeline if isinstance(timeline, Timeline) else Timeline.model_validate_json(Path(timeline).read_text())
    mids = middles(tl)
    kept = stills.tiles if stills is not None and (stills.width, stills.times) == (tw, mids) else {}
    decoded = iter(frames_at(Path(video), [t for k, t in enumerate(mids) if k not in kept], width=tw))
    thumbs = [kept[k] if k in kept else next(decoded) for k in range(len(mids))]
    th = thumbs[0].shape[0]
    size = max(look.font_min, tw // look.font_divisor)
    line_h = int(size * look.line_height)
    says = {cue.slot: cue.text for cue in tl.voice}
    shows = {ov.slot: ov.text for ov in tl.overlays}
    captions = [_caption(shot, shows.get(shot.slot), says.get(shot.slot), tw, size, look) for shot in tl.shots]
    caption_h = max(len(c) for c in captions) * line_h + gap // 2
    title = " · ".join(x for x in (product, archetype, f"hook: {hook}" if hook else None) if x)
    title_h = int(size * look.title_height) if title else 0
    rows = math.ceil(len(thumbs) / columns)
    sheet_size = (gap + columns * (tw + gap), title_h + gap + rows * (th + caption_h + gap))
    img = Image.new("RGB", sheet_size, rgb(look.background))
    draw = ImageDraw.Draw(img)
    if title:
        title_font = text.font(int(size * look.title_size))
        draw.text((gap, title_h // 2), title, font=title_font, fill=rgb(look.ink), anchor="lm")
    tiles = []
    for k, (thumb, caption) in enumerate(zip(thumbs, captions)):
        x, y = gap + (k % columns) * (tw + gap), title_h + gap + (k // columns) * (th + caption_h + gap)
        img.paste(Image.fromarray(thumb), (x, y))
        for i, (line, bold, ink) in enumerate(caption):
            draw.text((x, y + th + gap // 2 + i * line_h), line, font=text.font(size, bold=bold), fill=ink)
        tiles.append((x, y, tw, th))
    with atomic_path(Path(out)) as tmp:
        img.save(tmp, "JPEG", quality=look.jpeg_quality)
    return Sheet(path=Path(out), size=img.size, tiles=tuple(tiles))


def frames_at(video: Path, times: Sequence[float], *, width: int | None = None) -> list[np.ndarray]:
    """RGB frames of ``video`` showing nearest each of ``times`` (ascending, seconds; past the end, the last
    frame) among the frames other frames are predicted from, scaled to ``width`` keeping the aspect ratio
    if given.

    Why not the exact frame: the sheet shows what a shot looks like in the delivered file, and the nearest
    reference frame is at most a couple of frames (under 0.1 s at 30 fps) from ``t``. The decoder skips the
    frames nothing refers to (``skip_frame``: half of an x264 stream, its non-reference B-frames), which
    leaves every frame it does decode exact, and jumps to the last keyframe before each time. The times are
    split between ``DECODERS`` decoders side by side, each seeking on its own: a 30 s 1080x1920 ad's 13
    tiles in 1.4 s instead of 3.0 s (exact frames, one decoder) on 2 cores."""
    import av

    if not times:
        return []
    with av.open(str(video)) as container:  # the keyframes, read once for every decoder
        stream = container.streams.video[0]
        if stream.time_base is None:
            raise ValueError(f"{video}: the video stream has no time base")
        tb = stream.time_base
        keys = [float(p.pts * tb) for p in container.demux(stream) if p.is_keyframe and p.pts is not None]
    share = -(-len(times) // DECODERS)
    groups = [list(times[k : k + share]) for k in range(0, len(times), share)]
    with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="sheet") as pool:  # PyAV decodes GIL-free
        parts = pool.map(lambda ts: _frames_in_order(video, ts, keys, width), groups)
        return [frame for part in parts for frame in part]


def _frames_in_order(video: Path, times: Sequence[float], keys: Sequence[float], width: int | None) -> list[np.ndarray]:
    """``frames_at`` for one decoder, given the video's keyframe times."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        ctx, tb = stream.codec_context, stream.time_base
        assert tb is not None  # frames_at checked it
        ctx.skip_frame = "NONREF"
        size = (None, None) if width is None else (width, round(width * ctx.height / ctx.width))
        frames: list[np.ndarray] = []
        decoder: Iterator[VideoFrame] | None = None
        position = -math.inf  # time of the last frame decoded
        shown: VideoFrame | None = None  # the last frame decoded at or before t
        ahead: VideoFrame | None = None  # the first one decoded after t (None: not yet, or the video ended)
        for t in times:
            key = max((k for k in keys if k <= t), default=0.0)
            if decoder is None or key > position:  # a keyframe lies between here and t: jump to it
                container.seek(round(key / tb), stream=stream, backward=True)
                decoder, shown, ahead = container.decode(stream), None, None
            while ahead is None or _time(ahead) <= t:
                shown = ahead or shown
                ahead = next(decoder, None)
                if ahead is None:
                    break
                position = _time(ahead)
            near = min((f for f in (shown, ahead) if f is not None), key=lambda f: abs(_time(f) - t), default=None)
            if near is None:
                raise ValueError(f"{video}: no video frames")
            frames.append(near.to_ndarray(format="rgb24", width=size[0], height=size[1]))
        return frames


def _time(frame: VideoFrame) -> float:
    return float(frame.time or 0.0)


def _caption(
    shot: Shot, shown: str | None, said: str | None, width: int, size: int, look: SheetStyle
) -> list[tuple[str, bool, Rgb]]:
    """Caption lines (text, bold, colour): index, times and slot, then the on-screen text and the
    voice-over line, each wrapped to the tile and cut to its line budget."""
    lines = [(f"#{shot.index}  {shot.start:.2f}-{shot.end:.2f} s  {shot.slot}", True, rgb(look.ink))]
    shown_text = (shown if _quotation(shown) else f"“{shown}”") if shown else "(no text)"
    lines += [(line, False, rgb(look.dim)) for line in _wrapped(shown_text, size, width, look.text_lines)]
    said_text = f"VO: {said or '(none)'}"
    lines += [(line, False, rgb(look.vo_ink)) for line in _wrapped(said_text, size, width, look.vo_lines)]
    return lines


def _quotation(shown: str) -> bool:
    """Whether on-screen text is a quotation: quoted whole, or up to its attribution (``“…” — a customer``)."""
    close, said = QUOTES.get(shown[0]), shown.split(" — ")[0].rstrip()
    return close is not None and len(said) > 1 and said.endswith(close)


def _wrapped(body: str, size: int, width: int, limit: int) -> list[str]:
    """``body`` wrapped to ``width``, cut to ``limit`` lines with an ellipsis if it runs longer."""
    fnt = text.font(size, bold=False)
    lines = text.wrap(body, fnt, width)
    if len(lines) <= limit:
        return lines
    last = lines[limit - 1]
    while last and fnt.getlength(last + "…") > width:
        last = last[:-1]
    return [*lines[: limit - 1], last.rstrip() + "…"]
