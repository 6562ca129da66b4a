"""Real renders, small and short: codec, size, fps, duration, audio, atomic writes, frames."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from adbatch.config import PacingConf, RenderConf
from adbatch.domain import timeline
from adbatch.domain.archetype import load_archetype
from adbatch.paths import ARCHETYPES_DIR
from adbatch.render import encode, mix, overlays
from adbatch.render.probe import probe
from adbatch.style import MixStyle
from tests.conftest import make_png

TINY = RenderConf(name="tiny", width=180, height=320, preset="ultrafast", crf=30)


def tone(path: Path, seconds: float, rate: int = 22050, freq: float = 220.0) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    mix.write_wav(path, 0.3 * np.sin(2 * np.pi * freq * t), rate)
    return path


@pytest.fixture
def tiny_job(tmp_path: Path) -> encode.RenderJob:
    """A 15 s pov timeline with tone 'voices', a music bed and 180x320 plates."""
    arch = load_archetype("pov", ARCHETYPES_DIR)
    pacing = dataclasses.replace(PacingConf(), duration=15.0)
    lines = {
        s.id: timeline.SpokenLine(text="la la", duration=1.0, words=(("la", 0, 0.5), ("la", 0.5, 1.0)))
        for s in arch.slots
    }
    tl = timeline.build(
        archetype=arch, pacing=pacing, texts={s.id: f"Text for {s.id}" for s in arch.slots}, lines=lines, fps=30
    )
    plate = make_png(tmp_path / "plate.png", size=(212, 378))
    card = make_png(tmp_path / "card.png", size=(180, 320), color=(20, 200, 90))
    shots = [
        encode.ShotSource(path=card, kind="static")
        if s.layout == timeline.ENDCARD
        else encode.ShotSource(path=plate, kind="still")
        for s in tl.shots
    ]
    voice = {s.id: tone(tmp_path / f"v-{s.id}.wav", 1.0) for s in arch.slots}
    music = tone(tmp_path / "music.wav", 4.0, rate=44100, freq=110.0)
    return encode.RenderJob(timeline=tl, shots=shots, voice=voice, music=music, music_gain_db=-12, seed=1)


def test_render_writes_h264_yuv420p_aac_with_faststart(tiny_job, tmp_path: Path) -> None:
    """The file really is H.264 yuv420p + AAC, 30 fps, the preset's size, faststart, duration ±0.1 s."""
    out = encode.render(tiny_job, TINY, video=tmp_path / "video.mp4", thumb=tmp_path / "thumb.jpg", work_dir=tmp_path)
    info = probe(out.video)
    assert (info.width, info.height, info.fps) == (180, 320, 30.0)
    assert (info.video_codec, info.pix_fmt, info.audio_codec) == ("h264", "yuv420p", "aac")
    assert info.faststart
    assert abs(info.duration - tiny_job.timeline.duration) <= 0.1
    assert out.thumb.stat().st_size > 0 and 0 < out.frame_seconds < out.total_seconds


def test_failed_render_leaves_no_final_file(tiny_job, tmp_path: Path) -> None:
    """If rendering fails, neither video.mp4 nor a stray part file is left behind."""
    broken = dataclasses.replace(
        tiny_job, shots=[encode.ShotSource(path=tmp_path / "missing.png", kind="still")] * len(tiny_job.shots)
    )
    with pytest.raises(ValueError):
        encode.render(broken, TINY, video=tmp_path / "video.mp4", thumb=tmp_path / "thumb.jpg", work_dir=tmp_path)
    assert not (tmp_path / "video.mp4").exists()
    assert not list(tmp_path.glob("*.part*"))


def test_frames_are_rgb24_without_a_mask(tiny_job) -> None:
    """The compositor returns contiguous uint8 HxWx3 frames, so nothing adds a mask."""
    comp = encode.compositor(tiny_job, TINY)
    frame = comp.frame(0.5)
    assert frame.shape == (320, 180, 3) and frame.dtype == np.uint8 and frame.flags.c_contiguous


def test_hook_text_is_drawn_from_the_first_frame(tiny_job) -> None:
    """The hook overlay changes pixels at t=0 (text on screen within the first second)."""
    comp = encode.compositor(tiny_job, TINY)
    bare = comp.shots[0].frame(0.0)
    assert np.abs(comp.frame(0.0).astype(int) - bare.astype(int)).sum() > 0


def test_overlays_stay_inside_the_safe_zone(tiny_job) -> None:
    """No text patch reaches the bottom 20 % or the right-side button column."""
    from adbatch.render.safezone import SafeZone

    zone = SafeZone(180, 320)
    for patch in overlays.overlay_patches(tiny_job.timeline, (180, 320)):
        h, w = patch.alpha.shape[:2]
        assert zone.contains(patch.x, patch.y, w, h), patch.overlay.text


def test_overlays_follow_the_platforms_margins(tiny_job) -> None:
    """A platform set whose UI covers more of the top pushes the text down with it."""
    from adbatch.render.safezone import Margins, SafeZone

    tall = Margins(top=0.3, bottom=0.35, left=0.06, right=0.16)
    zone = SafeZone(180, 320, margins=tall)
    patches = overlays.overlay_patches(tiny_job.timeline, (180, 320), margins=tall)
    assert patches and all(p.y >= zone.top > SafeZone(180, 320).top for p in patches)


def test_camera_moves_the_picture_over_a_shot(tiny_job) -> None:
    """A push-in shot's first and last frames differ (motion on stills)."""
    comp = encode.compositor(tiny_job, TINY)
    shot = next(s for s in comp.shots if getattr(s, "cam", None) and s.shot.camera == "push_in")
    a, b = shot.frame(shot.shot.start), shot.frame(shot.shot.end - 1 / 30)
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 1


def test_music_ducks_under_the_voice(tiny_job) -> None:
    """The music envelope dips under each voice line and fades out at the end."""
    rate = 1000
    env = mix.duck_envelope(tiny_job.timeline, int(tiny_job.timeline.duration * rate), rate)
    cue = tiny_job.timeline.voice[1]
    mid = int((cue.start + cue.end) / 2 * rate)
    assert env[mid] < 0.3 and env[int((cue.start - 0.25) * rate)] > 0.9 and env[-1] < 0.05


def test_the_style_sets_how_deep_and_how_fast_the_music_ducks(tiny_job) -> None:
    """style.mix.duck_db is the level under a line; duck_attack_s is how long before the line the dip starts."""
    rate, n = 1000, int(tiny_job.timeline.duration * 1000)
    cue = tiny_job.timeline.voice[1]
    mid, early = int((cue.start + cue.end) / 2 * rate), int((cue.start - 0.3) * rate)
    style = MixStyle(duck_db=-6.0, duck_attack_s=0.5)
    env = mix.duck_envelope(tiny_job.timeline, n, rate, style=style)
    assert env[mid] == pytest.approx(10 ** (-6 / 20), abs=1e-3)
    assert env[early] < 0.9 < mix.duck_envelope(tiny_job.timeline, n, rate)[early]


def count_frames(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def test_body_is_encoded_once_and_joined_without_gaps(tiny_job, tmp_path: Path) -> None:
    """Rendering in parts gives the same length and frame count as one encode; a hook variant reuses the body."""
    bodies = tmp_path / "bodies"
    whole = encode.render(tiny_job, TINY, video=tmp_path / "whole.mp4", thumb=tmp_path / "w.jpg", work_dir=tmp_path)
    first = encode.render(
        tiny_job, TINY, video=tmp_path / "a.mp4", thumb=tmp_path / "a.jpg", work_dir=tmp_path, body_cache=bodies
    )
    hook = tiny_job.timeline.overlays[0]
    variant_tl = tiny_job.timeline.model_copy(
        update={"overlays": (hook.model_copy(update={"text": "Another hook"}), *tiny_job.timeline.overlays[1:])}
    )
    second = encode.render(
        dataclasses.replace(tiny_job, timeline=variant_tl),
        TINY,
        video=tmp_path / "b.mp4",
        thumb=tmp_path / "b.jpg",
        work_dir=tmp_path,
        body_cache=bodies,
    )
    assert not first.body_reused and second.body_reused and len(list(bodies.glob("*.mp4"))) == 1
    frames = round(tiny_job.timeline.duration * 30)
    for out in (whole.video, first.video, second.video):
        info = probe(out)
        assert count_frames(out) == frames and abs(info.duration - tiny_job.timeline.duration) <= 0.1
        assert (info.video_codec, info.audio_codec, info.faststart) == ("h264", "aac", True)


def test_the_aac_coder_is_the_presets(tmp_path: Path) -> None:
    """render.aac_coder reaches FFmpeg: the draft's fast coder and the final's twoloop write different AAC streams
    of the same 2 s soundtrack, each a valid AAC track at the preset's length."""
    import av

    from adbatch.render import segments

    rate = 44100
    t = np.arange(2 * rate) / rate
    audio = np.stack([0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))] * 2, axis=1)
    made = {}
    for coder in ("fast", "twoloop"):
        conf = dataclasses.replace(RenderConf(), aac_coder=coder)
        out = segments.encode_audio(audio, rate=rate, conf=conf, out=tmp_path / f"{coder}.m4a")
        with av.open(str(out)) as container:
            stream = container.streams.audio[0]
            assert stream.codec_context.name == "aac"
            assert float(container.duration or 0) / 1e6 == pytest.approx(2.0, abs=0.05)
        made[coder] = out.read_bytes()
    assert made["fast"] != made["twoloop"]
