"""Replicate predictions, run explicitly so that attempts and costs are ours (used by ``replicate``).

Upload an input (Files API), create the prediction, poll it until ``succeeded``/``failed``/
``canceled`` within a deadline (cancelling it when the deadline passes or the job is
cancelled), then stream its output to disk with size and type checks. No ``Prefer: wait``
and no ``replicate.run`` (which returns ``None`` when the wait ends early). The client's own
retry transport is made single-shot, and every request is bounded by ``timeout`` (the SDK
sends creates and uploads with no timeout at all): ``adbatch.providers.retry`` is the only policy.

Creates are not idempotent and Replicate has no idempotency key, so a create whose request
may have reached Replicate without an answer (read timeout, dropped connection, 502/504 from
a gateway) is never simply sent again: that could pay for two clips. Instead we list recent
predictions and adopt the one with our exact model and input (a start image is a fresh
upload, so inputs are unique). If none is listed, the call fails saying the outcome is
unknown, and a rerun of the sweep resumes from the cache: at worst one orphan prediction,
never a silent second one. Creates that provably made nothing (connection refused, 429,
500/503/529 answers) are retried as usual.

The lookup itself runs under the retry policy, like every other request: a failed list is
tried again, and so is a list that does not show our prediction yet (it may lag the create).
Inputs are matched on their meaning, not their bytes (``same_input``): key order, 5 vs 5.0,
"5" vs 5, whitespace around text, nulls, and defaults the provider filled in do not matter.
A prediction that ends ``failed``/``canceled``/``aborted`` raises ``PredictionFailed``, which
callers may answer by creating a new one (``adbatch.stages.assets`` does, per ``fallback``).
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from adbatch.providers.base import GenerationFailed
from adbatch.providers.http import download
from adbatch.providers.keys import require_key
from adbatch.providers.retry import (
    KEY_REFUSED,
    KeyRefused,
    ProviderError,
    Verdict,
    classify_httpx,
    maybe_done,
    policy,
    refused_message,
)

KEY_ENV_VAR = "REPLICATE_API_TOKEN"
TERMINAL = ("succeeded", "failed", "canceled", "aborted")
RECONCILE_CLOCK_SKEW_S = 120  # a listed prediction created up to this long before our create may still be ours


class OutcomeUnknown(ProviderError):
    """A create request may have reached Replicate, no answer came back, and no matching prediction was found."""


class PredictionFailed(GenerationFailed):
    """A prediction ran and ended ``failed``, ``canceled`` or ``aborted`` (content filter, capacity, a model
    error): a new prediction may succeed where this one did not. Not billed: official models charge per output."""


class _NotListed(ProviderError):
    """The prediction an unanswered create may have made is not listed (yet): look again, under the policy."""


class _Tally:
    """Retries made by the requests of one prediction (each call counts its own: calls run concurrently)."""

    def __init__(self) -> None:
        self.retries = 0


class Predictions:
    """Create, poll, cancel and download Replicate predictions of one model, with the retry policy."""

    def __init__(
        self,
        *,
        model: str,
        version: str | None,
        base_url: str | None,
        timeout: float,
        poll_s: float,
        deadline_s: float,
        reconcile_s: float,
        max_download_mb: float,
        retry: Any,
        who: str,
    ) -> None:
        import replicate  # noqa: F401 (now, not on first use: importing it inside the event loop stalls it)

        self.model, self.version, self.base_url, self.timeout, self.who = model, version, base_url, float(timeout), who
        self.poll_s, self.deadline_s, self.reconcile_s = float(poll_s), float(deadline_s), float(reconcile_s)
        self.max_download_mb, self.retry = max_download_mb, policy(retry)

    def check_key(self) -> None:
        """One free call (the token's account) that fails fast, naming the variable, on a refused token."""
        from replicate.client import Client
        from replicate.exceptions import ReplicateError

        client = Client(api_token=require_key(KEY_ENV_VAR, who=self.who), base_url=self.base_url)
        try:
            client.accounts.current()
        except ReplicateError as exc:
            if exc.status not in KEY_REFUSED:
                raise
            what = f"replicate key check (GET /v1/account) answered {exc.status}"
            raise KeyRefused(refused_message(KEY_ENV_VAR, what), status=exc.status) from exc

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[Any]:
        import httpx
        from replicate.client import Client

        client = Client(
            api_token=require_key(KEY_ENV_VAR, who=self.who),
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout),
            event_hooks={"response": [_raise_for_status]},
        )
        http = client._async_client  # built now, so its retry transport can be made single-shot
        transport: Any = getattr(http, "_transport", None)
        if hasattr(transport, "max_attempts"):
            transport.max_attempts = 1  # else GETs are retried up to 10x inside the SDK, under our policy
        try:
            yield client
        finally:
            await http.aclose()

    async def _call(
        self,
        fn: Any,
        what: str,
        tally: _Tally,
        classify: Any = classify_httpx,
        bounded: bool = True,
        paid: bool = False,
    ) -> Any:
        """``fn`` under the retry policy; ``bounded``: also under ``timeout`` as a whole, because the SDK
        sends creates and uploads with ``timeout=None`` (no limit at all). A failure counts the attempts
        of the whole prediction (the retries of its earlier requests too), as a success does; only a
        ``paid`` request (the create) counts replies lost after sending (possibly billed)."""
        call = (lambda: asyncio.wait_for(fn(), self.timeout)) if bounded else fn
        try:
            tried = await self.retry.run(
                call, classify=classify, what=f"replicate {what}", key_env_var=KEY_ENV_VAR, paid=paid
            )
        except ProviderError as exc:
            raise exc.replace(attempts=tally.retries + exc.attempts) from exc.__cause__
        tally.retries += tried.attempts - 1
        return tried.result

    async def predict(
        self,
        inputs: Mapping[str, Any],
        out: Path,
        *,
        kind: Literal["video", "image"],
        cost_usd: float,
        upload: tuple[str, bytes] | None = None,
    ) -> tuple[Any, int]:
        """Run one prediction and download its (first) output into ``out``; return (prediction, retries).

        ``cost_usd`` is what a succeeded prediction is billed: a download that fails after it
        raises a ProviderError carrying that cost, for the ledger and the manifest."""
        tally = _Tally()
        async with self._client() as client:
            inputs = dict(inputs)
            if upload:
                field, data = upload
                file = await self._call(
                    lambda: client.files.async_create(
                        io.BytesIO(data), filename=f"{field}.jpg", content_type="image/jpeg"
                    ),
                    "file upload",
                    tally,
                )
                inputs[field] = file.urls["get"]
            prediction = await self._create(client, inputs, tally)
            try:
                prediction = await self._wait(client, prediction, tally)
            except asyncio.CancelledError:  # the job failed elsewhere: do not keep paying for this one
                await self._cancel(client, prediction.id, tally)
                raise
            if prediction.status != "succeeded":
                raise PredictionFailed(
                    f"replicate prediction {prediction.id} ({self.model}) {prediction.status}: "
                    f"{prediction.error or 'no error message'}",
                    attempts=1 + tally.retries,
                )
            try:
                url = output_url(prediction.output, prediction.id)
                await self._call(
                    lambda: download(url, out, kind=kind, max_mb=self.max_download_mb, timeout=self.timeout),
                    f"download of {prediction.id}",
                    tally,
                    bounded=False,
                )  # httpx limits each read
            except ProviderError as exc:  # the prediction succeeded, so it was billed
                raise exc.replace(cost_usd=cost_usd) from exc.__cause__
        return prediction, tally.retries

    async def _create(self, client: Any, inputs: dict[str, Any], tally: _Tally) -> Any:
        sent = time.time()
        target = {"version": self.version} if self.version else {"model": self.model}

        async def create() -> Any:
            try:
                return await asyncio.wait_for(client.predictions.async_create(input=inputs, **target), self.timeout)
            except Exception as exc:
                if not maybe_done(exc):
                    raise
                found = await self._adopt(client, inputs, since=sent, tally=tally)
                if found is None:
                    raise OutcomeUnknown(
                        f"replicate create for {self.model} got no answer ({type(exc).__name__}) after the request was "
                        f"sent, and no matching prediction was listed after reconcile_s={self.reconcile_s:g} s; not "
                        f"sent again so as not to pay twice. Rerun the sweep to resume."
                    ) from exc
                return found

        # an unanswered create that no listing shows fails as OutcomeUnknown with one lost reply: possibly billed
        return await self._call(create, f"create ({self.model})", tally, classify=classify, bounded=False, paid=True)

    async def _adopt(self, client: Any, inputs: Mapping[str, Any], *, since: float, tally: _Tally) -> Any:
        """The prediction our unanswered create made, if Replicate lists it (same model/version, same input by
        meaning): the lookup runs under the retry policy, an error or a list without it looked at again."""
        await asyncio.sleep(self.reconcile_s)

        async def lookup() -> Any:
            page = await client.predictions.async_list()  # bounded by _call
            found = self._ours(page.results, inputs, since=since)
            if found is None:
                raise _NotListed(f"no {self.model} prediction with our input listed")
            return found

        try:
            return await self._call(lookup, f"reconcile lookup ({self.model})", tally, classify=classify_lookup)
        except ProviderError:  # cannot tell: treat as not found (the caller fails without re-sending)
            return None

    def _ours(self, listed: Any, inputs: Mapping[str, Any], *, since: float) -> Any:
        """The newest listed prediction of our model/version whose input is ours, created since ``since``
        (less ``RECONCILE_CLOCK_SKEW_S``: our clock and Replicate's differ)."""
        for p in sorted(listed, key=lambda p: _timestamp(p.created_at), reverse=True):
            same_target = p.version == self.version if self.version else p.model == self.model
            recent = _timestamp(p.created_at) >= since - RECONCILE_CLOCK_SKEW_S
            if same_target and recent and same_input(inputs, p.input or {}):
                return p
        return None

    async def _wait(self, client: Any, prediction: Any, tally: _Tally) -> Any:
        deadline = time.monotonic() + self.deadline_s
        while prediction.status not in TERMINAL:
            if time.monotonic() >= deadline:
                await self._cancel(client, prediction.id, tally)
                raise ProviderError(
                    f"replicate prediction {prediction.id} ({self.model}) was still {prediction.status} "
                    f"after deadline_s={self.deadline_s:g} s; cancelled it",
                    attempts=1 + tally.retries,
                )
            await asyncio.sleep(self.poll_s)
            pid = prediction.id
            prediction = await self._call(lambda: client.predictions.async_get(pid), f"poll of {pid}", tally)  # noqa: B023 - awaited at once
        return prediction

    async def _cancel(self, client: Any, pid: str, tally: _Tally) -> None:
        try:
            async with asyncio.timeout(self.timeout):
                await self._call(lambda: client.predictions.async_cancel(pid), f"cancel of {pid}", tally)
        except Exception:  # best effort: the caller is already failing for a better reason
            pass


def classify(exc: BaseException) -> Verdict:
    """Create verdicts: OutcomeUnknown is final (never re-send); the rest as for any httpx call."""
    if isinstance(exc, OutcomeUnknown):
        return Verdict(False, "outcome unknown")
    return classify_httpx(exc)


def classify_lookup(exc: BaseException) -> Verdict:
    """Reconcile lookup verdicts: a list that does not show our prediction yet is looked at again."""
    if isinstance(exc, _NotListed):
        return Verdict(True, "not listed yet")
    return classify_httpx(exc)


def same_input(sent: Mapping[str, Any], listed: Mapping[str, Any]) -> bool:
    """True when ``listed`` (a prediction's input as Replicate lists it) is the input we ``sent``, by meaning:
    every key we sent with a value has an equal value there (``_canonical``); keys the provider added (its
    defaults) are ignored."""
    theirs = _canonical(dict(listed))
    return all(k in theirs and theirs[k] == v for k, v in _canonical(dict(sent)).items())


def _canonical(value: Any) -> Any:
    """A comparable form: numbers (and numeric text) as floats, text with its whitespace collapsed, mappings
    without null values (key order never mattered), lists element by element."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = " ".join(value.split())
        try:
            return float(text)
        except ValueError:
            return text
    return value


def output_url(output: Any, pid: str) -> str:
    """The (first) output URL: a str for http URLs, a FileOutput (``.url``) for https/data ones."""
    item = output[0] if isinstance(output, list) and output else output
    url = getattr(item, "url", item)
    if not isinstance(url, str) or not url:
        raise ProviderError(f"replicate prediction {pid} succeeded without an output URL (output={output!r:.200})")
    return url


async def _raise_for_status(response: Any) -> None:
    """httpx response hook: raise HTTPStatusError (status, headers, body intact) instead of the SDK's
    ReplicateError, which drops the headers and so the Retry-After."""
    if response.is_error:
        await response.aread()
        response.raise_for_status()


def _timestamp(value: str | None) -> float:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0
