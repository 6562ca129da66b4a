"""Draw the placeholder product photos used by the example catalogs.

Why this exists: the example catalog (``examples/catalog.csv``) needs product shots
that look like real studio photos, so the sample ads it renders are representative.
We cannot ship stock photos (licensing) and the examples must work offline, so the
pictures are drawn here with Pillow + numpy: a studio background, a soft shadow,
and each product built from simple shapes that are then lit (diffuse + specular
shading computed from surface normals) and labelled with DejaVu Sans from
matplotlib's fonts.

Deterministic: no network, and the only randomness (glaze speckles, fabric grain)
comes from fixed seeds. Everything is drawn at 2x and downsampled for anti-aliasing.

Run from anywhere:  python examples/make_images.py
Writes examples/images/*.png|jpg|webp, examples/images/not_an_image.png (a text
file, on purpose, for catalog_with_errors.csv) and examples/brand_logo.png.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
OUT = HERE / "images"
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

SIZE = 1024  # output size; all coordinates below are in these units
S = 2  # supersampling factor
N = SIZE * S


def _unit(v):
    v = np.asarray(v, np.float32)
    return v / np.linalg.norm(v)


# Studio lighting: a key light from the upper left, a rim light from the right.
VIEW = np.array([0, 0, 1], np.float32)
KEY = _unit((-0.5, -0.6, 0.75))
KEY_H = _unit(KEY + VIEW)
KEY_H_STRIP = _unit((KEY_H[0], 0, KEY_H[2]))  # vertical strip softbox: bands on cylinders
RIM_H = _unit(_unit((0.9, -0.15, 0.2)) + VIEW)
RIM_H_STRIP = _unit((RIM_H[0], 0, RIM_H[2]))


# --------------------------------------------------------------------------- fonts


def font(name: str, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / name), int(round(size * S)))


BOLD = "DejaVuSans-Bold.ttf"
REGULAR = "DejaVuSans.ttf"
SERIF_BOLD = "DejaVuSerif-Bold.ttf"
SERIF_ITALIC = "DejaVuSerif-Italic.ttf"


# ------------------------------------------------------------------ shapes (masks)


def _s(points):
    return [(x * S, y * S) for x, y in points]


def new_mask() -> Image.Image:
    return Image.new("L", (N, N), 0)


def m_rect(box) -> Image.Image:
    m = new_mask()
    ImageDraw.Draw(m).rectangle([v * S for v in box], fill=255)
    return m


def m_ellipse(box) -> Image.Image:
    m = new_mask()
    ImageDraw.Draw(m).ellipse([v * S for v in box], fill=255)
    return m


def m_rrect(box, r) -> Image.Image:
    m = new_mask()
    ImageDraw.Draw(m).rounded_rectangle([v * S for v in box], radius=r * S, fill=255)
    return m


def m_poly(points) -> Image.Image:
    m = new_mask()
    ImageDraw.Draw(m).polygon(_s(points), fill=255)
    return m


def m_stroke(points, width) -> Image.Image:
    """A smooth ribbon of constant width along a polyline, with round caps."""
    p = np.asarray(points, np.float32) * S
    t = np.gradient(p, axis=0)
    t /= np.linalg.norm(t, axis=1, keepdims=True) + 1e-9
    n = np.stack([-t[:, 1], t[:, 0]], axis=1) * (width * S / 2)
    outline = np.concatenate([p + n, (p - n)[::-1]])
    m = new_mask()
    d = ImageDraw.Draw(m)
    d.polygon([tuple(q) for q in outline], fill=255)
    r = width * S / 2
    for x, y in (p[0], p[-1]):
        d.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return m


def m_dashed(points, width, dash=7.0, gap=5.0) -> Image.Image:
    """Stitching: short strokes along a polyline."""
    m = new_mask()
    d = ImageDraw.Draw(m)
    pts = np.asarray(points, np.float32)
    seg = np.hypot(*np.diff(pts, axis=0).T)
    cum = np.concatenate([[0], np.cumsum(seg)])
    pos = 0.0
    while pos < cum[-1]:
        a, b = pos, min(pos + dash, cum[-1])
        xs = np.interp([a, b], cum, pts[:, 0])
        ys = np.interp([a, b], cum, pts[:, 1])
        d.line(_s(zip(xs, ys)), fill=255, width=max(1, int(width * S)))
        pos += dash + gap
    return m


def m_text(xy, text, fnt, tracking=0.0, anchor="mm") -> Image.Image:
    """Text mask centred on xy, with optional letter spacing (in output px)."""
    m = new_mask()
    d = ImageDraw.Draw(m)
    x, y = xy[0] * S, xy[1] * S
    if not tracking:
        d.text((x, y), text, font=fnt, fill=255, anchor=anchor)
        return m
    widths = [fnt.getlength(ch) for ch in text]
    total = sum(widths) + tracking * S * (len(text) - 1)
    cx = x - total / 2
    for ch, w in zip(text, widths):
        d.text((cx, y), ch, font=fnt, fill=255, anchor="lm")
        cx += w + tracking * S
    return m


def m_and(a, b):
    return ImageChops.multiply(a, b)


def m_or(a, b):
    return ImageChops.lighter(a, b)


def m_sub(a, b):
    return ImageChops.subtract(a, b)


def m_shift(m, dx, dy):
    out = new_mask()
    out.paste(m, (int(dx * S), int(dy * S)))
    return out


def bezier(p0, p1, p2, p3, n=40):
    t = np.linspace(0, 1, n)[:, None]
    p0, p1, p2, p3 = (np.asarray(p, np.float32) for p in (p0, p1, p2, p3))
    pts = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3
    return [tuple(p) for p in pts]


class Path:
    """Tiny path builder: lines and cubic curves, returned as a point list."""

    def __init__(self, start):
        self.pts = [tuple(start)]

    def line(self, p):
        self.pts.append(tuple(p))
        return self

    def curve(self, c1, c2, p):
        self.pts.extend(bezier(self.pts[-1], c1, c2, p)[1:])
        return self


def rrect_points(box, r, n=12):
    """Outline of a rounded rectangle as points (for dashed stitching)."""
    x0, y0, x1, y1 = box
    pts = []
    for cx, cy, a0 in ((x1 - r, y0 + r, -90), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180)):
        for a in np.linspace(a0, a0 + 90, n):
            pts.append((cx + r * np.cos(np.radians(a)), cy + r * np.sin(np.radians(a))))
    return pts + pts[:1]


# ------------------------------------------------------------------ colour fields


def lerp(c0, c1, t):
    t = np.clip(t, 0, 1)[..., None]
    return np.asarray(c0, np.float32) * (1 - t) + np.asarray(c1, np.float32) * t


def linear(c0, c1, p0, p1):
    """Linear gradient from colour c0 at point p0 to c1 at p1."""
    (x0, y0), (x1, y1) = p0, p1
    dx, dy = x1 - x0, y1 - y0
    n2 = dx * dx + dy * dy

    def field(X, Y):
        return lerp(c0, c1, ((X - x0) * dx + (Y - y0) * dy) / n2)

    return field


def radial(c0, c1, center, r):
    def field(X, Y):
        return lerp(c0, c1, np.hypot(X - center[0], Y - center[1]) / r)

    return field


def value_noise(seed, cells, scale=1.0):
    """Smooth full-canvas noise in [-scale, scale]: random grid upsampled bicubically."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 255, (cells, cells)).astype(np.uint8)
    big = Image.fromarray(small).resize((N, N), Image.BICUBIC)
    return (np.asarray(big, np.float32) / 127.5 - 1.0) * scale


def grain(seed, scale=1.0, px=1):
    """Per-pixel grain (px output pixels per grain) in [-scale, scale]."""
    rng = np.random.default_rng(seed)
    n = N // (px * S)
    small = rng.uniform(-scale, scale, (n, n)).astype(np.float32)
    return np.repeat(np.repeat(small, px * S, 0), px * S, 1)


# ----------------------------------------------------------------- surface normals
# Each returns f(X, Y, box) -> (nx, ny, nz) over the crop; X, Y in output units.


def cylinder(cx, r):
    def f(X, Y, box):
        u = np.clip((X - cx) / r, -0.995, 0.995)
        return u, np.zeros_like(u), np.sqrt(1 - u * u)

    return f


def ellipsoid(cx, cy, rx, ry):
    def f(X, Y, box):
        u, v = (X - cx) / rx, (Y - cy) / ry
        q = np.sqrt(np.clip(1 - u * u - v * v, 0.0004, 1))
        n = np.sqrt(u * u + v * v + q * q)
        return u / n, v / n, q / n

    return f


def fblur(a, sigma):
    """Float Gaussian blur (three box passes via cumulative sums): no 8-bit banding."""
    r = max(1, int(round((np.sqrt(4 * sigma * sigma + 1) - 1) / 2)))
    a = a.astype(np.float64)
    for axis in (0, 1):
        for _ in range(3):
            pad = [(0, 0), (0, 0)]
            pad[axis] = (r + 1, r)
            c = np.cumsum(np.pad(a, pad, mode="edge"), axis=axis)
            hi = np.take(c, np.arange(2 * r + 1, c.shape[axis]), axis=axis)
            lo = np.take(c, np.arange(0, c.shape[axis] - 2 * r - 1), axis=axis)
            a = (hi - lo) / (2 * r + 1)
    return a.astype(np.float32)


def pillow(mask, radius, strength=2.0):
    """Soft rounded volume from a blurred silhouette (fabric, plastic, foam).

    Negative strength gives a concave (dished) surface."""
    sigma = radius * S
    x0, y0, x1, y1 = mask.getbbox()
    m = int(3 * sigma) + 2
    ox, oy = max(0, x0 - m), max(0, y0 - m)
    crop = np.asarray(mask.crop((ox, oy, min(N, x1 + m), min(N, y1 + m))), np.float32) / 255
    gy, gx = np.gradient(fblur(crop, sigma))
    k = sigma * 2.5 * strength

    def f(X, Y, box):
        bx0, by0, bx1, by1 = box
        sl = (slice(by0 - oy, by1 - oy), slice(bx0 - ox, bx1 - ox))
        nx, ny = -gx[sl] * k, -gy[sl] * k
        n = np.sqrt(nx * nx + ny * ny + 1)
        return nx / n, ny / n, 1 / n

    return f


# --------------------------------------------------------------------------- scene


class Scene:
    """A float RGB canvas at supersampled resolution plus painting/lighting ops."""

    def __init__(self, top, bottom, glow=(512, 470, 460, 0.10)):
        ys, xs = np.mgrid[0:N, 0:N].astype(np.float32)
        X, Y = (xs + 0.5) / S, (ys + 0.5) / S
        t = Y / SIZE
        t = t * t * (3 - 2 * t)  # smoothstep: a seamless studio sweep
        arr = lerp(top, bottom, t)
        gx, gy, gr, gs = glow
        d = np.clip(np.hypot(X - gx, (Y - gy) * 1.15) / gr, 0, 1)
        arr += (1 - d * d)[..., None] * gs * (255 - arr)  # soft light behind the product
        vig = np.clip(np.hypot(X - 512, Y - 512) / 760, 0, 1)
        arr *= 1 - 0.10 * vig[..., None] ** 2
        self.arr = arr

    # -- helpers
    @staticmethod
    def _box(mask):
        return mask.getbbox()

    @staticmethod
    def _grid(box):
        x0, y0, x1, y1 = box
        ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        return (xs + 0.5) / S, (ys + 0.5) / S

    def _alpha(self, mask, box, opacity):
        return (np.asarray(mask.crop(box), np.float32) / 255 * opacity)[..., None]

    def _field(self, color, box):
        x0, y0, x1, y1 = box
        if callable(color):
            c = np.asarray(color(*self._grid(box)), np.float32)
        elif isinstance(color, np.ndarray) and color.ndim >= 2:
            c = color[y0:y1, x0:x1]
        else:
            c = np.asarray(color, np.float32)
        if c.ndim == 2:
            c = c[..., None]
        return c

    # -- painting
    def paint(self, mask, color, opacity=1.0):
        """Fill mask with a colour, a colour field f(X, Y) or a full-canvas array."""
        box = self._box(mask)
        if not box:
            return
        x0, y0, x1, y1 = box
        a = self._alpha(mask, box, opacity)
        base = self.arr[y0:y1, x0:x1]
        self.arr[y0:y1, x0:x1] = base + (self._field(color, box) - base) * a

    def multiply(self, mask, factor, opacity=1.0):
        """Scale colours under mask (factor < 1 darkens): AO, texture, tint."""
        box = self._box(mask)
        if not box:
            return
        x0, y0, x1, y1 = box
        a = self._alpha(mask, box, opacity)
        base = self.arr[y0:y1, x0:x1]
        self.arr[y0:y1, x0:x1] = base + (base * self._field(factor, box) - base) * a

    def screen(self, mask, color, opacity=1.0):
        """Add light (glows, flames, reflections)."""
        box = self._box(mask)
        if not box:
            return
        x0, y0, x1, y1 = box
        a = self._alpha(mask, box, opacity)
        base = self.arr[y0:y1, x0:x1]
        c = self._field(color, box)
        self.arr[y0:y1, x0:x1] = 255 - (255 - base) * (1 - c / 255 * a)

    def shade(
        self,
        mask,
        normals,
        amb=0.55,
        diffuse=0.6,
        spec=0.4,
        shine=30,
        rim=0.0,
        rim_shine=10,
        strip=False,
        spec_color=(255, 255, 255),
        opacity=1.0,
    ):
        """Light what is already painted under mask using the given surface normals."""
        box = self._box(mask)
        if not box:
            return
        x0, y0, x1, y1 = box
        X, Y = self._grid(box)
        nx, ny, nz = normals(X, Y, box)
        d = np.clip(nx * KEY[0] + ny * KEY[1] + nz * KEY[2], 0, 1)
        h, rh = (KEY_H_STRIP, RIM_H_STRIP) if strip else (KEY_H, RIM_H)
        s = np.clip(nx * h[0] + ny * h[1] + nz * h[2], 0, 1) ** shine
        r = np.clip(nx * rh[0] + ny * rh[1] + nz * rh[2], 0, 1) ** rim_shine
        base = self.arr[y0:y1, x0:x1]
        lit = base * (amb + diffuse * d)[..., None]
        lit += (spec * s + rim * r)[..., None] * np.asarray(spec_color, np.float32)
        a = self._alpha(mask, box, opacity)
        self.arr[y0:y1, x0:x1] = base + (lit - base) * a

    def shadow(self, mask, blur, opacity, offset=(0, 0), clip=None, color=(60, 48, 40)):
        """A soft shadow of mask (blurred, shifted), optionally only inside clip."""
        m = m_shift(mask, *offset).filter(ImageFilter.GaussianBlur(blur * S))
        if clip is not None:
            m = m_and(m, clip)
        self.paint(m, color, opacity)

    def text(self, xy, text, fnt, color, tracking=0.0, opacity=1.0, anchor="mm"):
        self.paint(m_text(xy, text, fnt, tracking, anchor), color, opacity)

    def save(self, path: Path, **kw):
        img = Image.fromarray(np.clip(self.arr + 0.5, 0, 255).astype(np.uint8))
        img = img.resize((SIZE, SIZE), Image.LANCZOS)
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, **kw)
        return path


def steel(cx, r):
    """Polished steel: a cylinder reflecting a studio of dark and light bands."""

    def field(X, Y):
        u = np.clip((X - cx) / r, -1, 1)
        bands = 0.5 + 0.28 * np.cos(u * 5.2 + 0.6) + 0.12 * np.cos(u * 11.0)
        return lerp((70, 74, 78), (236, 238, 240), bands)

    return field


def floor_shadow(sc, box, soft_dx=60, dark=0.42, soft=0.22):
    """Contact shadow under the base plus a wide soft shadow thrown to the right."""
    x0, y0, x1, y1 = box
    sc.shadow(m_ellipse((x0 + soft_dx * 0.2, y0 - 6, x1 + soft_dx, y1 + 26)), 38, soft)
    sc.shadow(m_ellipse(box), 9, dark)


def label_band(sc, box, paper, noise=None):
    """A paper label round a cylinder: paint it (text goes on next, then shade it)."""
    m = m_rect(box)
    sc.paint(m, paper)
    if noise is not None:
        sc.multiply(m, 1 + noise)
    return m


# ======================================================================== products


def draw_serum() -> Scene:
    """Amber glass dropper bottle with a gold collar and a paper label."""
    sc = Scene((247, 237, 232), (233, 212, 202), glow=(512, 500, 430, 0.16))
    floor_shadow(sc, (384, 846, 640, 874))
    # warm light passing through the amber glass onto the floor (caustic)
    sc.screen(m_ellipse((560, 852, 700, 884)).filter(ImageFilter.GaussianBlur(14 * S)), (214, 120, 40), 0.35)

    cx, r = 512, 120
    body = Path((418, 860)).line((606, 860)).curve((620, 860), (632, 848), (632, 834))
    body.line((632, 482)).curve((632, 436), (592, 420), (570, 410)).line((570, 372)).line((454, 372))
    body.line((454, 410)).curve((432, 420), (392, 436), (392, 482)).line((392, 834))
    body.curve((392, 848), (404, 860), (418, 860))
    glass = m_poly(body.pts)
    sc.paint(glass, linear((150, 72, 18), (104, 42, 10), (0, 400), (0, 860)))
    # serum level: slightly denser colour below the meniscus
    sc.multiply(m_and(glass, m_rect((0, 520, SIZE, SIZE))), (0.86, 0.82, 0.78))
    sc.paint(m_and(glass, m_rect((0, 518, SIZE, 520))), (220, 150, 80), 0.35)
    # the glass pipette inside
    pip = m_rrect((500, 372, 524, 700), 11)
    sc.multiply(pip, (0.82, 0.78, 0.74))
    sc.paint(m_rect((504, 380, 507, 690)), (240, 190, 130), 0.5)
    sc.shade(glass, cylinder(cx, r), amb=0.45, diffuse=0.6, spec=0.75, shine=160, rim=0.35, rim_shine=24, strip=True)
    sc.paint(m_and(glass, m_rect((0, 840, SIZE, 861))), (230, 150, 70), 0.25)  # thick glass base

    # label
    lab = label_band(sc, (392, 560, 632, 796), (247, 242, 233))
    brown = (66, 40, 26)
    sc.text((512, 596), "LUMEA", font(BOLD, 20), brown, tracking=7)
    sc.paint(m_rect((474, 616, 550, 618)), (176, 132, 70))
    sc.text((512, 660), "GLOW", font(BOLD, 56), brown, tracking=2)
    sc.text((512, 706), "SERUM", font(REGULAR, 22), brown, tracking=8)
    sc.text((512, 742), "VITAMIN C + HYALURONIC", font(BOLD, 11), (150, 100, 60), tracking=1.5)
    sc.text((512, 770), "30 ml / 1 fl oz", font(REGULAR, 12), (110, 80, 60))
    sc.shade(lab, cylinder(cx, r), amb=0.62, diffuse=0.45, spec=0.12, shine=14, rim=0.08, strip=True)

    # gold collar, ribbed
    collar = m_rrect((444, 296, 580, 380), 9)
    sc.paint(collar, (206, 166, 96))
    ribs = np.where((np.arange(N) // (4 * S)) % 2 == 0, 1.0, 0.86).astype(np.float32)
    sc.multiply(m_rect((444, 300, 580, 362)), np.broadcast_to(ribs[None, :], (N, N)))
    lip = m_rrect((440, 362, 584, 382), 6)
    sc.paint(lip, (214, 176, 108))
    for m in (collar, lip):
        sc.shade(
            m,
            cylinder(cx, 70),
            amb=0.32,
            diffuse=0.95,
            spec=0.9,
            shine=22,
            rim=0.6,
            rim_shine=8,
            strip=True,
            spec_color=(255, 240, 205),
        )
    sc.shadow(m_rect((444, 290, 580, 300)), 3, 0.35, clip=collar)

    # black rubber bulb
    bulb = m_or(m_rrect((470, 200, 554, 300), 20), m_ellipse((470, 160, 554, 250)))
    sc.paint(bulb, (44, 40, 40))
    sc.shade(bulb, cylinder(cx, 42), amb=0.55, diffuse=0.7, spec=0.3, shine=16, rim=0.25, strip=True)
    sc.shade(
        m_ellipse((470, 160, 554, 250)),
        ellipsoid(512, 205, 42, 45),
        amb=1.0,
        diffuse=0.0,
        spec=0.25,
        shine=20,
        opacity=0.8,
    )
    flange = m_rrect((458, 284, 566, 300), 7)
    sc.paint(flange, (36, 33, 33))
    sc.shade(flange, cylinder(cx, 54), amb=0.6, diffuse=0.6, spec=0.25, shine=16, strip=True)

    # two drops of serum on the floor
    for box in ((640, 866, 684, 880), (694, 880, 716, 888)):
        d = m_ellipse(box)
        sc.shadow(d, 2, 0.3, offset=(2, 2))
        sc.paint(d, (196, 120, 40), 0.85)
        bx = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2)
        sc.shade(d, ellipsoid(*bx), amb=0.8, diffuse=0.3, spec=0.9, shine=40)
    return sc


def draw_earbuds() -> Scene:
    """White wireless earbuds sitting in an open charging case."""
    sc = Scene((239, 242, 246), (219, 225, 233), glow=(512, 520, 440, 0.18))
    floor_shadow(sc, (318, 828, 706, 866), dark=0.38)
    white = (242, 243, 246)

    # lid, opened back: we see its inside
    lid = m_rrect((318, 318, 706, 566), 118)
    sc.paint(lid, white)
    sc.shade(lid, pillow(lid, 26, 1.6), amb=0.66, diffuse=0.42, spec=0.35, shine=30)
    recess = m_rrect((342, 344, 682, 552), 98)
    sc.paint(recess, linear((206, 210, 216), (232, 235, 239), (0, 344), (0, 552)))
    sc.shade(recess, pillow(recess, 14, -1.2), amb=0.8, diffuse=0.3, spec=0.05)
    for x in (428, 596):  # shallow pockets the buds click into
        p = m_ellipse((x - 46, 430, x + 46, 500))
        sc.multiply(p, 0.93)
        sc.shade(p, pillow(p, 10, -1.5), amb=0.9, diffuse=0.2, spec=0.0)
    sc.shadow(m_rect((300, 560, 724, 600)), 10, 0.35, clip=lid)  # hinge occlusion

    # bottom half of the case
    top_face = m_rrect((312, 532, 712, 632), 50)
    front = m_rrect((312, 566, 712, 852), 124)
    case = m_or(top_face, front)
    sc.paint(case, white)
    sc.shade(case, pillow(case, 40, 1.7), amb=0.6, diffuse=0.48, spec=0.45, shine=26, rim=0.2)
    plane = m_rrect((324, 538, 700, 622), 44)
    sc.paint(plane, linear((247, 248, 250), (228, 231, 235), (0, 538), (0, 622)))
    sc.paint(m_sub(m_rrect((322, 537, 702, 624), 45), plane), (196, 200, 206), 0.8)  # seam

    buds = []
    for x, side in ((432, -1), (592, 1)):
        cav = m_ellipse((x - 50, 560, x + 50, 606))
        sc.paint(cav, linear((70, 74, 80), (150, 155, 162), (0, 560), (0, 606)))
        buds.append((x, side, cav))

    for x, side, cav in buds:
        keep = m_or(m_rect((0, 0, SIZE, 583)), cav)  # the case lip hides the bud's base
        # glossy bud, touch surface up; the ear tip sits inside the case
        head = m_and(m_ellipse((x - 60, 494, x + 60, 606)), keep)
        sc.shadow(head, 7, 0.4, offset=(5, 7), clip=m_or(plane, cav))
        sc.paint(head, (246, 247, 249))
        touch = m_ellipse((x - 36, 516, x + 36, 566))
        sc.paint(m_sub(touch, m_ellipse((x - 34, 517, x + 34, 565))), (200, 204, 210), 0.8)
        sc.shade(head, ellipsoid(x, 550, 60, 56), amb=0.62, diffuse=0.45, spec=0.75, shine=45, rim=0.25)
        mic = m_rrect((x + side * 44 - 3, 540, x + side * 44 + 3, 556), 3)
        sc.paint(mic, (120, 124, 132), 0.8)

    # status LED and printed brand
    sc.screen(m_ellipse((494, 650, 530, 686)).filter(ImageFilter.GaussianBlur(6 * S)), (90, 230, 140), 0.6)
    sc.paint(m_ellipse((508, 664, 516, 672)), (120, 235, 160))
    sc.text((512, 752), "PULSE", font(BOLD, 34), (150, 156, 166), tracking=10)
    sc.text((512, 784), "WIRELESS", font(REGULAR, 11), (165, 170, 180), tracking=6)
    return sc


def draw_bottle() -> Scene:
    """Powder-coated insulated steel bottle with a loop cap."""
    sc = Scene((237, 243, 238), (214, 226, 217), glow=(512, 480, 440, 0.16))
    floor_shadow(sc, (392, 866, 632, 896))
    cx, r = 512, 112
    teal = (30, 104, 112)

    body = Path((430, 884)).line((594, 884)).curve((612, 884), (624, 872), (624, 852))
    body.line((624, 372)).curve((624, 330), (586, 312), (578, 300)).line((578, 286)).line((446, 286))
    body.line((446, 300)).curve((438, 312), (400, 330), (400, 372)).line((400, 852))
    body.curve((400, 872), (412, 884), (430, 884))
    b = m_poly(body.pts)
    sc.paint(b, teal)
    sc.multiply(b, 1 + grain(11, 0.05))  # powder-coat speckle
    # printed logo: a mountain and the brand name
    mtn = Path((458, 532)).line((494, 480)).line((508, 500)).line((524, 476)).line((566, 532))
    sc.paint(m_poly(mtn.pts), (246, 246, 240))
    sc.paint(m_poly([(494, 480), (484, 495), (490, 492), (496, 498), (502, 491)]), teal)  # snow line
    sc.paint(m_poly([(524, 476), (513, 492), (520, 489), (526, 495), (533, 488)]), teal)
    sc.text((512, 574), "SUMMIT", font(BOLD, 38), (246, 246, 240), tracking=5)
    sc.text((512, 610), "INSULATED  \u00b7  32 OZ", font(REGULAR, 12), (220, 232, 230), tracking=3)
    sc.shade(b, cylinder(cx, r), amb=0.5, diffuse=0.7, spec=0.28, shine=10, rim=0.18, rim_shine=8, strip=True)
    sc.shadow(m_rect((380, 300, 650, 312)), 6, 0.3, clip=b)

    # stainless neck ring
    ring = m_rrect((440, 258, 584, 298), 6)
    sc.paint(ring, steel(cx, 72))
    sc.shade(ring, cylinder(cx, 72), amb=0.55, diffuse=0.5, spec=0.9, shine=40, rim=0.5, rim_shine=10, strip=True)
    sc.paint(m_rect((440, 290, 584, 292)), (90, 94, 98), 0.5)

    # cap with carry loop
    cap = m_rrect((432, 168, 592, 264), 10)
    sc.paint(cap, (46, 50, 53))
    ribs = np.where((np.arange(N) // (5 * S)) % 2 == 0, 1.0, 0.8).astype(np.float32)
    sc.multiply(m_rect((432, 214, 592, 262)), np.broadcast_to(ribs[None, :], (N, N)))
    sc.shade(cap, cylinder(cx, 80), amb=0.55, diffuse=0.7, spec=0.35, shine=24, rim=0.3, strip=True)
    sc.shadow(m_rect((420, 250, 604, 266)), 4, 0.4, clip=ring)
    top = m_ellipse((432, 156, 592, 182))
    loop = m_and(m_sub(m_rrect((468, 92, 556, 200), 42), m_rrect((490, 114, 534, 200), 22)), m_rect((0, 0, SIZE, 170)))
    sc.paint(top, (72, 76, 80))
    sc.shade(top, ellipsoid(512, 169, 80, 13), amb=0.8, diffuse=0.3, spec=0.2, shine=10)
    sc.shadow(m_rect((470, 160, 556, 176)), 4, 0.35, clip=top, offset=(6, 2))
    sc.paint(loop, (46, 50, 53))
    sc.shade(loop, pillow(loop, 7, 1.6), amb=0.6, diffuse=0.6, spec=0.3, shine=20)
    return sc


def draw_mug() -> Scene:
    """Dip-glazed speckled stoneware mug of black coffee, with a few beans."""
    sc = Scene((246, 240, 231), (230, 218, 201), glow=(500, 520, 440, 0.16))
    floor_shadow(sc, (350, 830, 632, 866), soft_dx=110)
    cx, r = 490, 135
    rng = np.random.default_rng(42)
    glaze = (234, 226, 211)
    clay = (180, 114, 78)

    # handle (drawn first, the body covers its ends)
    hpts = bezier((612, 500), (742, 470), (760, 712), (612, 724), 60)
    handle = m_stroke(hpts, 34)
    sc.paint(handle, glaze)

    body = m_or(m_or(m_rect((355, 420, 625, 830)), m_ellipse((355, 808, 625, 852))), m_ellipse((355, 394, 625, 446)))
    sc.paint(body, glaze)
    # raw clay foot below a slightly wavy dip line
    ys, xs = np.mgrid[0:N, 0:N].astype(np.float32) / S
    wave = 752 + 5 * np.sin(xs / 23.0) + 3 * np.sin(xs / 9.7 + 1.3)
    dip = Image.fromarray(np.where(ys > wave, 255, 0).astype(np.uint8))
    foot = m_and(body, dip)
    glazed = m_sub(body, foot)
    sc.paint(foot, clay)
    sc.multiply(foot, 1 + grain(5, 0.07))
    sc.multiply(m_and(glazed, m_shift(dip, 0, -8)), 0.9)  # glaze pools thicker at the edge
    # speckles in the glaze
    speck = new_mask()
    d = ImageDraw.Draw(speck)
    for _ in range(900):
        x, y = rng.uniform(350, 770), rng.uniform(390, 790)
        rr = rng.uniform(0.5, 1.9) * S
        d.ellipse((x * S - rr, y * S - rr, x * S + rr, y * S + rr), fill=int(rng.uniform(120, 255)))
    speck = m_sub(speck, m_rect((390, 572, 590, 604)))  # keep the stamped name clean
    sc.paint(m_and(speck, m_or(glazed, handle)), (96, 72, 56), 0.75)

    # stamped logo
    brown = (128, 84, 58)
    ring = m_sub(m_ellipse((470, 520, 510, 560)), m_ellipse((474, 524, 506, 556)))
    sc.paint(ring, brown)
    sc.paint(m_poly([(490, 528), (500, 550), (480, 550)]), brown)
    sc.text((490, 588), "KILN & CO", font(BOLD, 26), brown, tracking=4)
    sc.text((490, 618), "STONEWARE", font(REGULAR, 11), brown, tracking=6, opacity=0.85)

    sc.shade(glazed, cylinder(cx, r), amb=0.52, diffuse=0.6, spec=0.3, shine=60, rim=0.18, strip=True)
    sc.shade(foot, cylinder(cx, r), amb=0.55, diffuse=0.55, spec=0.06, shine=10, strip=True)
    sc.shade(handle, pillow(handle, 12, 1.6), amb=0.55, diffuse=0.6, spec=0.35, shine=30)

    # rim, inner wall and coffee
    outer = m_ellipse((355, 394, 625, 446))
    inner = m_ellipse((367, 401, 613, 439))
    sc.paint(outer, (244, 238, 226))
    sc.paint(inner, linear((176, 166, 150), (214, 206, 192), (0, 401), (0, 439)))
    coffee = m_and(m_ellipse((369, 409, 611, 443)), inner)
    sc.paint(coffee, radial((40, 22, 13), (104, 62, 36), (490, 428), 122))
    sc.screen(
        m_and(m_ellipse((400, 414, 470, 428)).filter(ImageFilter.GaussianBlur(5 * S)), coffee), (255, 240, 220), 0.5
    )
    sc.shadow(m_sub(m_rect((340, 380, 640, 430)), m_ellipse((367, 407, 613, 445))), 5, 0.35, clip=coffee)
    sc.screen(m_sub(outer, m_shift(outer, 0, -4)), (255, 255, 255), 0.55)  # lit front lip

    # coffee beans on the table
    for bx, by, ang, seed in ((250, 858, 20, 1), (300, 880, -35, 2), (226, 892, 70, 3)):
        t = np.linspace(0, 2 * np.pi, 60)
        a, b, th = 22, 15, np.radians(ang)
        pts = [
            (
                bx + a * np.cos(u) * np.cos(th) - b * np.sin(u) * np.sin(th),
                by + (a * np.cos(u) * np.sin(th) + b * np.sin(u) * np.cos(th)) * 0.75,
            )
            for u in t
        ]
        bean = m_poly(pts)
        sc.shadow(bean, 4, 0.45, offset=(4, 4))
        sc.paint(bean, (92, 52, 30))
        sc.shade(bean, pillow(bean, 6, 1.8), amb=0.55, diffuse=0.7, spec=0.45, shine=25)
        crease = [
            (
                bx + s * a * 0.8 * np.cos(th) + 3 * np.sin(s * 3) * -np.sin(th),
                by + (s * a * 0.8 * np.sin(th) + 3 * np.sin(s * 3) * np.cos(th)) * 0.75,
            )
            for s in np.linspace(-1, 1, 20)
        ]
        sc.paint(m_stroke(crease, 2.2), (40, 20, 10), 0.85)
    return sc


def draw_sneaker() -> Scene:
    """Side view of a running shoe: mesh upper, foam midsole, rubber outsole."""
    sc = Scene((243, 242, 239), (223, 221, 215), glow=(512, 560, 480, 0.15))
    sc.shadow(m_ellipse((140, 800, 930, 850)), 30, 0.25)
    sc.shadow(m_ellipse((170, 808, 900, 832)), 8, 0.4)
    coral, navy = (232, 86, 62), (34, 44, 74)

    upper_p = Path((168, 790)).line((166, 745)).curve((140, 690), (132, 590), (150, 522))
    upper_p.curve((156, 494), (170, 474), (196, 466)).curve((240, 462), (292, 514), (334, 520))
    upper_p.curve((352, 522), (364, 514), (374, 502)).curve((382, 476), (386, 452), (404, 440))
    upper_p.curve((424, 428), (446, 432), (456, 448)).curve((540, 516), (620, 572), (700, 606))
    upper_p.curve((790, 642), (880, 668), (900, 720)).line((904, 790))
    upper = m_poly(upper_p.pts)

    # heel pull tab, behind the upper
    tab = m_stroke([(192, 480), (186, 446)], 22)
    sc.paint(tab, navy)
    sc.shade(tab, pillow(tab, 5, 1.3), amb=0.62, diffuse=0.5, spec=0.15)

    sc.paint(upper, coral)
    yy, xx = np.mgrid[0:N, 0:N].astype(np.float32) / S
    mesh = 1 - 0.08 * ((np.sin(xx * 1.25) * np.sin(yy * 1.25)) > 0.35)
    sc.multiply(upper, mesh)
    # two swept side stripes; they tuck under the eyestay
    for off, w in ((0, 16), (26, 7)):
        st = bezier((322 + off, 752), (390 + off, 660), (470 + off, 600), (560 + off, 548), 60)
        sc.paint(m_and(m_stroke(st, w), upper), (250, 248, 244))
    # heel counter: a firm cup round the back of the heel, with stitching
    hc_p = Path((100, 540)).line((160, 540)).curve((230, 560), (290, 640), (300, 800)).line((100, 800))
    counter = m_and(m_poly(hc_p.pts), upper)
    sc.paint(counter, navy)
    stitch = bezier((160, 552), (226, 572), (282, 646), (292, 770), 50)
    sc.paint(m_and(m_dashed(stitch, 1.6), upper), (200, 206, 220), 0.9)
    sc.text((206, 660), "S", font(BOLD, 34), (245, 245, 245))
    # eyestay: a darker overlay along the laces
    lace_line = bezier((456, 448), (540, 516), (620, 572), (700, 606), 50)
    eyestay = m_and(m_stroke([(x - 4, y + 18) for x, y in lace_line], 40), upper)
    sc.shadow(eyestay, 3, 0.3, offset=(2, 4), clip=m_sub(upper, eyestay))
    sc.paint(eyestay, (200, 64, 46))
    # toe bumper
    sc.paint(m_and(upper, m_ellipse((800, 700, 980, 840))), (212, 72, 52))
    sc.shade(upper, pillow(upper, 36, 1.5), amb=0.58, diffuse=0.52, spec=0.18, shine=20, rim=0.1)
    # padded collar edge
    collar = m_and(m_stroke(bezier((196, 468), (240, 464), (292, 516), (334, 522), 40), 14), upper)
    sc.paint(collar, (40, 50, 80))
    sc.shade(collar, pillow(collar, 5, 1.5), amb=0.6, diffuse=0.6, spec=0.25)

    # eyelets and flat laces crossing over the tongue
    for i in (3, 11, 19, 27, 35, 43):
        x, y = lace_line[i]
        (ax, ay), (bx, by) = lace_line[i - 3], lace_line[min(i + 5, len(lace_line) - 1)]
        ex, ey = x - 3, y + 22
        sc.paint(m_ellipse((ex - 7, ey - 7, ex + 7, ey + 7)), navy)
        sc.paint(m_ellipse((ex - 3, ey - 3, ex + 3, ey + 3)), (230, 232, 236))
        lace = m_stroke([(ex, ey), (x + 2, y + 2), (bx, by - 3)], 10)
        sc.shadow(lace, 2, 0.4, offset=(2, 3))
        sc.paint(lace, (248, 248, 246))
        sc.shade(lace, pillow(lace, 3, 1.4), amb=0.68, diffuse=0.42, spec=0.2)

    # midsole and outsole
    mid_p = Path((150, 815)).curve((132, 790), (130, 745), (146, 716)).curve((230, 702), (330, 730), (420, 738))
    mid_p.curve((560, 748), (680, 770), (760, 766)).curve((840, 762), (884, 748), (906, 730))
    mid_p.curve((926, 746), (922, 782), (898, 792)).curve((860, 804), (780, 808), (700, 808))
    mid_p.line((200, 818)).curve((175, 821), (160, 820), (150, 815))
    mid = m_poly(mid_p.pts)
    sc.shadow(mid, 10, 0.35, offset=(0, -10), clip=upper)  # occlusion where upper meets sole
    out = m_sub(m_shift(mid, 0, 13), mid)
    sc.paint(out, (50, 52, 57))
    treads = np.where((np.arange(N) // (9 * S)) % 2 == 0, 1.0, 0.7).astype(np.float32)
    sc.multiply(m_and(out, m_rect((0, 812, SIZE, SIZE))), np.broadcast_to(treads[None, :], (N, N)))
    sc.paint(mid, linear((252, 251, 249), (222, 220, 216), (0, 712), (0, 815)))
    groove = bezier((150, 782), (300, 778), (420, 794), (560, 798), 40)
    sc.paint(m_and(m_stroke(groove, 3), mid), (196, 194, 190))
    sc.paint(m_and(m_stroke(bezier((560, 798), (650, 800), (760, 790), (880, 770), 40), 2), mid), (210, 208, 204))
    sc.text((262, 760), "STRIDE", font(BOLD, 24), navy, tracking=4)
    sc.shade(mid, pillow(mid, 9, 1.5), amb=0.68, diffuse=0.4, spec=0.15, shine=14)
    return sc


def draw_candle() -> Scene:
    """Lit soy candle in a clear glass tumbler with a kraft label."""
    sc = Scene((244, 238, 232), (227, 214, 201), glow=(512, 420, 420, 0.20))
    floor_shadow(sc, (376, 846, 648, 878))
    cx, r = 512, 132
    # the flame's warm light on the backdrop
    sc.screen(m_ellipse((330, 250, 694, 610)).filter(ImageFilter.GaussianBlur(60 * S)), (255, 200, 140), 0.35)

    jar = m_or(m_or(m_rect((380, 430, 644, 852)), m_ellipse((380, 832, 644, 872))), m_ellipse((380, 408, 644, 452)))
    # empty glass above the wax: faint tint of the background
    sc.multiply(jar, (0.97, 0.985, 0.98))

    # wax column
    wax = m_or(m_rect((390, 510, 634, 840)), m_ellipse((390, 822, 634, 858)))
    sc.paint(wax, linear((246, 238, 222), (232, 220, 200), (0, 510), (0, 850)))
    sc.shade(wax, cylinder(cx, 122), amb=0.74, diffuse=0.34, spec=0.05, shine=8, strip=True)
    top = m_ellipse((390, 491, 634, 529))
    sc.paint(top, (248, 242, 230))
    pool = m_ellipse((438, 498, 586, 522))
    sc.paint(pool, radial((226, 206, 176), (242, 232, 214), (512, 510), 74))
    sc.screen(m_ellipse((452, 502, 500, 510)).filter(ImageFilter.GaussianBlur(2 * S)), (255, 255, 255), 0.7)

    # wick and flame
    wick = m_stroke(bezier((512, 511), (512, 498), (513, 486), (518, 474), 12), 3.5)
    sc.paint(wick, (30, 24, 20))
    sc.paint(m_ellipse((514, 470, 522, 478)), (255, 120, 40), 0.9)
    sc.screen(m_ellipse((470, 360, 560, 500)).filter(ImageFilter.GaussianBlur(22 * S)), (255, 190, 110), 0.6)
    flame = Path((517, 486)).curve((490, 480), (494, 432), (522, 372)).curve((544, 432), (546, 480), (517, 486))
    fm = m_poly(flame.pts).filter(ImageFilter.GaussianBlur(2 * S))
    sc.paint(fm, radial((255, 214, 120), (246, 140, 40), (518, 452), 40))
    inner = Path((517, 480)).curve((502, 476), (504, 446), (520, 408)).curve((534, 446), (534, 476), (517, 480))
    sc.paint(m_poly(inner.pts).filter(ImageFilter.GaussianBlur(3 * S)), (255, 248, 228))
    sc.paint(m_ellipse((510, 468, 526, 488)).filter(ImageFilter.GaussianBlur(2 * S)), (120, 130, 210), 0.4)

    # glass: thick base, walls, reflections
    base = m_sub(m_ellipse((382, 828, 642, 870)), m_ellipse((392, 820, 632, 852)))
    sc.paint(base, (222, 226, 220), 0.55)
    for x0, x1 in ((380, 391), (633, 644)):
        sc.paint(m_rect((x0, 430, x1, 852)), (198, 208, 202), 0.45)
    sc.screen(m_rect((404, 430, 418, 848)).filter(ImageFilter.GaussianBlur(3 * S)), (255, 255, 255), 0.6)
    sc.screen(m_rect((424, 430, 428, 848)).filter(ImageFilter.GaussianBlur(1 * S)), (255, 255, 255), 0.35)
    sc.screen(m_rect((614, 430, 624, 848)).filter(ImageFilter.GaussianBlur(3 * S)), (255, 255, 255), 0.35)
    rim_o = m_ellipse((380, 408, 644, 452))
    rim = m_sub(rim_o, m_ellipse((386, 412, 638, 448)))
    sc.paint(rim, (214, 220, 216), 0.8)
    sc.screen(m_and(rim, m_rect((0, 430, SIZE, SIZE))), (255, 255, 255), 0.7)

    # kraft label
    kraft = value_noise(3, 160, 0.05) + grain(4, 0.04)
    lab = label_band(sc, (380, 612, 644, 776), (200, 164, 120), kraft)
    ink = (52, 36, 26)
    sc.text((512, 642), "EMBER & OAK", font(BOLD, 19), ink, tracking=5)
    sc.paint(m_rect((478, 660, 546, 662)), ink, 0.8)
    sc.text((512, 694), "Cedar & Fig", font(SERIF_BOLD, 32), ink)
    sc.text((512, 728), "hand-poured soy candle", font(SERIF_ITALIC, 14), ink)
    sc.text((512, 754), "8 OZ  \u00b7  45 HR BURN", font(REGULAR, 11), ink, tracking=3)
    sc.shade(lab, cylinder(cx, r), amb=0.6, diffuse=0.48, spec=0.06, shine=10, strip=True)
    return sc


def draw_backpack() -> Scene:
    """Minimal slate canvas daypack, front view, with leather details."""
    sc = Scene((241, 240, 237), (221, 219, 213), glow=(512, 520, 470, 0.15))
    floor_shadow(sc, (318, 872, 706, 906), soft_dx=70)
    slate = (52, 74, 90)
    webbing = (36, 38, 42)
    leather = (174, 118, 72)

    # shoulder straps and top handle, behind the body
    for sx in (-1, 1):
        st = bezier((512 + sx * 160, 330), (512 + sx * 214, 460), (512 + sx * 214, 650), (512 + sx * 176, 830), 60)
        strap = m_stroke(st, 30)
        sc.paint(strap, (40, 46, 54))
        sc.shade(strap, pillow(strap, 10, 1.4), amb=0.6, diffuse=0.55, spec=0.1)
    handle = m_stroke(bezier((474, 296), (482, 226), (542, 226), (550, 296), 30), 16)
    sc.paint(handle, webbing)
    sc.shade(handle, pillow(handle, 5, 1.2), amb=0.65, diffuse=0.5, spec=0.1)

    body_p = Path((368, 892)).curve((344, 892), (330, 876), (330, 846))
    body_p.curve((314, 700), (312, 520), (324, 420)).curve((334, 306), (424, 262), (512, 262))
    body_p.curve((600, 262), (690, 306), (700, 420)).curve((712, 520), (710, 700), (694, 846))
    body_p.curve((694, 876), (680, 892), (656, 892)).line((368, 892))
    body = m_poly(body_p.pts)
    sc.paint(body, slate)
    canvas = value_noise(8, 60, 0.015) + grain(9, 0.035)
    yy, xx = np.mgrid[0:N, 0:N].astype(np.float32) / S
    weave = 0.03 * np.sin(xx * 2.6) * np.sin(yy * 2.6)
    sc.multiply(body, 1 + canvas + weave)

    # base panel
    base = m_and(body, m_rect((0, 838, SIZE, SIZE)))
    sc.paint(base, (34, 38, 44))
    sc.paint(m_and(m_dashed([(320, 832), (704, 832)], 1.4), body), (120, 134, 146))

    # front pocket
    pbox = (372, 566, 652, 820)
    pocket = m_rrect(pbox, 46)
    sc.shadow(pocket, 6, 0.35, offset=(3, 5), clip=m_sub(body, pocket))
    sc.multiply(pocket, 1.06)
    sc.paint(m_dashed(rrect_points((382, 576, 642, 810), 38), 1.5), (122, 138, 152), 0.9)
    zip_y = 604
    sc.paint(m_rect((398, zip_y - 4, 626, zip_y + 4)), (30, 32, 36))
    sc.paint(m_dashed([(400, zip_y), (624, zip_y)], 5, 2.2, 1.6), (96, 100, 106))
    sc.shade(pocket, pillow(pocket, 20, 1.2), amb=0.75, diffuse=0.35, spec=0.06)

    # top zip with two leather pulls
    zip_pts = bezier((350, 432), (396, 330), (628, 330), (674, 432), 80)
    sc.paint(m_stroke(zip_pts, 9), (28, 30, 34))
    sc.paint(m_dashed(zip_pts, 5, 2.2, 1.6), (100, 104, 110))
    for i in (34, 46):
        zx, zy = zip_pts[i]
        sc.paint(m_rrect((zx - 6, zy - 4, zx + 6, zy + 10), 3), (150, 152, 156))
        pull = m_rrect((zx - 9, zy + 8, zx + 9, zy + 58), 7)
        sc.shadow(pull, 3, 0.4, offset=(3, 4))
        sc.paint(pull, leather)
        sc.shade(pull, pillow(pull, 4, 1.2), amb=0.65, diffuse=0.5, spec=0.25, shine=20)

    # leather brand patch
    patch_box = (430, 468, 594, 530)
    patch = m_rrect(patch_box, 9)
    sc.shadow(patch, 3, 0.4, offset=(2, 3))
    sc.paint(patch, leather)
    sc.multiply(patch, 1 + value_noise(12, 200, 0.05))
    sc.paint(m_dashed(rrect_points((437, 475, 587, 523), 6), 1.3), (232, 210, 180), 0.9)
    sc.text((512, 493), "NORTHWIND", font(BOLD, 19), (92, 56, 30), tracking=2)
    sc.text((512, 512), "GOODS", font(BOLD, 10), (92, 56, 30), tracking=5)
    sc.shade(patch, pillow(patch, 5, 1.0), amb=0.7, diffuse=0.4, spec=0.2, shine=18)

    sc.shade(body, pillow(body, 60, 1.3), amb=0.6, diffuse=0.52, spec=0.06, shine=10, rim=0.05)
    return sc


def draw_logo(path: Path) -> Path:
    """Northwind Goods mark: a slate badge with a compass star, north point in amber."""
    size = 256 * 4
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    c = size / 2
    d.ellipse((24, 24, size - 24, size - 24), fill=(47, 72, 88, 255))
    d.ellipse((64, 64, size - 64, size - 64), outline=(232, 224, 208, 255), width=14)
    long, short = 360, 90
    star = lambda ang, length: (c + length * np.sin(np.radians(ang)), c - length * np.cos(np.radians(ang)))
    for ang, length, col in (
        (180, 300, (232, 224, 208)),
        (90, 270, (232, 224, 208)),
        (270, 270, (232, 224, 208)),
        (0, long, (217, 160, 91)),
    ):
        d.polygon([star(ang, length), star(ang + 45, short), (c, c), star(ang - 45, short)], fill=col + (255,))
    d.ellipse((c - 26, c - 26, c + 26, c + 26), fill=(47, 72, 88, 255))
    img = img.resize((256, 256), Image.LANCZOS)
    img.save(path, optimize=True)
    return path


PRODUCTS = [
    # (file name, drawing function, save options)
    ("glow-serum.png", draw_serum, dict(optimize=True)),
    ("pulse-earbuds.png", draw_earbuds, dict(optimize=True)),
    ("summit-bottle.png", draw_bottle, dict(optimize=True)),
    ("kiln-mug.png", draw_mug, dict(optimize=True)),
    ("stride-runner.png", draw_sneaker, dict(optimize=True)),
    ("cedar-fig-candle.jpg", draw_candle, dict(quality=90, subsampling=0)),
    ("northwind-daypack.webp", draw_backpack, dict(quality=90, method=6)),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw, opts in PRODUCTS:
        path = draw().save(OUT / name, **opts)
        print(f"{path.relative_to(HERE)}  {path.stat().st_size / 1024:.0f} KB")
    # For catalog_with_errors.csv: a text file wearing an image extension.
    fake = OUT / "not_an_image.png"
    fake.write_text("This is plain text, not a PNG. The catalog validator must reject it.\n")
    print(f"{fake.relative_to(HERE)}  (text file, on purpose)")
    logo = draw_logo(HERE / "brand_logo.png")
    print(f"{logo.relative_to(HERE)}  {logo.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
