"""The one retry policy every live adapter uses (DESIGN.md §4), built on tenacity.

At most ``max_retries`` retries (3) after the first attempt, waiting ``base_s`` x 2^(n-1)
(1 -> 2 -> 4 s) unless the provider said how long: ``retry-after-ms``, then ``Retry-After``
(seconds or an HTTP date), then a body ``retry_after`` (Replicate). A wait the provider asks
for beyond ``max_wait_s`` is not waited out: the call fails at once, saying so.

Retried: 408, 429, 5xx (incl. Anthropic's 529), timeouts and connection errors.
Never retried: every other 4xx (400, 401, 403, 404, 413, 415, 422 ...), spend-cap 429s
(``*_spend_limit_reached``) and any response saying ``x-should-retry: false``.
Each adapter turns its SDK's own retries off and maps the SDK's errors to a ``Verdict``
(``classify``), so this is the only place attempts are counted and waited for.

It also counts the attempts whose reply was lost after the request was sent (``maybe_done``: a
read timeout, a connection reset, a gateway's 502/504): the provider may have done, and billed,
that work. For a paid request (``run``) the caller records them as possibly billed.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from adbatch.errors import ProviderError
from adbatch.logs import redact

__all__ = [
    "ProviderError",
    "RetryPolicy",
    "Tried",
    "Verdict",
    "classify_httpx",
    "http_verdict",
    "maybe_done",
    "policy",
    "retry_after",
    "status_of",
]

T = TypeVar("T")
log = logging.getLogger("adbatch.providers.retry")


@dataclass(frozen=True)
class Verdict:
    """What one failed attempt means: try again (after ``after`` s if the provider said) or not."""

    retry: bool
    reason: str
    after: float | None = None  # seconds the provider asked us to wait


@dataclass(frozen=True)
class RetryPolicy:
    """DESIGN.md §4 as data (``provider.<stage>.retry`` in conf/)."""

    max_retries: int = 3  # retries after the first attempt
    base_s: float = 1.0  # first backoff; then doubles: 1 -> 2 -> 4 s
    max_wait_s: float = 60.0  # the longest Retry-After we wait out

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based) when the provider said nothing."""
        return float(self.base_s * 2 ** (attempt - 1))

    def wait_for(self, attempt: int, verdict: Verdict) -> float:
        """The provider's Retry-After wins over the backoff."""
        return verdict.after if verdict.after is not None else self.backoff(attempt)

    async def call(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        classify: Callable[[BaseException], Verdict],
        what: str,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        key_env_var: str | None = None,
    ) -> tuple[T, int]:
        """``run`` for a request that costs nothing (a poll, a list, a download): (result, attempts made)."""
        tried = await self.run(fn, classify=classify, what=what, sleep=sleep, key_env_var=key_env_var, paid=False)
        return tried.result, tried.attempts

    async def run(
        self,
        fn: Callable[[], Awaitable[T]],
        *,
        classify: Callable[[BaseException], Verdict],
        what: str,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        key_env_var: str | None = None,
        paid: bool = True,
    ) -> Tried[T]:
        """Run ``fn`` until it succeeds or the policy gives up; return its result, the attempts made and, for a
        ``paid`` request, how many of them lost their reply after it was sent (``maybe_done``).

        Raises ProviderError (``from`` the last error) naming ``what``, the attempts, the lost replies and the
        reason; a KeyRefused naming ``key_env_var`` when the provider refused the key (401, 403).
        """
        lost = 0

        def retryable(exc: BaseException) -> bool:
            v = classify(exc)
            return v.retry and (v.after is None or v.after <= self.max_wait_s)

        def failure(state: RetryCallState) -> BaseException:
            """The exception of the attempt that just failed (tenacity calls wait and before_sleep only then)."""
            exc = state.outcome.exception() if state.outcome is not None else None
            assert isinstance(exc, BaseException)
            return exc

        def wait(state: RetryCallState) -> float:
            return self.wait_for(state.attempt_number, classify(failure(state)))

        def before_sleep(state: RetryCallState) -> None:
            exc = failure(state)
            log.warning(
                "%s: attempt %d failed (%s: %s); retrying in %.2f s",
                what,
                state.attempt_number,
                classify(exc).reason,
                _summary(exc),
                state.upcoming_sleep,
            )

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_retries + 1),
            retry=retry_if_exception(retryable),
            wait=wait,
            sleep=sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        attempts = 0
        try:
            async for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    try:
                        result = await fn()
                    except Exception as exc:
                        lost += paid and maybe_done(exc)
                        raise
        except Exception as exc:
            v = classify(exc)
            if not v.retry:
                why = "not retried"
            elif v.after is not None and v.after > self.max_wait_s:
                why = f"not retried: asked to wait {v.after:g} s, over retry.max_wait_s={self.max_wait_s:g}"
            else:
                why = "gave up"
            message = f"{what} failed after {attempts} attempt(s), {why} ({v.reason}): {_summary(exc)}"
            log.error(message)
            status = status_of(exc)
            if key_env_var and status in KEY_REFUSED:
                raise KeyRefused(refused_message(key_env_var, message), attempts=attempts, status=status) from exc
            raise ProviderError(message, attempts=attempts, status=status, lost=lost) from exc
        if attempts > 1:
            log.info("%s: succeeded on attempt %d", what, attempts)
        if lost:
            log.warning("%s: %d attempt(s) lost their reply after it was sent: possibly billed", what, lost)
        return Tried(result, attempts, lost)


@dataclass(frozen=True)
class Tried(Generic[T]):
    """What ``RetryPolicy.run`` got: the result, the HTTP attempts made, and how many of them lost their reply
    after the request was sent (work the provider may have done and billed)."""

    result: T
    attempts: int
    lost: int = 0


LOST_REPLY_STATUS = (502, 504)  # a gateway answered: the API behind it may have done the work
# transport errors by class name, as httpx and its forks name them (the Anthropic SDK ships its own copy, httpx2)
NEVER_SENT = ("ConnectError", "ConnectTimeout", "PoolTimeout")  # the request never reached the server
LOST_AFTER_SENDING = ("TimeoutException", "TimeoutError", "RemoteProtocolError", "ReadError", "WriteError")


def maybe_done(exc: BaseException) -> bool:
    """True when a request may have been carried out although no usable answer came back: a read timeout, a
    connection reset or closed mid-request, a gateway's 502/504. Not when it provably never reached the
    server (connection refused, connect or pool timeout) or was answered (429, 500, 503, 529 ...). SDK errors
    are judged by the transport error they wrap (``__cause__``)."""
    seen: BaseException | None = exc
    while seen is not None:
        status = status_of(seen)
        if status is not None:
            return status in LOST_REPLY_STATUS
        names = {c.__name__ for c in type(seen).__mro__}
        if names & set(NEVER_SENT):
            return False
        if names & set(LOST_AFTER_SENDING):
            return True
        seen = seen.__cause__
    return False


KEY_REFUSED = (401, 403)  # the provider refused the key itself: every later call with it would be refused too


class KeyRefused(ProviderError):
    """The provider refused the API key (401 or 403): the message names the environment variable that holds
    it. A sweep stops starting jobs after one (``adbatch.app``), since every later call would be refused."""


def refused_message(var: str, what: str) -> str:
    """What to say when the key in ``var`` was refused by the call ``what``."""
    return f"{what}. The key in {var} was refused: set a valid one (export {var}=...) and rerun the sweep"


def policy(conf: Mapping[str, Any] | RetryPolicy | None) -> RetryPolicy:
    """A RetryPolicy from a config mapping (``retry:`` node of an adapter); None -> the defaults."""
    return conf if isinstance(conf, RetryPolicy) else RetryPolicy(**dict(conf or {}))


def _summary(exc: BaseException) -> str:
    """One line, secrets redacted, short enough for a manifest: status and body when the error has them."""
    status, body = status_of(exc), getattr(exc, "body", None)
    text = (
        f"{type(exc).__name__}: HTTP {status}: {body}"
        if status and body is not None
        else f"{type(exc).__name__}: {exc}"
    )
    return str(redact(" ".join(text.split())[:500]))


def status_of(exc: BaseException) -> int | None:
    """The HTTP status carried by an SDK or httpx error, if any."""
    response = getattr(exc, "response", None)
    for value in (
        getattr(exc, "status_code", None),
        getattr(exc, "status", None),
        getattr(response, "status_code", None),
    ):
        if isinstance(value, int):
            return value
    return None


def retry_after(headers: Mapping[str, str] | None, body: Any = None) -> float | None:
    """Seconds the provider asked us to wait: retry-after-ms, Retry-After (seconds or HTTP date), body retry_after."""
    h = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    try:
        if "retry-after-ms" in h:
            return max(0.0, float(h["retry-after-ms"]) / 1000)
        if "retry-after" in h:
            value = h["retry-after"].strip()
            try:
                return max(0.0, float(value))
            except ValueError:
                when = email.utils.parsedate_to_datetime(value)
                return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        pass
    if isinstance(body, Mapping) and isinstance(body.get("retry_after"), (int, float)):
        return max(0.0, float(body["retry_after"]))
    return None


def http_verdict(status: int, headers: Mapping[str, str] | None = None, body: Any = None) -> Verdict:
    """The verdict for an HTTP error response (any vendor)."""
    h = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if h.get("x-should-retry") == "false":
        return Verdict(False, f"HTTP {status}, x-should-retry: false")
    if status == 408 or status == 429 or status >= 500:
        return Verdict(True, f"HTTP {status}", retry_after(headers, body))
    return Verdict(False, f"HTTP {status}")


def classify_httpx(exc: BaseException) -> Verdict:
    """Verdicts for httpx errors (Replicate's and ElevenLabs' SDKs and our downloads use httpx)."""
    if isinstance(exc, httpx.HTTPStatusError):
        return http_verdict(exc.response.status_code, exc.response.headers, _json_or_none(exc.response))
    if isinstance(exc, httpx.TimeoutException):
        return Verdict(True, "timeout")
    if isinstance(exc, httpx.TransportError):
        return Verdict(True, "connection error")
    if isinstance(exc, (TimeoutError, ConnectionError)):
        return Verdict(True, type(exc).__name__)
    return Verdict(False, type(exc).__name__)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except Exception:  # not JSON, or not read: no body hint
        return None
