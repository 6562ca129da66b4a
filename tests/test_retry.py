"""The one retry policy (DESIGN.md §4): what is retried, how long it waits, what it records."""

from __future__ import annotations

import asyncio
import email.utils
import time

import httpx
import pytest

from adbatch.providers.retry import ProviderError, RetryPolicy, Verdict, classify_httpx, http_verdict, retry_after


class Flaky:
    """An async call that fails with ``errors`` in turn, then returns "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors, self.calls = list(errors), 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class Transient(Exception):
    def __init__(self, after: float | None = None) -> None:
        super().__init__("try again")
        self.after = after


def verdicts(exc: BaseException) -> Verdict:
    if isinstance(exc, Transient):
        return Verdict(True, "transient", exc.after)
    return Verdict(False, "fatal")


def call(policy: RetryPolicy, fn: Flaky) -> tuple[object, int, list[float]]:
    """Run ``fn`` under ``policy`` recording the waits instead of sleeping."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    result, attempts = asyncio.run(policy.call(fn, classify=verdicts, what="test call", sleep=record))
    return result, attempts, waits


def test_backoff_doubles_from_the_base_1_2_4() -> None:
    """Three transient failures wait 1, 2 then 4 s, and the fourth attempt succeeds."""
    result, attempts, waits = call(RetryPolicy(), Flaky(Transient(), Transient(), Transient()))
    assert (result, attempts, waits) == ("ok", 4, [1.0, 2.0, 4.0])


def test_base_is_configurable_and_keeps_the_shape() -> None:
    """retry.base_s scales the waits; the progression stays x2."""
    _, _, waits = call(RetryPolicy(base_s=0.01), Flaky(Transient(), Transient(), Transient()))
    assert waits == pytest.approx([0.01, 0.02, 0.04])


def test_gives_up_after_three_retries_naming_the_attempts() -> None:
    """A fourth transient failure ends the call: ProviderError after 4 attempts, chained to the cause."""
    fn = Flaky(*[Transient() for _ in range(5)])
    with pytest.raises(ProviderError, match="test call failed after 4 attempt") as info:
        call(RetryPolicy(base_s=0), fn)
    assert fn.calls == 4 and info.value.attempts == 4 and isinstance(info.value.__cause__, Transient)


def test_retry_after_wins_over_the_backoff() -> None:
    """A provider's Retry-After is waited instead of the exponential backoff."""
    _, attempts, waits = call(RetryPolicy(), Flaky(Transient(after=7.0), Transient()))
    assert attempts == 3 and waits == [7.0, 2.0]


def test_retry_after_beyond_the_cap_fails_at_once() -> None:
    """Asked to wait longer than max_wait_s, the call fails now, saying so."""
    fn = Flaky(Transient(after=3600))
    with pytest.raises(ProviderError, match="asked to wait 3600 s, over retry.max_wait_s=60"):
        call(RetryPolicy(), fn)
    assert fn.calls == 1


def test_fatal_errors_are_not_retried() -> None:
    """A non-retryable error fails on the first attempt."""
    fn = Flaky(ValueError("bad input"))
    with pytest.raises(ProviderError, match="after 1 attempt.*not retried"):
        call(RetryPolicy(), fn)
    assert fn.calls == 1


def test_real_sleep_uses_the_base(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an injected sleep the policy really waits base_s x 2^n (tiny base here)."""
    tic = time.perf_counter()
    result, attempts = asyncio.run(
        RetryPolicy(base_s=0.02).call(Flaky(Transient(), Transient()), classify=verdicts, what="slept")
    )
    assert (result, attempts) == ("ok", 3) and time.perf_counter() - tic >= 0.06


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, 529])
def test_transient_statuses_are_retried(status: int) -> None:
    """408, 429, 5xx and Anthropic's 529 are retried."""
    assert http_verdict(status).retry


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 409, 413, 415, 422])
def test_validation_and_auth_errors_fail_fast(status: int) -> None:
    """4xx validation, auth and size errors are never retried."""
    assert not http_verdict(status).retry


def test_x_should_retry_false_is_obeyed() -> None:
    """A provider saying x-should-retry: false is not retried, whatever the status."""
    assert not http_verdict(503, {"x-should-retry": "false"}).retry


def test_retry_after_sources_in_order_of_precedence() -> None:
    """retry-after-ms beats Retry-After, which beats a body retry_after; HTTP dates are understood."""
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"Retry-After": "3"}, {"retry_after": 8}) == 3.0
    assert retry_after({}, {"retry_after": 8}) == 8.0
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after({"retry-after": date}) <= 31
    assert retry_after({}, None) is None


def test_httpx_timeouts_and_connection_errors_are_retried() -> None:
    """Timeouts and connection errors are transient; a 422 answer is not."""
    request = httpx.Request("POST", "http://127.0.0.1/x")
    assert classify_httpx(httpx.ReadTimeout("slow", request=request)).retry
    assert classify_httpx(httpx.ConnectError("refused", request=request)).retry
    response = httpx.Response(422, request=request, json={"detail": "bad"})
    assert not classify_httpx(httpx.HTTPStatusError("422", request=request, response=response)).retry
    throttled = httpx.Response(429, request=request, json={"retry_after": 2})
    assert classify_httpx(httpx.HTTPStatusError("429", request=request, response=throttled)).after == 2.0
