"""The render engine draws frames in I420 and encodes them in process (``adbatch.render.canvas``): the
picture must be the one the packed-RGB compositor draws, and the video the one today's RGB-piped FFmpeg
encode of those frames makes (SSIM >= 0.98 on a short draft)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from adbatch.config import PacingConf, RenderConf
from adbatch.domain import timeline
from adbatch.domain.archetype import load_archetype
from adbatch.paths import ARCHETYPES_DIR
from adbatch.render import canvas, captions, encode, segments
from adbatch.render.frames import OverlayPatch
from adbatch.render.probe import probe
from tests.fakes.media import mp4
from tests.test_render import tone

ROOT = Path(__file__).resolve().parents[1]
DRAFT = RenderConf(name="draft", width=540, height=960, preset="ultrafast", crf=26)  # render=draft's encoding
SMALL = dataclasses.replace(DRAFT, name="small", width=180, height=320)
MIN_SSIM = 0.98  # issue 13: visually equivalent to today's render
FPS = 30


def photo(path: Path, size: tuple[int, int], source: str) -> Path:
    """A real product photo from examples/ as a plate of ``size``: texture and edges, not a flat test card."""
    with Image.open(ROOT / "examples" / "images" / source) as img:
        img.convert("RGB").resize(size).save(path)
    return path


def make_job(tmp: Path, conf: RenderConf, archetype: str = "pov") -> encode.RenderJob:
    """A 14 s timeline of ``archetype`` (swipes for pov) with photo plates, one generated clip, overlays,
    burned-in captions, a watermark and an end card, at ``conf``'s size."""
    arch = load_archetype(archetype, ARCHETYPES_DIR)
    words = (("real", 0.0, 0.4), ("words", 0.4, 0.8), ("here", 0.8, 1.2))
    lines = {s.id: timeline.SpokenLine(text="real words here", duration=1.2, words=words) for s in arch.slots}
    tl = timeline.build(
        archetype=arch,
        pacing=dataclasses.replace(PacingConf(), duration=14.0),
        texts={s.id: f"Text for {s.id}!" for s in arch.slots},
        lines=lines,
        fps=FPS,
    )
    plates = [
        photo(tmp / f"plate{k}.png", conf.plate_size, n)
        for k, n in enumerate(("glow-serum.png", "cedar-fig-candle.jpg"))
    ]
    card = photo(tmp / "card.png", (conf.width, conf.height), "glow-serum.png")
    clip = tmp / "clip.mp4"
    clip.write_bytes(mp4(seconds=3.0, size=(144, 256)))
    shots = []
    for k, s in enumerate(tl.shots):
        if s.layout == timeline.ENDCARD:
            shots.append(encode.ShotSource(path=card, kind="static"))
        elif k == 2:
            shots.append(encode.ShotSource(path=clip, kind="clip"))
        else:
            shots.append(encode.ShotSource(path=plates[k % 2], kind="still"))
    return encode.RenderJob(
        timeline=tl,
        shots=shots,
        voice={s.id: tone(tmp / f"v-{s.id}.wav", 1.2) for s in arch.slots},
        music=tone(tmp / "music.wav", 4.0, rate=44100, freq=110.0),
        music_gain_db=-12,
        seed=3,
        caption_style=captions.CaptionStyle(),
        watermark=ROOT / "examples" / "brand_logo.png",
    )


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255**2 / max(mse, 1e-12))


def test_i420_round_trip_keeps_a_photo() -> None:
    """RGB -> I420 -> RGB loses only what 4:2:0 chroma and 8-bit rounding lose."""
    with Image.open(ROOT / "examples" / "images" / "glow-serum.png") as img:
        rgb = np.asarray(img.convert("RGB").resize((360, 640)))
    back = canvas.Canvas(360, 640, yuv=True).rgb(canvas.to_i420(rgb))
    assert back.shape == rgb.shape and psnr(back, rgb) > 35


def test_i420_matches_bt601_limited_range_with_2x2_averaged_chroma() -> None:
    """``to_i420`` (Y straight into the buffer, chroma from the RGB averaged at half size) is within one level of
    the float conversion: BT.601 limited range, each chroma sample the mean over its 2x2 block."""
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, (64, 48, 3), dtype=np.uint8)
    rgb[:32] = rgb[:32] // 64 * 64  # flat areas and hard edges besides noise
    out = canvas.to_i420(rgb).astype(float)
    yuv = rgb.astype(float) @ canvas.BT601_LIMITED[:, :3].T.astype(float) + canvas.BT601_LIMITED[:, 3]
    chroma = yuv[..., 1:].reshape(32, 2, 24, 2, 2).mean(axis=(1, 3))
    y, u, v = canvas.planes(out, 48, 64)
    assert np.abs(y.pixels - yuv[..., 0]).max() <= 1
    assert np.abs(u.pixels - chroma[..., 0]).max() <= 1 and np.abs(v.pixels - chroma[..., 1]).max() <= 1


def test_i420_needs_even_sides() -> None:
    with pytest.raises(ValueError, match="even sides"):
        canvas.Canvas(181, 320, yuv=True)


def test_every_layer_draws_alike_in_i420_and_rgb(tmp_path: Path) -> None:
    """Camera moves, a clip, swipes (pictures and the texts riding them), pop-ins, captions, the watermark and
    the end card: each frame drawn in I420 shows what the packed-RGB compositor draws."""
    job = make_job(tmp_path, SMALL)
    rgb, yuv = encode.compositor(job, SMALL), encode.compositor(job, SMALL, yuv=True)
    tl = job.timeline
    times = [s.start + 0.05 for s in tl.shots] + [tr.at + d for tr in tl.transitions for d in (-0.05, 0.0, 0.05)]
    times += [ov.start + 0.03 for ov in tl.overlays] + [tl.duration - 1 / FPS]
    for t in sorted(times):
        a, b = rgb.frame(t), yuv.rgb(t)
        assert psnr(a, b) > 30, f"t={t:.2f}: I420 frame differs from the RGB frame (PSNR {psnr(a, b):.1f} dB)"
    rgb.close()
    yuv.close()


def test_a_text_at_odd_pixels_keeps_its_place_and_colour() -> None:
    """A patch at an odd x, y is blended on whole chroma blocks: its ink lands on the same pixels, in its colour."""
    ov = timeline.Overlay(slot="s", role="body", text="x", start=0.0, end=1.0)
    rgba = np.zeros((21, 33, 4), np.uint8)
    rgba[5:16, 7:26] = (250, 40, 30, 255)
    patch = OverlayPatch(ov, rgba, (11, 17))
    flat = np.full((64, 64, 3), (20, 120, 220), np.uint8)
    cv = canvas.Canvas(64, 64, yuv=True)
    frame = cv.picture(flat)
    patch.blend(frame, 0.5, cv)
    shown = cv.rgb(frame).astype(int)
    inner = shown[17 + 6 : 17 + 15, 11 + 8 : 11 + 25]  # the ink, one pixel in from its edge
    assert np.abs(inner - (250, 40, 30)).max() <= 12
    outside = np.ones((64, 64), bool)
    outside[17 + 4 : 17 + 17, 11 + 6 : 11 + 27] = False  # the ink and a pixel of chroma bleed around it
    assert np.abs(shown[outside] - (20, 120, 220)).max() <= 6


def reference(job: encode.RenderJob, conf: RenderConf, out: Path) -> Path:
    """Today's render of ``job``'s picture, as it was made before the I420 engine: packed-RGB frames converted to
    yuv420p by swscale (as FFmpeg's command line did), same x264 settings."""
    import av

    comp = encode.compositor(job, conf)
    with av.open(str(out), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"preset": conf.preset, "crf": str(conf.crf)})
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = conf.width, conf.height, "yuv420p"
        for n in range(round(job.timeline.duration * FPS)):
            picture = av.VideoFrame.from_ndarray(comp.frame(n / FPS), format="rgb24")
            picture.pts = n
            container.mux(stream.encode(picture))
        container.mux(stream.encode(None))
    comp.close()
    return out


def ssim(a: Path, b: Path) -> float:
    """FFmpeg's SSIM of two videos (its ``ssim`` filter, run by PyAV), all planes, averaged over every frame."""
    import av
    from av.filter import Graph

    scores: list[float] = []
    with av.open(str(a)) as first, av.open(str(b)) as second:
        graph = Graph()
        inputs = [graph.add_buffer(template=c.streams.video[0]) for c in (first, second)]
        node, sink = graph.add("ssim"), graph.add("buffersink")
        for pad, source in enumerate(inputs):
            source.link_to(node, 0, pad)
        node.link_to(sink)
        graph.configure()
        for pair in zip(first.decode(video=0), second.decode(video=0), strict=True):
            for source, frame in zip(inputs, pair, strict=True):
                source.push(frame)
            scores += _drained_ssim(sink)
        for source in inputs:
            source.push(None)
        scores += _drained_ssim(sink)
    assert scores, "the ssim filter gave no frames"
    return float(np.mean(scores))


def _drained_ssim(sink) -> list[float]:
    """The SSIM of every frame the filter has ready (it tags each with its score)."""
    import av

    found = []
    while True:
        try:
            found.append(float(sink.pull().metadata["lavfi.ssim.All"]))
        except (av.BlockingIOError, av.EOFError):
            return found


def test_draft_render_matches_todays_render(tmp_path: Path) -> None:
    """The whole engine (I420 drawing, in-process x264, hook/body parts joined) on a short draft: the delivered
    video is H.264 yuv420p + AAC, frame for frame, and SSIM >= 0.98 against today's RGB-piped render."""
    job = make_job(tmp_path, DRAFT)
    done = encode.render(
        job,
        DRAFT,
        video=tmp_path / "video.mp4",
        thumb=tmp_path / "thumb.jpg",
        work_dir=tmp_path,
        body_cache=tmp_path / "b",
    )
    info = probe(done.video)
    assert (info.width, info.height, info.video_codec, info.pix_fmt, info.audio_codec) == (
        540,
        960,
        "h264",
        "yuv420p",
        "aac",
    )
    assert info.faststart and abs(info.duration - job.timeline.duration) <= 0.1
    score = ssim(done.video, reference(job, DRAFT, tmp_path / "today.mp4"))
    assert score >= MIN_SSIM, f"SSIM {score:.4f} against today's render"


def test_the_opener_is_encoded_beside_its_own_plates_not_the_bodys(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The body is encoded first; the plates it held are let go before the opener's encoder opens, which fills its
    ~200 MB of buffers beside the plates the opener shows, not beside the body's last ones. A body taken from the
    cache draws nothing, so the opener starts with nothing held either."""
    made: list = []
    real_compositor, real_encode = encode.compositor, segments.encode_video
    held: list[tuple[int | str, int]] = []

    def compositor(*args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(real_compositor(*args, **kwargs))
        return made[-1]

    def encode_video(frame_function, **kwargs):  # type: ignore[no-untyped-def]
        held.append((kwargs["start"], made[-1].plates.cache_info().currsize))
        out = real_encode(frame_function, **kwargs)
        held.append(("end", made[-1].plates.cache_info().currsize))
        return out

    monkeypatch.setattr(encode, "compositor", compositor)
    monkeypatch.setattr(segments, "encode_video", encode_video)
    job = make_job(tmp_path, DRAFT)
    split = segments.split_frame(job.timeline)
    for name in ("first", "second"):
        encode.render(
            job,
            DRAFT,
            video=tmp_path / f"{name}.mp4",
            thumb=tmp_path / f"{name}.jpg",
            work_dir=tmp_path,
            body_cache=tmp_path / "b",
        )
    body_end, opener_end = held[1][1], held[3][1]
    assert held[:4] == [(split, 0), ("end", body_end), (0, 0), ("end", opener_end)] and body_end and opener_end
    assert held[4:] == [(0, 0), ("end", opener_end)]  # the second video's body came from the cache


@pytest.mark.parametrize(("thread_type", "sliced"), [("frame", "0"), ("slice", "1")])
def test_render_thread_type_reaches_x264(tmp_path: Path, thread_type: str, sliced: str) -> None:
    """``render.thread_type`` picks x264's threading; x264 writes the settings it ran with into the stream."""
    from adbatch.render import segments

    conf = dataclasses.replace(RenderConf(), width=64, height=512, preset="ultrafast", thread_type=thread_type)
    grey = np.full((512 * 3 // 2, 64), 128, np.uint8)  # tall enough for x264 to slice it in two
    out = segments.encode_video(lambda t: grey, start=0, end=6, fps=30, conf=conf, out=tmp_path / "v.mp4")
    assert f"sliced_threads={sliced}".encode() in out.read_bytes()


@pytest.mark.parametrize(
    ("params", "written"),
    [
        ("", ["rc_lookahead=10"]),
        ("rc-lookahead=5", ["rc_lookahead=5"]),
        ("", ["lookahead_threads=1"]),
        # render=lean: x264 records the second option taken (it stops at a first one it cannot take), not sync_lookahead
        ("sync-lookahead=1:lookahead-threads=2", ["lookahead_threads=2"]),
    ],
)
def test_render_x264_params_reach_x264(tmp_path: Path, params: str, written: list[str]) -> None:
    """``render.x264_params`` passes libx264's own options (none by default: veryfast's lookahead of 10 frames, on
    one thread)."""
    from adbatch.render import segments

    conf = dataclasses.replace(RenderConf(), width=64, height=512, x264_params=params)
    grey = np.full((768, 64), 128, np.uint8)  # tall enough for x264 to give its lookahead two threads
    out = segments.encode_video(lambda t: grey, start=0, end=3, fps=30, conf=conf, out=tmp_path / "v.mp4")
    stream = out.read_bytes()
    assert all(f" {setting} ".encode() in stream for setting in written), written


@pytest.mark.parametrize("params", ["rc-lookahead", "rc-lookahead=5:", "sync-lookahead=1 rc-lookahead=5"])
def test_malformed_x264_params_are_refused_by_name(tmp_path: Path, params: str) -> None:
    from adbatch.render import segments

    conf = dataclasses.replace(RenderConf(), x264_params=params)
    with pytest.raises(ValueError, match=r"render.x264_params=.*expected key=value pairs joined by ':'"):
        segments.encode_video(
            lambda t: np.zeros((6, 4), np.uint8), start=0, end=1, fps=30, conf=conf, out=tmp_path / "v.mp4"
        )
    assert not (tmp_path / "v.mp4").exists()


def test_an_unknown_thread_type_is_refused_by_name(tmp_path: Path) -> None:
    from adbatch.render import segments

    conf = dataclasses.replace(RenderConf(), thread_type="frames")
    with pytest.raises(ValueError, match=r"render.thread_type='frames': expected one of \['frame', 'slice'\]"):
        segments.encode_video(
            lambda t: np.zeros((6, 4), np.uint8), start=0, end=1, fps=30, conf=conf, out=tmp_path / "v.mp4"
        )
    assert not (tmp_path / "v.mp4").exists()
