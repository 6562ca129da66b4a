"""Claude writes the script (Messages API), after looking at the product photo (vision).

- ``analyze(product, out)``: notes on the photo (benefits it shows, style, audience cues),
  a call of its own that the pipeline caches per product and feeds to every script.
- ``write(request, vision=...)``: fills the archetype's slots and writes five hooks.

Prompts are Jinja2 templates in ``prompts/`` (``script.j2``, ``vision.j2``, ``critique.j2``)
rendered in a sandbox; product, review and image text reach them only as JSON data. A reply
is JSON, extracted even from markdown fences and validated (schema, then the archetype's
structure); an unusable reply gets one repair round-trip (``critique.j2``), then the job
fails saying why. The SDK's own retries are off (``max_retries=0``): ``adbatch.retry`` is
the only policy, so attempts never multiply.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from PIL import Image, ImageOps
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adbatch.archetypes import ANGLES, Angle, Archetype
from adbatch.cache import file_digest
from adbatch.catalog import Product
from adbatch.paths import PROMPTS_DIR
from adbatch.prices import rate, usd
from adbatch.providers.base import Output, ScriptRequest
from adbatch.providers.http import Limiter
from adbatch.providers.keys import require_key
from adbatch.retry import Verdict, http_verdict, policy
from adbatch.script import HookCandidate, Script, ScriptError, SlotCopy, check_structure, extract_json

TEMPLATES = ("script", "vision", "critique")
HOOK_TEXT_WORDS, SLOT_TEXT_WORDS = 9, 7  # on-screen words a viewer reads in a beat
CHARS_PER_TOKEN = 3.5  # estimate() only; actual cost comes from the reply's usage


class VisionNotes(BaseModel):
    """What Claude sees in the product photo (fed to the script prompt as data)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    benefits: list[str] = Field(default_factory=list, max_length=8)
    style: str = Field(default="", max_length=300)
    audience: list[str] = Field(default_factory=list, max_length=5)
    visual_cues: list[str] = Field(default_factory=list, max_length=8)
    setting: str = Field(default="", max_length=300)


class _Hook(BaseModel):
    model_config = ConfigDict(extra="ignore")
    angle: Angle
    text: str
    voice: str


class _Beat(BaseModel):
    model_config = ConfigDict(extra="ignore")
    slot: str
    text: str = ""
    voice: str = ""
    visual: str = ""


class _ScriptReply(BaseModel):
    model_config = ConfigDict(extra="ignore")
    hooks: list[_Hook]
    slots: list[_Beat]


@dataclass
class _Usage:
    """Tokens and HTTP facts summed over one call's requests (a repair adds a request)."""

    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    retries: int = 0


class AnthropicScriptWriter:
    """Script writer and product-photo analyst on Claude's Messages API."""

    name = "anthropic"
    key_env_var = "ANTHROPIC_API_KEY"

    def __init__(self, *, model: str = "claude-sonnet-5-5", vision_model: str | None = None,
                 base_url: str | None = None, timeout: float = 120.0, max_tokens: int = 4000,
                 vision_max_tokens: int = 1000, temperature: float | None = None, image_max_px: int = 1568,
                 prompts_dir: str | None = None, concurrency: int = 4, prices: Mapping[str, Any],
                 prices_checked: str = "", retry: Mapping[str, Any] | None = None) -> None:
        import anthropic  # noqa: F401 (now, not on first use: importing it inside a job's event loop stalls it ~2 s)
        self.model, self.vision_model = model, vision_model or model
        self.base_url, self.timeout, self.temperature = base_url, float(timeout), temperature
        self.max_tokens, self.vision_max_tokens, self.image_max_px = max_tokens, vision_max_tokens, image_max_px
        self.prices_checked, self.retry, self.limit = prices_checked, policy(retry), Limiter(concurrency)
        self.rates = {m: (rate(prices, m, "input", stage="script"), rate(prices, m, "output", stage="script"))
                      for m in {self.model, self.vision_model}}
        folder = Path(prompts_dir).expanduser().resolve() if prompts_dir else PROMPTS_DIR
        env = SandboxedEnvironment(loader=FileSystemLoader(str(folder)), undefined=StrictUndefined, autoescape=False,
                                   trim_blocks=True, lstrip_blocks=True)
        self.templates = {t: env.get_template(f"{t}.j2") for t in TEMPLATES}
        self.prompt_files = {t: folder / f"{t}.j2" for t in TEMPLATES}

    def __repr__(self) -> str:
        return f"AnthropicScriptWriter(model={self.model!r}, base_url={self.base_url!r})"

    def params(self) -> dict[str, Any]:
        return {"model": self.model, "vision_model": self.vision_model, "max_tokens": self.max_tokens,
                "temperature": self.temperature, "image_max_px": self.image_max_px,
                "prompts": {t: file_digest(p) for t, p in self.prompt_files.items()}}

    def estimate(self, request: Any) -> float:
        """USD upper estimate: prompt characters / 3.5 in, max_tokens out (a ScriptRequest or, for vision, a Product)."""
        if isinstance(request, Product):
            return self._cost(self.vision_model, self.image_max_px ** 2 / 750 + 600, self.vision_max_tokens)
        system, user = self._render("script", self._script_context(request, vision=None))
        return self._cost(self.model, (len(system) + len(user)) / CHARS_PER_TOKEN + 300, self.max_tokens)

    async def analyze(self, product: Product, out: Path) -> Output:
        """Write VisionNotes on the product photo to ``out`` (JSON)."""
        data = await asyncio.to_thread(_jpeg_base64, product.image, self.image_max_px)
        system, user = self._render("vision", {"product": {"name": product.name, "description": product.description},
                                               "skeleton": json.dumps(_vision_skeleton())})
        content = [{"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": data}},
                   {"type": "text", "text": user}]
        notes, usage = await self._ask_json(model=self.vision_model, system=system, content=content,
                                            max_tokens=self.vision_max_tokens, parse=_vision_notes,
                                            what=f"vision notes for {product.id}")
        out.write_text(notes.model_dump_json(), encoding="utf-8")
        return self._output(self.vision_model, usage)

    async def write(self, request: ScriptRequest, *, vision: Mapping[str, Any] | None = None) -> tuple[Script, Output]:
        """Fill the archetype's slots and write 5 hooks, using the photo notes when given."""
        system, user = self._render("script", self._script_context(request, vision))
        arch = request.archetype
        script, usage = await self._ask_json(
            model=self.model, system=system, content=user, max_tokens=self.max_tokens,
            parse=lambda text: self._script(text, arch), what=f"script for {request.product.id}/{arch.name}")
        return script, self._output(self.model, usage)

    # -- prompts and replies ------------------------------------------------------------------

    def _render(self, template: str, context: Mapping[str, Any]) -> tuple[str, str]:
        module = self.templates[template].make_module(dict(context))
        system = str(module.system()).strip() if hasattr(module, "system") else ""
        return system, str(module.user()).strip()

    def _script_context(self, req: ScriptRequest, vision: Mapping[str, Any] | None) -> dict[str, Any]:
        arch, p = req.archetype, req.product

        def words(slot_id: str, lo: int, hi: int) -> tuple[int, int]:
            fits = int(req.speech_seconds.get(slot_id, 0) * req.words_per_second)
            top = max(min(hi, fits), 3)
            return min(lo, top), top

        hook_lo, hook_hi = words(arch.slots[0].id, *arch.slots[0].vo_words)
        slots = [{"id": s.id, "type": s.type, "vo": s.vo, "text": s.text, "text_words": SLOT_TEXT_WORDS,
                  **dict(zip(("min_words", "max_words"), words(s.id, *s.vo_words)))} for s in arch.slots[1:]]
        product = {"name": p.name, "description": p.description, "price": p.price_text, "benefits": list(p.benefits),
                   "reviews": list(p.reviews), "audience": p.audience, "cta": p.cta, "url": p.url, "other": dict(p.extra)}
        return {"archetype": arch.model_dump(include={"name", "title", "description", "tone", "emotion", "hook_format"}),
                "product": product, "insights": req.insights.model_dump(mode="json"), "vision": dict(vision or {}),
                "angles": list(ANGLES), "slots": slots, "skeleton": json.dumps(_script_skeleton(arch), indent=1),
                "hook": {"min_words": hook_lo, "max_words": hook_hi, "text_words": HOOK_TEXT_WORDS},
                "duration": 5 * round((sum(req.speech_seconds.values()) + 0.5 * len(arch.slots)) / 5)}

    def _script(self, text: str, arch: Archetype) -> Script:
        reply = _ScriptReply.model_validate(extract_json(text))
        voiced = {s.id: s.vo for s in arch.slots}
        script = Script(writer=f"{self.name}/{self.model}",
                        hooks=tuple(HookCandidate(angle=h.angle, text=h.text.strip(), voice=h.voice.strip())
                                    for h in reply.hooks),
                        slots=tuple(SlotCopy(slot=b.slot, text=b.text.strip(), visual=b.visual.strip(),
                                             voice=b.voice.strip() if voiced.get(b.slot, True) else "")
                                    for b in reply.slots))
        return check_structure(script, arch)

    async def _ask_json(self, *, model: str, system: str, content: Any, max_tokens: int,
                        parse: Callable[[str], Any], what: str) -> tuple[Any, _Usage]:
        """Ask, parse; on an unusable reply ask once more with the critique; then fail with the reason."""
        usage = _Usage()
        try:
            return await self._rounds(model=model, system=system, content=content, max_tokens=max_tokens,
                                      parse=parse, what=what, usage=usage)
        except Exception as exc:  # replies already received were billed: the error carries their cost
            exc.cost_usd = self._cost(model, usage.input_tokens, usage.output_tokens)
            exc.attempts = usage.retries + getattr(exc, "attempts", 1)  # 1 + every retry of this call
            raise

    async def _rounds(self, *, model: str, system: str, content: Any, max_tokens: int, parse: Callable[[str], Any],
                      what: str, usage: _Usage) -> tuple[Any, _Usage]:
        messages: list[dict[str, Any]] = [{"role": "user", "content": content}]
        for round_ in (1, 2):
            text, stop = await self._message(model=model, system=system, messages=messages, max_tokens=max_tokens,
                                             usage=usage, what=what)
            if stop == "refusal":
                raise ScriptError(f"{what}: Claude refused to answer (stop_reason=refusal)")
            try:
                return parse(text), usage
            except (ScriptError, ValidationError) as exc:
                problem = _problem(exc, stop, max_tokens)
                if round_ == 2:
                    raise ScriptError(f"{what}: Claude's reply was unusable twice, even after a repair request; "
                                      f"last problem: {problem}") from exc
                messages += [{"role": "assistant", "content": text or "(empty reply)"},
                             {"role": "user", "content": self._render("critique", {"problem": problem})[1]}]
        raise AssertionError("unreachable")

    async def _message(self, *, model: str, system: str, messages: list[dict[str, Any]], max_tokens: int,
                       usage: _Usage, what: str) -> tuple[str, str | None]:
        import anthropic

        kwargs: dict[str, Any] = {"model": model, "system": system, "messages": messages, "max_tokens": max_tokens}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        async with self.limit():
            key = require_key(self.key_env_var, who="provider.script (Anthropic)")
            async with anthropic.AsyncAnthropic(api_key=key, base_url=self.base_url, timeout=self.timeout,
                                                max_retries=0) as client:
                msg, attempts = await self.retry.call(lambda: client.messages.create(**kwargs), classify=classify,
                                                      what=f"anthropic {what}")
        u = msg.usage
        usage.input_tokens += u.input_tokens + (u.cache_creation_input_tokens or 0) + (u.cache_read_input_tokens or 0)
        usage.output_tokens += u.output_tokens
        usage.requests += 1
        usage.retries += attempts - 1
        return "".join(getattr(b, "text", "") for b in msg.content if b.type == "text"), msg.stop_reason

    def _cost(self, model: str, input_tokens: float, output_tokens: float) -> float:
        rin, rout = self.rates[model]
        return usd((input_tokens * rin + output_tokens * rout) / 1e6)

    def _output(self, model: str, usage: _Usage) -> Output:
        return Output(meta={"model": model, "requests": usage.requests, "prices_checked": self.prices_checked},
                      units={"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens},
                      cost_usd=self._cost(model, usage.input_tokens, usage.output_tokens), attempts=1 + usage.retries)


def classify(exc: BaseException) -> Verdict:
    """Retry verdicts for the Anthropic SDK's errors (spend caps are never retried)."""
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        error = exc.body.get("error", {}) if isinstance(exc.body, dict) else {}
        code = str((error.get("details") or {}).get("error_code") or "")
        if code.endswith("spend_limit_reached"):
            return Verdict(False, f"HTTP {exc.status_code} {code}: a spending cap, not a rate limit")
        verdict = http_verdict(exc.status_code, exc.response.headers, exc.body)
        return replace(verdict, reason=f"{verdict.reason} {error.get('type') or ''}".strip())
    if isinstance(exc, anthropic.APITimeoutError):
        return Verdict(True, "timeout")
    if isinstance(exc, anthropic.APIConnectionError):
        return Verdict(True, "connection error")
    return Verdict(False, type(exc).__name__)


def _problem(exc: Exception, stop: str | None, max_tokens: int) -> str:
    if isinstance(exc, ValidationError):
        text = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:8])
    else:
        text = str(exc)
    if stop == "max_tokens":
        text += f" (the reply was cut off at max_tokens={max_tokens})"
    return text[:1500]


def _vision_notes(text: str) -> VisionNotes:
    return VisionNotes.model_validate(extract_json(text))


def _vision_skeleton() -> dict[str, Any]:
    return {"benefits": ["…"], "style": "…", "audience": ["…"], "visual_cues": ["…"], "setting": "…"}


def _script_skeleton(arch: Archetype) -> dict[str, Any]:
    return {"hooks": [{"angle": a, "text": "…", "voice": "…"} for a in ANGLES],
            "slots": [{"slot": s.id, "text": "…", "voice": "…", "visual": "…"} for s in arch.slots[1:]]}


def _jpeg_base64(path: Path, max_px: int) -> str:
    """The photo as the model sees it: upright, RGB, long edge at most ``max_px``, JPEG, base64."""
    with Image.open(path) as im:
        img = ImageOps.exif_transpose(im).convert("RGB")
    img.thumbnail((max_px, max_px))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return base64.b64encode(buf.getvalue()).decode("ascii")
