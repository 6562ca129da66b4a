"""provider=live and its mixes: they compose, build, need exactly their keys, and never hold a key in config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from adbatch.paths import CONF_DIR
from adbatch.providers.keys import MissingKeyError, check_keys, needed_keys
from tests.conftest import make_png, product_row, run_adbatch, write_catalog
from tests.fakes.live import KEY, KEY_VARS, live_config

pytest_plugins = ["tests.fakes.fixtures"]  # fixtures: fake, keys, product

STAGES = ("script", "voice", "scenes", "image", "music")
MIXES = {
    (): {"script": "anthropic", "voice": "elevenlabs", "scenes": "replicate", "image": "replicate", "music": "offline"},
    ("provider.scenes=offline",): {"scenes": "offline"},
    ("provider=offline", "provider.voice=elevenlabs"): {
        "script": "offline",
        "voice": "elevenlabs",
        "scenes": "offline",
    },
    ("provider=offline", "provider.script=anthropic", "provider.image=replicate"): {
        "script": "anthropic",
        "image": "replicate",
    },
}


def choices(*overrides: str) -> dict[str, str]:
    """stage -> vendor module of its adapter (adbatch.providers.<vendor>.Class)."""
    cfg = live_config(*overrides)
    return {stage: cfg.provider[stage]["_target_"].split(".")[2] for stage in STAGES}


@pytest.mark.parametrize("overrides", list(MIXES), ids=lambda o: " ".join(o) or "provider=live")
def test_every_mix_composes_to_the_stages_it_names(overrides) -> None:
    """provider=live and plain per-stage overrides (provider.voice=elevenlabs ...) pick those adapters."""
    got = choices(*overrides)
    assert {k: got[k] for k in MIXES[overrides]} == MIXES[overrides]


@pytest.mark.parametrize("overrides", list(MIXES), ids=lambda o: " ".join(o) or "provider=live")
def test_every_mix_builds_with_keys_set(keys, overrides) -> None:
    """Each stage of each mix instantiates, with a name, a model and params() that never hold the key."""
    cfg = live_config(*overrides)
    for stage in STAGES:
        provider = instantiate(cfg.provider[stage])
        assert provider.name and provider.model and KEY not in repr(provider.params()) and KEY not in repr(provider)


def test_every_stage_option_in_conf_instantiates(keys) -> None:
    """Every conf/provider.<stage>/*.yaml builds (prices exist for its default model)."""
    for stage in STAGES:
        for option in sorted(p.stem for p in (CONF_DIR / f"provider.{stage}").glob("*.yaml")):
            assert instantiate(live_config(f"provider.{stage}={option}").provider[stage]).name


def test_live_stages_declare_their_keys() -> None:
    """The keys the live config needs, by stage, read from the adapter classes (no SDK call, no key needed)."""
    assert needed_keys(live_config().provider) == {
        "script": "ANTHROPIC_API_KEY",
        "voice": "ELEVENLABS_API_KEY",
        "scenes": "REPLICATE_API_TOKEN",
        "image": "REPLICATE_API_TOKEN",
    }
    assert needed_keys(live_config("provider=offline").provider) == {}


def test_missing_keys_are_named_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no key set, check_keys names every missing variable and its stage at once."""
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(MissingKeyError) as info:
        check_keys(live_config().provider)
    message = str(info.value)
    assert all(var in message for var in KEY_VARS) and "provider.voice needs ELEVENLABS_API_KEY" in message


def test_a_mix_needs_only_its_own_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """provider.voice=elevenlabs on the offline provider needs ELEVENLABS_API_KEY and nothing else."""
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ELEVENLABS_API_KEY", KEY)
    check_keys(live_config("provider=offline", "provider.voice=elevenlabs").provider)


def test_keys_never_enter_the_config() -> None:
    """No node of the live config holds a key-looking value: they come from the environment only."""
    text = OmegaConf.to_yaml(live_config())
    assert "api_key" not in text and "token:" not in text and KEY not in text


@pytest.mark.slow
def test_app_stops_before_any_job_when_a_key_is_missing(tmp_path: Path) -> None:
    """python -m adbatch provider=live without keys exits non-zero naming the variables; no job runs."""
    make_png(tmp_path / "images" / "a.png")
    catalog = write_catalog(tmp_path, [product_row("a")])
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    proc = run_adbatch(
        f"products={catalog}",
        "provider=live",
        f"hydra.run.dir={tmp_path / 'run'}",
        f"cache_dir={tmp_path / 'cache'}",
        env=env,
        timeout=300,
    )
    assert proc.returncode != 0
    assert "ANTHROPIC_API_KEY" in proc.stderr and "REPLICATE_API_TOKEN" in proc.stderr
    assert not (tmp_path / "run" / "manifest.json").exists()


def test_adapters_build_and_estimate_without_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dry run can price a live sweep with no key set: only a request needs one."""
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    cfg = live_config()
    voice = instantiate(cfg.provider.voice)
    assert voice.estimate("x" * 1000) == pytest.approx(0.10) and instantiate(cfg.provider.image).estimate(None) > 0


def test_a_request_without_its_key_names_the_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Called anyway with the key unset (e.g. the environment changed), a stage fails naming the variable."""
    import asyncio

    monkeypatch.delenv("ELEVENLABS_API_KEY", raising=False)
    voice = instantiate(live_config().provider.voice)
    with pytest.raises(MissingKeyError, match="ELEVENLABS_API_KEY"):
        asyncio.run(voice.speak("hello", tmp_path / "x.wav"))
