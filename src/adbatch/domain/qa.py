"""What the platform gates found (``adbatch.stages.qa``): per platform, every check and its verdict.

Recorded in the manifest; the report's QA columns and tallies read these models.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Check(BaseModel):
    """One comparison of the delivered file with a platform's published figure."""

    model_config = ConfigDict(frozen=True)
    name: str
    expected: str
    actual: str
    passed: bool
    required: bool = True  # False: advisory, recorded but never fails the platform


class PlatformResult(BaseModel):
    """Every check one platform's spec has data for."""

    model_config = ConfigDict(frozen=True)
    platform: str  # the key in conf/platforms (tiktok, reels, shorts)
    title: str
    spec_checked: str | None  # when the spec was last checked against the platform's pages
    passed: bool  # every required check passed
    checks: list[Check]

    @property
    def failures(self) -> list[str]:
        """Each failed required check as ``<platform>: <check> is <actual>, expected <expected>``."""
        return [
            f"{self.platform}: {c.name} is {c.actual}, expected {c.expected}"
            for c in self.checks
            if c.required and not c.passed
        ]


class QAResult(BaseModel):
    """The verdict over every platform checked, with the file's measured loudness."""

    model_config = ConfigDict(frozen=True)
    passed: bool  # every platform passed
    loudness: dict[str, float] | None  # integrated_lufs, true_peak_dbtp, lra of the file; None without audio
    platforms: dict[str, PlatformResult]
    reason: str | None = None  # the failed checks, "; "-joined; None when passed
