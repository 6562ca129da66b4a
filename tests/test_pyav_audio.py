"""One FFmpeg: the meter, the AAC encode, the join and atempo run in process through PyAV, and agree with
the FFmpeg command line (imageio-ffmpeg's binary, a test dependency kept as the independent reference)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
import pytest

from adbatch.config import RenderConf
from adbatch.media.probe import probe
from adbatch.media.wav import read_wav, write_wav
from adbatch.render import loudness, mix, segments

RATE = 44100
FPS = 30
DRAFT = RenderConf(name="draft", width=64, height=96, preset="ultrafast", crf=26, audio_bitrate="96k")
AAC_FRAME = 1024  # samples per AAC frame
SUMMARY = {
    "integrated_lufs": r"I:\s+(-?inf|-?[\d.]+) LUFS",
    "lra": r"LRA:\s+(-?inf|-?[\d.]+) LU\b",
    "true_peak_dbtp": r"Peak:\s+(-?inf|-?[\d.]+) dBFS",
}


def cli_reading(source: Path | np.ndarray) -> dict[str, float]:
    """The FFmpeg command line's ebur128 Summary of a file or of a float track at RATE."""
    if isinstance(source, np.ndarray):
        data = source if source.ndim == 2 else source[:, None]
        args, pipe = ["-f", "f32le", "-ar", str(RATE), "-ac", str(data.shape[1]), "-i", "pipe:0"], data
        stdin: bytes | None = np.ascontiguousarray(pipe, dtype="<f4").tobytes()
    else:
        args, stdin = ["-i", str(source), "-vn"], None
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostats", *args, "-af", "ebur128=peak=true"]
    log = subprocess.run([*cmd, "-f", "null", "-"], input=stdin, capture_output=True, check=True).stderr.decode()
    summary = log.rpartition("Summary:")[2]
    return {key: float(re.search(pattern, summary).group(1)) for key, pattern in SUMMARY.items()}  # type: ignore[union-attr]


def speech_like(seconds: float = 6.0) -> np.ndarray:
    """Syllables of a 140 Hz voice with harmonics, loud and soft, with pauses: a real loudness range."""
    rng = np.random.default_rng(5)
    t = np.arange(int(seconds * RATE)) / RATE
    voice = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 8))
    syllables = np.repeat(rng.uniform(0.05, 0.8, int(seconds * 5)), RATE // 5)[: len(t)]
    pauses = (t % 1.5) < 1.1
    return (0.3 * voice * np.pad(syllables, (0, len(t) - len(syllables))) * pauses).astype(np.float32)


def tracks() -> dict[str, np.ndarray]:
    t = np.arange(int(3.37 * RATE)) / RATE
    clipped = np.clip(2.5 * np.sin(2 * np.pi * 997 * t), -1, 1).astype(np.float32)
    peaky = 0.05 * np.random.default_rng(2).standard_normal((len(t), 2)).astype(np.float32)
    peaky[-40:] = 0.95  # the loudest moment in the last, partial 100 ms the meter sees
    return {
        "speech_mono": speech_like(),
        "speech_stereo": np.stack([speech_like(), 0.5 * speech_like()], axis=1),
        "silent": np.zeros((2 * RATE, 2), dtype=np.float32),
        "clipped": np.stack([clipped, clipped], axis=1),
        "peak_at_the_end": peaky,
    }


@pytest.mark.parametrize("name", list(tracks()))
def test_measure_reads_what_the_ffmpeg_command_line_reads(name: str) -> None:
    """measure() of a track gives the CLI's ebur128 Summary: integrated loudness, LRA, true peak within 0.05."""
    track = tracks()[name]
    mine, theirs = loudness.measure(track, rate=RATE), cli_reading(track)
    for key, value in theirs.items():
        assert mine[key] == pytest.approx(value, abs=0.05), (key, mine, theirs)


def test_measure_of_a_file_reads_what_the_ffmpeg_command_line_reads(tmp_path: Path) -> None:
    """measure() of an encoded file (its audio decoded by PyAV) gives the CLI's Summary of the same file."""
    out = segments.encode_audio(tracks()["speech_stereo"], rate=RATE, conf=DRAFT, out=tmp_path / "speech.m4a")
    mine, theirs = loudness.measure(out), cli_reading(out)
    for key, value in theirs.items():
        assert mine[key] == pytest.approx(value, abs=0.05), (key, mine, theirs)


def test_the_aac_encode_keeps_length_codec_and_bitrate(tmp_path: Path) -> None:
    """encode_audio writes AAC at the preset's bitrate (within 20 %), as long as the track (within one AAC frame)."""
    track = tracks()["speech_stereo"]
    out = segments.encode_audio(track, rate=RATE, conf=DRAFT, out=tmp_path / "a.m4a")
    with av.open(str(out)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.codec_context.sample_rate, stream.codec_context.channels) == (
            "aac",
            RATE,
            2,
        )
        samples = sum(frame.samples for frame in container.decode(stream))
        kbps = out.stat().st_size * 8 / 1000 / (len(track) / RATE)
    assert abs(samples - len(track)) <= AAC_FRAME
    assert kbps == pytest.approx(segments.bits_per_second(DRAFT.audio_bitrate) / 1000, rel=0.2)


def test_bitrates_are_read_as_ffmpeg_writes_them() -> None:
    """'160k', '1.5M' and plain bits per second all parse."""
    assert [segments.bits_per_second(r) for r in ("160k", "1.5M", "96000")] == [160_000, 1_500_000, 96_000]


def grey_frames(n: int) -> np.ndarray:
    """``n`` distinct flat I420 frames at DRAFT's size."""
    return np.stack([np.full((DRAFT.height * 3 // 2, DRAFT.width), 16 + 4 * i, np.uint8) for i in range(n)])


def test_join_copies_the_video_packets_adds_the_audio_and_stops_with_the_video(tmp_path: Path) -> None:
    """Opener + body joined with a longer soundtrack: the parts' video packets byte for byte in order, moov
    before mdat, a keyframe at the split, and the audio cut to the video's length (within one AAC frame)."""
    frames = grey_frames(45)
    opener, body = (
        segments.encode_video(lambda t: frames[round(t * FPS)], start=a, end=b, fps=FPS, conf=DRAFT, out=tmp_path / f)
        for a, b, f in ((0, 20, "opener.mp4"), (20, 45, "body.mp4"))
    )
    sound = segments.encode_audio(speech_like(2.0), rate=RATE, conf=DRAFT, out=tmp_path / "sound.m4a")
    out = segments.join([opener, body], sound, out=tmp_path / "joined.mp4")

    def video_packets(path: Path) -> list[tuple[bytes, bool]]:
        with av.open(str(path)) as container:
            return [(bytes(p), p.is_keyframe) for p in container.demux(video=0) if p.size]

    joined = video_packets(out)
    assert [data for data, _ in joined] == [data for part in (opener, body) for data, _ in video_packets(part)]
    assert joined[20][1], "the body's first frame is a keyframe"
    info = probe(out)
    assert info.faststart and info.audio_codec == "aac"
    with av.open(str(out)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        video_s = float(video.duration * video.time_base)
        audio_s = float(audio.duration * audio.time_base)
    assert video_s == pytest.approx(45 / FPS, abs=1e-6)
    assert video_s - AAC_FRAME / RATE <= audio_s <= video_s + AAC_FRAME / RATE


def dominant_hz(track: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(track[:, 0] * np.hanning(len(track))))
    return float(np.argmax(spectrum) * RATE / len(track))


def test_atempo_shortens_by_the_factor_and_keeps_the_pitch(tmp_path: Path) -> None:
    """mix.tempo at 1.25: a 2 s 440 Hz line lasts 1.6 s, still at 440 Hz, as a 16-bit WAV at the same rate."""
    t = np.arange(2 * RATE) / RATE
    write_wav(tmp_path / "line.wav", (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), RATE)
    faster, rate = read_wav(mix.tempo(tmp_path / "line.wav", tmp_path / "fast.wav", 1.25))
    assert rate == RATE and len(faster) / RATE == pytest.approx(2.0 / 1.25, abs=0.01)
    assert dominant_hz(faster) == pytest.approx(440, abs=2)


def test_a_file_that_is_not_media_is_a_clear_loudness_error(tmp_path: Path) -> None:
    """Measuring an unreadable file raises LoudnessError naming it."""
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video")
    with pytest.raises(loudness.LoudnessError, match="junk.mp4"):
        loudness.measure(junk)
