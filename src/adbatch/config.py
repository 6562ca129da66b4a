"""Structured-config schemas for adbatch, stored in Hydra's ConfigStore.

The YAML files in ``conf/`` are merged onto these dataclasses, so a misspelled key
or a value of the wrong type fails at composition time, before any job starts.
Each field carries the default the YAML mirrors and a comment saying what it does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from omegaconf import MISSING, DictConfig, OmegaConf, open_dict

from adbatch.style import StyleConf  # the style group's schema; it imports nothing


@dataclass
class ArchetypeConf:
    name: str = MISSING  # file stem in archetypes/ (ugc, pov, ...)
    transition: str | None = None  # override the archetype's beat transition: cut | swipe


@dataclass
class PacingConf:
    name: str = "default"
    duration: float = 30.0  # total video length, seconds
    hook_scene: float = 1.8  # length of the opening (hook) scene
    hook_scene_max: float = 3.0  # ...held up to this long, one shot, when the hook line needs it (else 1.8 + 2 s)
    scene_min: float = 2.0  # every other scene lasts at least this long...
    scene_max: float = 3.0  # ...and never longer than this
    text_lead: float = 0.3  # on-screen text appears this long before its voice line
    cut: float = 0.1  # length of a quick cut transition between shots
    swipe: float = 0.2  # length of a swipe transition between beats
    product_visible_by: float = 1.0  # product image and hook text on screen before this time
    voice_tail: float = 0.2  # breathing room after a voice line before a silent beat or the video's end
    voice_gap: float = 0.3  # the least silence between two lines (a breath)
    text_delay_max: float = 0.5  # a beat's text may start this long after its cut, the line before ending over it
    max_voice_speedup: float = 1.25  # at most this much tempo-up to fit a long voiceover
    max_duration: float = 40.0  # a voiceover too long even shortened may lengthen the video up to this, s
    # the voice carries the ad: copy too short to voice min_coverage of the body (or leaving a silence over
    # max_silence) tightens the video, in 0.5 s steps, down to min_duration (adbatch.stages.plan.fitted)
    min_coverage: float = 0.85
    max_silence: float = 1.0
    min_duration: float = 25.0


@dataclass
class RenderConf:
    name: str = "final"
    width: int = 1080
    height: int = 1920
    fps: int = 30
    codec: str = "libx264"
    preset: str = "veryfast"  # x264 speed/size trade-off
    crf: int = 21  # x264 constant-quality factor (lower is better)
    audio_codec: str = "aac"
    audio_bitrate: str = "160k"
    aac_coder: str = "twoloop"  # FFmpeg's AAC coder: twoloop (its best, its default) | fast (about 4x quicker)
    audio_fps: int = 44100
    threads: int = 2  # encoder threads
    thread_type: str = (
        "frame"  # x264's threads: frame (faster) | slice (each frame in slices: 15-40 % slower, ~45 MB less)
    )
    # more of libx264's own options, as FFmpeg's -x264-params takes them ("key=value:key=value"); "": none
    x264_params: str = ""
    thumb_time: float = 0.9  # thumbnail frame time, seconds
    motion_margin: float = 0.18  # plates are this much larger than the frame, room for camera moves
    share_body: bool = True  # encode the body after the hook once; hook variants join their opener to it
    loudness_lufs: float = -14.0  # soundtrack normalised to this integrated loudness (EBU R128)
    true_peak_db: float = -1.0  # ...with its true peak at or below this, dBTP
    # frame shapes to render, main first: 9x16 (width x height above), 4x5, 1x1 (width x its ratio's height);
    # each is the same timeline re-flowed, with its own file, layout and QA (adbatch.render.formats)
    formats: list[str] = field(default_factory=lambda: ["9x16"])
    # renders at once on one machine, across every job and sweep (adbatch.store.slots); null: cores / threads
    slots: int | None = None

    @property
    def plate_size(self) -> tuple[int, int]:
        """Scene plates are larger than the frame by ``motion_margin``: room for the camera to move."""
        return (round(self.width * (1 + self.motion_margin)), round(self.height * (1 + self.motion_margin)))


@dataclass
class CostCapConf:
    name: str = "default"
    per_video_usd: float = 1.50  # no paid call may push one video past this
    per_sweep_usd: float = 50.0  # no paid call may push the whole sweep past this
    ledger: str = "auto"  # auto (redis under the RQ launcher, else sqlite) | sqlite | redis
    redis_url: str | None = None  # for the redis ledger; default: the RQ launcher's URL, then REDIS_URL


@dataclass
class ProviderConf:
    name: str = "offline"
    # each stage is a node with a Hydra `_target_`: the class implementing its Protocol
    script: Any = MISSING
    voice: Any = MISSING
    scenes: Any = MISSING
    image: Any = MISSING
    music: Any = MISSING


@dataclass
class HookScoringConf:
    # weights of the offline scroll-stop score; see adbatch.stages.hooks for each feature
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "names_product": 1.0,
            "length_fit": 1.5,
            "reading_fit": 1.5,
            "question": 0.6,
            "number": 0.6,
            "second_person": 0.8,
            "curiosity_gap": 0.9,
            "pain_point": 1.0,
            "angle_diversity": 0.5,
            "angle_preference": 1.2,
        }
    )
    ideal_words: list[int] = field(default_factory=lambda: [4, 9])  # hook text length sweet spot
    reading_wps: float = 3.5  # words per second a viewer reads on screen
    live_rank: bool = True  # with a live writer, Claude ranks the hooks (reasons recorded); false: this score decides


@dataclass
class BrandConf:
    name: str = "none"
    brand_name: str = ""  # shown on the end card above the product name
    logo: str | None = None  # PNG/JPEG/WebP; relative paths from the working dir, then the project
    primary: str | None = None  # #RRGGBB; a product's brand_color wins over it
    secondary: str | None = None  # #RRGGBB; derived from the primary when unset
    font_bold: str | None = None  # TTF/OTF for headlines and overlays (default DejaVu Sans Bold)
    cta: str | None = None  # default call to action; a product's cta wins over it
    watermark: bool = False  # the logo in a corner of every shot but the end card
    watermark_opacity: float = 0.85


@dataclass
class CaptionsConf:
    enabled: bool = True  # burn word-by-word captions of the voice into the video, spoken word highlighted
    srt: bool = False  # also write captions.srt (SubRip) next to video.mp4
    highlight: str = "#FFD400"  # #RRGGBB of the word being spoken
    max_words: int = 4  # words per caption phrase at most


@dataclass
class QAConf:
    # keys of conf/platforms; each video format is checked against those that take its shape (render.formats)
    platforms: list[str] = field(default_factory=lambda: ["tiktok", "reels", "shorts", "feed_4x5", "feed_1x1"])
    required: bool = True  # a failed gate fails the video (status failed, stage qa); False only records it
    lufs_tolerance: float = 1.0  # integrated loudness may miss render.loudness_lufs by this much, LU


@dataclass
class DirectorConf:
    auto_fix: bool = True  # apply the notes that map to edits (trim, zoom, swap hook, reorder)
    live_notes: bool = True  # with a live writer (provider.script=anthropic), Claude's critique adds notes
    max_dead_air: float = 0.8  # seconds of silence a beat may hold after its line
    long_shot: float = 2.6  # a slow-camera shot this long gets a jump zoom
    hook_min_score: float = 35.0  # hooks scoring below this are "too generic"
    max_voice_wps: float = 3.4  # faster than this sounds rushed


@dataclass
class FallbackConf:
    # what replaces a paid asset that failed for good (adbatch.stages.assets): the video still ends ok, and
    # each replacement is listed in its manifest's `degraded` (a bad or unauthorised key is never replaced)
    clip_retries: int = 1  # a clip whose prediction failed or was refused is created anew this many times
    clip: str = "plate"  # plate: then it becomes its shot's still plate, filmed with camera motion | fail
    card: str = "offline"  # offline: a failed end-card image becomes the offline brand gradient | fail
    voice: str = "fail"  # fail: a failed voice line fails the video | offline: eSpeak NG speaks that line


@dataclass
class CatalogConf:
    name: str = "default"
    format: str = "auto"  # auto (detected from the header) | a key of formats: adbatch, google, meta, shopify, ...
    skip_unavailable: bool = True  # out-of-stock products (each format's `unavailable` values) make no video
    currency: str = "USD"  # ISO 4217 code of prices written without one
    max_extra_images: int = 4  # extra photos per product beyond the hero; shots cycle through them
    slug_ids: bool = True  # feed ids become slugs (SKU-123_A -> sku-123-a)
    name_max: int = 40  # a feed title becomes a name of at most this many characters...
    title_separators: list[str] = field(  # ...cut at the first of these
        default_factory=lambda: [" | ", " - ", " – ", " — ", ", ", " (", ": "]
    )
    # per format: detection, column mapping, skip rules (conf/catalog/default.yaml; adbatch.feeds)
    formats: dict[str, Any] = field(default_factory=dict)
    currencies: dict[str, Any] = field(default_factory=dict)  # how each currency's prices are shown


@dataclass
class AdbatchConf:
    products: str | None = None  # the product catalog: an adbatch CSV or a product feed; a path or http(s) URL
    product_id: str | None = None  # which product this job renders (set by the sweeper)
    hook: str = "best"  # best | 1..5: rank of the hook candidate to render
    seed: int = 0  # base seed: same seed + inputs -> same script, style and video
    cache_dir: str = "outputs/cache"  # content-addressed asset cache shared across sweeps
    archetypes_dir: str | None = None  # default: the project's archetypes/
    prompts_dir: str | None = None  # default: the project's prompts/
    image_max_mb: float = 10.0  # product images larger than this are rejected
    url_timeout_s: float = 20.0  # time limit for fetching an image URL
    log_level: str = "INFO"
    archetype: ArchetypeConf = field(default_factory=ArchetypeConf)
    pacing: PacingConf = field(default_factory=PacingConf)
    render: RenderConf = field(default_factory=RenderConf)
    cost_cap: CostCapConf = field(default_factory=CostCapConf)
    provider: ProviderConf = field(default_factory=ProviderConf)
    hook_scoring: HookScoringConf = field(default_factory=HookScoringConf)
    director: DirectorConf = field(default_factory=DirectorConf)
    fallback: FallbackConf = field(default_factory=FallbackConf)  # degrade, don't discard (paid assets that fail)
    brand: BrandConf = field(default_factory=BrandConf)
    captions: CaptionsConf = field(default_factory=CaptionsConf)
    style: StyleConf = field(default_factory=StyleConf)  # the house style (conf/style/); a brand kit may override it
    qa: QAConf = field(default_factory=QAConf)
    platforms: dict[str, Any] = field(default_factory=dict)  # published specs per platform (conf/platforms/)
    catalog: CatalogConf = field(default_factory=CatalogConf)  # how products= is read (conf/catalog/: feeds)
    # per-scene regeneration ("<slot>/<shot>" -> {seed_offset, prompt}); set by python -m adbatch.regen
    scene_overrides: dict[str, Any] = field(default_factory=dict)


def typed(cfg: DictConfig) -> AdbatchConf:
    """The composed job config as the typed ``AdbatchConf`` (attribute access from here on).

    Hydra's own node and keys added on the command line outside the schema (``+dry_run=true``,
    read by the sweeper) are dropped; provider nodes stay plain dicts, since each is a ``_target_``
    for ``hydra.utils.instantiate`` with its own fields.
    """
    cfg = cfg.copy()
    known = {f.name for f in fields(AdbatchConf)}
    with open_dict(cfg):
        for key in [k for k in cfg if k not in known]:
            del cfg[key]
    OmegaConf.resolve(cfg)
    obj = OmegaConf.to_object(cfg)
    if not isinstance(obj, AdbatchConf):  # a plain DictConfig that skipped the schema (never from conf/)
        obj = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(AdbatchConf), cfg))
    assert isinstance(obj, AdbatchConf)
    return obj


def register_configs() -> None:
    """Store the schema so conf/config.yaml can extend it (``defaults: [adbatch_schema, ...]``)."""
    from hydra.core.config_store import ConfigStore  # Hydra stays out of the stages that import the schema

    cs = ConfigStore.instance()
    cs.store(name="adbatch_schema", node=AdbatchConf)
