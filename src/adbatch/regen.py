"""``python -m adbatch.regen <video_dir> scene=3 [prompt="..."] [key=value ...]``: redo one scene.

Regenerates scene N (1-based, as numbered in ``timeline.json`` and the preview sheet) with
a new seed, or a new prompt, and re-renders the video from cached assets: every other
asset is a cache hit, so only that scene is paid for. The video folder is updated in
place (atomically, file by file) and its manifest keeps the previous versions in
``history``. Extra ``key=value`` pairs override the job's saved config (dot notation).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf

from adbatch.domain.timeline import ENDCARD
from adbatch.errors import AdbatchError

if TYPE_CHECKING:
    from adbatch.domain.manifest import Manifest


class RegenError(AdbatchError, ValueError):
    """The folder is not a finished adbatch video, or the scene does not exist."""


def scene_key(video_dir: Path, scene: int) -> str:
    """``"<slot>/<shot>"`` of scene ``scene`` (1-based) in the video's timeline."""
    shots = json.loads((video_dir / "timeline.json").read_text())["shots"]
    if not 1 <= scene <= len(shots):
        raise RegenError(f"scene={scene}: the video has scenes 1..{len(shots)}")
    shot = shots[scene - 1]
    if shot["layout"] == ENDCARD:
        raise RegenError(f"scene={scene} is the end card: it is drawn, not generated (change brand or catalog)")
    return f"{shot['slot']}/{shot['shot']}"


def regenerate(video_dir: Path, *, scene: int, prompt: str | None = None, overrides: Sequence[str] = ()) -> Manifest:
    """Regenerate one scene of the video in ``video_dir`` and re-render it; return the new manifest."""
    from adbatch.app import build_providers
    from adbatch.config import typed
    from adbatch.domain import manifest
    from adbatch.pipeline import run_job
    from adbatch.store.ledger import Caps, SqliteLedger

    saved = video_dir / ".hydra" / "config.yaml"
    if not saved.is_file() or not (video_dir / manifest.MANIFEST).is_file():
        raise RegenError(f"{video_dir} is not an adbatch video folder (no .hydra/config.yaml or manifest.json)")
    old = manifest.read(video_dir / manifest.MANIFEST)
    cfg = OmegaConf.load(saved)
    if not isinstance(cfg, DictConfig):
        raise RegenError(f"{saved} does not hold a config mapping")
    # a single run picks its product after Hydra saved the config: the manifest knows which it was
    cfg.product_id = old.product_id
    cfg.products = old.config.get("catalog") or cfg.products
    cfg.merge_with(OmegaConf.from_dotlist(list(overrides)))
    key = scene_key(video_dir, scene)
    tweaks: dict[str, dict[str, Any]] = dict(typed(cfg).scene_overrides)
    previous = tweaks.get(key, {})
    tweaks[key] = {"seed_offset": int(previous.get("seed_offset", 0)) + 1, "prompt": prompt or previous.get("prompt")}
    cfg.scene_overrides = tweaks
    writer, providers = build_providers(cfg)
    caps = Caps(per_video_usd=cfg.cost_cap.per_video_usd, per_sweep_usd=cfg.cost_cap.per_sweep_usd)
    new = run_job(
        typed(cfg),
        out_dir=video_dir,
        writer=writer,
        providers=providers,
        ledger=SqliteLedger(video_dir / "regen-ledger.sqlite", caps),
    )
    OmegaConf.save(cfg, saved)  # the saved config now reproduces this version
    entry = {
        "scene": scene,
        "key": key,
        "seed_offset": tweaks[key]["seed_offset"],
        "prompt": tweaks[key]["prompt"],
        "previous": old.model_dump(mode="json", include=manifest.PREVIOUS),
    }
    updated = new.model_copy(update={"history": [*old.history, entry]})
    manifest.write(updated, video_dir)
    return updated


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m adbatch.regen", description=__doc__.splitlines()[0])
    parser.add_argument("video_dir", type=Path)
    parser.add_argument("assignments", nargs="+", help="scene=N (required), prompt=..., other key=value overrides")
    args = parser.parse_args(argv)
    pairs = dict(a.split("=", 1) for a in args.assignments if "=" in a)
    if "scene" not in pairs or not pairs["scene"].isdigit():
        sys.exit("adbatch.regen: say which scene, e.g. scene=3 (numbered as in timeline.json / sheet.jpg)")
    rest = [f"{k}={v}" for k, v in pairs.items() if k not in ("scene", "prompt")]
    try:
        m = regenerate(args.video_dir.resolve(), scene=int(pairs["scene"]), prompt=pairs.get("prompt"), overrides=rest)
    except RegenError as exc:
        sys.exit(f"adbatch.regen: {exc}")
    paid = [c for c in m.calls if not c.cache_hit]
    print(
        f"regenerated scene {pairs['scene']} of {args.video_dir}: status {m.status}, {len(paid)} paid call(s), "
        f"${m.cost_usd:.4f}; {len(m.history)} earlier version(s) in the manifest"
    )


if __name__ == "__main__":
    main()
