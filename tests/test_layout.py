"""Layout that respects the product and the viewer: text off the product, never twice, one layer per cut."""

from __future__ import annotations

import asyncio
import json
from functools import cache, partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from adbatch.config import PacingConf
from adbatch.domain import timeline
from adbatch.domain.archetype import Archetype, load_archetype
from adbatch.paths import ARCHETYPES_DIR, PROJECT_ROOT
from adbatch.providers import offline_art
from adbatch.render import captions, endcard, layout, overlays
from adbatch.render.safezone import SafeZone
from adbatch.stages import clip_prompts, insights
from adbatch.style import EndCardStyle, MotionStyle, PlateStyle, StyleConf
from tests.conftest import make_png, run_adbatch

FPS = 30
SIZE = (540, 960)  # the draft preset
PLATE = (637, 1133)  # its plate (render.motion_margin 0.18)
PHOTO = PROJECT_ROOT / "examples" / "images" / "glow-serum.png"
ARCHETYPES = sorted(p.stem for p in ARCHETYPES_DIR.glob("*.yaml"))
HOOK = "Glow Serum, honestly reviewed"
QUOTE = "“my sunscreen doesn't pill on top of it anymore” — a customer"
LINE = "This one finally evens out dull, tired skin"


def spoken(sentence: str, wps: float = 3.0) -> timeline.SpokenLine:
    words = sentence.split()
    step = 1 / wps
    return timeline.SpokenLine(
        text=sentence,
        duration=len(words) * step + 0.1,
        words=tuple((w, i * step, (i + 1) * step) for i, w in enumerate(words)),
    )


def texts_and_lines(arch: Archetype) -> tuple[dict[str, str], dict[str, timeline.SpokenLine]]:
    texts, lines = {}, {}
    for slot in arch.slots:
        if slot.type == "hook":
            texts[slot.id], lines[slot.id] = HOOK, spoken(HOOK)  # the hook says what its box shows
        elif slot.type == "proof":
            texts[slot.id], lines[slot.id] = QUOTE, spoken("Real review: my sunscreen does not pill anymore")
        else:
            texts[slot.id], lines[slot.id] = "Evens out dull, tired skin in two weeks", spoken(LINE)
    return texts, lines


@cache
def plate_box(kind: str, shot: int) -> tuple[float, float, float, float]:
    """Where the offline plate provider puts the product for this layout and shot."""
    with Image.open(PHOTO) as photo:
        return offline_art.plate_with_box(
            photo, layout=kind, size=PLATE, palette=("#E07A5F", "#3D405B"), seed=7, shot=shot
        )[1]


def laid_out(name: str) -> timeline.Timeline:
    """An archetype's timeline with the product's place on every shot, as the render gets it."""
    arch = load_archetype(name, ARCHETYPES_DIR)
    texts, lines = texts_and_lines(arch)
    tl = timeline.build(archetype=arch, pacing=PacingConf(), texts=texts, lines=lines, fps=FPS)
    card = (0.06, 0.3, 0.5, 0.55)  # the end card's photo, shares of the frame
    shots = []
    for s in tl.shots:
        kind = "static" if s.layout == timeline.ENDCARD else "still"
        box = card if kind == "static" else plate_box(s.layout, s.shot)
        extent = layout.extent_on_frame(
            box, kind=kind, shot=s, size=SIZE, plate_size=PLATE, motion=MotionStyle(), seed=7
        )
        shots.append(s.model_copy(update={"product_box": extent}))
    return tl.model_copy(update={"shots": tuple(shots)})


def drawn(tl: timeline.Timeline) -> list[timeline.TextBox]:
    """Every text the renderer draws over the shots (hook and body text, each caption phrase)."""
    layers = [*overlays.overlay_patches(tl, SIZE), captions.build(tl, SIZE)]
    return layout.drawn_texts(layers)


@pytest.mark.parametrize("name", ARCHETYPES)
def test_text_covers_at_most_five_percent_of_the_product_on_every_shot(name: str) -> None:
    """On every shot of every archetype, no text box covers more than 5 % of the product's box."""
    tl = laid_out(name)
    for shot in layout.record(tl, SIZE, drawn(tl), []):
        assert shot.product_box is not None
        area = shot.product_box[2] * shot.product_box[3]
        for tb in shot.text_boxes:
            assert layout.overlap(tb.box, shot.product_box) <= 0.05 * area, (name, shot.shot, tb.role, tb.text)


def test_a_product_high_in_the_frame_sends_text_and_captions_below_it_apart() -> None:
    """When the product leaves no room above it, the text and the caption both go below it, one under the other."""
    zone, gap, room = SafeZone(*SIZE), 10, 80
    product = (60, zone.top + 20, 420, 200)  # right under the top of the zone
    band = layout.text_band(zone, product, gap=gap, top=10, room=room, least=50)
    text_box = (0, band.top, 540, band.height)
    caption_top = layout.caption_y(zone, product, 60, gap=gap, fallback_bottom=0)
    caption_box = (0, caption_top, 540, 60)
    assert layout.overlap(text_box, product) == 0 and layout.overlap(caption_box, product) == 0
    assert layout.overlap(text_box, caption_box) == 0
    assert caption_top + 60 <= zone.bottom


def test_every_text_stays_inside_the_safe_zone() -> None:
    """Placed around the product, hook, body, quote and caption boxes all stay inside the safe zone."""
    zone = SafeZone(*SIZE)
    for tb in drawn(laid_out("ugc")):
        assert zone.contains(*tb.box), (tb.role, tb.text, tb.box)


def test_captions_do_not_repeat_the_hook_box() -> None:
    """While the hook box shows the hook, the caption track shows none of the same words."""
    tl = laid_out("ugc")
    hook = next(ov for ov in tl.overlays if ov.role == "hook")
    said = captions.words_of(hook.text)
    for tb in drawn(tl):
        if tb.role == "caption" and tb.start < hook.end:
            assert not set(captions.words_of(tb.text)) & set(said), tb.text


def test_captions_do_not_repeat_the_quote_card() -> None:
    """While the social-proof beat shows the quote card, captions do not spell the quote out again."""
    tl = laid_out("ugc")
    card = next(tb for tb in drawn(tl) if tb.role == "quote")
    shown = set(captions.words_of(card.text))
    for tb in drawn(tl):
        if tb.role == "caption" and tb.start < card.end and tb.end > card.start:
            words = captions.words_of(tb.text)
            assert sum(w in shown for w in words) * 2 < len(words), tb.text


def test_captions_still_show_the_words_the_screen_does_not() -> None:
    """Only repeated words are dropped: the proof beat's lead-in ("Real review:") is still captioned."""
    assert any(tb.role == "caption" and tb.text == "Real review:" for tb in drawn(laid_out("ugc")))


@pytest.mark.parametrize("name", ARCHETYPES)
def test_a_transition_into_a_new_beat_shows_one_text_layer(name: str) -> None:
    """Across every cut or crossfade that changes the text, frames show the outgoing beat's text or the
    incoming beat's, never both: nothing is drawn while the pictures start to mix, then only what starts at
    the cut. (Across a swipe each text rides its own picture: tests/test_swipe_text.py.)"""
    tl = laid_out(name)
    texts = drawn(tl)
    windows = layout.text_changes(tl, leave_out=("swipe",))
    assert windows
    for a, b in windows:
        cut = (a + b) / 2
        for t in np.linspace(a, b, 7, endpoint=False):
            shown = [tb for tb in texts if tb.start <= t < tb.end]
            if t < cut - 1e-6:
                assert not shown, (t, [tb.text for tb in shown])
            else:
                assert all(tb.start >= cut - 1e-6 for tb in shown), (t, [tb.text for tb in shown])


def test_the_proof_beat_shows_its_quote_on_a_card() -> None:
    """The social-proof beat's text is drawn as a quote card: an opaque box behind the words."""
    tl = laid_out("ugc")
    patch = next(p for p in overlays.overlay_patches(tl, SIZE) if p.overlay.role == "quote")
    assert patch.overlay.text == QUOTE
    h = patch.alpha.shape[0]
    assert patch.alpha[h // 2, 3, 0] >= StyleConf().overlay.quote.box_alpha - 1  # the card, past its corner


def card_parts(quote: str, size: tuple[int, int] = (1080, 1920)) -> list[endcard.Part]:
    bg = Image.new("RGB", size, (40, 60, 90))
    with Image.open(PHOTO) as photo:
        return endcard.compose_with_parts(
            background=bg,
            photo=photo,
            name="Glow Serum",
            price="$29.99",
            cta="Shop now",
            url="https://example.com/glow",
            palette=("#E07A5F", "#3D405B"),
            logo=Image.open(PROJECT_ROOT / "examples" / "brand_logo.png"),
            size=size,
            brand_name="Lumea",
            quote=quote,
        )[1]


def test_the_end_card_fills_the_safe_area_with_product_name_price_button_and_quote() -> None:
    """Product ≥ 40 % of the width, name, price, CTA button and a customer's quote, all in the safe zone,
    spread over its height (no empty half), none on top of another."""
    w, h = 1080, 1920
    parts = {role: box for role, _, box in card_parts(QUOTE)}
    assert {"photo", "name", "price", "button", "quote"} <= set(parts)
    assert parts["photo"][2] >= 0.4 * w
    zone = SafeZone(w, h)
    assert all(zone.contains(*box) for box in parts.values()), parts
    top, bottom = min(b[1] for b in parts.values()), max(b[1] + b[3] for b in parts.values())
    assert (bottom - top) >= 0.85 * (zone.bottom - zone.top)
    boxes = list(parts.values())
    assert all(layout.overlap(a, b) == 0 for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_the_end_card_without_a_quote_centres_the_product() -> None:
    """With no quote to show, the photo (still ≥ 40 % of the width) takes the middle, the price on its corner."""
    parts = {role: box for role, _, box in card_parts("")}
    x, _, w, _ = parts["photo"]
    assert "quote" not in parts and w >= 0.4 * 1080 and abs(x + w / 2 - 540) <= 2
    assert layout.overlap(parts["price"], parts["photo"]) > 0


def test_the_end_card_quote_is_a_customers_words_with_attribution() -> None:
    """The card quotes the best review short enough to read, verbatim, attributed; none when all run long."""
    quotes = [
        "this serum changed my whole morning routine and I tell all my friends about it daily",
        "no more dull skin, finally",
    ]
    assert (
        endcard.pick_quote(quotes, most_words=14, least_words=5, by="a customer")
        == "“No more dull skin, finally” — a customer"
    )
    assert endcard.pick_quote(quotes[:1], most_words=14, least_words=5, by="a customer") == ""


def test_the_end_card_quotes_what_the_video_has_not_said() -> None:
    """The card is a second voice: a quote the proof beat already spoke gives way to the next one that fits,
    and is taken only when nothing else fits. A clause quoted alone starts with a capital; "iPhone" keeps its."""
    quotes = ["my sunscreen doesn't pill on top of it anymore", "this one is still clear after eight weeks"]
    spoken = ["In a buyer's words:  My sunscreen doesn't pill on top of it anymore."]
    pick = partial(endcard.pick_quote, most_words=14, least_words=5, by="a customer")
    assert pick(quotes, spoken=spoken) == "“This one is still clear after eight weeks” — a customer"
    assert pick(quotes[:1], spoken=spoken) == "“My sunscreen doesn't pill on top of it anymore” — a customer"
    assert pick(["iPhone fits in the side pocket easily"]) == "“iPhone fits in the side pocket easily” — a customer"


def test_a_quote_only_a_hook_candidate_says_beats_one_the_body_says() -> None:
    """pulse-earbuds: one review is the proof beat, the other a social-proof hook candidate. A hook is heard in
    one variant, the proof beat in all of them: the card takes the hook's review, in every variant."""
    quotes = ["Case fits in the coin pocket of my jeans", "these have survived a half marathon without budging"]
    body = ["Straight from a review: case fits in the coin pocket of my jeans."]
    hooks = ["These have survived a half marathon without budging. Not my words."]
    pick = partial(endcard.pick_quote, most_words=14, least_words=5, by="a customer")
    assert (
        pick(quotes, spoken=body, hooks=hooks) == "“These have survived a half marathon without budging” — a customer"
    )
    assert pick(quotes, spoken=[*body, *hooks]) == "“Case fits in the coin pocket of my jeans” — a customer"


def test_the_end_card_quotes_a_reviews_praise_not_its_complaint(examples) -> None:
    """The example serum's first review opens on other serums "that turned orange in a month": the card quoted
    that opening (the excerpt cut its payoff). It now quotes praise, one the video does not speak."""
    from adbatch.stages.run import card_quote

    serum = next(p for p in examples if p.id == "glow-serum")
    found = insights.extract(serum)
    spoken = ["In a buyer's words: my sunscreen doesn't pill on top of it anymore."]
    assert "turned orange" in endcard.pick_quote(found.quotes, most_words=14, least_words=5, by="a customer")
    look = EndCardStyle()
    assert card_quote(found, spoken=spoken, look=look) == "“This one is still clear after eight weeks” — a customer"
    assert card_quote(found.model_copy(update={"facts": ()}), spoken=spoken, look=look).startswith("“I've tried")


def test_every_hook_variant_closes_on_the_same_end_card(examples) -> None:
    """The card is part of the body the hook variants share: it avoids what any hook may say, not only the hook
    its variant opens with (which gave glow-serum's variants different cards)."""
    from types import SimpleNamespace

    from adbatch.domain.archetype import available
    from adbatch.providers.offline_writer import OfflineScriptWriter
    from adbatch.stages.run import card_quote
    from tests.test_copy_craft import request

    look, differed = EndCardStyle(), 0
    for prod in examples:
        for archetype in (load_archetype(n, ARCHETYPES_DIR) for n in available(ARCHETYPES_DIR)):
            script = OfflineScriptWriter().write_now(request(prod, archetype), fill=True)
            body = [SimpleNamespace(slot=s.slot, text=s.voice) for s in script.slots if s.voice]
            cards, naive = set(), set()
            for hook in script.hooks:
                final = SimpleNamespace(voice=[SimpleNamespace(slot=archetype.slots[0].id, text=hook.voice), *body])
                found = insights.extract(prod)
                hooks = [h.voice for h in script.hooks]
                cards.add(card_quote(found, spoken=[c.text for c in body], hooks=hooks, look=look))
                naive.add(card_quote(found, spoken=[c.text for c in final.voice], look=look))
            assert len(cards) == 1, (prod.id, archetype.name, cards)
            differed += len(naive) > 1
    assert differed, "no variant's own hook changed its card: the test shows nothing"


def test_the_end_card_quote_never_trails_off() -> None:
    """An excerpt cut off mid-sentence is quoted up to its last whole clause, still word for word."""
    quotes = ["My dark spots from an old breakout are noticeably lighter, my sister…"]
    picked = endcard.pick_quote(quotes, most_words=14, least_words=5, by="a customer")
    assert picked == "“My dark spots from an old breakout are noticeably lighter” — a customer"


@pytest.mark.parametrize("kind", ["hero", "card", "detail", "tilted", "split"])
def test_plates_keep_the_product_inside_the_area_they_report(kind: str) -> None:
    """Every plate layout reports the product's box, inside the style's product area, and draws it there."""
    with Image.open(PHOTO) as photo:
        img, box = offline_art.plate_with_box(
            photo, layout=kind, size=PLATE, palette=("#000000", "#000000"), seed=3, shot=0
        )
    x0, y0, x1, y1 = PlateStyle().area
    assert x0 - 0.01 <= box[0] < box[2] <= x1 + 0.01 and y0 - 0.01 <= box[1] < box[3] <= y1 + 0.01
    px = np.asarray(img)
    cx, cy = int((box[0] + box[2]) / 2 * PLATE[0]), int((box[1] + box[3]) / 2 * PLATE[1])
    assert px[cy, cx].max() > 60  # the photo (a light card), not the dark background


def test_the_detail_plate_is_a_closer_look_not_an_extreme_crop() -> None:
    """The demo beat's detail layout still shows most of the product, framed as a card over half the area wide."""
    box = plate_box("detail", 0)
    x0, _, x1, _ = PlateStyle().area
    assert (box[2] - box[0]) >= 0.5 * (x1 - x0)
    assert PlateStyle().detail_zoom[1] <= 1.6


def test_the_plate_provider_returns_the_product_box(tmp_path: Path) -> None:
    """PlateSceneGenerator's output meta carries the product's box, so the layout can keep text off it."""
    from adbatch.domain.archetype import Slot
    from adbatch.domain.product import Product
    from adbatch.providers.base import SceneRequest
    from adbatch.providers.offline import PlateSceneGenerator

    image = make_png(tmp_path / "p.png", size=(200, 200))
    product = Product(id="p", row=1, name="P", description="d", image=image, image_source="p.png")
    slot = Slot(id="hook", type="hook", camera="push_in", layout="card", weight=1.0)
    req = SceneRequest(
        product=product,
        slot=slot,
        shot=0,
        prompt="",
        width=PLATE[0],
        height=PLATE[1],
        seed=1,
        palette=("#111111", "#222222"),
    )
    out = asyncio.run(PlateSceneGenerator().scene(req, tmp_path / "plate.jpg"))
    assert len(out.meta["product_box"]) == 4 and out.meta["product_box"][0] < out.meta["product_box"][2]


@pytest.fixture(scope="module")
def draft(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real draft video (the first example product, ugc) made as a user makes it, from an empty cache (so
    it is drawn by this code, not reused)."""
    out = tmp_path_factory.mktemp("draft")
    csv = PROJECT_ROOT / "examples" / "catalog.csv"
    proc = run_adbatch(
        f"products={csv}",
        "render=draft",
        "archetype=ugc",
        f"cache_dir={out / 'cache'}",
        f"hydra.run.dir={out / 'video'}",
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


@pytest.mark.slow
def test_a_real_render_records_the_product_and_text_boxes_of_every_shot(draft: Path) -> None:
    """A draft video's timeline.json records, per shot, the product's box and the text boxes drawn over it,
    and no text covers more than 5 % of the product."""
    tl = json.loads((draft / "video" / "timeline.json").read_text())
    assert len(tl["boxes"]) == len(tl["shots"])
    for shot in tl["boxes"]:
        product = shot["product_box"]
        assert product is not None
        assert shot["text_boxes"], shot["shot"]  # every shot has its text (the end card its own)
        for tb in shot["text_boxes"]:
            assert layout.overlap(tuple(tb["box"]), tuple(product)) <= 0.05 * product[2] * product[3], tb


@pytest.mark.slow
def test_each_scene_prompt_is_written_from_its_beats_line_and_recorded(draft: Path) -> None:
    """The manifest shows every scene's prompt: the archetype's camera (hands, for UGC) and, for a body beat,
    its own voice line, never one hero-shot sentence for all."""
    manifest = json.loads((draft / "video" / "manifest.json").read_text())
    tl = json.loads((draft / "video" / "timeline.json").read_text())
    prompts = [c["prompt"] for c in manifest["calls"] if c["stage"] == "scenes"]
    assert prompts and all(p and "hands" in p for p in prompts)
    body_lines = [cue["text"] for cue in tl["voice"] if cue["slot"] not in ("hook", "cta")]
    assert all(any(line in p for p in prompts) for line in body_lines)


@pytest.mark.parametrize(
    ("archetype", "camera"),
    [("ugc", "hands hold"), ("pov", "First-person"), ("unboxing", "on a table")],
)
def test_a_clip_prompt_films_the_line_the_archetypes_way(archetype: str, camera: str) -> None:
    """prompts/clip.j2 writes the beat's line into the prompt, framed by the archetype's camera."""
    prompt = clip_prompts.clip_prompt(
        archetype=archetype, slot_type="demo", line="It absorbs in seconds.", visual="", product="Glow Serum"
    )
    assert camera in prompt and "It absorbs in seconds." in prompt and "Glow Serum" in prompt


def test_a_demo_clip_frames_the_feature_its_line_names() -> None:
    """With vision notes, the demo beat's prompt closes in on the visible feature its line names, not another."""
    cues = ["amber glass bottle", "glass dropper with rubber bulb", "gold collar"]
    prompt = clip_prompts.clip_prompt(
        archetype="ugc",
        slot_type="demo",
        line="Watch this: the dropper gives exactly three drops.",
        visual="",
        product="Glow Serum",
        cues=cues,
    )
    assert "Close-up on the glass dropper with rubber bulb" in prompt
    assert clip_prompts.named_feature("It absorbs in seconds.", cues) == ""
