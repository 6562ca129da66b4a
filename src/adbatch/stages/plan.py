"""Planning between the script and the render: timelines that fit, and the asset plan.

The job (``adbatch.pipeline``) calls these in order: lay the draft out from estimated line
lengths, plan the assets from that draft, lay the final timeline out from the real ones,
then map each final shot to its picture.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adbatch.config import AdbatchConf
from adbatch.domain import timeline
from adbatch.domain.archetype import Archetype
from adbatch.domain.product import Product
from adbatch.domain.script import HookCandidate, Script, spoken_words
from adbatch.providers.base import CardRequest, MusicRequest, SceneRequest, VoiceSynth
from adbatch.render import encode, mix
from adbatch.stages.assets import AssetPlan, Assets
from adbatch.stages.clip_prompts import clip_prompt
from adbatch.store.cache import content_key


def estimate_line(line: str, voice: VoiceSynth) -> timeline.SpokenLine:
    """A line's expected length before it is spoken: its spoken words (numbers read long) at the voice's
    measured rate, which counts the pauses at punctuation."""
    return timeline.SpokenLine(text=line, duration=spoken_words(line) / voice.words_per_second if line else 0.0)


def hook_reserve(cfg: AdbatchConf, seconds: Sequence[float]) -> float:
    """How long the hook beat holds its line, the same for every hook variant so they share one body:
    the best-ranked hook's (``seconds[0]``), or the longest candidate's sped up to pacing.max_voice_speedup
    if that is longer (a longer variant plays faster, ``timeline._held``), so the default video does not
    keep the longest variant's silence. When the best hook fits the one hook shot (pacing.hook_scene_max),
    no variant may push the beat to a second shot: the best hook would leave a second of silence after it;
    a variant too long for the shot even sped up holds a longer beat, and its own body. A best hook a little
    too long for the shot plays faster to fit it (within max_voice_speedup) when a second shot would leave
    more silence after it than a text may wait (pacing.text_delay_max)."""
    pacing, best = cfg.pacing, seconds[0]
    held, one_shot = max(best, max(seconds) / pacing.max_voice_speedup), pacing.hook_scene_max - pacing.text_lead
    two_shots = pacing.hook_scene + pacing.scene_min - pacing.text_lead
    if best <= one_shot or (two_shots - best > pacing.text_delay_max and best <= one_shot * pacing.max_voice_speedup):
        return max(min(best, one_shot), min(held, one_shot))
    return held


HOOK_VARIANT = "_hook"  # voice assets of the other hook candidates: "_hook2" is the rank-2 hook's line


def texts_for(script: Script, chosen: HookCandidate, hook_id: str) -> dict[str, str]:
    """On-screen text per slot, the hook slot's from the chosen hook."""
    return {hook_id: chosen.text} | {s.slot: s.text for s in script.slots}


def words_for(script: Script, chosen: HookCandidate, hook_id: str) -> dict[str, str]:
    """Voice line per slot, the hook slot's from the chosen hook."""
    return {hook_id: chosen.voice} | {s.slot: s.voice for s in script.slots}


@dataclass(frozen=True)
class Edits:
    """The creative director's edits, applied each time the timeline is laid out (``timeline.build``),
    and what fitting a long voice-over decided (``duration``, ``dropped``)."""

    soft_max: Mapping[str, float] = field(default_factory=dict)  # slot id -> seconds it may last at most
    cameras: Mapping[tuple[str, int], str] = field(default_factory=dict)  # (slot, shot in slot) -> camera
    reserve: Mapping[str, float] = field(default_factory=dict)  # slot id -> seconds held for a longer line
    order: tuple[str, ...] | None = None  # the reorderable beats' new order
    duration: float | None = None  # the video's length, when fitting lengthened it (else pacing.duration)
    dropped: tuple[str, ...] = ()  # slots whose voice line fitting left out (their text stays)
    # slot id -> seconds its line counts as when judging whether the copy carries the body (``fitted``): the
    # best hook's length for the hook beat, so every hook variant's video is tightened alike and keeps one body
    judged: Mapping[str, float] = field(default_factory=dict)


Shorten = Callable[[float], Mapping[str, timeline.SpokenLine]]  # share that fits -> shorter body lines


def longest_video(cfg: AdbatchConf) -> float:
    """How long fitting may make a video: pacing.max_duration, and every QA platform's own limit."""
    return min([cfg.pacing.max_duration, *(longest for _, longest in _platform_durations(cfg))])


def shortest_video(cfg: AdbatchConf) -> float:
    """How short tightening may make a video: pacing.min_duration, and every QA platform's own minimum."""
    return max([cfg.pacing.min_duration, *(shortest for shortest, _ in _platform_durations(cfg))])


def _platform_durations(cfg: AdbatchConf) -> list[tuple[float, float]]:
    """[shortest, longest] seconds each QA platform accepts (``duration_s`` of ``conf/platforms``)."""
    specs = [cfg.platforms.get(p, {}) for p in cfg.qa.platforms]
    return [(float(spec["duration_s"][0]), float(spec["duration_s"][1])) for spec in specs if "duration_s" in spec]


def carried(cfg: AdbatchConf, tl: timeline.Timeline) -> bool:
    """Whether the voice carries the body: pacing.min_coverage of it voiced, no silence over max_silence."""
    return tl.voice_coverage >= cfg.pacing.min_coverage and tl.longest_gap_s <= cfg.pacing.max_silence


def fitted(
    cfg: AdbatchConf,
    log: Any,
    archetype: Archetype,
    texts: Mapping[str, str],
    lines: Mapping[str, timeline.SpokenLine],
    edits: Edits = Edits(),
    *,
    extend: bool = True,
    shorten: Shorten | None = None,
) -> tuple[timeline.Timeline, timeline.Fitting]:
    """Lay the video out; a voice-over too long for it is fitted, each step tried only if the one before
    did not fit (the voice may always speed up to pacing.max_voice_speedup): drop the archetype's optional
    lines; have the writer shorten the body lines (``shorten``: given the share of their length that fits,
    it returns the new lines' estimates); lengthen the video (``extend``) in 0.5 s steps up to
    ``longest_video``; leave the lightest body beats text-only. Raise TimelineError naming every step
    tried when none fits."""
    lines = {k: v for k, v in lines.items() if k not in edits.dropped}
    base = edits.duration or cfg.pacing.duration
    fps = int(cfg.render.fps)
    needed = timeline.minimum_seconds(
        archetype=archetype, pacing=cfg.pacing, lines=lines, fps=fps, reserve=edits.reserve
    )
    dropped, tried, shortened = list(edits.dropped), list[str](), list[str]()

    def attempt(seconds: float, said: Mapping[str, timeline.SpokenLine] | None = None) -> timeline.Timeline | None:
        pacing = dataclasses.replace(cfg.pacing, duration=seconds)
        kw: dict[str, Any] = {"archetype": archetype, "pacing": pacing, "texts": texts, "fps": fps}
        kw |= {"lines": lines if said is None else said, "reserve": edits.reserve, "order": edits.order}
        kw |= {"transition": cfg.archetype.transition, "soft_max": edits.soft_max, "cameras": edits.cameras}
        try:
            return timeline.build(**kw)
        except timeline.VoiceTooLong as exc:
            return timeline.build(**kw, tempo=exc.tempo) if exc.tempo <= cfg.pacing.max_voice_speedup else None

    def tighter(tl: timeline.Timeline) -> timeline.Timeline:
        """Copy too short to carry the body (``carried``): the longest shorter video, in 0.5 s steps down to
        ``shortest_video``, that it carries, else the one it voices most of; the step is in ``tried``. Judged
        on ``edits.judged``'s lengths (the best hook's), so every hook variant gets the same length and body."""
        held = {k: dataclasses.replace(v, duration=edits.judged.get(k, v.duration)) for k, v in lines.items()}
        judged = attempt(base, held)
        if judged is None or carried(cfg, judged):
            return tl
        pace = max((c.tempo for c in judged.voice), default=1.0)  # tightening never speeds the voice up
        steps = [base - 0.5 * k for k in range(1, int((base - shortest_video(cfg)) / 0.5 + 1e-9) + 1)]
        options = [
            t for t in (attempt(s, held) for s in steps) if t and max((c.tempo for c in t.voice), default=1.0) <= pace
        ]
        pick = next((t for t in options if carried(cfg, t)), None) or max(
            [judged, *options], key=lambda t: (t.voice_coverage, t.duration)
        )
        best = attempt(pick.duration) if pick is not judged else None
        if best is None:
            return tl
        tried.append(
            f"tightened the video to {best.duration:.1f} s: the lines voiced {tl.voice_coverage:.0%} of "
            f"{base:.1f} s (longest silence {tl.longest_gap_s:.1f} s), now {best.voice_coverage:.0%} "
            f"(longest silence {best.longest_gap_s:.1f} s; pacing.min_coverage, max_silence, min_duration)"
        )
        log.info("voice_fitted", step="tighten", duration=best.duration, coverage=best.voice_coverage)
        return best

    def done(tl: timeline.Timeline) -> tuple[timeline.Timeline, timeline.Fitting]:
        tempo = max((c.tempo for c in tl.voice), default=1.0)
        return tl, timeline.Fitting(
            needed_s=round(needed, 2),
            duration_s=tl.duration,
            tempo=tempo,
            dropped=tuple(dropped),
            shortened=tuple(shortened),
            tried=tuple(tried),
            voice_coverage=tl.voice_coverage,
            longest_gap_s=tl.longest_gap_s,
        )

    if tl := attempt(base):
        return done(tighter(tl))
    tried.append(
        f"as written it needs {needed:.1f} s at normal speed: more than {base:.1f} s even at "
        f"{cfg.pacing.max_voice_speedup:.2f}x (pacing.max_voice_speedup)"
    )

    optional = [s.id for s in archetype.body if s.optional and s.id in lines]
    if optional:
        for slot_id in optional:
            lines.pop(slot_id)
        dropped += optional
        tl = attempt(base)
        tried.append(f"dropped the optional lines ({', '.join(optional)}): {'fits' if tl else 'still too long'}")
        if tl:
            log.info("voice_fitted", step="drop_optional", slots=optional)
            return done(tl)
    if shorten is not None:
        share = base / timeline.minimum_seconds(
            archetype=archetype, pacing=cfg.pacing, lines=lines, fps=fps, reserve=edits.reserve
        )
        shorter = {k: v for k, v in shorten(share).items() if k in lines and v.text != lines[k].text}
        lines |= shorter
        shortened += shorter
        tl = attempt(base)
        what = f"shorter lines for {', '.join(shorter)}" if shorter else "shorter lines: the writer had none"
        tried.append(f"{what}: {'fits' if tl else 'still too long'}")
        if tl:
            log.info("voice_fitted", step="shorten", slots=list(shorter))
            return done(tl)
    longest = longest_video(cfg)
    if extend and longest > base:
        steps = [base + 0.5 * k for k in range(1, int((longest - base) / 0.5) + 1)] + [longest]
        tl = next((t for t in map(attempt, steps) if t), None)
        tried.append(
            f"lengthened the video up to {longest:.1f} s (pacing.max_duration, platform limits): "
            + (f"fits in {tl.duration:.1f} s" if tl else "still too long")
        )
        if tl:
            log.info("voice_fitted", step="lengthen", duration=tl.duration)
            return done(tl)
    for light in sorted((s for s in archetype.body if s.id in lines), key=lambda s: s.weight):
        lines.pop(light.id)
        dropped.append(light.id)
        log.info("voice_muted", slot=light.id)
        if tl := attempt(base):
            tried.append(
                f"left the lightest beats text-only ({', '.join(d for d in dropped if d not in optional)}): fits"
            )
            return done(tl)
    tried.append("left every body beat text-only: still too long")
    raise timeline.TimelineError(f"the voiceover does not fit; tried: {'; '.join(tried)}")


def draft(
    cfg: AdbatchConf,
    log: Any,
    archetype: Archetype,
    script: Script,
    chosen: HookCandidate,
    voice: VoiceSynth,
    edits: Edits = Edits(),
) -> timeline.Timeline:
    """The timeline laid out from estimated line lengths, before any line is spoken."""
    hook_id = archetype.slots[0].id
    lines = {k: estimate_line(v, voice) for k, v in words_for(script, chosen, hook_id).items() if v}
    return fitted(cfg, log, archetype, texts_for(script, chosen, hook_id), lines, edits)[0]


def clip_slots(archetype: Archetype, video_scenes: int | Sequence[str]) -> set[str]:
    """Ids of the slots whose first shot becomes a generated clip (DESIGN.md's hybrid), from the scene
    generator's ``video_scenes``: the N heaviest body slots (earlier first on ties), or every slot of
    the listed types. 0 (a generator with no clips, the offline plates) leaves every shot a still."""
    if isinstance(video_scenes, int):
        ranked = sorted(enumerate(archetype.body), key=lambda pair: (-pair[1].weight, pair[0]))
        return {slot.id for _, slot in ranked[:video_scenes]}
    return {slot.id for slot in archetype.slots if slot.type in video_scenes}


def asset_plan(
    cfg: AdbatchConf,
    *,
    product: Product,
    archetype: Archetype,
    script: Script,
    voice: Mapping[str, str],
    planned: timeline.Timeline,
    seed: int,
    pal: tuple[str, str],
    cues: Sequence[str] = (),
) -> AssetPlan:
    """Every asset the video needs, decided before any call: voice lines, a scene per planned shot,
    the end card's background and the music bed (``cues``: the features the photo shows, from the vision
    notes, so a demo beat's clip frames the one its line names)."""
    r = cfg.render
    w, h = r.plate_size
    slots = {s.id: s for s in archetype.slots}
    visuals = {s.slot: s.visual for s in script.slots}
    # each beat's clip is written from its line, filmed the archetype's way (prompts/clip.j2); the hook beat's
    # leaves its line out, so every hook variant shares one hook plate and so one encoded body
    prompts = {
        s.id: clip_prompt(
            archetype=archetype.name,
            slot_type=s.type,
            line="" if s.type == "hook" else voice.get(s.id, ""),
            visual=visuals.get(s.id, ""),
            product=product.name,
            cues=cues if s.type == "demo" else (),
        )
        for s in archetype.slots
    }
    tweaks = cfg.scene_overrides or {}  # python -m adbatch.regen: new seed or prompt per scene
    clips = clip_slots(archetype, cfg.provider.scenes.get("video_scenes", 0))

    photos = product.photos  # a feed's extra photos: each planned shot shows the next one, the hook the hero
    order = {(sh.slot, sh.shot): i for i, sh in enumerate(s for s in planned.shots if s.layout != timeline.ENDCARD)}

    def request(slot_id: str, shot: int) -> SceneRequest:
        tweak = tweaks.get(f"{slot_id}/{shot}") or {}
        return SceneRequest(
            product=product,
            slot=slots[slot_id],
            shot=shot,
            width=w,
            height=h,
            palette=pal,
            prompt=tweak.get("prompt") or prompts.get(slot_id, product.name),
            seed=seed + int(tweak.get("seed_offset", 0)),
            motion="clip" if shot == 0 and slot_id in clips else "still",
            photo=photos[order.get((slot_id, shot), 0) % len(photos)] if len(photos) > 1 else None,
        )

    scenes = {(sh.slot, sh.shot): request(sh.slot, sh.shot) for sh in planned.shots if sh.layout != timeline.ENDCARD}
    cta = archetype.slots[-1]  # the CTA beat may grow a shot before its end card once real voice lengths are in
    scenes.setdefault((cta.id, 0), request(cta.id, 0))
    card = CardRequest(product=product, width=int(r.width), height=int(r.height), seed=seed, palette=pal)
    bed_seed = int(content_key({"music": archetype.name})[:8], 16)  # one bed per archetype: shared, cached
    music = MusicRequest(
        mood=archetype.music.mood, bpm=archetype.music.bpm, seconds=float(cfg.pacing.duration), seed=bed_seed
    )
    spoken = {cue.slot for cue in planned.voice}  # lines muted to fit are not paid for
    lines = {k: v for k, v in voice.items() if k in spoken}
    # every hook candidate is voiced (a few cents live): the hook beat reserves the longest, so all
    # hook variants share one body, and rendering another variant later costs only its opener
    lines |= {f"{HOOK_VARIANT}{h.rank}": h.voice for h in script.hooks if h.voice != voice[archetype.slots[0].id]}
    return AssetPlan(voice=lines, scenes=scenes, card=card, music=music)


def tempo_adjusted(assets: Assets, final: timeline.Timeline, work: Path) -> dict[str, Path]:
    """Voice files at the timeline's tempo (sped up with atempo where the timeline asked)."""
    files = {slot: p.path for slot, p in assets.voice.items()}
    for cue in final.voice:
        if cue.tempo != 1.0:
            files[cue.slot] = mix.tempo(files[cue.slot], work / f"voice-{cue.slot}.wav", cue.tempo)
    return files


def shot_sources(
    final: timeline.Timeline, assets: Assets, planned: timeline.Timeline, card: Path
) -> list[encode.ShotSource]:
    """The picture behind each final shot: its planned scene (cycled if the beat grew), or the end card."""
    counts: dict[str, int] = {}
    for sh in planned.shots:
        if sh.layout != timeline.ENDCARD:
            counts[sh.slot] = counts.get(sh.slot, 0) + 1
    sources = []
    for sh in final.shots:
        if sh.layout == timeline.ENDCARD:
            sources.append(encode.ShotSource(path=card, kind="static"))
        else:
            scene = assets.scenes[(sh.slot, sh.shot % max(1, counts.get(sh.slot, 0)))]
            sources.append(
                encode.ShotSource(path=scene.path, kind="clip" if scene.meta.get("kind") == "clip" else "still")
            )
    return sources
