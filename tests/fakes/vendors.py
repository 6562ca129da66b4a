"""How the three fake APIs answer: bodies, error shapes and usage fields as the real ones send them.

Each handler takes the server (its state), the request and the fault drawn for it (or None)
and returns a ``Response``. Transport-level faults (status, hang, drop) are applied by the
server before a handler runs; the faults that change *what* is answered arrive here.
"""

from __future__ import annotations

import base64
import email
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes import media
from tests.fakes.faults import Fault

ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    502: "api_error",
    503: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
ELEVENLABS_ERRORS = {
    400: "invalid_request",
    401: "invalid_api_key",
    404: "voice_not_found",
    429: "too_many_concurrent_requests",
    500: "internal_error",
    503: "system_busy",
}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(obj).encode(), {"content-type": "application/json", **(headers or {})})


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def error_body(vendor: str, status: int, headers: dict[str, str]) -> Any:
    """The error body ``vendor`` sends with ``status``."""
    if vendor == "anthropic":
        return {
            "type": "error",
            "request_id": f"req_{uuid.uuid4().hex[:12]}",
            "error": {"type": ANTHROPIC_ERRORS.get(status, "api_error"), "message": f"fake error {status}"},
        }
    if vendor == "elevenlabs":
        if status == 422:
            return {"detail": [{"loc": ["body", "text"], "msg": "field required", "type": "value_error.missing"}]}
        return {"detail": {"status": ELEVENLABS_ERRORS.get(status, "error"), "message": f"fake error {status}"}}
    if status == 429:
        wait = float(headers.get("retry-after", 1))
        return {
            "detail": f"Request was throttled. Expected available in {wait:g} second.",
            "status": 429,
            "retry_after": wait,
        }
    return {"type": "about:blank", "title": f"Fake error {status}", "status": status, "detail": f"fake error {status}"}


# -- Anthropic -----------------------------------------------------------------------------------


def anthropic_messages(server: Any, req: Request, fault: Fault | None) -> Response:
    body = req.json or {}
    if not body.get("model") or not body.get("messages") or not body.get("max_tokens"):
        return json_response(
            400,
            {
                "type": "error",
                "error": {"type": "invalid_request_error", "message": "model, messages and max_tokens are required"},
            },
        )
    text = fault.text if fault and fault.kind == "reply" else _claude_reply(body)
    stop = "end_turn"
    if fault and fault.kind == "fenced":
        text = f"Here is the JSON you asked for:\n```json\n{text}\n```\nLet me know if you want changes."
    if fault and fault.kind == "malformed":
        text = text[: len(text) // 2]
    images = [
        b for m in body["messages"] if isinstance(m["content"], list) for b in m["content"] if b.get("type") == "image"
    ]
    image_chars = sum(len(b.get("source", {}).get("data", "")) for b in images)
    usage = {
        "input_tokens": (len(json.dumps(body)) - image_chars) // 4 + 1100 * len(images),  # ~1100 per photo
        "output_tokens": max(1, len(text) // 4),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    message = {
        "id": f"msg_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }
    return json_response(
        200, message, {"request-id": f"req_{uuid.uuid4().hex[:12]}", "anthropic-ratelimit-requests-remaining": "49"}
    )


def _claude_reply(body: dict[str, Any]) -> str:
    """What a model that follows our prompts would say: product notes for a photo, a ranking for hook
    candidates, notes for a draft, shorter lines for a shortening round, else the script JSON."""
    first = body["messages"][0]["content"]
    blocks = [{"type": "text", "text": first}] if isinstance(first, str) else first
    prompt = "\n".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    if any(b.get("type") == "image" for b in blocks):
        return _product_notes(prompt)
    if "<hook_candidates>" in prompt:
        return _hook_ranking(prompt)
    if "<draft>" in prompt:
        return _critique(prompt)
    if "<lines>" in prompt:
        return _shortened(prompt)
    found = re.search(r"<product_data>\s*(\{.*?\})\s*</product_data>", prompt, re.S)
    name = json.loads(found.group(1)).get("name", "this") if found else "this"
    angles = re.findall(r'"angle":\s*"([a-z_]+)"', prompt)
    slots = re.findall(r'"slot":\s*"([a-z0-9_]+)"', prompt)
    # a model that follows the prompt keeps each voice line within the words it is given
    caps = {slot: int(hi) for slot, hi in re.findall(r'- "([a-z0-9_]+)" \([a-z_]+\): voice \d+-(\d+) words', prompt)}
    hook_cap = re.search(r'"voice" \(spoken, \d+-(\d+) words\)', prompt)

    def within(line: str, cap: int | None) -> str:
        words = line.split()
        return line if cap is None or len(words) <= cap else " ".join(words[:cap]).rstrip(",") + "."

    hooks = [
        {
            "angle": a,
            "text": f"{name}, {a.replace('_', ' ')}",
            "voice": within(
                f"{name} for {a.replace('_', ' ')} is worth a look.",  # distinct in its first words
                int(hook_cap.group(1)) if hook_cap else None,
            ),
        }
        for a in angles
    ]
    beats = [
        {
            "slot": s,
            "text": f"{s.replace('_', ' ').title()} moment",
            "voice": within(f"{s.replace('_', ' ').capitalize()} with {name}, and it makes it easy.", caps.get(s)),
            "visual": f"{name} on a bright table, {s} beat",
        }
        for s in slots
    ]
    return json.dumps({"hooks": hooks, "slots": beats})


def _shortened(prompt: str) -> str:
    """Each listed line cut to its ``max_words`` (prompts/shorten.j2), in the order given."""
    lines = _tagged(prompt, "lines")
    return json.dumps(
        {"slots": [{"slot": x["slot"], "voice": " ".join(x["voice"].split()[: max(1, x["max_words"])])} for x in lines]}
    )


def _tagged(prompt: str, tag: str) -> Any:
    found = re.search(rf"<{tag}>\s*(.*?)\s*</{tag}>", prompt, re.S)
    return json.loads(found.group(1)) if found else None


def _product_notes(prompt: str) -> str:
    """Notes on the photo and the reviews: the first review's first sentence as a verbatim quote,
    plus one paraphrase (which the adapter must refuse as not word for word)."""
    reviews = _tagged(prompt, "reviews") or []
    quotes = [re.split(r"(?<=[.!?])\s+", reviews[0])[0]] if reviews else []
    return json.dumps(
        {
            "benefits": ["looks sturdy", "easy to hold"],
            "pains": ["coffee going cold"],
            "usps": ["double-walled ceramic"],
            "quotes": quotes + ["Best purchase of my whole life, truly"],
            "style": "clean studio photo, warm tones",
            "audience": ["busy people"],
            "visual_cues": ["the handle", "the glaze"],
            "setting": "a sunny kitchen counter",
        }
    )


def _hook_ranking(prompt: str) -> str:
    """The candidates in reverse of the order given (the heuristic's), so a test sees the judge's hand."""
    hooks = _tagged(prompt, "hook_candidates") or []
    ranking = [
        {"angle": h["angle"], "reason": f"The {h['angle'].replace('_', ' ')} line lands in the first second."}
        for h in reversed(hooks)
    ]
    return json.dumps({"ranking": ranking})


def _critique(prompt: str) -> str:
    """An editor's notes on the draft: trim the beat with the most silence, punch in on the first body
    shot, reverse the reorderable beats, and one note for a person."""
    beats = _tagged(prompt, "draft") or []
    body = [b for b in beats if b["shot"] == 0 and b["type"] not in ("hook", "cta")]
    notes = []
    if body:
        slow = max(body, key=lambda b: (b.get("silence_after_line") or 0.0, b["seconds"]))
        length = sum(b["seconds"] for b in beats if b["beat"] == slow["beat"])
        notes.append(
            {
                "message": f"scene {slow['scene']} drags — cut 0.5 s",
                "edit": {"kind": "trim", "slot": slow["beat"], "seconds": round(length - 0.5, 2)},
            }
        )
        notes.append(
            {
                "message": f"add a jump zoom on scene {body[0]['scene']}",
                "edit": {"kind": "zoom", "slot": body[0]["beat"], "shot": 0},
            }
        )
    found = re.search(r"except among (\[.*?\])", prompt)
    order = json.loads(found.group(1)) if found else []
    if len(order) > 1:
        notes.append(
            {
                "message": f"lead with the {order[-1]} beat — it is the strongest",
                "edit": {"kind": "reorder", "slots": order[::-1]},
            }
        )
    notes.append({"message": "the proof line sounds generic — quote a customer", "edit": None})
    return json.dumps({"notes": notes})


# -- ElevenLabs ----------------------------------------------------------------------------------


def elevenlabs_tts(server: Any, req: Request, fault: Fault | None, *, timestamps: bool) -> Response:
    body = req.json or {}
    fmt = req.query.get("output_format", "mp3_44100_128")
    rate = re.fullmatch(r"pcm_(\d+)", fmt)
    if not body.get("text") or not rate:
        return json_response(422, error_body("elevenlabs", 422, {}))
    pcm, alignment = media.speech(body["text"], int(rate.group(1)))
    headers = {"character-cost": str(len(body["text"])), "request-id": uuid.uuid4().hex}
    if not timestamps:
        return Response(200, pcm, {"content-type": "audio/pcm", **headers})
    return json_response(
        200,
        {"audio_base64": base64.b64encode(pcm).decode(), "alignment": alignment, "normalized_alignment": alignment},
        headers,
    )


# -- Replicate -----------------------------------------------------------------------------------


@dataclass
class Prediction:
    id: str
    model: str
    version: str
    input: dict[str, Any]
    created: float  # monotonic
    created_at: str
    run_s: float
    fault: Fault | None = None
    canceled_at: float | None = None

    def ended(self) -> float:
        """When it stopped using a GPU (for concurrency): cancelled, or created + run time."""
        return self.canceled_at if self.canceled_at is not None else self.created + self.run_s


def replicate_upload(server: Any, req: Request, fault: Fault | None) -> Response:
    message = email.message_from_bytes(
        f"Content-Type: {req.headers.get('content-type', '')}\r\n\r\n".encode() + req.body
    )
    part = next((p for p in message.walk() if p.get_param("name", header="content-disposition") == "content"), None)
    if part is None:
        return json_response(400, error_body("replicate", 400, {}))
    data = part.get_payload(decode=True) or b""
    fid = uuid.uuid4().hex[:16]
    server.files[fid] = data
    return json_response(
        201,
        {
            "id": fid,
            "name": part.get_filename() or "file",
            "content_type": part.get_content_type(),
            "size": len(data),
            "etag": hashlib.md5(data).hexdigest(),
            "checksums": {"sha256": hashlib.sha256(data).hexdigest()},
            "metadata": {},
            "created_at": now_iso(),
            "expires_at": None,
            "urls": {"get": f"{server.url}/v1/files/{fid}"},
        },
    )


def replicate_create(server: Any, req: Request, fault: Fault | None, *, model: str | None) -> Response:
    body = req.json or {}
    inputs = body.get("input") or {}
    version = body.get("version") or f"fakever{hashlib.sha1((model or '').encode()).hexdigest()[:12]}"
    model = model or server.version_models.get(version, "fake/model")
    missing = [f for f in server.required_inputs.get(model, ()) if not inputs.get(f)]
    if missing:
        return json_response(
            422,
            {
                "title": "Input validation failed",
                "status": 422,
                "detail": "; ".join(f"- input.{f}: {f} is required" for f in missing),
            },
        )
    start = inputs.get("start_image")
    if start and start.startswith(server.url) and start.rsplit("/", 1)[-1] not in server.files:
        return json_response(
            422, {"title": "Input validation failed", "status": 422, "detail": "- input.start_image: file not found"}
        )
    pred = Prediction(
        id=uuid.uuid4().hex[:20],
        model=model,
        version=version,
        input=inputs,
        created=time.monotonic(),
        created_at=now_iso(),
        run_s=server.run_seconds.get(model, server.run_seconds["*"]),
        fault=server.draw(f"replicate.prediction:{model}") or server.draw("replicate.prediction"),
    )
    with server.lock:
        server.predictions[pred.id] = pred
    return json_response(201, prediction_json(server, pred))


def prediction_json(server: Any, p: Prediction) -> dict[str, Any]:
    elapsed = time.monotonic() - p.created
    output, error, metrics = None, None, {}
    if p.canceled_at is not None:
        status = "canceled"
    elif (p.fault and p.fault.kind == "stuck") or elapsed < p.run_s:
        status = "starting" if elapsed < min(0.05, p.run_s / 4) else "processing"
    elif p.fault and p.fault.kind == "failed":
        status, error = "failed", p.fault.text
    else:
        status, metrics = "succeeded", {"predict_time": round(p.run_s, 3)}
        if "flux" in p.model:
            output = [f"{server.url}/files/{p.id}.{p.input.get('output_format', 'webp')}"]
        else:
            output = f"{server.url}/files/{p.id}.mp4"
    return {
        "id": p.id,
        "model": p.model,
        "version": p.version,
        "input": p.input,
        "output": output,
        "logs": "",
        "error": error,
        "status": status,
        "created_at": p.created_at,
        "started_at": p.created_at,
        "completed_at": now_iso() if status in ("succeeded", "failed", "canceled") else None,
        "metrics": metrics,
        "urls": {"get": f"{server.url}/v1/predictions/{p.id}", "cancel": f"{server.url}/v1/predictions/{p.id}/cancel"},
    }


def replicate_get(server: Any, req: Request, fault: Fault | None, *, pid: str) -> Response:
    p = server.predictions.get(pid)
    if p is None:
        return json_response(404, error_body("replicate", 404, {}))
    return json_response(200, prediction_json(server, p))


def replicate_cancel(server: Any, req: Request, fault: Fault | None, *, pid: str) -> Response:
    p = server.predictions.get(pid)
    if p is None:
        return json_response(404, error_body("replicate", 404, {}))
    if prediction_json(server, p)["status"] in ("starting", "processing"):
        p.canceled_at = time.monotonic()
    return json_response(200, prediction_json(server, p))


def anthropic_models(server: Any, req: Request, fault: Fault | None) -> Response:
    """GET /v1/models: the models the key may use (free; what a key check calls)."""
    model = {
        "type": "model",
        "id": "claude-sonnet-4-5",
        "display_name": "Claude Sonnet 4.5",
        "created_at": "2025-09-29T00:00:00Z",
        "lifecycle": "active",
    }
    return json_response(200, {"data": [model], "has_more": False, "first_id": model["id"], "last_id": model["id"]})


def replicate_account(server: Any, req: Request, fault: Fault | None) -> Response:
    """GET /v1/account: the account the token belongs to (free)."""
    return json_response(200, {"type": "user", "username": "fake-user", "name": "Fake User", "github_url": None})


def elevenlabs_user(server: Any, req: Request, fault: Fault | None) -> Response:
    """GET /v1/user: the key's user and subscription (free), with every field the SDK requires."""
    subscription = {
        "tier": "creator",
        "character_count": 1200,
        "character_limit": 100000,
        "max_credit_limit_extension": 0,
        "can_extend_character_limit": True,
        "allowed_to_extend_character_limit": True,
        "voice_slots_used": 1,
        "professional_voice_slots_used": 0,
        "professional_voice_slots_used_in_workspace": 0,
        "voice_limit": 30,
        "voice_add_edit_counter": 0,
        "professional_voice_limit": 1,
        "can_extend_voice_limit": False,
        "can_use_instant_voice_cloning": True,
        "can_use_professional_voice_cloning": True,
        "current_overage": 0,
        "status": "active",
    }
    user = {
        "user_id": "fake-user",
        "workspace_id": "fake-workspace",
        "subscription": subscription,
        "is_new_user": False,
        "can_use_delayed_payment_methods": False,
        "is_onboarding_completed": True,
        "is_onboarding_checklist_completed": True,
        "created_at": 1735689600,
        "seat_type": "workspace_admin",
    }
    return json_response(200, user)


def replicate_list(server: Any, req: Request, fault: Fault | None) -> Response:
    newest = sorted(server.predictions.values(), key=lambda p: p.created, reverse=True)[:100]
    results = [prediction_json(server, p) for p in newest]
    if fault and fault.kind == "reformatted":
        results = [r | {"input": _reformatted(r["input"])} for r in results]
    return json_response(200, {"next": None, "previous": None, "results": results})


def _reformatted(inputs: dict[str, Any]) -> dict[str, Any]:
    """``inputs`` as echoed by a provider that normalises them: reversed key order, ints as floats, text with
    trailing whitespace, plus a default it filled in."""

    def echo(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return float(value)
        return f"{value} " if isinstance(value, str) else value

    return {"fps": 24} | {k: echo(inputs[k]) for k in reversed(list(inputs))}


def replicate_download(server: Any, req: Request, fault: Fault | None, *, name: str) -> Response:
    stem, _, ext = name.partition(".")
    if stem not in server.predictions:
        return Response(404, b"not found", {"content-type": "text/plain"})
    if ext == "mp4":
        data, ctype = media.mp4(server.clip_seconds, server.clip_size), "video/mp4"
    else:
        data, ctype = media.image(ext, server.image_size), f"image/{'jpeg' if ext == 'jpg' else ext}"
    if fault and fault.kind == "content_type":
        ctype = fault.text
    if fault and fault.kind == "oversize":
        return Response(200, data, {"content-type": ctype, "content-length": str(int(fault.seconds * 2**20))})
    return Response(200, data, {"content-type": ctype})
