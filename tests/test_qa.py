"""Platform gates on real files: a compliant draft passes TikTok, Reels and Shorts, and each kind of
violation fails with a reason that names the platform and the check."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from adbatch.config import RenderConf
from adbatch.paths import CONF_DIR
from adbatch.render import encode
from adbatch.stages import qa
from tests.fakes.media import grey_mp4
from tests.test_loudness import soundtrack, speech_music_job, with_soundtrack

SPECS = yaml.safe_load((CONF_DIR / "platforms" / "default.yaml").read_text())
PLATFORMS = ["tiktok", "reels", "shorts"]
TARGET = qa.LoudnessTarget(lufs=-14.0, tolerance_lu=1.0, true_peak_max_db=-1.0)
DRAFT = RenderConf(
    name="draft", width=540, height=960, preset="ultrafast", crf=26, audio_bitrate="96k"
)  # conf/render/draft.yaml
CENTRE = [(170, 400, 200, 80)]  # a caption box well inside every platform's safe zone at 540x960


def gate(video: Path, *, boxes=CENTRE, specs=SPECS, platforms=PLATFORMS) -> qa.QAResult:
    return qa.check(video, specs=specs, platforms=platforms, target=TARGET, safe_zone_boxes=boxes)


def picture_only(out: Path, *, size: str, seconds: float, fps: int = 30) -> Path:
    """A plain H.264 video with no audio, ``size`` as ``WxH``."""
    w, h = (int(n) for n in size.split("x"))
    return grey_mp4(out, size=(w, h), seconds=seconds, fps=fps)


@pytest.fixture(scope="module")
def draft(tmp_path_factory) -> dict[str, Path]:
    """A 15 s 540x960 draft as rendered (render normalises its soundtrack), and with the raw mix put back."""
    folder = tmp_path_factory.mktemp("draft")
    job = speech_music_job(folder)
    done = encode.render(job, DRAFT, video=folder / "video.mp4", thumb=folder / "thumb.jpg", work_dir=folder)
    return {"raw": with_soundtrack(done.video, soundtrack(job), folder / "raw.mp4"), "normalized": done.video}


def failed(result: qa.QAResult, platform: str) -> set[str]:
    return {c.name for c in result.platforms[platform].checks if c.required and not c.passed}


def test_compliant_draft_passes_every_platform(draft) -> None:
    """A normalised 540x960 H.264/AAC draft with captions in the middle passes all three gates."""
    result = gate(draft["normalized"])
    assert result.passed and result.reason is None, result.reason
    assert all(p.passed for p in result.platforms.values())
    assert result.loudness["integrated_lufs"] == pytest.approx(-14.0, abs=1.0)


def test_draft_below_recommended_size_is_advisory_only(draft) -> None:
    """540x960 meets TikTok's minimum; missing the recommended 1080x1920 is recorded but does not fail."""
    checks = {c.name: c for c in gate(draft["normalized"]).platforms["tiktok"].checks}
    assert checks["min_size"].passed
    assert not checks["recommended_size"].passed and not checks["recommended_size"].required


def test_unnormalised_mix_fails_loudness_everywhere(draft) -> None:
    """The mix as mixed (about -20 LUFS) fails the loudness check of every platform, with its figure."""
    result = gate(draft["raw"])
    assert not result.passed
    assert all("loudness" in failed(result, p) for p in PLATFORMS), result.reason
    assert "tiktok: loudness is -" in result.reason and "expected -14.0 +- 1.0 LUFS" in result.reason


def test_ten_minute_video_fails_tiktok_and_shorts_on_duration(tmp_path: Path) -> None:
    """A 10-minute video is too long for TikTok (60 s) and Shorts (3 min) but not for Reels (15 min)."""
    result = gate(picture_only(tmp_path / "long.mp4", size="540x960", seconds=600, fps=1))
    assert "duration" in failed(result, "tiktok") and "duration" in failed(result, "shorts")
    assert "duration" not in failed(result, "reels")
    with pytest.raises(qa.QAFailed, match=r"tiktok: duration is 600.00 s, expected 5-60 s"):
        qa.enforce(result)


def test_square_video_fails_aspect_on_every_platform(tmp_path: Path) -> None:
    """A 1:1 video fails each platform's 9:16 aspect check, and the reason says so per platform."""
    result = gate(picture_only(tmp_path / "square.mp4", size="540x540", seconds=6))
    assert all("aspect" in failed(result, p) for p in PLATFORMS)
    assert "reels: aspect is 540x540 (1.0000), expected 9:16 within 1%" in result.reason


def test_caption_in_reels_bottom_band_fails_reels_only(draft) -> None:
    """A caption ending at 71 % of the height clears TikTok's and Shorts' UI but not Reels' bottom 35 %."""
    result = gate(draft["normalized"], boxes=[(170, 600, 200, 80)])
    assert failed(result, "reels") == {"safe_zone"}
    assert result.platforms["tiktok"].passed and result.platforms["shorts"].passed
    assert "reels: safe_zone is box 0 crosses the bottom edge by up to 56 px" in result.reason


def test_limits_come_from_the_spec_data(draft) -> None:
    """Tightening one platform's file-size limit in the spec fails that platform alone, on file size."""
    specs = copy.deepcopy(SPECS)
    specs["tiktok"]["max_mb"] = 0.01
    result = gate(draft["normalized"], specs=specs)
    assert failed(result, "tiktok") == {"file_size"}
    assert result.platforms["reels"].passed and result.platforms["shorts"].passed


def test_unknown_platform_is_a_clear_error(draft) -> None:
    """Asking for a platform the spec file does not define names it and lists the known ones."""
    with pytest.raises(ValueError, match=r"'myspace'.*tiktok, reels, shorts"):
        gate(draft["normalized"], platforms=["tiktok", "myspace"])
