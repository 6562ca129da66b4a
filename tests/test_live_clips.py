"""Generated clips in the render: decoded, scaled to cover the frame, played in time, readers closed."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from adbatch.config import PacingConf, RenderConf
from adbatch.domain import timeline
from adbatch.domain.archetype import load_archetype
from adbatch.domain.manifest import Call
from adbatch.paths import ARCHETYPES_DIR
from adbatch.render import encode
from adbatch.render.frames import ClipShot
from adbatch.render.probe import probe
from adbatch.stages import plan
from adbatch.stages.assets import Assets, Produced
from tests.conftest import make_png
from tests.fakes import media
from tests.test_render import tone

TINY = RenderConf(name="tiny", width=180, height=320, preset="ultrafast", crf=30)
SHOT = timeline.Shot(
    index=1, slot="demo", slot_type="demo", shot=0, start=2.0, end=4.5, camera="pan_left", layout="detail"
)


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.mp4"
    path.write_bytes(media.mp4(1.0, (144, 256), 24))
    return path


def test_clip_covers_the_frame_whatever_its_aspect(tmp_path: Path) -> None:
    """A 16:9 clip fills a 9:16 frame (scaled up, sides cropped): full size, no borders."""
    wide = tmp_path / "wide.mp4"
    wide.write_bytes(media.mp4(0.5, (256, 144), 24))
    shot = ClipShot(wide, SHOT, (180, 320))
    frame = shot.frame(SHOT.start)
    assert frame.shape == (320, 180, 3) and frame.dtype == np.uint8 and frame.flags.c_contiguous
    assert frame[:, :4].mean() > 5 and frame[:, -4:].mean() > 5  # picture reaches both edges
    shot.close()


def test_clip_plays_in_time_and_holds_its_last_frame(clip: Path) -> None:
    """Frames change as the shot plays; past the clip's end the last frame holds; earlier times reopen it."""
    shot = ClipShot(clip, SHOT, (180, 320))
    first = shot.frame(SHOT.start)
    later = shot.frame(SHOT.start + 0.5)
    end_a, end_b = shot.frame(SHOT.start + 1.5), shot.frame(SHOT.start + 2.0)
    assert np.abs(first.astype(int) - later.astype(int)).mean() > 1
    assert np.array_equal(end_a, end_b)
    assert np.array_equal(shot.frame(SHOT.start), first)  # backwards: reopened from the start
    shot.close()


def test_frames_are_copies_the_overlays_may_draw_on(clip: Path) -> None:
    """Drawing on a returned frame does not change the next one."""
    shot = ClipShot(clip, SHOT, (180, 320))
    a = shot.frame(SHOT.start)
    a[:] = 0
    assert shot.frame(SHOT.start).mean() > 0
    shot.close()


def test_render_with_a_clip_shot_closes_its_reader(clip: Path, tmp_path: Path) -> None:
    """A timeline mixing stills and a clip renders to the right duration, and leaves the clip file closed."""
    arch = load_archetype("pov", ARCHETYPES_DIR)
    pacing = dataclasses.replace(PacingConf(), duration=15.0)
    lines = {s.id: timeline.SpokenLine(text="la", duration=1.0, words=(("la", 0, 1.0),)) for s in arch.slots}
    tl = timeline.build(archetype=arch, pacing=pacing, texts={s.id: s.id for s in arch.slots}, lines=lines, fps=30)
    plate = make_png(tmp_path / "plate.png", size=(212, 378))
    kinds = ["static" if s.layout == timeline.ENDCARD else "clip" if s.index == 1 else "still" for s in tl.shots]
    shots = [encode.ShotSource(path=clip if k == "clip" else plate, kind=k) for k in kinds]
    job = encode.RenderJob(
        timeline=tl,
        shots=shots,
        voice={s.id: tone(tmp_path / f"{s.id}.wav", 1.0) for s in arch.slots},
        music=None,
        music_gain_db=-12,
        seed=1,
    )
    out = encode.render(job, TINY, video=tmp_path / "v.mp4", thumb=tmp_path / "t.jpg", work_dir=tmp_path)
    assert abs(probe(out.video).duration - tl.duration) <= 0.1
    assert str(clip) not in open_files()


def open_files() -> set[str]:
    """Paths this process holds open (Linux /proc)."""
    fds = Path("/proc/self/fd")
    return {str((fds / fd).resolve()) for fd in os.listdir(fds) if (fds / fd).exists()}


def test_scene_assets_of_kind_clip_become_clip_shots(clip: Path, tmp_path: Path) -> None:
    """The pipeline turns a scene whose meta says kind: clip into a clip shot, the rest into stills."""
    arch = load_archetype("ugc", ARCHETYPES_DIR)
    pacing = dataclasses.replace(PacingConf(), duration=20.0)
    tl = timeline.build(archetype=arch, pacing=pacing, texts={s.id: s.id for s in arch.slots}, lines={}, fps=30)
    plate = make_png(tmp_path / "plate.png")
    call = Call(stage="scenes", provider="x", model="y", key="k", units={}, cost_usd=0.0, latency_s=0.0)
    assets = Assets(
        scenes={
            (sh.slot, sh.shot): Produced(
                path=clip if sh.slot == "demo" and sh.shot == 0 else plate,
                meta={"kind": "clip" if sh.slot == "demo" else "still"},
                call=call,
            )
            for sh in tl.shots
        }
    )
    sources = plan.shot_sources(tl, assets, tl, plate)
    kinds = {(sh.slot, sh.shot): src.kind for sh, src in zip(tl.shots, sources)}
    assert kinds[("demo", 0)] == "clip" and kinds[("problem", 0)] == "still"
