"""A real HTTP server on 127.0.0.1 that speaks enough of Anthropic, Replicate and ElevenLabs for their SDKs.

    with FakeProviders(key="sk-fake-...") as fake:
        fake.latency("elevenlabs.tts", 0.5)
        fake.script("anthropic.messages", faults.overloaded(), faults.fenced())
        ... point base_url of every live stage at fake.url ...
        assert fake.count("anthropic.messages") == 2

Faults are per endpoint (see ``tests.fakes.faults``): ``script`` queues them for the next
requests in order, ``rate`` draws one for a share of requests (seeded), ``latency`` delays
every request. Every request is recorded (``requests``), with how many were in flight.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes import vendors
from tests.fakes.faults import Fault
from tests.fakes.vendors import Request, Response, json_response

# (method, path pattern, endpoint, vendor, handler factory): the first match wins
ROUTES: list[tuple[str, re.Pattern, str, str, Callable[..., Callable]]] = [
    # the free calls a key check makes (adbatch.providers.keys.verify_keys)
    ("GET", re.compile(r"/v1/models"), "anthropic.models", "anthropic", lambda m: vendors.anthropic_models),
    ("GET", re.compile(r"/v1/account"), "replicate.account", "replicate", lambda m: vendors.replicate_account),
    ("GET", re.compile(r"/v1/user"), "elevenlabs.user", "elevenlabs", lambda m: vendors.elevenlabs_user),
    ("POST", re.compile(r"/v1/messages"), "anthropic.messages", "anthropic", lambda m: vendors.anthropic_messages),
    (
        "POST",
        re.compile(r"/v1/text-to-speech/(?P<voice>[^/]+)/with-timestamps"),
        "elevenlabs.tts",
        "elevenlabs",
        lambda m: lambda s, r, f: vendors.elevenlabs_tts(s, r, f, timestamps=True),
    ),
    (
        "POST",
        re.compile(r"/v1/text-to-speech/(?P<voice>[^/]+)"),
        "elevenlabs.tts",
        "elevenlabs",
        lambda m: lambda s, r, f: vendors.elevenlabs_tts(s, r, f, timestamps=False),
    ),
    ("POST", re.compile(r"/v1/files"), "replicate.files", "replicate", lambda m: vendors.replicate_upload),
    (
        "POST",
        re.compile(r"/v1/models/(?P<model>[^/]+/[^/]+)/predictions"),
        "replicate.create",
        "replicate",
        lambda m: lambda s, r, f: vendors.replicate_create(s, r, f, model=m["model"]),
    ),
    (
        "POST",
        re.compile(r"/v1/predictions"),
        "replicate.create",
        "replicate",
        lambda m: lambda s, r, f: vendors.replicate_create(s, r, f, model=None),
    ),
    (
        "POST",
        re.compile(r"/v1/predictions/(?P<pid>\w+)/cancel"),
        "replicate.cancel",
        "replicate",
        lambda m: lambda s, r, f: vendors.replicate_cancel(s, r, f, pid=m["pid"]),
    ),
    ("GET", re.compile(r"/v1/predictions"), "replicate.list", "replicate", lambda m: vendors.replicate_list),
    (
        "GET",
        re.compile(r"/v1/predictions/(?P<pid>\w+)"),
        "replicate.get",
        "replicate",
        lambda m: lambda s, r, f: vendors.replicate_get(s, r, f, pid=m["pid"]),
    ),
    (
        "GET",
        re.compile(r"/files/(?P<name>[\w.]+)"),
        "replicate.download",
        "cdn",
        lambda m: lambda s, r, f: vendors.replicate_download(s, r, f, name=m["name"]),
    ),
]
TRANSPORT_FAULTS = ("status", "hang", "drop")


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    endpoint: str
    method: str
    path: str
    headers: dict[str, str]
    json: Any
    at: float  # monotonic, when it arrived
    fault: str | None
    in_flight: int  # requests of this endpoint being handled when it arrived (itself included)


class FakeProviders:
    """The fake server: start it (a context manager), inject faults, read what it saw."""

    def __init__(
        self,
        *,
        key: str | None = None,
        clip_seconds: float = 5.0,
        clip_size: tuple[int, int] = (144, 256),
        image_size: tuple[int, int] = (288, 512),
        prediction_seconds: float = 0.2,
    ) -> None:
        self.key = key  # when set, every API request must carry it (x-api-key, xi-api-key or Bearer)
        self.clip_seconds, self.clip_size, self.image_size = clip_seconds, clip_size, image_size
        self.run_seconds: dict[str, float] = {"*": prediction_seconds}
        self.required_inputs = {
            "kwaivgi/kling-v2.1": ("start_image", "prompt"),
            "black-forest-labs/flux-schnell": ("prompt",),
        }
        self.version_models: dict[str, str] = {}
        self.predictions: dict[str, vendors.Prediction] = {}
        self.files: dict[str, bytes] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self._scripted: dict[str, deque[Fault]] = defaultdict(deque)
        self._rates: dict[str, list[tuple[Fault, float]]] = defaultdict(list)
        self._latency: dict[str, float] = defaultdict(float)
        self._in_flight: dict[str, int] = defaultdict(int)
        self._rng = random.Random(0)
        self._httpd: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> FakeProviders:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-providers", daemon=True
        ).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "start the server first (with FakeProviders() as fake: ...)"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- fault injection -------------------------------------------------------------------------

    def script(self, endpoint: str, *faults: Fault | None) -> None:
        """The next requests to ``endpoint`` get these faults, in order (``None``: a normal answer), then normal answers."""
        self._scripted[endpoint].extend(faults)

    def rate(self, endpoint: str, fault: Fault, share: float, *, seed: int = 0) -> None:
        """A seeded ``share`` (0..1) of the requests to ``endpoint`` get ``fault``."""
        self._rates[endpoint].append((fault, share))
        self._rng.seed(seed)

    def latency(self, endpoint: str, seconds: float) -> None:
        """Every request to ``endpoint`` waits ``seconds`` before it is answered."""
        self._latency[endpoint] = seconds

    def prediction_seconds(self, seconds: float, model: str = "*") -> None:
        """How long predictions (of ``model``, or all) run before they succeed."""
        self.run_seconds[model] = seconds

    def draw(self, endpoint: str) -> Fault | None:
        with self.lock:
            if self._scripted[endpoint]:
                return self._scripted[endpoint].popleft()
            for fault, share in self._rates[endpoint]:
                if self._rng.random() < share:
                    return fault
        return None

    # -- what happened ---------------------------------------------------------------------------

    def seen(self, endpoint: str) -> list[Seen]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def count(self, endpoint: str) -> int:
        return len(self.seen(endpoint))

    def max_in_flight(self, endpoint: str) -> int:
        return max((r.in_flight for r in self.seen(endpoint)), default=0)

    def max_running_predictions(self, model: str | None = None) -> int:
        """Most predictions (of ``model``) running at the same moment."""
        spans = [(p.created, p.ended()) for p in self.predictions.values() if model in (None, p.model)]
        return max((sum(1 for s, e in spans if s <= start < e) for start, _ in spans), default=0)

    # -- handling --------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Response | None:
        """The answer to one request (None: drop the connection)."""
        parts = urlsplit(raw_path)
        req = Request(method, parts.path, dict(parse_qsl(parts.query)), headers, body)
        for verb, pattern, endpoint, vendor, factory in ROUTES:
            match = pattern.fullmatch(parts.path)
            if verb == method and match:
                model = match.groupdict().get("model")  # a create aimed at one model: faults may be too
                return self._serve(req, endpoint, vendor, factory(match), aim=f"{endpoint}:{model}" if model else None)
        return json_response(404, {"detail": f"fake: no route for {method} {parts.path}"})

    def _serve(
        self, req: Request, endpoint: str, vendor: str, handler: Callable, aim: str | None = None
    ) -> Response | None:
        fault = (self.draw(aim) if aim else None) or self.draw(endpoint)
        with self.lock:
            self._in_flight[endpoint] += 1
            self.requests.append(
                Seen(
                    endpoint,
                    req.method,
                    req.path,
                    req.headers,
                    req.json,
                    time.monotonic(),
                    fault.kind if fault else None,
                    self._in_flight[endpoint],
                )
            )
        try:
            time.sleep(self._latency[endpoint])
            if fault and fault.kind == "hang":
                time.sleep(fault.seconds)
            if fault and fault.kind == "drop":
                return None
            if vendor != "cdn" and not self._authorized(req.headers):
                return json_response(401, vendors.error_body(vendor, 401, {}))
            if fault and fault.kind == "status":
                body = fault.body if fault.body is not None else vendors.error_body(vendor, fault.status, fault.headers)
                return json_response(fault.status, body, fault.headers)
            response = handler(self, req, fault)
            if fault and fault.kind == "hang_after":
                time.sleep(fault.seconds)
            if fault and fault.kind == "reset_after":  # the work is done (billed), the connection is closed
                return None
            if fault and fault.kind == "lost_answer":  # the work is done, the answer is not
                return json_response(fault.status, vendors.error_body(vendor, fault.status, {}))
            return response
        finally:
            with self.lock:
                self._in_flight[endpoint] -= 1

    def _authorized(self, headers: dict[str, str]) -> bool:
        if self.key is None:
            return True
        offered = {
            headers.get("x-api-key"),
            headers.get("xi-api-key"),
            headers.get("authorization", "").removeprefix("Bearer ").strip() or None,
        }
        return self.key in offered


class _Handler(BaseHTTPRequestHandler):
    fake: FakeProviders
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _any(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.fake.handle(self.command, self.path, headers, body)
        try:
            if response is None:
                self.close_connection = True
                return
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if "content-length" not in response.headers:
                self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
            if "content-length" in response.headers:
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout): nothing to answer
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _any
