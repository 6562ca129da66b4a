"""Planning between the script and the render: timelines that fit, and the asset plan.

The job (``adbatch.pipeline``) calls these in order: lay the draft out from estimated line
lengths, plan the assets from that draft, lay the final timeline out from the real ones,
then map each final shot to its picture.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


HOOK_VARIANT = "_hook"  # voice assets of the other hook candidates: "_hook2" is the rank-2 hook's line


def texts_for(script: Script, chosen: HookCandidate, hook_id: str) -> dict[str, str]:
    """On-screen text per slot, the hook slot's from the chosen hook."""
    return {hook_id: chosen.text} | {s.slot: s.text for s in script.slots}


def words_for(script: Script, chosen: HookCandidate, hook_id: str) -> dict[str, str]:
    """Voice line per slot, the hook slot's from the chosen hook."""
    return {hook_id: chosen.voice} | {s.slot: s.voice for s in script.slots}


@dataclass(frozen=True)
class Edits:
    """The creative director's edits, applied each time the timeline is laid out (``timeline.build``)."""

    soft_max: Mapping[str, float] = field(default_factory=dict)  # slot id -> seconds it may last at most
    cameras: Mapping[tuple[str, int], str] = field(default_factory=dict)  # (slot, shot in slot) -> camera
    reserve: Mapping[str, float] = field(default_factory=dict)  # slot id -> seconds held for a longer line
    order: tuple[str, ...] | None = None  # the reorderable beats' new order


def layout(
    cfg: AdbatchConf,
    log: Any,
    archetype: Archetype,
    texts: Mapping[str, str],
    lines: Mapping[str, timeline.SpokenLine],
    edits: Edits = Edits(),
) -> timeline.Timeline:
    """Build the timeline. If the voice overflows, speed it up (within pacing.max_voice_speedup); if that
    is not enough, mute the lightest body beats' voice one by one (their text stays) and record it."""
    lines = dict(lines)
    cap = cfg.pacing.max_voice_speedup
    mutable = sorted((s for s in archetype.body if s.id in lines), key=lambda s: s.weight)

    def build(tempo: float = 1.0) -> timeline.Timeline:
        return timeline.build(
            archetype=archetype,
            pacing=cfg.pacing,
            texts=texts,
            lines=lines,
            fps=int(cfg.render.fps),
            tempo=tempo,
            transition=cfg.archetype.transition,
            soft_max=edits.soft_max,
            cameras=edits.cameras,
            reserve=edits.reserve,
            order=edits.order,
        )

    while True:
        try:
            return build()
        except timeline.VoiceTooLong as exc:
            if exc.tempo <= cap:
                return build(exc.tempo)
            if not mutable:
                raise timeline.TimelineError(
                    f"{exc}; even muting every body line it needs {exc.tempo:.2f}x speed, "
                    f"over the {cap:.2f}x cap (pacing.max_voice_speedup)"
                ) from exc
            slot = mutable.pop(0)
            lines.pop(slot.id)
            log.info("voice_muted", slot=slot.id, reason=str(exc))


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
    return layout(cfg, log, archetype, texts_for(script, chosen, hook_id), lines, edits)


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
    """Voice files at the timeline's tempo (sped up with FFmpeg atempo where the timeline asked)."""
    files = {slot: p.path for slot, p in assets.voice.items()}
    for cue in final.voice:
        if cue.tempo != 1.0:
            files[cue.slot] = mix.tempo(files[cue.slot], work / f"voice-{cue.slot}.wav", cue.tempo, encode.ffmpeg_exe())
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
