"""The house style as data: every design choice of the renderer and of the offline art.

``conf/style/default.yaml`` fills these dataclasses (the ``style`` config group, typed by
``adbatch.config.AdbatchConf.style``); a brand kit overrides any key of it (``conf/brand/northwind.yaml``
sets ``style.captions.highlight``). The defaults here mirror that YAML, so code that renders without a
composed config (tests, benches) draws exactly what the default style does.

Sizes are shares of the frame (width for type sizes and horizontal measures, height for vertical
ones), so one style serves the draft and the final preset alike. Colours are ``#RRGGBB``. What is
physics or a file format (sample rates, luma weights, dB maths) stays in code as named constants;
where the text must stay clear of the platforms' UI comes from ``conf/platforms`` (``adbatch.render.safezone``).

It sits beside ``adbatch.config`` rather than in ``render/`` because three layers read it: the config
schema, the renderer and the offline providers (which must not import the renderer). It imports
only the standard library, so any of them can hold it without loading the others.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field


@dataclass
class TextLook:
    """One kind of text: its type, colours and the box it must fit (``adbatch.render.text.TextStyle``)."""

    size: float = 0.078  # starting font size, share of the frame width (shrunk until the text fits)
    max_height: float = 0.18  # tallest the text may be, share of the frame height
    fill: str = "#FFFFFF"  # letter colour
    stroke: str | None = "#000000"  # outline colour; null: no outline
    stroke_ratio: float = 0.08  # outline width, share of the font size
    box: str | None = None  # colour of a rounded box behind the text; null: no box
    box_alpha: int = 235  # the box's opacity, 0-255
    pad_ratio: float = 0.35  # box padding, share of the font size
    radius_ratio: float = 0.35  # box corner radius, share of the font size
    max_lines: int = 3  # lines at most before the text shrinks
    line_spacing: float = 1.15  # line height, multiple of the font size


@dataclass
class OverlayStyle:
    """Hook and body text over the shots, and the brand watermark."""

    top: float = 0.02  # text sits this far below the safe zone's top, share of the frame height
    hook: TextLook = field(
        default_factory=lambda: TextLook(size=0.082, max_height=0.2, fill="#0F0F0F", stroke=None, box="#FFFFFF")
    )  # the opening hook: dark type on a white card
    body: TextLook = field(default_factory=lambda: TextLook(size=0.078, max_height=0.18, stroke_ratio=0.09))
    quote: TextLook = field(
        default_factory=lambda: TextLook(
            size=0.056, max_height=0.2, fill="#141414", stroke=None, box="#FFFFFF", box_alpha=240, max_lines=5
        )
    )  # the social-proof beat: the customer's words and who said them, on a card
    gap: float = 0.012  # space kept between text and the product, share of the frame height
    least: float = 0.06  # the text band is never shorter than this (share of the height): below the product if need be
    watermark_width: float = 0.14  # the logo fits this share of the frame width...
    watermark_height: float = 0.06  # ...and this share of its height


@dataclass
class CaptionLook:
    """Word-by-word captions of the voice (``adbatch.render.captions``)."""

    highlight: str = "#FFD400"  # the word being spoken (default.yaml reads it from captions.highlight)
    fill: str = "#FFFFFF"  # the other words
    stroke: str = "#000000"  # outline colour
    stroke_ratio: float = 0.09  # outline width, share of the font size
    size: float = 0.072  # starting font size, share of the frame width (shrunk to fit)
    max_words: int = 4  # words per phrase at most (default.yaml reads it from captions.max_words)
    max_chars: int = 22  # characters per phrase at most (a longer single word gets a phrase of its own)
    max_lines: int = 2  # lines per phrase at most
    band_bottom: float = 0.58  # caption bottom edge, share of the frame height, when the product's place is unknown
    band_height: float = 0.12  # tallest caption, share of the frame height
    room: float = 0.075  # tallest caption between the text and the product, share of the height (the text leaves it)


@dataclass
class EndCardStyle:
    """The static end card (``adbatch.render.endcard``): logo, brand, name, photo, price, button, link."""

    height_basis: float = 1.7778  # heights are shares of the frame height, or of this many widths if taller (9:16)
    top: float = 0.02  # the first element sits this far below the safe zone's top, share of the height
    gap: float = 0.015  # the vertical unit between elements, share of the height
    logo_width: float = 0.2  # the logo fits this share of the width...
    logo_height: float = 0.055  # ...and this share of the height
    kicker: TextLook = field(
        default_factory=lambda: TextLook(size=0.04, max_height=0.05, stroke_ratio=0.06, max_lines=1)
    )  # the brand name, upper case, above the product name
    title: TextLook = field(
        default_factory=lambda: TextLook(size=0.085, max_height=0.14, stroke_ratio=0.06, max_lines=2)
    )
    button: TextLook = field(
        default_factory=lambda: TextLook(
            size=0.058,
            max_height=0.064,
            fill="#141414",
            stroke=None,
            box="#FFFFFF",
            box_alpha=255,
            pad_ratio=0.45,
            max_lines=1,
        )
    )  # the call to action
    link: TextLook = field(default_factory=lambda: TextLook(size=0.038, max_height=0.05, max_lines=1))  # the domain
    badge: TextLook = field(
        default_factory=lambda: TextLook(size=0.07, max_height=0.08, stroke=None, box_alpha=255)
    )  # the price; its box is the brand colour and its type black or white, whichever reads
    badge_width: float = 0.4  # the price badge fits this share of the width
    badge_inset: float = 0.04  # the badge overlaps the photo's right edge by this share of the width
    title_beside: TextLook = field(
        default_factory=lambda: TextLook(size=0.075, max_height=0.11, stroke_ratio=0.06, max_lines=3)
    )  # the name in the column beside the photo (the card with a quote)
    quote: TextLook = field(
        default_factory=lambda: TextLook(
            size=0.052, max_height=0.15, fill="#141414", stroke=None, box="#FFFFFF", max_lines=4
        )
    )  # a customer's words and who said them, on a card across the zone under the photo
    quote_words: list[int] = field(default_factory=lambda: [5, 14])  # a quote of this many words, or none
    quote_by: str = "a customer"  # the quote's attribution
    photo_min: float = 0.4  # the photo is at least this share of the width...
    photo_with_quote: float = 0.5  # ...and, room allowing, this beside the name and price (the card with a quote)...
    photo_alone: float = 0.6  # ...or this when there is no quote
    column_min: float = 0.3  # the column beside the photo is never narrower than this share of the width
    photo_radius: float = 0.06  # photo corner radius, share of its width
    cta: str = "Shop now"  # the button's text when neither product nor brand gives one


@dataclass
class CameraMove:
    """One camera preset over a still plate: zoom and centre offset from the shot's start to its end."""

    zoom: list[float] = field(default_factory=lambda: [1.0, 1.0])  # 1: plate pixels 1:1 on the frame
    dx: list[float] = field(default_factory=lambda: [0.0, 0.0])  # centre offset, -1..1 of the horizontal margin
    dy: list[float] = field(default_factory=lambda: [0.0, 0.0])  # ...and of the vertical margin
    shake: float = 0.0  # handheld wobble amplitude, share of the frame width
    jump_at: float | None = None  # a punch-in (motion.jump_zoom) at this share of the shot


_CAMERAS = {  # the presets archetypes name per shot
    "push_in": CameraMove(zoom=[1.0, 1.12], dy=[0.0, -0.1]),
    "pull_out": CameraMove(zoom=[1.15, 1.0]),
    "pan_left": CameraMove(zoom=[1.06, 1.06], dx=[0.7, -0.7]),
    "pan_right": CameraMove(zoom=[1.06, 1.06], dx=[-0.7, 0.7]),
    "pan_up": CameraMove(zoom=[1.06, 1.06], dy=[0.7, -0.7]),
    "handheld": CameraMove(zoom=[1.04, 1.09], shake=0.006),
    "jump_zoom": CameraMove(zoom=[1.0, 1.04], jump_at=0.45),
    "static": CameraMove(),
}


@dataclass
class MotionStyle:
    """How shots and text move (``adbatch.render.frames``)."""

    cameras: dict[str, CameraMove] = field(
        default_factory=lambda: copy.deepcopy(_CAMERAS)
    )  # the presets archetypes name per shot

    pop_seconds: float = 0.15  # text pops in (scale + fade) over this long
    pop_from: float = 0.85  # ...growing from this share of its size
    jump_zoom: float = 1.22  # a jump-zoom shot punches in by this factor
    shake_rad_s: list[float] = field(default_factory=lambda: [2.1, 5.3, 1.7, 4.1])  # handheld wobble: x, x, y, y
    shake_second: float = 0.5  # weight of each axis's second wobble


@dataclass
class MixStyle:
    """The soundtrack's levels (``adbatch.render.mix``, ``adbatch.render.loudness``)."""

    voice_gain_db: float = 0.0  # voice level in the mix
    music_gain_db: float = 0.0  # music level, on top of the music source's own calibration (provider gain_db)
    duck_db: float = -12.0  # music under the voice, relative to its own level
    lowpass_hz: float | None = (
        15000.0  # the soundtrack is cut above this before the limiter (mix.band_limit); null: off
    )
    lowpass_taps: int = 63  # ...by a windowed-sinc filter this long
    duck_attack_s: float = 0.12  # the music dips over this long before a line...
    duck_release_s: float = 0.12  # ...and comes back over this long after it
    fade_out_s: float = 1.2  # the music fades out over the video's last seconds
    peak_dbfs: float = -1.0  # sample peak of the mix before loudness normalisation
    codec_headroom_db: float = 1.5  # true peak kept this far under render.true_peak_db for the AAC encode
    limiter_attack_s: float = 0.005  # the limiter's gain falls over this long before a peak...
    limiter_release_s: float = 0.02  # ...and holds this long after it
    # a gentle compressor on the voice before the mix (adbatch.render.mix.compress): speech peaks sit
    # 10-15 dB over its loudness, so without it the final limiter took up to 12 dB off the peaks
    comp_threshold_db: float = 3.0  # 5 ms peaks this far above the voice's own level (its RMS) are turned down...
    comp_ratio: float = 2.5  # ...by this ratio (1: no compression)
    comp_attack_s: float = 0.005  # gain reduction reaches a new peak within this long...
    comp_release_s: float = 0.08  # ...and lets go over this long


@dataclass
class SheetStyle:
    """The contact sheet (``adbatch.render.sheet``)."""

    columns: int = 4  # tiles per row
    thumb_width: int = 216  # tile width, px
    gap: int = 12  # px between tiles and around the sheet
    font_divisor: int = 17  # caption type size: the tile width divided by this...
    font_min: int = 10  # ...but at least this many px
    line_height: float = 1.3  # caption line height, multiple of the type size
    title_height: float = 2.6  # title bar height, multiple of the type size
    title_size: float = 1.5  # title type size, multiple of the caption type size
    text_lines: int = 3  # caption lines kept for the on-screen text...
    vo_lines: int = 4  # ...and for the voice-over line
    background: str = "#121214"
    ink: str = "#F5F5F5"  # title and shot line
    dim: str = "#A5A5AA"  # on-screen text
    vo_ink: str = "#8CC8FF"  # voice-over line
    jpeg_quality: int = 85


@dataclass
class PlateStyle:
    """Offline scene plates (``adbatch.providers.offline_art.plate``): the product photo per layout.

    Ranges are [low, high] for a seeded draw; positions are shares of the frame.
    """

    area: list[float] = field(default_factory=lambda: [0.15, 0.41, 0.85, 0.73])  # the product's box (x0, y0, x1,
    # y1), shares of the plate: it lands at about frame [0.08, 0.39, 0.92, 0.77], under the text and caption bands
    hero_fill: float = 1.0  # hero: the photo fills this share of the area (over a blurred, dimmed copy of itself)
    hero_zoom_step: float = 0.06  # every other hero shot's photo is this much smaller: a change of framing
    backdrop_dim: float = 0.45  # the blurred copy behind the hero and detail shots is darkened by this share...
    backdrop_blur_divisor: float = 6.0  # ...and blurred to colour only (radius: the frame width / this)
    detail_focus_x: list[float] = field(default_factory=lambda: [0.35, 0.65])
    detail_focus_y: list[float] = field(default_factory=lambda: [0.35, 0.6])
    detail_zoom: list[float] = field(default_factory=lambda: [1.3, 1.5])  # a closer look, never an unreadable crop
    detail_fill: float = 0.95  # the detail card fills this share of the area
    split_blur_divisor: float = 6.0  # backdrop blur radius: the frame width / this (colour, not a second product)
    split_tint: float = 0.35  # the brand gradient's share over the blurred backdrop
    split_width: float = 0.85  # photo card size, share of the area
    tilted_angle: list[float] = field(default_factory=lambda: [3.0, 6.0])  # degrees, either way
    tilted_width: float = 0.8  # share of the area (before the tilt)
    tilted_x: list[float] = field(default_factory=lambda: [-0.04, 0.04])  # centre offset, share of the area width
    card_width: list[float] = field(default_factory=lambda: [0.85, 0.95])  # share of the area
    radius: float = 0.06  # photo card corner radius, share of its width
    glow_count: int = 3  # soft light blobs behind a plate...
    card_glow_count: int = 4  # ...and behind the end card
    glow_radius_divisors: list[float] = field(default_factory=lambda: [16.0, 7.0])  # blob radius: width / [max, min]
    glow_level: list[float] = field(default_factory=lambda: [40.0, 80.0])  # blob brightness, 0-255
    glow_blur_divisor: float = 40.0  # blob blur radius: the frame width divided by this
    glow_colour: str = "#FFFFFF"  # the light the blobs add
    jpeg_quality: int = 92


@dataclass
class BedStyle:
    """The offline music bed (``adbatch.providers.offline_art.music_bed``)."""

    root_hz: float = 220.0  # the key's root before the seeded transposition
    transpose: list[int] = field(default_factory=lambda: [-5, 3])  # semitones, [low, high)
    beats_per_bar: int = 4
    pad_level: float = 0.08  # each chord tone's amplitude
    pad_overtone: float = 0.3  # the octave overtone's share of a chord tone
    pad_attack_s: float = 0.4  # each chord swells in over this long...
    pad_release_s: float = 0.3  # ...and out over this long
    bass_level: float = 0.16
    bass_decay: float = 0.35  # bass pulse decay, share of a beat
    hats_level: float = 0.05
    hats_decay_s: float = 0.025
    hatless_moods: list[str] = field(default_factory=lambda: ["warm"])  # moods without hi-hats
    stereo_delay_s: float = 0.012  # the right channel lags by this much: width without reverb
    peak_dbfs: float = -3.0


@dataclass
class ReflowStyle:
    """How a 9:16 picture is re-framed for a feed format (4:5, 1:1): cut around the product, and zoomed out
    when the product would crowd the text, the sides then filled with a blurred extension of the picture."""

    product_height: float = 0.45  # the product takes at most this share of a feed frame's height (at the camera's rest)
    fill_blur: float = 0.04  # blur radius of the filled sides, share of the frame width


@dataclass
class StyleConf:
    name: str = "default"
    overlay: OverlayStyle = field(default_factory=OverlayStyle)  # hook and body text, watermark
    captions: CaptionLook = field(default_factory=CaptionLook)  # word-by-word captions
    endcard: EndCardStyle = field(default_factory=EndCardStyle)  # the last shot
    motion: MotionStyle = field(default_factory=MotionStyle)  # camera moves, text pop-in, jump zoom, wobble
    mix: MixStyle = field(default_factory=MixStyle)  # levels, ducking, fades, codec headroom
    sheet: SheetStyle = field(default_factory=SheetStyle)  # the contact sheet
    plates: PlateStyle = field(default_factory=PlateStyle)  # the offline scene plates and end-card background
    bed: BedStyle = field(default_factory=BedStyle)  # the offline music bed
    reflow: ReflowStyle = field(default_factory=ReflowStyle)  # 9:16 pictures in feed formats
