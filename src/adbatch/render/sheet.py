"""The contact sheet: one frame per shot of a rendered video, captioned, as ``sheet.jpg``.

A reviewer reads a whole ad in one look: each tile is the middle frame of a shot as it was
encoded (decoded from the video, not recomposed from the timeline), under it the shot's index,
start-end time, slot, on-screen text and the slot's voice-over line.

Frames come from one forward decoding pass that seeks only when the next wanted frame lies beyond
a keyframe still ahead (keyframes are listed by demuxing, which reads packets without decoding):
no frame is decoded twice and the stretches between shots in other GOPs are skipped. Only the
chosen frames are converted, scaled straight to thumbnail size by swscale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from adbatch.domain.timeline import Shot, Timeline
from adbatch.render import text
from adbatch.store.atomic import atomic_path

GAP = 12  # px between tiles and around the sheet
TEXT_LINES, VO_LINES = 3, 4  # caption lines kept for the on-screen text and the voice-over line
Rgb = tuple[int, int, int]
BACKGROUND, INK, DIM, VO_INK = (18, 18, 20), (245, 245, 245), (165, 165, 170), (140, 200, 255)
JPEG_QUALITY = 85


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
    columns: int = 4,
    thumb_width: int = 216,
    product: str | None = None,
    archetype: str | None = None,
    hook: str | None = None,
) -> Sheet:
    """Write the contact sheet of ``video`` (one tile per timeline shot) to ``out`` atomically; the
    title bar shows whichever of product, archetype and hook are given."""
    tl = timeline if isinstance(timeline, Timeline) else Timeline.model_validate_json(Path(timeline).read_text())
    mids = [(s.start + s.end) / 2 for s in tl.shots]
    thumbs = frames_at(Path(video), mids, width=thumb_width)
    tw, th = thumb_width, thumbs[0].shape[0]
    size = max(10, tw // 17)
    line_h = int(size * 1.3)
    says = {cue.slot: cue.text for cue in tl.voice}
    shows = {ov.slot: ov.text for ov in tl.overlays}
    captions = [_caption(shot, shows.get(shot.slot), says.get(shot.slot), tw, size) for shot in tl.shots]
    caption_h = max(len(c) for c in captions) * line_h + GAP // 2
    title = " · ".join(x for x in (product, archetype, f"hook: {hook}" if hook else None) if x)
    title_h = int(size * 2.6) if title else 0
    rows = math.ceil(len(thumbs) / columns)
    img = Image.new("RGB", (GAP + columns * (tw + GAP), title_h + GAP + rows * (th + caption_h + GAP)), BACKGROUND)
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((GAP, title_h // 2), title, font=text.font(int(size * 1.5)), fill=INK, anchor="lm")
    tiles = []
    for k, (thumb, caption) in enumerate(zip(thumbs, captions)):
        x, y = GAP + (k % columns) * (tw + GAP), title_h + GAP + (k // columns) * (th + caption_h + GAP)
        img.paste(Image.fromarray(thumb), (x, y))
        for i, (line, bold, ink) in enumerate(caption):
            draw.text((x, y + th + GAP // 2 + i * line_h), line, font=text.font(size, bold=bold), fill=ink)
        tiles.append((x, y, tw, th))
    with atomic_path(Path(out)) as tmp:
        img.save(tmp, "JPEG", quality=JPEG_QUALITY)
    return Sheet(path=Path(out), size=img.size, tiles=tuple(tiles))


def frames_at(video: Path, times: Sequence[float], *, width: int | None = None) -> list[np.ndarray]:
    """RGB frames of ``video`` showing at each of ``times`` (ascending, seconds; the first frame
    within half a frame of it or later; past the end, the last frame), scaled to ``width`` keeping
    the aspect ratio if given."""
    import av

    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        ctx, tb = stream.codec_context, stream.time_base
        scale = {} if width is None else {"width": width, "height": round(width * ctx.height / ctx.width)}
        keys = [float(p.pts * tb) for p in container.demux(stream) if p.is_keyframe and p.pts is not None]
        half = 0.5 / float(stream.average_rate or 30)
        frames, decoder, position, frame = [], None, -math.inf, None
        for t in times:
            key = max((k for k in keys if k <= t + half), default=0.0)
            if decoder is None or key > position:  # a keyframe lies between here and t: jump to it
                container.seek(round(key / tb), stream=stream, backward=True)
                decoder = container.decode(stream)
            for frame in decoder:
                position = frame.time
                if frame.time >= t - half:
                    break
            frames.append(frame.to_ndarray(format="rgb24", **scale))
        return frames


def _caption(shot: Shot, shown: str | None, said: str | None, width: int, size: int) -> list[tuple[str, bool, Rgb]]:
    """Caption lines (text, bold, colour): index, times and slot, then the on-screen text and the
    voice-over line, each wrapped to the tile and cut to its line budget."""
    lines = [(f"#{shot.index}  {shot.start:.2f}-{shot.end:.2f} s  {shot.slot}", True, INK)]
    shown_text = f"“{shown}”" if shown else "(no text)"
    lines += [(line, False, DIM) for line in _wrapped(shown_text, size, width, TEXT_LINES)]
    lines += [(line, False, VO_INK) for line in _wrapped(f"VO: {said or '(none)'}", size, width, VO_LINES)]
    return lines


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
