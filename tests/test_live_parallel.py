"""A video's live assets are all in flight at once, within each provider's concurrency limit."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import pytest

from adbatch.domain.archetype import load_archetype
from adbatch.paths import ARCHETYPES_DIR
from adbatch.providers.base import SceneRequest
from tests.fakes.live import build, catalog_of, live_job, run

pytest_plugins = ["tests.fakes.fixtures"]  # fixtures: fake, keys, product

KLING = "kwaivgi/kling-v2.1"
# fake latencies: each Claude request, each voice line, each clip; a voice line lasts long enough that a busy CI
# box starts all of them before the first returns (at 0.6 s one finished before the last of 11 started)
SCRIPT_S, VOICE_S, CLIP_S = 0.4, 1.5, 3.0


@pytest.mark.slow
def test_wall_time_is_script_plus_slowest_asset_plus_render(fake, tmp_path: Path) -> None:
    """4 clips of 3 s, voice lines of 1.5 s, a 0.4 s script: assets take about one clip, not the sum."""
    fake.latency("anthropic.messages", SCRIPT_S)
    fake.latency("elevenlabs.tts", VOICE_S)
    fake.prediction_seconds(CLIP_S, KLING)
    m = live_job(
        fake,
        catalog_of(tmp_path / "cat", "alpha-mug"),
        "alpha-mug",
        tmp_path,
        "provider.scenes.video_scenes=4",
        "provider.scenes.concurrency=4",
        "provider.voice.concurrency=16",
    )
    assert m.status == "ok", m.error
    t = m.timings
    voice_lines = sum(c.stage == "voice" for c in m.calls)
    # one after the other, the calls would take the sum of their own latencies as measured in this run (a busy
    # CI box stretches each, so the bound stretches with them)
    sequential = math.fsum(c.latency_s for c in m.calls if c.stage in ("voice", "scenes") and not c.cache_hit)
    print(
        f"\nscript {t['script']:.2f} s, assets {t['assets']:.2f} s (sequential would be {sequential:.1f} s), "
        f"render {t['render']:.2f} s, total {t['total']:.2f} s"
    )
    # all at once: every clip and every voice line in flight together (the fake counts them), so the assets
    # take about the slowest one, far less than the sum
    assert fake.max_running_predictions(KLING) == 4 and fake.max_in_flight("elevenlabs.tts") == voice_lines
    assert sequential >= voice_lines * VOICE_S + 4 * CLIP_S
    assert CLIP_S <= t["assets"] < 0.5 * sequential
    assert t["script"] >= 2 * SCRIPT_S  # photo notes, then the script: sequential by design


def test_concurrency_per_provider_is_bounded(fake, product, tmp_path: Path) -> None:
    """With scenes.concurrency=2, four clips run two at a time."""
    scenes = build("scenes", fake, concurrency=2)
    fake.prediction_seconds(0.5, KLING)
    ugc = load_archetype("ugc", ARCHETYPES_DIR)
    requests = [
        SceneRequest(
            product=product,
            slot=s,
            shot=0,
            prompt="p",
            width=212,
            height=378,
            seed=1,
            palette=("#3366CC", "#E8A33D"),
            motion="clip",  # planning's choice for these four beats
        )
        for s in ugc.body
        if s.type != "benefit"
    ]

    async def all_scenes() -> None:
        await asyncio.gather(*(scenes.scene(r, tmp_path / f"{r.slot.id}.mp4") for r in requests))

    run(all_scenes())
    assert len(fake.predictions) == 4 and fake.max_running_predictions(KLING) == 2
