"""Word-by-word captions: timed to the voice's words, inside the safe zone, never cut off; and SRT."""

from __future__ import annotations

import re

import numpy as np
import pytest

from adbatch.domain import timeline
from adbatch.render import captions, fonts, overlays, text
from adbatch.render.safezone import SafeZone
from tests.test_style import composed

FPS = 30
FRAME = 1 / FPS
LEAD = 0.3
WORD = 0.32  # seconds per synthetic word
SENTENCE = "Honestly I was tired of cold coffee every morning, so"


def spoken(sentence: str) -> timeline.SpokenLine:
    """A line whose words each last WORD seconds, timed as a voice provider reports them."""
    words = sentence.split()
    return timeline.SpokenLine(
        text=sentence,
        duration=len(words) * WORD + 0.1,
        words=tuple((w.strip(",."), i * WORD, (i + 1) * WORD) for i, w in enumerate(words)),
    )


def make_timeline(archetype, pacing, sentences: list[str] | None = None) -> timeline.Timeline:
    sentences = sentences or [SENTENCE]
    lines = {s.id: spoken(sentences[i % len(sentences)]) for i, s in enumerate(archetype.slots)}
    return timeline.build(
        archetype=archetype,
        pacing=pacing,
        texts={s.id: f"Text of {s.id}" for s in archetype.slots},
        lines=lines,
        fps=FPS,
    )


@pytest.fixture
def tl(ugc, pacing) -> timeline.Timeline:
    return make_timeline(ugc, pacing)


@pytest.fixture
def track(tl) -> captions.CaptionTrack:
    return captions.build(tl, (540, 960), text_lead=LEAD)


def frames_of(tl: timeline.Timeline) -> list[float]:
    return [n / FPS for n in range(round(tl.duration * FPS))]


def test_each_voice_line_appears_text_lead_before_its_first_word(tl, track) -> None:
    """The first phrase of every voice line is on screen 0.3 s before its first word, to the frame."""
    for cue in tl.voice:
        if cue.start >= track.phrases[-1].end:
            continue  # spoken over the end card, where captions stop
        first_frame = next(t for t in frames_of(tl) if (s := track.state(t)) and track.phrases[s[0]].slot == cue.slot)
        assert abs(first_frame - (cue.words[0].start - LEAD)) <= FRAME + 1e-9, cue.slot


def test_the_highlight_moves_to_each_word_as_it_starts(tl, track) -> None:
    """The highlighted word changes at every word's start, within one frame, and nowhere else."""
    starts = sorted(w.start for cue in tl.voice for w in cue.words if w.start < track.phrases[-1].end)
    changes, last = [], None
    for t in frames_of(tl):
        state = track.state(t)
        if state is not None and state[1] >= 0 and state != last:
            changes.append(t)
        last = state
    assert len(changes) == len(starts)
    assert all(abs(c - s) <= FRAME + 1e-9 for c, s in zip(changes, starts))


def test_no_word_is_highlighted_during_the_lead(tl, track) -> None:
    """Before a line's first word starts, its phrase shows with no word highlighted."""
    cue = tl.voice[0]
    assert track.state(cue.words[0].start - LEAD / 2) == (0, -1)


def test_the_patch_changes_exactly_at_word_boundaries(tl, track) -> None:
    """Within a word the caption's pixels stay the same; across a word boundary they change."""
    phrase = next(p for p in track.phrases if len(p.words) >= 3 and p.start > 0)

    def shot(t: float) -> np.ndarray:
        frame = np.full((960, 540, 3), 90, np.uint8)
        track.blend(frame, t)
        return frame

    for k in (1, 2):
        boundary = phrase.starts[k]
        assert np.array_equal(shot(boundary - 2 * FRAME), shot(boundary - FRAME / 2))
        assert not np.array_equal(shot(boundary - FRAME / 2), shot(boundary + FRAME / 2))


def test_phrases_never_overlap_and_hold_at_most_max_words(tl) -> None:
    """Each phrase ends before the next begins and has 1 to max_words words."""
    found = captions.phrases(tl, max_words=3, text_lead=LEAD)
    assert all(a.end <= b.start + 1e-9 for a, b in zip(found, found[1:]))
    assert all(1 <= len(p.words) <= 3 for p in found)


def test_a_phrase_ends_after_a_clause(tl) -> None:
    """A word ending in a comma or full stop closes its phrase, and words keep their punctuation."""
    assert any(p.words[-1] == "morning," for p in captions.phrases(tl, text_lead=LEAD))


def test_captions_stop_at_the_end_card(tl, track) -> None:
    """No caption is drawn over the end card, which shows the CTA itself."""
    card = next(s.start for s in tl.shots if s.layout == timeline.ENDCARD)
    assert all(p.end <= card + 1e-9 for p in track.phrases)
    assert track.state(card + FRAME) is None


def test_a_line_without_word_timings_is_still_captioned(ugc, pacing) -> None:
    """A voice line with no word timings gets its words spread over the line."""
    lines = {s.id: timeline.SpokenLine(text="keeps coffee hot all day", duration=1.5) for s in ugc.slots}
    tl = timeline.build(archetype=ugc, pacing=pacing, texts={}, lines=lines, fps=FPS)
    found = captions.phrases(tl, text_lead=LEAD)
    assert found and " ".join(found[0].words + found[1].words) == "keeps coffee hot all day"


@pytest.mark.parametrize("size", [(1080, 1920), (540, 960), (270, 960)])
def test_long_words_are_wrapped_and_scaled_inside_the_safe_zone(ugc, pacing, size) -> None:
    """Even very long words on a narrow frame stay inside the zone, clear of the body text, whole."""
    sentences = [
        "Supercalifragilisticexpialidocious moisturising antiinflammatory serum",
        "Internationalisation and Unbelievably satisfying craftsmanship",
    ]
    tl = make_timeline(ugc, pacing, sentences)
    w, h = size
    zone = SafeZone(w, h)
    track = captions.build(tl, size, text_lead=LEAD)
    body = [(p.y, p.y + p.rgb.shape[0]) for p in overlays.overlay_patches(tl, size) if p.overlay.role == "body"]
    for cap in track.captions:
        (x, y), (ph, pw) = cap.xy, cap.states[0].shape[:2]
        assert pw <= zone.centered_width and zone.contains(x, y, pw, ph)
        assert all(y + ph <= top or y >= bottom for top, bottom in body)
        lay = cap.layout
        if lay.width > zone.centered_width:  # too long even at the smallest size: scaled down whole
            assert lay.size == text.MIN_FONT_PX
            continue
        cols = np.flatnonzero(cap.states[0][..., 3].max(axis=0) > 0)  # ink spans the words' measured runs
        left = min(x for _, x, _, _ in lay.pieces)
        right = max(x + fonts.width(shaped, lay.size, lay.specs) for _, x, _, shaped in lay.pieces)
        assert abs((cols[-1] - cols[0] + 1) - (right - left)) <= 2 * lay.stroke + 0.25 * lay.size


def test_every_state_of_a_phrase_has_the_same_box(track) -> None:
    """Highlighting a word never moves or resizes the caption."""
    for states in (c.states for c in track.captions):
        assert {s.shape for s in states} == {states[0].shape}
        assert all(np.array_equal(s[..., 3], states[0][..., 3]) for s in states)


def test_a_phrase_is_painted_when_it_shows_and_only_its_state_on_screen_is_kept(tl, monkeypatch) -> None:
    """A 30 s ad's phrase states took ~11 MB painted up front: now each state is painted as it first shows,
    sized as painted, and the track holds the one on screen."""
    painted = []
    real = text.paint
    monkeypatch.setattr(text, "paint", lambda *a, **k: painted.append(1) or real(*a, **k))
    track = captions.build(tl, (540, 960), text_lead=LEAD)
    assert track.captions and not painted  # laid out and placed, nothing painted
    for cap in track.captions:
        assert cap.size == cap.state(-1).shape[1::-1]  # the box it was placed by is the patch's
    painted.clear()
    first = track.captions[0].phrase
    t = (first.starts[0] + first.end) / 2
    key = track.state(t)
    assert key is not None and track.patch(t) is track.patch(t) and len(painted) == 1  # once per state shown
    patch = track.patch(t)
    assert patch is not None and np.array_equal(patch.alpha[..., 0], track.captions[key[0]].state(key[1])[..., 3])


def test_rtl_and_cjk_phrases_render_every_word(ugc, pacing) -> None:
    """A caption mixing Hebrew, Arabic, Chinese and emoji draws each word, highlighted word included."""
    tl = make_timeline(ugc, pacing, ["Try שמן זית with زيت الأرغان and 保温杯 🔥 today"])
    track = captions.build(tl, (1080, 1920), text_lead=LEAD)
    phrase_words = [w for p in track.phrases for w in p.words]
    assert {"שמן", "זית", "زيت", "الأرغان", "保温杯", "🔥"} <= set(phrase_words)
    for states in (c.states for c in track.captions):
        lit = [np.any(s[..., :3] != states[0][..., :3]) for s in states[1:]]
        assert all(lit)  # each word, when highlighted, changes the patch


def test_srt_lists_every_phrase_with_timestamps(tl) -> None:
    """SRT cues are numbered from 1, timed HH:MM:SS,mmm --> HH:MM:SS,mmm, one phrase each."""
    out = captions.srt(tl, text_lead=LEAD)
    blocks = out.strip("\n").split("\n\n")
    found = captions.phrases(tl, text_lead=LEAD)
    assert len(blocks) == len(found)
    stamp = r"\d\d:\d\d:\d\d,\d\d\d"
    for n, (block, phrase) in enumerate(zip(blocks, found), 1):
        index, times, words = block.split("\n")
        assert index == str(n) and re.fullmatch(f"{stamp} --> {stamp}", times) and words == phrase.text
    # the first word starts at 0.3 s, so the lead takes the phrase to 0; its 3 words end at 0.3 + 3 x 0.32 s
    assert blocks[:2] == [
        "1\n00:00:00,000 --> 00:00:01,260\nHonestly I was",
        "2\n00:00:01,260 --> 00:00:02,220\ntired of cold",
    ]


def test_srt_timestamps_roll_over_minutes_and_hours() -> None:
    """Times past a minute and an hour are written in full."""
    assert captions._stamp(3723.4567) == "01:02:03,457"


def test_write_srt_writes_the_file(tl, tmp_path) -> None:
    """write_srt puts exactly srt() in the file, leaving no temporary file."""
    path = tmp_path / "captions.srt"
    captions.write_srt(tl, path, text_lead=LEAD)
    assert path.read_text(encoding="utf-8") == captions.srt(tl, text_lead=LEAD)
    assert [p.name for p in tmp_path.iterdir()] == ["captions.srt"]


def test_the_track_blends_as_the_compositors_last_overlay(tl, track) -> None:
    """Appended to Compositor's overlays, the track draws the caption on screen and nothing elsewhere."""
    from adbatch.render.frames import Compositor, StaticShot

    plain = np.full((960, 540, 3), 90, np.uint8)
    comp = Compositor(tl, [StaticShot(plain, s) for s in tl.shots], [track], (540, 960))
    phrase = track.phrases[1]
    shown = comp.frame(phrase.starts[0] + 0.2)
    (x, y), (ph, pw) = track.captions[1].xy, track.captions[1].states[0].shape[:2]
    assert not np.array_equal(shown[y : y + ph, x : x + pw], plain[y : y + ph, x : x + pw])
    assert np.array_equal(np.delete(shown, np.s_[y : y + ph], axis=0), np.delete(plain, np.s_[y : y + ph], axis=0))
    assert np.array_equal(comp.frame(tl.duration - FRAME), plain)


def test_style_comes_from_the_captions_config() -> None:
    """captions.highlight (#RRGGBB) and captions.max_words set the style (through style.captions)."""
    cfg = composed("captions.highlight='#FF3B6B'", "captions.max_words=3")
    style = captions.CaptionStyle.from_config(cfg.style.captions)
    assert style.highlight == (255, 59, 107) and style.max_words == 3


def test_a_clause_is_cut_into_even_phrases(tl) -> None:
    """Nine words at four per phrase read 3 + 3 + 3, never 4 + 4 + 1."""
    found = captions.phrases(tl, max_words=4, text_lead=LEAD)
    assert [len(p.words) for p in found[:3]] == [3, 3, 3]
