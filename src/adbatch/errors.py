"""The one error tree: every error adbatch raises on purpose is an ``AdbatchError``.

Catch ``AdbatchError`` to tell "adbatch refused or failed, and says why" from a bug, and a
stage base (``ProviderError``, ``ConfigError`` ...) to handle one stage's failures. Data that
callers act on is carried as attributes set by the constructor (a row number, a cap, the
money a failed call still cost), never attached afterwards. Classes that callers also catch
as a builtin (``ValueError``, ``RuntimeError``) keep it as a second base.

Each class lives in the module of the stage that raises it (so existing imports keep working);
the stage bases live here, and this module imports nothing from adbatch::

    AdbatchError
    ├── ConfigError                 the composed config cannot run: nothing starts
    │   ├── MissingKeyError         a live stage's API key is not in the environment (providers.keys)
    │   ├── PriceError              a price table has no rate for the model in use (providers.prices)
    │   ├── ArchetypeError          an archetype file is missing or off-schema (domain.archetype)
    │   └── BrandError              a brand kit's logo, font or colours are unusable (domain.brand)
    ├── CatalogError                the catalog file as a whole cannot be used (raised by stages.catalog)
    │   ├── RowError                one row is invalid: the video ends ``invalid`` (stages.catalog)
    │   ├── MediaError              an input image is missing, too big, not an image or out of bounds (stages.media)
    │   └── PriceError              a price cell is no amount; becomes the row's RowError (feeds._text)
    ├── ScriptError                 a script does not fit its archetype, or LLM JSON is unusable (domain.script)
    ├── TimelineError               the lines cannot be laid out within the pacing rules (domain.timeline)
    │   └── VoiceTooLong            the voice overflows its slots; carries the tempo that would fit
    ├── ProviderError               a provider call failed for good; carries ``cost_usd``, ``attempts``, ``status``
    │   ├── KeyRefused              the provider refused the API key (401/403); names its variable (providers.retry)
    │   ├── OutcomeUnknown          a Replicate create got no answer and no prediction of ours is listed
    │   ├── GenerationFailed        the provider ran the request and it failed on its side (providers.base);
    │   │   └── PredictionFailed    e.g. a Replicate prediction ended failed: a new one may succeed (stages.degrade)
    │   ├── DownloadError           a generated output is too big, of the wrong kind or at a URL we refuse
    │   ├── SpeechEngineError       eSpeak NG cannot be loaded, or refuses the voice or the text
    │   └── ReplyError              a model's reply stays unusable after the repair round (also a ScriptError)
    ├── CapExceeded                 a paid call would cross a cost cap: not made, the video ends ``skipped_cap``
    ├── RenderError                 the video or its soundtrack cannot be made
    │   └── LoudnessError           FFmpeg cannot measure the audio's loudness (render.loudness)
    ├── QAFailed                    a required platform gate failed on the delivered file (stages.qa)
    ├── ReportError                 a report cannot be built
    │   ├── ResultsError            an ad-platform results CSV is unusable (report.stats)
    │   └── GalleryError            ``python -m adbatch.gallery`` found no readable manifest (report.gallery)
    ├── RegenError                  ``python -m adbatch.regen`` was pointed at no finished video or scene (regen)
    └── StageError                  any failure inside a job, wrapped with the stage it happened in (pipeline)

``report.callbacks.NightlyGateFailed`` is a ``SystemExit``, not an error: the nightly gate's exit status.
"""

from __future__ import annotations

from typing import Any

__all__ = ["AdbatchError", "CatalogError", "ConfigError", "ProviderError", "RenderError", "ReportError"]


class AdbatchError(Exception):
    """Base of every error adbatch raises on purpose."""


class ConfigError(AdbatchError):
    """The composed configuration (or something it names) cannot run; raised before any job starts."""


class CatalogError(AdbatchError):
    """The catalog file cannot be used at all, so nothing should run; its subclasses concern one row or image.

    Catch ``RowError`` before ``CatalogError`` where a bad row must not stop the other videos."""


class RenderError(AdbatchError):
    """The video, its frames or its soundtrack cannot be made."""


class ReportError(AdbatchError):
    """A report, or an input it merges, cannot be built."""


class ProviderError(AdbatchError):
    """A provider call failed for good: says what, after how many attempts, and why it stopped.

    ``cost_usd`` is what the failed call was still billed (a clip made but lost in download,
    replies paid for before the last one proved unusable): the ledger settles it and the
    manifest records it. ``attempts`` counts HTTP attempts (retries + 1); ``status`` is the
    last HTTP status, when there was one. ``lost`` counts the paid requests whose reply was lost
    after they were sent (a reset, a read timeout, a gateway's 502/504): the provider may have done
    and billed that work, so the caller records it as possibly billed.
    """

    def __init__(
        self, message: str, *, attempts: int = 1, status: int | None = None, cost_usd: float = 0.0, lost: int = 0
    ) -> None:
        super().__init__(message)
        self.attempts, self.status, self.cost_usd, self.lost = attempts, status, cost_usd, lost

    def replace(self, **changes: Any) -> ProviderError:
        """The same error (class, message, cause) with fields changed: errors are not edited in flight."""
        fields: dict[str, Any] = {"attempts": self.attempts, "status": self.status, "cost_usd": self.cost_usd}
        fields |= {"lost": self.lost} | changes
        copy = type(self)(str(self), **fields)
        copy.__cause__ = self.__cause__
        return copy
