"""How a frame is laid out in memory while it is drawn: packed RGB, or the encoder's own I420.

The renderer draws every video frame straight into I420 (``yuv420p``: a full-size Y plane, then
quarter-size U and V planes) so the H.264 encoder takes it as is: half the bytes of RGB to warp,
blend and hand over, and no RGB -> YUV conversion per frame (FFmpeg's swscale spent more time on
it than the encoder's motion search at 1080x1920). Stills for people (thumbnails, tests) are drawn
in packed RGB by the same code, one plane of three channels.

Pictures and text patches are converted once, with ITU-R BT.601 limited-range coefficients (what
FFmpeg assumes for untagged ``yuv420p`` and decodes back with), chroma averaged over each 2x2 block.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# ITU-R BT.601, limited range ("studio swing"), from 8-bit RGB: rows Y, U (Cb), V (Cr); last column the offset
BT601_LIMITED = np.array(
    [
        [65.481 / 255, 128.553 / 255, 24.966 / 255, 16.0],
        [-37.797 / 255, -74.203 / 255, 112.0 / 255, 128.0],
        [112.0 / 255, -93.786 / 255, -18.214 / 255, 128.0],
    ],
    dtype=np.float32,
)
CHROMA = 2  # yuv420p: one chroma sample per 2x2 luma block


@dataclass(frozen=True)
class Plane:
    """One plane of a frame: the pixels and how many frame pixels one of its pixels spans."""

    pixels: np.ndarray  # a view into the frame, written in place
    step: int  # 1: full size (Y, or packed RGB); 2: a chroma plane


@dataclass(frozen=True)
class Canvas:
    """A ``w`` x ``h`` frame's memory layout: packed RGB (``yuv=False``) or I420 (``yuv=True``)."""

    w: int
    h: int
    yuv: bool = False

    def __post_init__(self) -> None:
        if self.yuv and (self.w % CHROMA or self.h % CHROMA):
            raise ValueError(f"an I420 frame needs even sides, not {self.w}x{self.h}")

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.h * 3 // 2, self.w) if self.yuv else (self.h, self.w, 3)

    def empty(self) -> np.ndarray:
        return np.empty(self.shape, np.uint8)

    def planes(self, buffer: np.ndarray) -> tuple[Plane, ...]:
        """The planes of a frame, or of any picture laid out like one (a plate), as views (Y, U, V; or the one
        RGB plane)."""
        return planes(buffer, *picture_size(buffer, self)) if self.yuv else (Plane(buffer, 1),)

    def picture(self, rgb: np.ndarray) -> np.ndarray:
        """An RGB image (plate, clip frame, end card) in this layout; sides cut to even for I420."""
        return to_i420(rgb) if self.yuv else rgb

    def rgb(self, frame: np.ndarray) -> np.ndarray:
        """A frame in this layout as packed RGB (thumbnails, stills)."""
        return cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_I420) if self.yuv else frame


def planes(frame: np.ndarray, w: int, h: int) -> tuple[Plane, Plane, Plane]:
    """The Y, U and V planes of an I420 buffer of a ``w`` x ``h`` picture, as views."""
    flat, luma, quarter = frame.reshape(-1), w * h, (w // CHROMA) * (h // CHROMA)
    u = flat[luma : luma + quarter].reshape(h // CHROMA, w // CHROMA)
    v = flat[luma + quarter : luma + 2 * quarter].reshape(h // CHROMA, w // CHROMA)
    return Plane(frame[:h], 1), Plane(u, CHROMA), Plane(v, CHROMA)


def yuv444(rgb: np.ndarray) -> np.ndarray:
    """Full-resolution Y, U, V (H x W x 3, uint8) of an RGB image."""
    return cv2.transform(rgb, BT601_LIMITED)


def to_i420(rgb: np.ndarray) -> np.ndarray:
    """An RGB image as one I420 buffer (its sides cut to even), chroma averaged over each 2x2 block.

    Y is written straight into the buffer and the chroma made from the RGB averaged to half size (the
    conversion is linear, so averaging before or after it is the same, up to rounding): a 1274x2266 plate
    converts holding the RGB and 1.25 times its size beside it, not 2.7 times (no full-size YUV 4:4:4 copy),
    which is the render's memory high-water mark each time a shot's plate is loaded."""
    h, w = rgb.shape[0] // CHROMA * CHROMA, rgb.shape[1] // CHROMA * CHROMA
    rgb = np.ascontiguousarray(rgb[:h, :w])
    out = np.empty((h * 3 // 2, w), np.uint8)
    y, u, v = planes(out, w, h)
    cv2.transform(rgb, BT601_LIMITED[:1], dst=y.pixels)
    half = cv2.resize(rgb, (w // CHROMA, h // CHROMA), interpolation=cv2.INTER_AREA)
    chroma = cv2.transform(half, BT601_LIMITED[1:])
    u.pixels[:], v.pixels[:] = chroma[..., 0], chroma[..., 1]
    return out


def picture_size(buffer: np.ndarray, canvas: Canvas) -> tuple[int, int]:
    """(width, height) of the picture held in ``buffer``, laid out as ``canvas`` lays out frames."""
    return (buffer.shape[1], buffer.shape[0] * 2 // 3) if canvas.yuv else (buffer.shape[1], buffer.shape[0])


def chroma_matrix(m: np.ndarray) -> np.ndarray:
    """A plate-to-frame affine matrix for the luma plane, rewritten for the half-size chroma planes.

    A chroma sample ``i`` sits at luma position ``2 i + 0.5`` (the centre of its 2x2 block), on the plate and
    on the frame alike, so x_frame = A x_plate + t becomes i_frame = A i_plate + (t + A [.5 .5] - [.5 .5]) / 2.
    """
    a, t = m[:, :2], m[:, 2]
    return np.concatenate([a, ((t + a.sum(axis=1) * 0.5 - 0.5) / CHROMA)[:, None]], axis=1).astype(np.float32)
