"""Platform gates: check a rendered video against TikTok's, Reels' and Shorts' published specs.

The specs are data (``conf/platforms/``, dated, each figure with its source); this module only
knows how to compare. What is compared is the delivered file as read back (``adbatch.render.probe``,
``adbatch.render.loudness.measure``), never the settings the renderer was given, plus the text overlay
boxes the renderer placed, which must stay inside each platform's caption safe zone.

Every platform gets every check its spec has data for; a check named in the spec's ``advisory``
list is recorded but does not fail the platform (e.g. the recommended 1080x1920 against a
540x960 draft, which the platforms accept). A failed required check reads as
``<platform>: <check> is <actual>, expected <expected>``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adbatch.domain.qa import Check, PlatformResult, QAResult  # the results' shape lives in domain/
from adbatch.errors import AdbatchError
from adbatch.render import loudness
from adbatch.render.probe import MediaInfo, probe

Box = tuple[int, int, int, int]  # x, y, w, h in the video's pixels


class QAFailed(AdbatchError):
    """A required platform gate failed; the message names every failed platform and check."""


@dataclass(frozen=True)
class LoudnessTarget:
    """The soundtrack's delivery target: integrated loudness within ``lufs`` +- ``tolerance_lu``,
    true peak at or below ``true_peak_max_db``."""

    lufs: float = -14.0
    tolerance_lu: float = 1.0
    true_peak_max_db: float = -1.0


@dataclass(frozen=True)
class _Facts:
    """What the file is, measured once and shared by every platform's checks."""

    info: MediaInfo
    video_kbps: float
    loudness: dict[str, float] | None
    target: LoudnessTarget
    boxes: Sequence[Box] | None


def check(
    video: Path,
    *,
    specs: Mapping[str, Mapping[str, Any]],
    platforms: Sequence[str],
    target: LoudnessTarget,
    safe_zone_boxes: Sequence[Box] | None = None,
    info: MediaInfo | None = None,
    reading: Mapping[str, float] | None = None,
) -> QAResult:
    """Check ``video`` against the spec of each of ``platforms`` (keys of ``specs``, i.e. of
    conf/platforms); safe zones are checked only when ``safe_zone_boxes`` is given. ``info``: the
    file's probe, when the caller already made it; ``reading``: the soundtrack's loudness, when it was measured
    on another file carrying the very same audio packets (another format of the video, muxed by stream copy)."""
    unknown = [p for p in platforms if p not in specs]
    if unknown:
        raise ValueError(
            f"qa.platforms names {', '.join(map(repr, unknown))}, which conf/platforms does not "
            f"define (it has: {', '.join(specs)})"
        )
    info = info or probe(video)
    measured = dict(reading) if reading else loudness.measure(video) if info.audio_codec else None
    facts = _Facts(
        info=info, video_kbps=_video_kbps(video, info.duration), loudness=measured, target=target, boxes=safe_zone_boxes
    )
    results = {p: _platform(p, specs[p], facts) for p in platforms}
    failures = [line for r in results.values() for line in r.failures]
    return QAResult(passed=not failures, loudness=measured, platforms=results, reason="; ".join(failures) or None)


def enforce(result: QAResult | None, *, shape: str | None = None) -> None:
    """Raise QAFailed with the result's reason if any required gate failed (``shape``: the format checked, named
    in the message when it is not the main one)."""
    if result is not None and not result.passed:
        raise QAFailed(f"{shape}: {result.reason}" if shape else result.reason)


def _video_kbps(video: Path, duration: float) -> float:
    """The video stream's average bitrate, from its packet sizes (demuxing only, no decoding)."""
    import av

    with av.open(str(video)) as container:
        size = sum(packet.size for packet in container.demux(container.streams.video[0]))
    return size * 8 / 1000 / duration if duration else 0.0


def _platform(name: str, spec: Mapping[str, Any], facts: _Facts) -> PlatformResult:
    advisory = set(spec.get("advisory", ()))
    checks = []
    for check_name, rule in _RULES.items():
        found = rule(spec, facts)
        if found is not None:
            expected, actual, passed = found
            checks.append(
                Check(
                    name=check_name,
                    expected=expected,
                    actual=actual,
                    passed=passed,
                    required=check_name not in advisory,
                )
            )
    return PlatformResult(
        platform=name,
        title=spec.get("title", name),
        spec_checked=spec.get("checked"),
        checks=checks,
        passed=all(c.passed for c in checks if c.required),
    )


# Each rule reads its figure from the spec and returns (expected, actual, passed), or None when
# the spec has no such figure (the platform publishes none), so the check is not made.
Spec = Mapping[str, Any]
Found = tuple[str, str, bool] | None
Rule = Callable[[Spec, _Facts], Found]


def _aspect(spec: Spec, f: _Facts) -> Found:
    if "aspect" not in spec:
        return None
    (aw, ah), tol = spec["aspect"], float(spec.get("aspect_tolerance", 0.01))
    ratio = f.info.width / f.info.height
    return (
        f"{aw}:{ah} within {tol:.0%}",
        f"{f.info.width}x{f.info.height} ({ratio:.4f})",
        abs(ratio / (aw / ah) - 1) <= tol,
    )


def _size_at_least(key: str) -> Rule:
    def rule(spec: Spec, f: _Facts) -> Found:
        if key not in spec:
            return None
        w, h = spec[key]
        return f">= {w}x{h}", f"{f.info.width}x{f.info.height}", f.info.width >= w and f.info.height >= h

    return rule


def _duration(spec: Spec, f: _Facts) -> Found:
    if "duration_s" not in spec:
        return None
    lo, hi = spec["duration_s"]
    return f"{lo}-{hi} s", f"{f.info.duration:.2f} s", lo <= f.info.duration <= hi


def _file_size(spec: Spec, f: _Facts) -> Found:
    if "max_mb" not in spec:
        return None
    mb = f.info.size_bytes / 1e6  # MB = 10^6 bytes: the stricter reading of the platforms' "MB"
    return f"<= {spec['max_mb']} MB", f"{mb:.2f} MB", mb <= spec["max_mb"]


def _bitrate(spec: Spec, f: _Facts) -> Found:
    if "min_kbps" not in spec:
        return None
    return f">= {spec['min_kbps']} kbps (video)", f"{f.video_kbps:.0f} kbps", f.video_kbps >= spec["min_kbps"]


def _codec(key: str, attr: str) -> Rule:
    def rule(spec: Spec, f: _Facts) -> Found:
        if key not in spec:
            return None
        actual = getattr(f.info, attr) or "none"
        return " or ".join(spec[key]), actual, actual in spec[key]

    return rule


def _integrated(spec: Spec, f: _Facts) -> Found:
    t = f.target
    actual = f"{f.loudness['integrated_lufs']:.1f} LUFS" if f.loudness else "no audio"
    ok = f.loudness is not None and abs(f.loudness["integrated_lufs"] - t.lufs) <= t.tolerance_lu
    return f"{t.lufs:.1f} +- {t.tolerance_lu:.1f} LUFS", actual, ok


def _true_peak(spec: Spec, f: _Facts) -> Found:
    t = f.target
    actual = f"{f.loudness['true_peak_dbtp']:.1f} dBTP" if f.loudness else "no audio"
    ok = f.loudness is not None and f.loudness["true_peak_dbtp"] <= t.true_peak_max_db
    return f"<= {t.true_peak_max_db:.1f} dBTP", actual, ok


def _safe_zone(spec: Spec, f: _Facts) -> Found:
    if "safe_zone" not in spec or f.boxes is None:
        return None
    left, top, right, bottom = zone = _zone(spec["safe_zone"], f.info.width, f.info.height)
    crossed: dict[str, list[tuple[int, int]]] = {}  # edge -> (box index, px over)
    for i, box in enumerate(f.boxes):
        for edge, px in _overshoot(box, zone).items():
            crossed.setdefault(edge, []).append((i, px))
    actual = "; ".join(
        f"box{'es' if len(hits) > 1 else ''} {', '.join(str(i) for i, _ in hits)} "
        f"cross{'' if len(hits) > 1 else 'es'} the {edge} edge by up to {max(px for _, px in hits)} px"
        for edge, hits in crossed.items()
    )
    return (
        f"text boxes inside x {left}-{right}, y {top}-{bottom} px",
        actual or f"all {len(f.boxes)} inside",
        not crossed,
    )


def _zone(margins: Mapping[str, float], w: int, h: int) -> tuple[int, int, int, int]:
    """The safe rectangle (left, top, right, bottom) in pixels from the UI margins as fractions."""
    return (
        round(w * margins["left"]),
        round(h * margins["top"]),
        round(w * (1 - margins["right"])),
        round(h * (1 - margins["bottom"])),
    )


def _overshoot(box: Box, zone: tuple[int, int, int, int]) -> dict[str, int]:
    """The pixels by which ``box`` (x, y, w, h) reaches past each edge of ``zone`` it crosses."""
    x, y, w, h = box
    left, top, right, bottom = zone
    over = {"top": top - y, "bottom": y + h - bottom, "left": left - x, "right": x + w - right}
    return {edge: px for edge, px in over.items() if px > 0}


_RULES: dict[str, Rule] = {
    "aspect": _aspect,
    "min_size": _size_at_least("min_size"),
    "recommended_size": _size_at_least("recommended_size"),
    "duration": _duration,
    "file_size": _file_size,
    "bitrate": _bitrate,
    "video_codec": _codec("video_codecs", "video_codec"),
    "audio_codec": _codec("audio_codecs", "audio_codec"),
    "loudness": _integrated,
    "true_peak": _true_peak,
    "safe_zone": _safe_zone,
}
