"""End to end: a provider=live sweep of 2 products, as a user runs it, against the fake server (draft preset)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from adbatch.domain.manifest import Manifest
from adbatch.render.probe import probe
from tests.conftest import SMOKE, run_adbatch, sweep_manifests
from tests.fakes import FakeProviders, faults
from tests.fakes.live import KEY, KEY_VARS, catalog_of, fast_overrides, live_config

pytestmark = pytest.mark.slow  # a whole live sweep against the fake APIs

PRODUCTS = ("alpha-mug", "beta-lamp")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Iterator[tuple[Path, subprocess.CompletedProcess, FakeProviders]]:
    """python -m adbatch products=<2 rows> provider=live render=draft pacing=short -m, keys set to a fake value,
    one 429 on the voice and one 503 on a Replicate create along the way."""
    root = tmp_path_factory.mktemp("live-sweep")
    catalog = catalog_of(root / "cat", *PRODUCTS)
    with FakeProviders(key=KEY) as fake:
        fake.script("elevenlabs.tts", faults.rate_limited(0))
        fake.script("replicate.create", faults.server_error(503))
        env = {**os.environ, **{var: KEY for var in KEY_VARS}}
        proc = run_adbatch(
            f"products={catalog}",
            "provider=live",
            *SMOKE,
            f"hydra.sweep.dir={root / 'out'}",
            f"cache_dir={root / 'cache'}",
            *fast_overrides(fake.url),
            "-m",
            env=env,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield root, proc, fake


def manifests(root: Path) -> list[Manifest]:
    return sweep_manifests(root / "out")


def test_every_video_is_made_by_the_live_providers(sweep) -> None:
    """Both videos are ok, 20 s drafts; Claude looked, wrote, ranked the hooks and critiqued the draft,
    ElevenLabs spoke, Replicate painted."""
    root, _, _ = sweep
    found = manifests(root)
    assert sorted(m.product_id for m in found) == list(PRODUCTS) and all(m.status == "ok" for m in found)
    for m in found:
        by_stage: dict[str, set[str]] = {}
        for c in m.calls:
            by_stage.setdefault(c.stage, set()).add(c.provider)
        assert by_stage == {
            "vision": {"anthropic"},
            "script": {"anthropic"},
            "hooks": {"anthropic"},
            "critique": {"anthropic"},
            "voice": {"elevenlabs"},
            "scenes": {"replicate", "offline"},  # the clips are predictions; the still plates are drawn locally
            "image": {"replicate"},
            "music": {"offline"},
        }
        kling = [c for c in m.calls if c.model == "kwaivgi/kling-v2.1"]
        assert len(kling) == 3 and all("video_seconds" in c.units for c in kling)  # provider stats: real requests
        assert sum("video_seconds" in c.units for c in m.calls) == 3  # the hybrid: 3 clips, the rest stills
        info = probe(root / "out" / m.product_id / "ugc" / "hook-best" / "video.mp4")
        assert (info.width, info.height) == (288, 512) and abs(info.duration - 20.0) <= 0.1


def test_costs_are_units_times_the_dated_prices(sweep) -> None:
    """Every call's cost is its units x the price table in conf/, and the video's cost is their sum."""
    root, _, _ = sweep
    p = live_config().provider
    claude = p.script.prices[p.script.model]
    judge = p.script.prices[p.script.judge_model]
    for m in manifests(root):
        for c in m.calls:
            u = c.units
            expected = {
                "vision": lambda: (u["input_tokens"] * claude.input + u["output_tokens"] * claude.output) / 1e6,
                "script": lambda: (u["input_tokens"] * claude.input + u["output_tokens"] * claude.output) / 1e6,
                "hooks": lambda: (u["input_tokens"] * judge.input + u["output_tokens"] * judge.output) / 1e6,
                "critique": lambda: (u["input_tokens"] * judge.input + u["output_tokens"] * judge.output) / 1e6,
                "voice": lambda: u["characters"] / 1000 * p.voice.prices[p.voice.model],
                "scenes": lambda: u.get("video_seconds", 0) * p.scenes.prices[p.scenes.model].standard,
                "image": lambda: p.image.prices[p.image.model],
                "music": lambda: 0.0,
            }[c.stage]()
            assert c.cost_usd == pytest.approx(expected, abs=1e-6), (c.stage, c.units)
        assert m.cost_usd == pytest.approx(sum(c.cost_usd for c in m.calls), abs=1e-5) and 0.5 < m.cost_usd < 1.5


def test_every_attempt_is_recorded(sweep) -> None:
    """Each call records its attempts; the injected 429 and 503 show up as a second attempt, nothing more."""
    root, _, fake = sweep
    calls = [c for m in manifests(root) for c in m.calls if not c.cache_hit]
    assert all(c.attempts >= 1 for c in calls)
    retried = sorted(c.stage for c in calls if c.attempts > 1)  # the 503 hits whichever create comes first
    assert len(retried) == 2 and "voice" in retried and set(retried) <= {"voice", "scenes", "image"}
    assert fake.count("replicate.create") == len(fake.predictions) + 1  # the 503 made no prediction


def test_no_output_contains_the_key(sweep) -> None:
    """The key is in no file the sweep wrote (configs, logs, manifests, reports, cache) nor in its output."""
    root, proc, _ = sweep
    needle = KEY.encode()
    leaks = [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]
    assert leaks == [] and KEY not in proc.stdout + proc.stderr
    assert (root / "out" / "multirun.yaml").is_file() and list((root / "out").glob("*/*/*/.hydra/config.yaml"))


def test_job_logs_hold_adbatch_lines_not_http_client_chatter(sweep) -> None:
    """Hydra's per-job adbatch.log carries no line per HTTP request (httpx logs those at INFO)."""
    root, _, _ = sweep
    logs = list((root / "out").glob("*/*/*/adbatch.log"))
    assert logs and not any("HTTP Request" in p.read_text() or "httpx" in p.read_text() for p in logs)


def test_manifest_names_each_stages_provider_as_built(sweep) -> None:
    root, _, _ = sweep
    stages = manifests(root)[0].config["stages"]
    assert stages["script"] == "anthropic/claude-sonnet-5-5" and stages["music"].startswith("offline/")
    assert stages["voice"].startswith("elevenlabs/") and stages["scenes"].startswith("replicate/")


def test_dry_run_estimate_is_within_5_percent_of_what_the_sweep_paid(sweep) -> None:
    """+dry_run=true against the same catalog and config prices each video within 5 % of its actual cost."""
    import re

    root, _, fake = sweep
    env = {**os.environ, **{var: KEY for var in KEY_VARS}}
    proc = run_adbatch(
        f"products={root / 'cat' / 'catalog.csv'}",
        "provider=live",
        *SMOKE,
        f"hydra.sweep.dir={root / 'dry'}",
        f"cache_dir={root / 'dry-cache'}",
        *fast_overrides(fake.url),
        "+dry_run=true",
        "-m",
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    estimates = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^\s+(\S+)/ugc/hook-best\s+\$\s*([\d.]+)", proc.stdout, re.MULTILINE)
    }
    for m in manifests(root):
        assert estimates[m.product_id] == pytest.approx(m.cost_usd, rel=0.05), (m.product_id, m.cost_usd)
