"""Audio through FFmpeg's libraries in this process (PyAV): float tracks as frames, a file's audio decoded,
and either run through one libavfilter filter.

The loudness meter (``ebur128``) and the voice's tempo (``atempo``) are libavfilter filters. Run here in a
PyAV filter graph they are the very filters the FFmpeg command line runs, without a second FFmpeg to ship,
a process to start or samples to pipe.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import av

LAYOUTS = {1: "mono", 2: "stereo"}  # channel count -> FFmpeg's layout name (the tracks adbatch makes)
PLANAR_FLOAT = "fltp"  # FFmpeg's planar float32: one row per channel, what numpy tracks turn into
CHUNK_SAMPLES = 8192  # a track goes to a filter or an encoder this many samples at a time (~0.2 s), so their
# buffers stay small: the meter oversamples what it is given 4x, a 30 s track at once would take ~50 MB more
# samples a whole-track computation in numpy takes at a time where it would otherwise make a float64 temporary of
# the whole track (mixer, limiter): the soundtrack is made while the encoder holds its frames, so every full copy
# (~10 MB for 30 s of stereo float32, twice that in float64) adds to the render's peak
CHUNK = 1 << 18


def frame_of(track: np.ndarray, rate: int, *, start: int = 0) -> av.AudioFrame:
    """A float track ``(frames, channels)`` (or ``(frames,)``, mono) as one planar float frame at ``rate``,
    starting ``start`` samples into the stream."""
    import av

    data = track if track.ndim == 2 else track[:, None]
    if data.shape[1] not in LAYOUTS:
        raise ValueError(f"a track of {data.shape[1]} channels; adbatch makes mono or stereo ones")
    frame = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(data.T, dtype=np.float32), format=PLANAR_FLOAT, layout=LAYOUTS[data.shape[1]]
    )
    frame.sample_rate, frame.pts, frame.time_base = rate, start, Fraction(1, rate)
    return frame


def frames_of(track: np.ndarray, rate: int, *, samples: int = CHUNK_SAMPLES) -> Iterator[av.AudioFrame]:
    """A float track as consecutive planar float frames of ``samples`` samples (the last one shorter)."""
    for start in range(0, len(track), samples):
        yield frame_of(track[start : start + samples], rate, start=start)


def track_of(frames: Iterable[av.AudioFrame]) -> np.ndarray:
    """Planar float frames joined into one float32 track ``(frames, channels)``."""
    rows = [frame.to_ndarray() for frame in frames]
    if not rows:
        return np.zeros((0, 1), dtype=np.float32)
    return np.concatenate(rows, axis=1).T.astype(np.float32, copy=False)


def decoded(path: Path) -> Iterator[av.AudioFrame]:
    """The frames of ``path``'s first audio stream, decoded; ValueError when it has none."""
    import av

    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError("it has no audio stream")
        yield from container.decode(container.streams.audio[0])


def filtered(frames: Iterable[av.AudioFrame], name: str, args: str) -> Iterator[av.AudioFrame]:
    """``frames`` run through the libavfilter filter ``name`` (options ``args``, as on FFmpeg's command line),
    as it gives them back; its format, layout and rate are the first frame's. No frames in, none out."""
    from av.filter import Graph

    stream = iter(frames)
    first = next(stream, None)
    if first is None:
        return
    graph = Graph()
    source = graph.add_abuffer(
        sample_rate=first.sample_rate,
        format=first.format.name,
        layout=first.layout.name,
        time_base=Fraction(1, first.sample_rate),
    )
    node, sink = graph.add(name, args), graph.add("abuffersink")
    source.link_to(node)
    node.link_to(sink)
    graph.configure()
    for frame in itertools.chain([first], stream):
        source.push(frame)
        yield from _drain(sink)
    source.push(None)  # end of input: the filter flushes what it holds
    yield from _drain(sink)


def _drain(sink: av.filter.FilterContext) -> Iterator[av.AudioFrame]:
    """Every frame the graph has ready (it says it needs more input, or has ended, by raising)."""
    import av

    while True:
        try:
            frame = sink.pull()
        except (av.BlockingIOError, av.EOFError):
            return
        assert isinstance(frame, av.AudioFrame)
        yield frame


def filter_track(track: np.ndarray, rate: int, name: str, args: str) -> np.ndarray:
    """A float track ``(frames, channels)`` at ``rate`` run through the filter ``name`` (see ``filtered``)."""
    return track_of(filtered(frames_of(track, rate), name, args))
