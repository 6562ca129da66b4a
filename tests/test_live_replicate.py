"""Replicate scenes and end card, through the real replicate SDK, against the fake server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from PIL import Image

from adbatch.domain.archetype import load_archetype
from adbatch.paths import ARCHETYPES_DIR
from adbatch.providers.base import CardRequest, Motion, SceneRequest
from adbatch.providers.http import DownloadError
from adbatch.providers.offline import PlateSceneGenerator
from adbatch.providers.replicate import OutcomeUnknown
from adbatch.providers.retry import ProviderError
from adbatch.render.probe import probe
from adbatch.stages.plan import clip_slots
from tests.fakes import faults
from tests.fakes.live import KEY, build, run

pytest_plugins = ["tests.fakes.fixtures"]  # fixtures: fake, keys, product

UGC = load_archetype("ugc", ARCHETYPES_DIR)
SLOTS = {s.id: s for s in UGC.slots}
PALETTE = ("#3366CC", "#E8A33D")


def scene_request(product, slot: str = "demo", shot: int = 0, motion: Motion = "clip") -> SceneRequest:
    return SceneRequest(
        product=product,
        slot=SLOTS[slot],
        shot=shot,
        prompt="the mug steaming on a sunny counter",
        width=212,
        height=378,
        seed=11,
        palette=PALETTE,
        motion=motion,
    )


@pytest.fixture
def scenes(fake):
    return build("scenes", fake)


def make_clip(scenes, request: SceneRequest, tmp_path: Path):
    return run(scenes.scene(request, tmp_path / f"scene{request.suffix}"))


def test_a_chosen_scene_is_a_generated_clip(fake, scenes, product, tmp_path: Path) -> None:
    """Upload the start image, create, poll, download: an MP4 in the cache path, priced per second of video."""
    out = make_clip(scenes, scene_request(product), tmp_path)
    info = probe(tmp_path / "scene.mp4")
    assert out.meta["kind"] == "clip" and info.video_codec == "h264" and out.meta["seconds"] == pytest.approx(5.0)
    assert out.units["video_seconds"] == 5 and out.cost_usd == pytest.approx(5 * 0.05) and out.attempts == 1
    create = fake.seen("replicate.create")[0]
    assert create.path == "/v1/models/kwaivgi/kling-v2.1/predictions"
    assert create.json["input"]["start_image"].startswith(f"{fake.url}/v1/files/")
    assert create.json["input"]["mode"] == "standard" and create.json["input"]["duration"] == 5
    assert "steaming" in create.json["input"]["prompt"] and "slow pan to the left" not in create.json["input"]["prompt"]
    assert "smooth pan to the left" in create.json["input"]["prompt"]  # demo's camera, from camera_prompts


def test_start_image_is_a_9_16_plate_of_the_product(fake, scenes, product, tmp_path: Path) -> None:
    """Kling takes its aspect ratio from the first frame: the upload is a 720x1280 JPEG."""
    make_clip(scenes, scene_request(product), tmp_path)
    upload = next(iter(fake.files.values()))
    (tmp_path / "start.jpg").write_bytes(upload)
    with Image.open(tmp_path / "start.jpg") as im:
        assert (im.format, im.size) == ("JPEG", (720, 1280))


def test_outputs_are_downloaded_without_credentials(fake, scenes, product, tmp_path: Path) -> None:
    """The key goes to the API (Bearer), never to the host serving the generated file."""
    make_clip(scenes, scene_request(product), tmp_path)
    assert fake.seen("replicate.create")[0].headers["authorization"] == f"Bearer {KEY}"
    assert "authorization" not in fake.seen("replicate.download")[0].headers


def test_other_scenes_are_free_still_plates(fake, scenes, product, tmp_path: Path) -> None:
    """The hook, shot 1 of a chosen slot and light slots are offline JPEG plates: no request, $0."""
    for req in (
        scene_request(product, "hook", motion="still"),
        scene_request(product, "demo", shot=1, motion="still"),
        scene_request(product, "benefit", motion="still"),
    ):
        assert req.suffix == ".jpg" and scenes.estimate(req) == 0.0
        out = run(scenes.scene(req, tmp_path / "plate.jpg"))
        assert out.meta["kind"] == "still" and out.cost_usd == 0.0
    assert fake.requests == []


def test_video_scenes_are_the_heaviest_body_slots() -> None:
    """video_scenes: 3 picks the three heaviest body beats, earlier first on ties (planning decides)."""
    assert clip_slots(UGC, 3) == {"demo", "proof", "problem"}
    assert clip_slots(load_archetype("pov", ARCHETYPES_DIR), 2) == {"benefit", "reveal"}


def test_video_scenes_can_list_slot_types() -> None:
    """video_scenes: [demo] makes only demo beats clips."""
    assert clip_slots(UGC, ["demo"]) == {"demo"}


def test_the_request_not_the_adapter_decides_what_is_a_clip(fake, scenes, product, tmp_path: Path) -> None:
    """A hook shot planning marked as a clip is generated: the adapter reads the request, not an archetype."""
    out = make_clip(scenes, scene_request(product, "hook", motion="clip"), tmp_path)
    assert out.meta["kind"] == "clip" and fake.count("replicate.create") == 1


def test_still_shots_and_first_frames_come_from_the_configured_still_generator(fake, product, tmp_path: Path) -> None:
    """Stills are delegated to ``stills`` (the offline plates by default), which also draws each clip's first frame."""
    drawn: list[tuple[str, int, int]] = []

    class Recording(PlateSceneGenerator):
        async def scene(self, request: SceneRequest, out: Path):
            drawn.append((request.slot.id, request.width, request.height))
            return await super().scene(request, out)

    scenes = build("scenes", fake, stills=Recording())
    run(scenes.scene(scene_request(product, "benefit", motion="still"), tmp_path / "plate.jpg"))
    make_clip(scenes, scene_request(product, "demo"), tmp_path)
    assert drawn == [("benefit", 212, 378), ("demo", 720, 1280)]


def test_pinned_version_uses_the_versions_endpoint(fake, product, tmp_path: Path) -> None:
    """version: <id> creates through POST /v1/predictions with that version."""
    fake.version_models["abc123"] = "kwaivgi/kling-v2.1"
    scenes = build("scenes", fake, version="abc123")
    make_clip(scenes, scene_request(product), tmp_path)
    create = fake.seen("replicate.create")[0]
    assert create.path == "/v1/predictions" and create.json["version"] == "abc123"


def test_card_background_is_a_flux_image_at_the_card_size(fake, product, tmp_path: Path) -> None:
    """The end card's background: one FLUX image, brand colours in the prompt, cover-resized, $0.003."""
    image = build("image", fake)
    out = run(
        image.card(CardRequest(product=product, width=540, height=960, seed=5, palette=PALETTE), tmp_path / "card.jpg")
    )
    with Image.open(tmp_path / "card.jpg") as im:
        assert (im.format, im.size) == ("JPEG", (540, 960))
    sent = fake.seen("replicate.create")[0].json["input"]
    assert "#3366CC" in sent["prompt"] and sent["seed"] == 5 and sent["aspect_ratio"] == "9:16"
    assert out.units == {"images": 1} and out.cost_usd == pytest.approx(0.003)


def test_poll_errors_are_retried_by_our_policy_not_the_sdk(fake, scenes, product, tmp_path: Path) -> None:
    """A 503 on a status poll is retried once by adbatch.providers.retry (the SDK's 10x transport retry is off)."""
    fake.script("replicate.get", faults.server_error(503))
    out = make_clip(scenes, scene_request(product), tmp_path)
    gets = fake.seen("replicate.get")
    assert out.attempts == 2 and [g.fault for g in gets].count("status") == 1


def test_throttled_create_waits_its_retry_after(fake, scenes, product, tmp_path: Path) -> None:
    """A 429 on create carries Retry-After (and a body retry_after): the retry waits it, then succeeds."""
    fake.script("replicate.create", faults.rate_limited(0.3))
    out = make_clip(scenes, scene_request(product), tmp_path)
    first, second = fake.seen("replicate.create")
    assert second.at - first.at >= 0.3 and out.attempts == 2 and len(fake.predictions) == 1


def test_invalid_input_fails_fast(fake, scenes, product, tmp_path: Path) -> None:
    """A 422 on create is not retried."""
    fake.script("replicate.create", faults.bad_request(422))
    with pytest.raises(ProviderError, match="after 1 attempt.*HTTP 422"):
        make_clip(scenes, scene_request(product), tmp_path)
    assert fake.count("replicate.create") == 1


def test_failed_prediction_is_a_clear_error(fake, scenes, product, tmp_path: Path) -> None:
    """A prediction that ends failed raises with its id, model and error; nothing is downloaded."""
    fake.script("replicate.prediction", faults.failed_prediction("NSFW content detected"))
    with pytest.raises(ProviderError, match=r"kwaivgi/kling-v2.1\) failed: NSFW content detected"):
        make_clip(scenes, scene_request(product), tmp_path)
    assert fake.count("replicate.download") == 0


def test_prediction_past_its_deadline_is_cancelled(fake, product, tmp_path: Path) -> None:
    """Still processing at deadline_s: the prediction is cancelled and the scene fails saying so."""
    scenes = build("scenes", fake, deadline_s=0.3)
    fake.script("replicate.prediction", faults.stuck())
    with pytest.raises(ProviderError, match="after deadline_s=0.3 s; cancelled it"):
        make_clip(scenes, scene_request(product), tmp_path)
    assert fake.count("replicate.cancel") == 1
    assert next(iter(fake.predictions.values())).canceled_at is not None


def test_a_cancelled_job_cancels_its_prediction(fake, scenes, product, tmp_path: Path) -> None:
    """When the job's task is cancelled (another asset failed), the running prediction is cancelled too."""
    fake.prediction_seconds(10.0)

    async def cancel_soon() -> None:
        task = asyncio.create_task(scenes.scene(scene_request(product), tmp_path / "scene.mp4"))
        async with asyncio.timeout(30):
            while not fake.seen("replicate.get"):  # created and being polled
                await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(cancel_soon())
    assert fake.count("replicate.cancel") == 1


def test_unanswered_create_adopts_the_prediction_it_made(fake, product, tmp_path: Path) -> None:
    """The create is processed but its answer times out: the prediction is found and used, never created twice."""
    scenes = build("scenes", fake, timeout=0.5)
    fake.script("replicate.create", faults.hang_after(1.0))
    out = make_clip(scenes, scene_request(product), tmp_path)
    assert fake.count("replicate.create") == 1 and fake.count("replicate.list") == 1
    assert len(fake.predictions) == 1 and out.meta["prediction"] in fake.predictions


@pytest.mark.parametrize("fault", [faults.hang(1.0), faults.drop()], ids=["timeout", "dropped"])
def test_unknown_create_outcome_is_never_sent_twice(fake, product, fault, tmp_path: Path) -> None:
    """No answer and no matching prediction listed: OutcomeUnknown after one create, no second paid prediction."""
    scenes = build("scenes", fake, timeout=0.5)
    fake.script("replicate.create", fault)
    with pytest.raises(ProviderError, match="not sent again so as not to pay twice") as info:
        make_clip(scenes, scene_request(product), tmp_path)
    assert isinstance(info.value.__cause__, OutcomeUnknown)
    assert fake.count("replicate.create") == 1 and len(fake.predictions) <= 1


def test_refused_connections_are_retried_then_reported(keys, product, tmp_path: Path) -> None:
    """Nothing listening: connection errors are retried (nothing was sent), then the call fails."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    class Closed:
        url = f"http://127.0.0.1:{port}"

    scenes = build("scenes", Closed)
    with pytest.raises(ProviderError, match="after 4 attempt.*connection error"):
        make_clip(scenes, scene_request(product), tmp_path)


@pytest.mark.parametrize(
    "fault, message",
    [(faults.content_type("text/html"), "served as 'text/html'"), (faults.oversize(500), "the limit is 200 MB")],
    ids=["type", "size"],
)
def test_bad_downloads_fail_fast(fake, scenes, product, fault, message, tmp_path: Path) -> None:
    """An output of the wrong type or over max_download_mb is refused at once (not retried), and still priced."""
    fake.script("replicate.download", fault)
    with pytest.raises(ProviderError, match=message) as info:
        make_clip(scenes, scene_request(product), tmp_path)
    assert isinstance(info.value.__cause__, DownloadError) and fake.count("replicate.download") == 1
    assert info.value.cost_usd == pytest.approx(0.25)  # the clip was made, so it was billed


def test_a_failure_after_retries_is_recorded_with_its_cost_and_attempts(fake, scenes, product, tmp_path: Path) -> None:
    """A poll retried once, then a refused download of the billed clip: the ProviderError's fields reach the
    call record and the ledger (the clip's $0.25 settled, 1 + 1 attempts), nothing attached at run time."""
    from adbatch.logs import job_logger
    from adbatch.stages.assets import Producer
    from adbatch.store.cache import AssetCache
    from adbatch.store.ledger import Caps, SqliteLedger

    fake.script("replicate.get", faults.server_error(503))
    fake.script("replicate.download", faults.content_type("text/html"))
    ledger = SqliteLedger(tmp_path / "ledger.db", Caps(per_video_usd=1.5, per_sweep_usd=10.0))
    request = scene_request(product)
    with job_logger(tmp_path / "log.jsonl", console=None) as log:
        producer = Producer(AssetCache(tmp_path / "cache"), log, ledger=ledger, video="mug/ugc/hook-best")
        with pytest.raises(ProviderError, match="served as 'text/html'") as info:
            run(
                producer.run(
                    stage="scenes",
                    provider=scenes,
                    parts={"slot": request.slot.id},
                    suffix=".mp4",
                    make=lambda out: scenes.scene(request, out),
                    estimate=lambda: scenes.estimate(request),
                )
            )
    (call,) = producer.calls
    assert (info.value.cost_usd, info.value.attempts) == (pytest.approx(0.25), 2)  # the poll's retry counts too
    assert not call.ok and call.cost_usd == pytest.approx(0.25) and call.attempts == info.value.attempts
    assert ledger.totals("mug/ugc/hook-best").settled_usd == pytest.approx(0.25)
