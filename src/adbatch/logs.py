"""Structured logs: JSON lines per job (``log.jsonl``) and short readable console lines.

Every line carries the job's bound context (product, archetype, hook). A processor
redacts the values of known secret environment variables wherever they appear, so a
key that leaks into an error message never reaches a log file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import structlog

SECRET_ENV_VARS = ("ANTHROPIC_API_KEY", "REPLICATE_API_TOKEN", "ELEVENLABS_API_KEY", "REDIS_PASSWORD")
REDACTED = "[redacted]"
CONSOLE_EVENTS = {"job_start", "job_end"}  # the console gets a line per job; log.jsonl gets everything


def secrets() -> list[str]:
    """The secret values set in this environment (ignoring trivially short ones)."""
    return [v for name in SECRET_ENV_VARS if len(v := os.environ.get(name, "")) >= 8]


def redact(value: Any, values: list[str] | None = None) -> Any:
    """``value`` with every secret replaced, recursively through dicts and lists."""
    values = secrets() if values is None else values
    if isinstance(value, str):
        for secret in values:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {k: redact(v, values) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, values) for v in value]
    return value


def redact_processor(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    cleaned: dict[str, Any] = redact(dict(event))
    return cleaned


class _ConsoleTee:
    """A processor that also prints a short readable line, leaving the event unchanged."""

    def __init__(self, console: TextIO | None) -> None:
        self.console = console
        self.pretty = structlog.dev.ConsoleRenderer(colors=False, pad_event_to=28)

    def __call__(self, _logger: Any, name: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
        loud = event.get("event") in CONSOLE_EVENTS or event.get("level") in ("warning", "error", "critical")
        if self.console is not None and loud:
            shown = {k: v for k, v in event.items() if k not in ("job", "timestamp", "words")}
            self.console.write(self.pretty(_logger, name, dict(shown)) + "\n")
        return event


@contextmanager
def job_logger(
    path: Path, *, console: TextIO | None = sys.stderr, context: Mapping[str, Any] | None = None
) -> Iterator[Any]:
    """A logger appending JSON lines to ``path``, ``context`` bound on every line; closed on exit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a", encoding="utf-8")
    logger = structlog.wrap_logger(
        structlog.PrintLogger(fh),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_processor,
            _ConsoleTee(console),
            structlog.processors.JSONRenderer(default=str),
        ],
    )
    try:
        yield logger.bind(**(context or {}))
    finally:
        fh.close()


QUIET = structlog.wrap_logger(structlog.ReturnLogger())  # a logger that says nothing: planning in a dry run
