"""Claude on the Messages API: product analysis (vision), script, hook ranking and critique.

- ``analyze(product, out)``: notes on the product: what the photo shows (style, visible features,
  audience cues) and what the description and reviews say (benefits, pains, USPs, verbatim
  customer quotes); one call per product, cached, fed to every script of that product.
- ``write(request)``: fills the archetype's slots and writes five hooks (seeing the photo notes).
- ``rank_hooks(request, out)``: ranks the five hooks by scroll-stop strength, a reason each
  (a judge other than the writer: the writer's own order is not trusted).
- ``critique(request, out)``: the creative director's notes on the draft timeline, each with an
  optional edit (trim, zoom, reorder) that ``adbatch.stages.direct`` checks and applies.
- ``shorten(request)``: one round cutting the listed voice lines to a word cap each, when the voice-over
  runs longer than the video (``adbatch.stages.fit``; ``shorten.j2``).

Prompts are Jinja2 templates in ``prompts/`` (``vision.j2``, ``script.j2``, ``hooks.j2``,
``critique.j2``, ``shorten.j2``, ``repair.j2``) rendered in a sandbox; product, review and script text reach
them only as JSON data. A reply is JSON, extracted even from markdown fences and validated
(schema, then meaning: the archetype's structure, every angle ranked once); an unusable reply
gets one repair round-trip (``repair.j2``), then the call fails saying why. The SDK's own
retries are off (``max_retries=0``): ``adbatch.providers.retry`` is the only policy, so attempts never
multiply.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from PIL import Image, ImageOps
from pydantic import ValidationError

from adbatch.domain.archetype import ANGLES, Archetype
from adbatch.domain.insights import FACTS
from adbatch.domain.product import Product
from adbatch.domain.script import HookCandidate, Script, ScriptError, SlotCopy, check_structure, extract_json
from adbatch.paths import PROMPTS_DIR
from adbatch.providers import _claude_replies as replies
from adbatch.providers.base import CritiqueRequest, HookRankRequest, Output, ScriptRequest, ShortenRequest
from adbatch.providers.http import Limiter
from adbatch.providers.keys import require_key
from adbatch.providers.prices import rate, usd
from adbatch.providers.retry import KeyRefused, ProviderError, Verdict, http_verdict, policy, refused_message
from adbatch.store.cache import file_digest

REPAIR_TOKENS = 600  # a repair request's own words (the problem, quoted), on top of the resent conversation
TEMPLATES = ("script", "vision", "hooks", "critique", "repair", "shorten")
HOOK_TEXT_WORDS, SLOT_TEXT_WORDS = 9, 7  # on-screen words a viewer reads in a beat
CHARS_PER_TOKEN = 3.5  # estimate() only; actual cost comes from the reply's usage
# typical reply lengths in tokens (expected() only): product notes, one ranked hook with its reason,
# one critique note with its edit, and per word of script (JSON keys and quotes included)
TYPICAL_REPLY = {"vision": 400, "hook": 45, "note": 50, "per_word": 1.6}


@dataclass
class _Usage:
    """Tokens and HTTP facts summed over one call's requests (a repair adds a request)."""

    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    retries: int = 0
    lost: int = 0  # requests whose reply was lost after sending: possibly billed


class AnthropicScriptWriter:
    """Product analyst, script writer, hook judge and critic on Claude's Messages API."""

    name = "anthropic"
    label = "claude"  # who ranked the hooks and wrote critique notes, as manifests and reports say it
    supports_vision = True  # analyze(): notes on the product photo, description and reviews
    key_env_var = "ANTHROPIC_API_KEY"

    def __init__(
        self,
        *,
        model: str = "claude-sonnet-5-5",
        vision_model: str | None = None,
        judge_model: str | None = None,
        base_url: str | None = None,
        timeout: float = 120.0,
        max_tokens: int = 4000,
        vision_max_tokens: int = 1500,
        judge_max_tokens: int = 1500,
        temperature: float | None = None,
        image_max_px: int = 1568,
        reviews_max_chars: int = 20000,
        max_notes: int = 5,
        prompts_dir: str | None = None,
        concurrency: int = 4,
        prices: Mapping[str, Any],
        prices_checked: str = "",
        retry: Mapping[str, Any] | None = None,
    ) -> None:
        import anthropic  # noqa: F401 (now, not on first use: importing it inside a job's event loop stalls it ~2 s)

        self.model, self.vision_model, self.judge_model = model, vision_model or model, judge_model or model
        self.base_url, self.timeout, self.temperature = base_url, float(timeout), temperature
        self.max_tokens, self.vision_max_tokens, self.image_max_px = max_tokens, vision_max_tokens, image_max_px
        self.judge_max_tokens, self.reviews_max_chars, self.max_notes = judge_max_tokens, reviews_max_chars, max_notes
        self.prices_checked, self.retry, self.limit = prices_checked, policy(retry), Limiter(concurrency)
        self.rates = {
            m: (rate(prices, m, "input", stage="script"), rate(prices, m, "output", stage="script"))
            for m in {self.model, self.vision_model, self.judge_model}
        }
        folder = Path(prompts_dir).expanduser().resolve() if prompts_dir else PROMPTS_DIR
        env = SandboxedEnvironment(
            loader=FileSystemLoader(str(folder)),
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates = {t: env.get_template(f"{t}.j2") for t in TEMPLATES}
        self.prompt_digests = {t: file_digest(folder / f"{t}.j2") for t in TEMPLATES}  # what was loaded above

    def __repr__(self) -> str:
        return f"AnthropicScriptWriter(model={self.model!r}, base_url={self.base_url!r})"

    def check_key(self) -> None:
        """One free call (the models the key may use) that fails fast, naming the variable, on a refused key."""
        import anthropic

        key = require_key(self.key_env_var, who="provider.script (Anthropic)")
        with anthropic.Anthropic(api_key=key, base_url=self.base_url, timeout=self.timeout, max_retries=2) as client:
            try:
                client.models.list(limit=1)
            except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
                what = f"anthropic key check (GET /v1/models) answered {exc.status_code}"
                raise KeyRefused(refused_message(self.key_env_var, what), status=exc.status_code) from exc

    def params(self) -> dict[str, Any]:
        """Settings every call shares (part of every cache key); each call adds its own (``call_params``)."""
        return {"temperature": self.temperature, "repair_prompt": self.prompt_digests["repair"]}

    def call_params(self, kind: str) -> dict[str, Any]:
        """The settings one kind of call (vision | script | hooks | critique) depends on, for its cache key:
        changing the judge's model re-asks the judge, not the analyst or the writer."""
        own = {
            "vision": {
                "model": self.vision_model,
                "max_tokens": self.vision_max_tokens,
                "image_max_px": self.image_max_px,
                "reviews_max_chars": self.reviews_max_chars,
            },
            "script": {"model": self.model, "max_tokens": self.max_tokens},
            "hooks": {"model": self.judge_model, "max_tokens": self.judge_max_tokens},
            "critique": {"model": self.judge_model, "max_tokens": self.judge_max_tokens, "max_notes": self.max_notes},
            "shorten": {"model": self.model, "max_tokens": self.judge_max_tokens},
        }[kind]
        return own | {"prompt": self.prompt_digests[kind]}

    def estimate(self, request: Any) -> float:
        """USD upper bound, reserved against the caps before the call: prompt characters / 3.5 (+ the
        photo's tokens) in, the whole reply budget (max_tokens) out, twice (a repair round may follow).

        ``request`` is what the call takes: a Product (analysis), a ScriptRequest, a HookRankRequest
        or a CritiqueRequest."""
        model, tokens_in, budget, _ = self._sizes(request)
        # two rounds at most: the ask, then a repair that resends it with the unusable reply appended
        return self._cost(model, tokens_in, budget) + self._cost(model, tokens_in + budget + REPAIR_TOKENS, budget)

    def expected(self, request: Any) -> float:
        """USD a call usually costs (what a dry run prints): the same input, a typical reply's length."""
        model, tokens_in, budget, typical = self._sizes(request)
        return self._cost(model, tokens_in, min(budget, typical))

    def _sizes(self, request: Any) -> tuple[str, float, int, float]:
        """(model, input tokens, reply budget, typical reply tokens) of the call ``request`` is for."""
        if isinstance(request, Product):
            system, user = self._render("vision", self._vision_context(request))
            photo = self.image_max_px**2 / 750
            return (
                self.vision_model,
                photo + (len(system) + len(user)) / CHARS_PER_TOKEN,
                self.vision_max_tokens,
                TYPICAL_REPLY["vision"],
            )
        if isinstance(request, HookRankRequest):
            template, context = "hooks", self._hooks_context(request)
            model, budget, typical = self.judge_model, self.judge_max_tokens, TYPICAL_REPLY["hook"] * len(request.hooks)
        elif isinstance(request, ShortenRequest):
            template, context = "shorten", self._shorten_context(request)
            typical = sum(request.words.values()) * TYPICAL_REPLY["per_word"] + 20 * len(request.words)
            model, budget = self.model, self.judge_max_tokens
        elif isinstance(request, CritiqueRequest):
            template, context = "critique", self._critique_context(request)
            model, budget, typical = self.judge_model, self.judge_max_tokens, TYPICAL_REPLY["note"] * self.max_notes
        else:
            template, context = "script", self._script_context(request)
            words = sum(s["max_words"] + s["text_words"] for s in context["slots"]) + len(context["slots"]) * 20
            words += len(ANGLES) * (context["hook"]["max_words"] + context["hook"]["text_words"])
            model, budget, typical = self.model, self.max_tokens, words * TYPICAL_REPLY["per_word"]
        system, user = self._render(template, context)
        return model, (len(system) + len(user)) / CHARS_PER_TOKEN + 300, budget, typical

    async def analyze(self, product: Product, out: Path) -> Output:
        """Write ProductNotes (photo, description and reviews) to ``out`` (JSON)."""
        data = await asyncio.to_thread(_jpeg_base64, product.image, self.image_max_px)
        system, user = self._render("vision", self._vision_context(product))
        content = [
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": data}},
            {"type": "text", "text": user},
        ]
        notes, usage = await self._ask_json(
            model=self.vision_model,
            system=system,
            content=content,
            max_tokens=self.vision_max_tokens,
            parse=replies.product_notes,
            what=f"product notes for {product.id}",
        )
        out.write_text(replies.verbatim_quotes(notes, product.reviews).model_dump_json(), encoding="utf-8")
        return self._output(self.vision_model, usage)

    async def write(self, request: ScriptRequest) -> tuple[Script, Output]:
        """Fill the archetype's slots and write 5 hooks, using the photo notes its insights carry (live)."""
        system, user = self._render("script", self._script_context(request))
        arch = request.archetype
        script, usage = await self._ask_json(
            model=self.model,
            system=system,
            content=user,
            max_tokens=self.max_tokens,
            parse=lambda text: self._script(text, arch),
            what=f"script for {request.product.id}/{arch.name}",
        )
        return script, self._output(self.model, usage)

    async def rank_hooks(self, request: HookRankRequest, out: Path) -> Output:
        """Write ``{"ranking": [{"angle", "reason"}, ...]}`` (best first, every angle once) to ``out``."""
        system, user = self._render("hooks", self._hooks_context(request))
        angles = [h.angle for h in request.hooks]
        ranking, usage = await self._ask_json(
            model=self.judge_model,
            system=system,
            content=user,
            max_tokens=self.judge_max_tokens,
            parse=lambda text: replies.ranking(text, angles),
            what=f"hook ranking for {request.product.id}/{request.archetype.name}",
        )
        out.write_text(ranking.model_dump_json(), encoding="utf-8")
        return self._output(self.judge_model, usage)

    async def critique(self, request: CritiqueRequest, out: Path) -> Output:
        """Write ``{"notes": [{"message", "edit"}, ...]}`` (at most ``max_notes``) to ``out``."""
        system, user = self._render("critique", self._critique_context(request))
        critique, usage = await self._ask_json(
            model=self.judge_model,
            system=system,
            content=user,
            max_tokens=self.judge_max_tokens,
            parse=lambda text: replies.Critique.model_validate(extract_json(text)),
            what=f"critique for {request.product.id}/{request.archetype.name}",
        )
        critique.notes = critique.notes[: self.max_notes]
        out.write_text(critique.model_dump_json(), encoding="utf-8")
        return self._output(self.judge_model, usage)

    async def shorten(self, request: ShortenRequest) -> tuple[Script, Output]:
        """One round: the listed slots' voice lines cut to their word caps (``shorten.j2``); the rest kept."""
        system, user = self._render("shorten", self._shorten_context(request))
        wanted = list(request.words)
        reply, usage = await self._ask_json(
            model=self.model,
            system=system,
            content=user,
            max_tokens=self.judge_max_tokens,
            parse=lambda text: replies.shortened(text, wanted),
            what=f"shorter lines for {request.request.product.id}/{request.request.archetype.name}",
        )
        slots = tuple(
            s.model_copy(update={"voice": reply[s.slot]}) if s.slot in reply else s for s in request.script.slots
        )
        return request.script.model_copy(update={"slots": slots}), self._output(self.model, usage)

    async def lead_with(self, request: ScriptRequest, script: Script) -> tuple[Script, Output]:
        """The script as written: Claude writes hooks and body in one call, told that a beat never repeats
        what a hook said (``script.j2``), so no second, paid call rewrites the body around the leader."""
        return script, Output()

    # -- prompts and replies ------------------------------------------------------------------

    def _shorten_context(self, req: ShortenRequest) -> dict[str, Any]:
        lines = [
            {"slot": s.slot, "voice": s.voice, "max_words": req.words[s.slot]}
            for s in req.script.slots
            if s.slot in req.words
        ]
        p = req.request.product
        return {
            "archetype": req.request.archetype.model_dump(include={"name", "title"}),
            "product": {"name": p.name, "description": p.description},
            "lines": lines,
            "skeleton": json.dumps({"slots": [{"slot": line["slot"], "voice": "…"} for line in lines]}),
        }

    def _render(self, template: str, context: Mapping[str, Any]) -> tuple[str, str]:
        module = self.templates[template].make_module(dict(context))
        system = str(module.system()).strip() if hasattr(module, "system") else ""
        return system, str(cast(Any, module).user()).strip()  # a macro the template defines

    def _script_context(self, req: ScriptRequest) -> dict[str, Any]:
        arch, p = req.archetype, req.product

        def words(slot_id: str, lo: int, hi: int) -> tuple[int, int]:
            fits = int(req.speech_seconds.get(slot_id, 0) * req.words_per_second)
            top = max(min(hi, fits), 3)
            return min(lo, top), top

        hook_lo, hook_hi = words(arch.slots[0].id, *arch.slots[0].vo_words)
        slots = [
            {
                "id": s.id,
                "type": s.type,
                "vo": s.vo,
                "text": s.text,
                "text_words": SLOT_TEXT_WORDS,
                **dict(zip(("min_words", "max_words"), words(s.id, *s.vo_words))),
            }
            for s in arch.slots[1:]
        ]
        product = {
            "name": p.name,
            "description": p.description,
            "price": p.price_text,
            "benefits": list(p.benefits),
            "reviews": list(p.reviews),
            "audience": p.audience,
            "cta": p.cta,
            "url": p.url,
            "other": dict(p.extra),
        }
        return {
            "archetype": arch.model_dump(include={"name", "title", "description", "tone", "emotion", "hook_format"}),
            "product": product,
            "insights": req.insights.model_dump(mode="json", include=set(FACTS)),
            "vision": dict(req.insights.image),
            "angles": list(ANGLES),
            "slots": slots,
            "skeleton": json.dumps(_script_skeleton(arch), indent=1),
            "hook": {"min_words": hook_lo, "max_words": hook_hi, "text_words": HOOK_TEXT_WORDS},
            "duration": 5 * round((sum(req.speech_seconds.values()) + 0.5 * len(arch.slots)) / 5),
        }

    def _vision_context(self, product: Product) -> dict[str, Any]:
        reviews, used = [], 0
        for review in product.reviews:  # the first reviews, up to the budget (a reviews_file may hold thousands)
            if used + len(review) > self.reviews_max_chars:
                break
            reviews.append(review)
            used += len(review)
        return {
            "product": {
                "name": product.name,
                "description": product.description,
                "benefits": list(product.benefits),
                "audience": product.audience,
            },
            "reviews": reviews,
            "skeleton": json.dumps(replies.notes_skeleton()),
        }

    def _hooks_context(self, req: HookRankRequest) -> dict[str, Any]:
        arch, p = req.archetype, req.product
        hooks = [
            {"angle": h.angle, "text": h.text, "voice": h.voice, "heuristic_score": round(h.score)} for h in req.hooks
        ]
        skeleton = {"ranking": [{"angle": h.angle, "reason": "…"} for h in req.hooks]}
        return {
            "archetype": arch.model_dump(include={"name", "title", "hook_format"}),
            "product": {"name": p.name, "description": p.description, "audience": p.audience},
            "insights": req.insights.model_dump(mode="json", include=set(FACTS)),
            "hooks": hooks,
            "hook_seconds": round(req.hook_seconds, 1),
            "skeleton": json.dumps(skeleton),
        }

    def _critique_context(self, req: CritiqueRequest) -> dict[str, Any]:
        arch = req.archetype
        seconds = max((float(b["end"]) for b in req.beats), default=0.0)
        skeleton = {
            "notes": [
                {"message": "…", "edit": {"kind": "trim", "slot": "…", "seconds": 0.0}},
                {"message": "…", "edit": None},
            ]
        }
        return {
            "archetype": arch.model_dump(include={"name", "title", "description", "tone"}),
            "product": {"name": req.product.name},
            "beats": [dict(b) for b in req.beats],
            "rule_notes": list(req.rule_notes),
            "pacing": dict(req.pacing),
            "seconds": round(seconds),
            "reorderable": list(req.reorderable),
            "max_notes": self.max_notes,
            "skeleton": json.dumps(skeleton),
        }

    def _script(self, text: str, arch: Archetype) -> Script:
        reply = replies.ScriptReply.model_validate(extract_json(text))
        voiced = {s.id: s.vo for s in arch.slots}
        script = Script(
            writer=f"{self.name}/{self.model}",
            hooks=tuple(HookCandidate(angle=h.angle, text=h.text.strip(), voice=h.voice.strip()) for h in reply.hooks),
            slots=tuple(
                SlotCopy(
                    slot=b.slot,
                    text=b.text.strip(),
                    visual=b.visual.strip(),
                    voice=b.voice.strip() if voiced.get(b.slot, True) else "",
                )
                for b in reply.slots
            ),
        )
        return check_structure(script, arch)

    async def _ask_json(
        self, *, model: str, system: str, content: Any, max_tokens: int, parse: Callable[[str], Any], what: str
    ) -> tuple[Any, _Usage]:
        """Ask, parse; on an unusable reply ask once more (``repair.j2``); then fail with the reason."""
        usage = _Usage()
        try:
            return await self._rounds(
                model=model, system=system, content=content, max_tokens=max_tokens, parse=parse, what=what, usage=usage
            )
        except ProviderError as exc:  # replies already received were billed: the error carries their cost
            cost = self._cost(model, usage.input_tokens, usage.output_tokens)
            changes = {"cost_usd": cost, "attempts": usage.retries + exc.attempts, "lost": usage.lost + exc.lost}
            raise exc.replace(**changes) from exc.__cause__
        except ScriptError as exc:
            cost = self._cost(model, usage.input_tokens, usage.output_tokens)
            raise replies.ReplyError(str(exc), cost_usd=cost, attempts=1 + usage.retries, lost=usage.lost) from exc
        except Exception as exc:
            if not usage.requests:
                raise
            cost = self._cost(model, usage.input_tokens, usage.output_tokens)
            message = f"anthropic {what} failed after a billed reply: {type(exc).__name__}: {exc}"
            raise ProviderError(message, cost_usd=cost, attempts=1 + usage.retries, lost=usage.lost) from exc

    async def _rounds(
        self,
        *,
        model: str,
        system: str,
        content: Any,
        max_tokens: int,
        parse: Callable[[str], Any],
        what: str,
        usage: _Usage,
    ) -> tuple[Any, _Usage]:
        messages: list[dict[str, Any]] = [{"role": "user", "content": content}]
        for round_ in (1, 2):
            text, stop = await self._message(
                model=model, system=system, messages=messages, max_tokens=max_tokens, usage=usage, what=what
            )
            if stop == "refusal":
                raise ScriptError(f"{what}: Claude refused to answer (stop_reason=refusal)")
            try:
                return parse(text), usage
            except (ScriptError, ValidationError) as exc:
                problem = _problem(exc, stop, max_tokens)
                if round_ == 2:
                    raise ScriptError(
                        f"{what}: Claude's reply was unusable twice, even after a repair request; "
                        f"last problem: {problem}"
                    ) from exc
                messages += [
                    {"role": "assistant", "content": text or "(empty reply)"},
                    {"role": "user", "content": self._render("repair", {"problem": problem})[1]},
                ]
        raise AssertionError("unreachable")

    async def _message(
        self, *, model: str, system: str, messages: list[dict[str, Any]], max_tokens: int, usage: _Usage, what: str
    ) -> tuple[str, str | None]:
        import anthropic

        kwargs: dict[str, Any] = {"model": model, "system": system, "messages": messages, "max_tokens": max_tokens}
        if self.temperature is not None:
            kwargs["temperature"] = self.temperature
        async with self.limit():
            key = require_key(self.key_env_var, who="provider.script (Anthropic)")
            async with anthropic.AsyncAnthropic(
                api_key=key, base_url=self.base_url, timeout=self.timeout, max_retries=0
            ) as client:
                tried = await self.retry.run(
                    lambda: client.messages.create(**kwargs),
                    classify=classify,
                    what=f"anthropic {what}",
                    key_env_var=self.key_env_var,
                )
        msg = tried.result
        u = msg.usage
        usage.input_tokens += u.input_tokens + (u.cache_creation_input_tokens or 0) + (u.cache_read_input_tokens or 0)
        usage.output_tokens += u.output_tokens
        usage.requests += 1
        usage.retries += tried.attempts - 1
        usage.lost += tried.lost
        return "".join(getattr(b, "text", "") for b in msg.content if b.type == "text"), msg.stop_reason

    def _cost(self, model: str, input_tokens: float, output_tokens: float) -> float:
        rin, rout = self.rates[model]
        return usd((input_tokens * rin + output_tokens * rout) / 1e6)

    def _output(self, model: str, usage: _Usage) -> Output:
        return Output(
            meta={"model": model, "requests": usage.requests, "prices_checked": self.prices_checked},
            units={"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens},
            cost_usd=self._cost(model, usage.input_tokens, usage.output_tokens),
            attempts=1 + usage.retries,
            lost=usage.lost,
        )


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


def _script_skeleton(arch: Archetype) -> dict[str, Any]:
    return {
        "hooks": [{"angle": a, "text": "…", "voice": "…"} for a in ANGLES],
        "slots": [{"slot": s.id, "text": "…", "voice": "…", "visual": "…"} for s in arch.slots[1:]],
    }


def _jpeg_base64(path: Path, max_px: int) -> str:
    """The photo as the model sees it: upright, RGB, long edge at most ``max_px``, JPEG, base64."""
    with Image.open(path) as im:
        img = ImageOps.exif_transpose(im).convert("RGB")
    img.thumbnail((max_px, max_px))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return base64.b64encode(buf.getvalue()).decode("ascii")
