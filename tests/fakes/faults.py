"""Faults the fake provider server can inject, per endpoint, scripted or at a rate.

Endpoints: ``anthropic.messages``, ``elevenlabs.tts``, ``replicate.files``, ``replicate.create``,
``replicate.get``, ``replicate.cancel``, ``replicate.list``, ``replicate.download`` and
``replicate.prediction`` (the outcome of a prediction itself, not an HTTP answer; drawn when it
is created: ``replicate.prediction:<owner>/<model>`` first, so a test can aim at one model; so can
``replicate.create:<owner>/<model>``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fault:
    """One injected behaviour; ``kind`` says which, the other fields are its data."""

    kind: (
        str  # status | hang | drop | hang_after | lost_answer | reset_after | reply | fenced | malformed | failed |
        # stuck | content_type | oversize | reformatted
    )
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # None: the vendor's own error body for ``status``
    seconds: float = 0.0
    text: str = ""


def status(code: int, *, headers: dict[str, str] | None = None, body: Any = None) -> Fault:
    """Answer with HTTP ``code`` and the vendor's error body (or ``body``)."""
    return Fault("status", status=code, headers=dict(headers or {}), body=body)


def rate_limited(retry_after: float | None = 1, *, ms: float | None = None) -> Fault:
    """429 with ``Retry-After`` seconds (and/or ``retry-after-ms``, as Anthropic sends)."""
    headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
    if ms is not None:
        headers["retry-after-ms"] = f"{ms:g}"
    return Fault("status", status=429, headers=headers)


def server_error(code: int = 500) -> Fault:
    return Fault("status", status=code)


def overloaded() -> Fault:
    """Anthropic's 529 overloaded_error."""
    return Fault("status", status=529)


def bad_request(code: int = 400) -> Fault:
    """A 4xx validation/auth error: must fail fast."""
    return Fault("status", status=code)


def spend_limit() -> Fault:
    """Anthropic's spend-cap 429: no retry-after, error.details.error_code enforced_spend_limit_reached."""
    body = {
        "type": "error",
        "request_id": "req_spend",
        "error": {
            "type": "rate_limit_error",
            "message": "You have reached your specified API usage limits.",
            "details": {"error_code": "enforced_spend_limit_reached"},
        },
    }
    return Fault("status", status=429, body=body)


def hang(seconds: float) -> Fault:
    """Wait ``seconds`` before doing anything (longer than the client's timeout: a timeout)."""
    return Fault("hang", seconds=seconds)


def hang_after(seconds: float) -> Fault:
    """Do the work (e.g. create the prediction), then wait ``seconds`` before answering."""
    return Fault("hang_after", seconds=seconds)


def lost_answer(code: int = 502) -> Fault:
    """Do the work (e.g. create the prediction), then answer HTTP ``code`` as a gateway that lost the reply would."""
    return Fault("lost_answer", status=code)


def reset_after() -> Fault:
    """Do the work (and so bill it: a message written, a line spoken, a prediction created), then close the
    connection without answering, as a reset between the provider and us would."""
    return Fault("reset_after")


def reformatted() -> Fault:
    """Replicate list: each prediction's ``input`` as a provider may echo it, the same by meaning but not by
    bytes: keys in another order, whole numbers as floats (5 -> 5.0), text with trailing whitespace, and a
    default the model filled in."""
    return Fault("reformatted")


def drop() -> Fault:
    """Close the connection without answering (a connection error)."""
    return Fault("drop")


def reply(text: str) -> Fault:
    """Anthropic: answer with this text instead of the generated JSON."""
    return Fault("reply", text=text)


def fenced() -> Fault:
    """Anthropic: the generated JSON, wrapped in prose and a markdown ```json fence."""
    return Fault("fenced")


def malformed() -> Fault:
    """Anthropic: the generated JSON cut in half (not parseable)."""
    return Fault("malformed")


def failed_prediction(error: str = "CUDA out of memory") -> Fault:
    """Replicate: the prediction ends ``failed`` with ``error``."""
    return Fault("failed", text=error)


def stuck() -> Fault:
    """Replicate: the prediction stays ``processing`` until cancelled."""
    return Fault("stuck")


def content_type(value: str = "text/html") -> Fault:
    """Replicate download: serve the output with the wrong content type."""
    return Fault("content_type", text=value)


def oversize(megabytes: float = 500) -> Fault:
    """Replicate download: declare a body of ``megabytes``."""
    return Fault("oversize", seconds=megabytes)
