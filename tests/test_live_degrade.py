"""Degrade, don't discard: failed paid assets are re-created or replaced (``fallback``), against the fake server.

The asset-level tests run ``generate`` on a small plan with the real live adapters (no render); the
lost-create tests drive the Replicate adapter alone; one video per behaviour that needs the manifest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from adbatch.domain.archetype import load_archetype
from adbatch.logs import job_logger
from adbatch.paths import ARCHETYPES_DIR
from adbatch.providers._replicate import same_input
from adbatch.providers.base import CardRequest, MusicRequest, SceneRequest
from adbatch.providers.offline import EspeakVoice, SynthMusic
from adbatch.stages.assets import AssetPlan, Assets, Producer, Providers, generate
from adbatch.stages.degrade import Fallback
from adbatch.store.cache import AssetCache
from adbatch.store.ledger import Caps, SqliteLedger
from tests.fakes import faults
from tests.fakes.live import build, run

pytest_plugins = ["tests.fakes.fixtures"]  # fixtures: fake, keys, product

UGC = load_archetype("ugc", ARCHETYPES_DIR)
SLOTS = {s.id: s for s in UGC.slots}
PALETTE = ("#3366CC", "#E8A33D")
VIDEO = "alpha-mug/ugc/hook-best"
FLUX = "black-forest-labs/flux-schnell"
POLICY = Fallback(clip_retries=1, plate=True)  # fallback's defaults: one new prediction, then the plate


def plan_of(product, *, voice: dict[str, str] | None = None) -> AssetPlan:
    """One clip (demo/0), one still (hook/0), the end card and the music bed; voice lines if given."""

    def scene(slot: str, motion) -> SceneRequest:
        return SceneRequest(
            product=product,
            slot=SLOTS[slot],
            shot=0,
            prompt="the mug on a sunny counter",
            width=212,
            height=378,
            seed=11,
            palette=PALETTE,
            motion=motion,
        )

    return AssetPlan(
        voice=voice or {},
        scenes={("demo", 0): scene("demo", "clip"), ("hook", 0): scene("hook", "still")},
        card=CardRequest(product=product, width=270, height=480, seed=5, palette=PALETTE),
        music=MusicRequest(mood="upbeat", bpm=110, seconds=2.0, seed=3),
    )


def produce(
    fake, product, tmp_path: Path, policy: Fallback, **plan: dict[str, str]
) -> tuple[Assets, Producer, SqliteLedger]:
    """``generate`` the small plan with the live voice, scenes and image adapters, through a cache and a ledger."""
    providers = Providers(
        voice=build("voice", fake), scenes=build("scenes", fake), image=build("image", fake), music=SynthMusic()
    )
    ledger = SqliteLedger(tmp_path / "ledger.sqlite", Caps(per_video_usd=1.5, per_sweep_usd=10.0))
    with job_logger(tmp_path / "log.jsonl", console=None) as log:
        producer = Producer(AssetCache(tmp_path / "cache"), log, ledger=ledger, video=VIDEO)
        assets = run(generate(plan_of(product, **plan), providers, producer, policy))
    return assets, producer, ledger


def failed_group(fake, product, tmp_path: Path, policy: Fallback, **plan: dict[str, str]) -> BaseExceptionGroup:
    with pytest.raises(BaseExceptionGroup) as info:
        produce(fake, product, tmp_path, policy, **plan)
    return info.value


def test_a_clip_that_fails_twice_becomes_its_still_plate(fake, product, tmp_path: Path) -> None:
    """Failed, re-created once as a new prediction, failed again: the shot is its still plate, listed as
    degraded; both predictions stay calls (failed, unbilled), the plate a third, and the ledger is square."""
    fake.script("replicate.prediction:kwaivgi/kling-v2.1", *[faults.failed_prediction("NSFW content detected")] * 2)
    assets, producer, ledger = produce(fake, product, tmp_path, POLICY)
    plate = assets.scenes[("demo", 0)]
    assert plate.meta["kind"] == "still" and plate.path.suffix == ".jpg"
    (entry,) = assets.degraded
    assert entry.startswith("scene demo/0: clip failed 2x") and "NSFW content detected" in entry
    assert entry.endswith("-> still plate")
    kling = [p for p in fake.predictions.values() if p.model == "kwaivgi/kling-v2.1"]
    assert fake.count("replicate.files") == 2 and len(kling) == 2  # a new prediction, from a new upload
    failed = [c for c in producer.calls if not c.ok]
    assert len(failed) == 2 and all(c.stage == "scenes" and "NSFW" in (c.error or "") for c in failed)
    assert len({c.key for c in failed}) == 1 and plate.call.key != failed[0].key  # the plate never poses as the clip
    totals = ledger.totals(VIDEO)
    assert totals.reserved_usd == 0 and totals.settled_usd == pytest.approx(sum(c.cost_usd for c in producer.calls))


def test_a_clip_given_up_on_earlier_is_its_plate_at_once(fake, product, tmp_path: Path) -> None:
    """A second video with the same clip (another hook variant of the body) takes the plate the first one fell
    back to, from the cache: no prediction, one body for both, still listed as degraded."""
    fake.script("replicate.prediction:kwaivgi/kling-v2.1", *[faults.failed_prediction("NSFW content detected")] * 2)
    first, _, _ = produce(fake, product, tmp_path, POLICY)
    creates = fake.count("replicate.create")
    second, producer, _ = produce(fake, product, tmp_path, POLICY)
    assert (
        fake.count("replicate.create") == creates and second.scenes[("demo", 0)].path == first.scenes[("demo", 0)].path
    )
    assert second.scenes[("demo", 0)].call.cache_hit and all(c.ok for c in producer.calls)
    assert second.degraded == ["scene demo/0: clip failed for an earlier video with the same clip -> still plate"]


def test_a_refused_clip_that_succeeds_when_re_created_is_not_degraded(fake, product, tmp_path: Path) -> None:
    """One failed prediction, then a good one: the clip is used, nothing is listed as degraded, the failed
    call is kept at $0 and the clip's $0.25 is settled once."""
    fake.script("replicate.prediction:kwaivgi/kling-v2.1", faults.failed_prediction("capacity"))
    assets, producer, ledger = produce(fake, product, tmp_path, POLICY)
    assert assets.scenes[("demo", 0)].meta["kind"] == "clip" and assets.degraded == []
    clip = [c for c in producer.calls if c.key == assets.scenes[("demo", 0)].call.key]
    assert [(c.ok, c.cost_usd) for c in clip] == [(False, 0.0), (True, pytest.approx(0.25))]
    assert ledger.totals(VIDEO).settled_usd == pytest.approx(0.25 + 0.003)  # the clip and the card


def test_a_clip_is_re_created_at_most_clip_retries_times(fake, product, tmp_path: Path) -> None:
    """fallback.clip=fail and clip_retries=0: one failed prediction fails the video, nothing re-created."""
    fake.script("replicate.prediction:kwaivgi/kling-v2.1", faults.failed_prediction("capacity"))
    group = failed_group(fake, product, tmp_path, Fallback(clip_retries=0, plate=False))
    assert "capacity" in str(group.exceptions[0]) and fake.count("replicate.create") == 2  # the clip and the card


def test_a_rejected_key_is_never_papered_over(fake, product, tmp_path: Path) -> None:
    """A 401 on every Replicate create fails the video: neither the plate nor the offline card stands in."""
    fake.script("replicate.create", *[faults.bad_request(401)] * 2)
    group = failed_group(fake, product, tmp_path, Fallback(clip_retries=1, plate=True, card=_offline_card()))
    assert len(group.exceptions) == 2 and all("HTTP 401" in str(e) for e in group.exceptions)


def _offline_card():
    from adbatch.providers.offline import CardImageGenerator

    return CardImageGenerator()


def test_a_failed_flux_card_becomes_the_offline_card(fake, product, tmp_path: Path) -> None:
    """The FLUX prediction fails: the end card is the offline gradient ($0), listed as degraded."""
    fake.script(f"replicate.prediction:{FLUX}", faults.failed_prediction("GPU out of memory"))
    assets, producer, _ = produce(fake, product, tmp_path, Fallback(clip_retries=1, plate=True, card=_offline_card()))
    assert assets.card is not None and assets.card.call.provider == "offline" and assets.card.path.is_file()
    assert [e for e in assets.degraded if e.startswith("end card: failed")] == assets.degraded != []
    assert "GPU out of memory" in assets.degraded[0] and assets.degraded[0].endswith("-> offline card")
    image = [c for c in producer.calls if c.stage == "image"]
    assert [(c.provider, c.ok) for c in image] == [("replicate", False), ("offline", True)]


def test_a_voice_failure_fails_the_video_by_default(fake, product, tmp_path: Path) -> None:
    """fallback.voice=fail (the default): a line ElevenLabs refuses fails the assets."""
    fake.script("elevenlabs.tts", faults.bad_request(400))
    group = failed_group(fake, product, tmp_path, POLICY, voice={"demo": "Hot coffee, all morning."})
    assert "HTTP 400" in str(group.exceptions[0])


def test_a_voice_failure_is_spoken_offline_when_allowed(fake, product, tmp_path: Path) -> None:
    """fallback.voice=offline: the refused line is spoken by eSpeak NG, with word timings, and listed."""
    fake.script("elevenlabs.tts", faults.bad_request(400))
    policy = Fallback(clip_retries=1, plate=True, voice=EspeakVoice())
    assets, _, _ = produce(fake, product, tmp_path, policy, voice={"demo": "Hot coffee, all morning."})
    line = assets.voice["demo"]
    assert line.call.provider == "offline" and line.meta["duration"] > 0.5 and len(line.meta["words"]) == 4
    assert len(assets.degraded) == 1 and assets.degraded[0].startswith("voice line demo: failed")


# -- reconciling a create whose answer was lost ---------------------------------------------------


def clip_request(product) -> SceneRequest:
    return plan_of(product).scenes[("demo", 0)]


def test_a_failed_reconcile_lookup_is_retried(fake, product, tmp_path: Path) -> None:
    """The create's answer times out and the first GET /v1/predictions answers 503: the lookup is retried
    under the policy and finds the prediction; one create, one prediction."""
    scenes = build("scenes", fake, timeout=0.5)
    fake.script("replicate.create", faults.hang_after(1.0))
    fake.script("replicate.list", faults.server_error(503))
    out = run(scenes.scene(clip_request(product), tmp_path / "scene.mp4"))
    assert fake.count("replicate.list") == 2 and fake.count("replicate.create") == 1
    assert len(fake.predictions) == 1 and out.meta["prediction"] in fake.predictions


def test_a_create_answered_502_is_found_though_its_input_is_echoed_differently(fake, product, tmp_path: Path) -> None:
    """The create makes the prediction but a gateway answers 502; the list echoes its input reordered, 5 as
    5.0, text with trailing spaces and a default added: it is still ours, adopted, never created twice."""
    scenes = build("scenes", fake)
    fake.script("replicate.create", faults.lost_answer(502))
    fake.script("replicate.list", faults.reformatted())
    out = run(scenes.scene(clip_request(product), tmp_path / "scene.mp4"))
    assert fake.count("replicate.create") == 1 and len(fake.predictions) == 1
    assert out.meta["prediction"] in fake.predictions and out.cost_usd == pytest.approx(0.25)


def test_inputs_match_by_meaning_not_bytes() -> None:
    """Key order, 5 vs 5.0 vs "5", surrounding whitespace, nulls and added defaults do not matter; a
    different value or a missing key does."""
    sent = {"prompt": "a mug  on a table", "duration": 5, "mode": "standard", "negative_prompt": None}
    assert same_input(sent, {"mode": "standard ", "duration": 5.0, "prompt": "a mug on a table", "fps": 24})
    assert same_input(sent, {"duration": "5", "mode": "standard", "prompt": " a mug on a table\n"})
    assert not same_input(sent, {"duration": 10, "mode": "standard", "prompt": "a mug on a table"})
    assert not same_input(sent, {"duration": 5, "prompt": "a mug on a table"})


# -- whole videos ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_degraded_video_ends_ok_listing_what_was_replaced(fake, tmp_path: Path) -> None:
    """The one clip (demo) fails twice, FLUX fails, a voice line is refused (fallback.voice=offline): the video
    renders and ends ok; the manifest lists the three replacements and keeps every call, the failed ones too,
    its cost their sum; the report has the degraded column and counts the video in its KPI."""
    from adbatch.report.report import build as build_report
    from adbatch.report.report import scan, tables
    from tests.fakes.live import catalog_of, live_job

    fake.script("replicate.prediction:kwaivgi/kling-v2.1", *[faults.failed_prediction("NSFW content detected")] * 2)
    fake.script(f"replicate.prediction:{FLUX}", faults.failed_prediction("GPU out of memory"))
    fake.script("elevenlabs.tts", faults.bad_request(400))
    catalog = catalog_of(tmp_path / "cat", "alpha-mug")
    m = live_job(
        fake,
        catalog,
        "alpha-mug",
        tmp_path,
        "provider.scenes.video_scenes=[demo]",
        "fallback.voice=offline",
        folder="out/alpha-mug/ugc/hook-best",
    )
    assert m.status == "ok" and m.error is None and m.outputs.video
    kinds = sorted(entry.split(":")[0].split(" ")[0] for entry in m.degraded)
    assert kinds == ["end", "scene", "voice"] and any(e.startswith("scene demo/0: clip failed 2x") for e in m.degraded)
    failed = sorted(c.stage for c in m.calls if not c.ok)
    assert failed == ["image", "scenes", "scenes", "voice"]
    assert len([p for p in fake.predictions.values() if p.model == "kwaivgi/kling-v2.1"]) == 2
    assert m.cost_usd == pytest.approx(sum(c.cost_usd for c in m.calls), abs=1e-6)
    report = build_report([tmp_path / "out"], out=tmp_path / "report")
    assert report.summary["kpis"]["videos"]["degraded"] == 1
    videos, _ = tables(scan(tmp_path / "out"))
    assert videos.loc[0, "degraded"] == " ".join(m.degraded)


@pytest.mark.slow
def test_a_voice_failure_fails_the_video_unless_allowed(fake, tmp_path: Path) -> None:
    """fallback.voice=fail (the default): a refused voice line fails the video at the assets stage."""
    from tests.fakes.live import catalog_of, live_job

    fake.script("elevenlabs.tts", faults.bad_request(400))
    m = live_job(fake, catalog_of(tmp_path / "cat", "alpha-mug"), "alpha-mug", tmp_path)
    assert m.status == "failed" and m.error is not None and m.error.stage == "assets" and m.degraded == []
    assert "HTTP 400" in m.error.message
