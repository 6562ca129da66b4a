"""Credentials fail fast: a wrong key stops the sweep before any job pays anyone, and a key refused mid-sweep stops
new jobs from starting; every message names the environment variable."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from adbatch.domain.manifest import read
from adbatch.providers import keys
from adbatch.providers.retry import KeyRefused
from tests.conftest import SMOKE, run_adbatch, sweep_manifests
from tests.fakes import FakeProviders, faults
from tests.fakes.live import KEY, KEY_VARS, catalog_of, fast_overrides, live_config

PAID = ("anthropic.messages", "elevenlabs.tts", "replicate.create", "replicate.files")


def live_sweep(tmp_path: Path, fake: FakeProviders, products: tuple[str, ...], **run: Any) -> Any:
    """``python -m adbatch provider=live ... -m`` over ``products`` against the fake server (short drafts)."""
    return run_adbatch(
        f"products={catalog_of(tmp_path / 'cat', *products)}",
        "provider=live",
        *SMOKE,
        f"hydra.sweep.dir={tmp_path / 'out'}",
        f"cache_dir={tmp_path / 'cache'}",
        *fast_overrides(fake.url),
        "-m",
        **run,
    )


@pytest.mark.parametrize("wrong", KEY_VARS)
def test_a_wrong_key_stops_the_sweep_before_any_job_naming_its_variable(tmp_path: Path, wrong: str) -> None:
    """One variable holds a wrong key: the sweep exits non-zero at once, names that variable, and no provider is
    paid a single request (the free checks of the others' keys are all it made)."""
    with FakeProviders(key=KEY) as fake:
        env = {**os.environ, **{var: KEY for var in KEY_VARS}, wrong: "sk-wrong"}
        proc = live_sweep(tmp_path, fake, ("alpha-mug", "beta-lamp"), env=env, timeout=120)
        assert proc.returncode != 0 and f"The key in {wrong} was refused" in proc.stderr, proc.stderr[-2000:]
        assert sum(fake.count(endpoint) for endpoint in PAID) == 0
    assert not list((tmp_path / "out").glob("*/*/*/manifest.json"))


def test_each_live_provider_checks_its_key_with_one_free_call() -> None:
    """verify_keys calls each provider's account/models endpoint once (Replicate once for scenes and image)."""
    cfg = live_config()
    with FakeProviders(key=KEY) as fake:
        for stage in ("script", "voice", "scenes", "image"):
            cfg.provider[stage].base_url = fake.url
        saved = {var: os.environ.get(var) for var in KEY_VARS}
        os.environ.update({var: KEY for var in KEY_VARS})
        try:
            keys.verify_keys(cfg.provider)
            counts = {e: fake.count(e) for e in ("anthropic.models", "replicate.account", "elevenlabs.user")}
            assert counts == {"anthropic.models": 1, "replicate.account": 1, "elevenlabs.user": 1}
            os.environ["ELEVENLABS_API_KEY"] = "sk-wrong"
            with pytest.raises(KeyRefused, match="ELEVENLABS_API_KEY was refused"):
                keys.verify_keys(cfg.provider)
        finally:
            for var, value in saved.items():
                os.environ.pop(var, None) if value is None else os.environ.__setitem__(var, value)


@pytest.mark.slow
def test_a_key_refused_mid_sweep_stops_new_jobs_and_fails_the_sweep(tmp_path: Path) -> None:
    """The keys pass the check, then Replicate starts refusing (a revoked token): the job that met the 401 fails
    naming REPLICATE_API_TOKEN, the jobs after it are not started (failed, $0, no call), and the sweep exits 1."""
    with FakeProviders(key=KEY) as fake:
        fake.script("replicate.create", *[faults.status(401)] * 50)
        env = {**os.environ, **{var: KEY for var in KEY_VARS}}
        proc = live_sweep(tmp_path, fake, ("alpha-mug", "beta-lamp", "gamma-cup"), env=env)
        creates = fake.count("replicate.create")
    assert proc.returncode == 1 and "REPLICATE_API_TOKEN" in proc.stdout + proc.stderr, proc.stderr[-2000:]
    made = sweep_manifests(tmp_path / "out")
    first, *rest = sorted(made, key=lambda m: m.started_at)
    assert first.status == "failed" and "REPLICATE_API_TOKEN was refused" in first.error.message
    assert rest and all(m.error.message.startswith("not started:") and not m.calls for m in rest)
    assert creates <= 4  # only the first job's creates (3 clips and its end card, in flight together) reached Replicate
    assert "REPLICATE_API_TOKEN" in json.dumps(
        read(tmp_path / "out" / first.product_id / "ugc" / "hook-best" / "manifest.json").error.model_dump()
    )
