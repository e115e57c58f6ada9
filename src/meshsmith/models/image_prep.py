"""Photos and sketches → the square, object-centred inputs the image encoders expect.

The same cropping runs at training time (on the dataset's renders, whose masks
are known) and at inference (on a user's photo, whose mask comes from its alpha
channel or, for a plain background, from the colour of its border). Framing is
thereby the same whatever the camera distance or the photo's size: the object's
bounding square plus a `MARGIN` on each side.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from meshsmith.errors import InputError

#: Border around the object's bounding square, as a fraction of its side.
MARGIN = 0.08
#: Colour distance (0-1 RGB, max over channels) from the border colour that counts as object.
BACKGROUND_TOLERANCE = 0.1
#: Ink (0-1) above which a sketch pixel is a stroke.
INK_THRESHOLD = 0.25


def _as_array(image: np.ndarray | Image.Image) -> np.ndarray:
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGBA") if "A" in image.mode else image.convert("RGB"))
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or min(image.shape[:2]) < 8:
        raise InputError(f"expected an RGB(A) image of at least 8×8 pixels, got {image.shape}")
    if image.dtype != np.uint8:
        image = np.clip(np.asarray(image, dtype=np.float64) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return image


def square_crop(image: np.ndarray, mask: np.ndarray, size: int) -> np.ndarray:
    """Crop `image` ``(H, W, C) uint8`` to the square around `mask` ``(H, W) bool``.

    Outside the picture the crop is zero. Returns ``(size, size, C) uint8``.
    """
    rows, cols = np.nonzero(mask)
    if len(rows) == 0:
        raise InputError("no object found in the image")
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    side = int(np.ceil(max(bottom - top, right - left) * (1.0 + 2.0 * MARGIN)))
    cy, cx = (top + bottom) // 2, (left + right) // 2
    y0, x0 = cy - side // 2, cx - side // 2
    canvas = np.zeros((side, side, image.shape[2]), dtype=np.uint8)
    ys, xs = max(y0, 0), max(x0, 0)
    ye, xe = min(y0 + side, image.shape[0]), min(x0 + side, image.shape[1])
    canvas[ys - y0 : ye - y0, xs - x0 : xe - x0] = image[ys:ye, xs:xe]
    squeeze = canvas.shape[2] == 1
    pil = Image.fromarray(canvas[..., 0] if squeeze else canvas)
    out = np.asarray(pil.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0))
    return out[..., None] if squeeze else out


def object_mask(rgb: np.ndarray) -> np.ndarray:
    """Object pixels ``(H, W) bool`` of a photo on a plain background (border colour)."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.float32)
    background = np.median(border, axis=0)
    distance = np.abs(rgb.astype(np.float32) - background).max(axis=2) / 255.0
    mask = ndimage.binary_opening(distance > BACKGROUND_TOLERANCE, iterations=1)
    return ndimage.binary_fill_holes(mask)


def photo_rgba(image: np.ndarray | Image.Image, size: int) -> np.ndarray:
    """Object-centred RGBA crop ``(size, size, 4) uint8`` of a photo or render.

    The alpha channel is the mask when the image has a non-trivial one; otherwise the
    background is taken to be the border's colour.
    """
    image = _as_array(image)
    if image.shape[2] == 4 and image[..., 3].min() < 128:
        mask = image[..., 3] >= 128
    else:
        mask = object_mask(image[..., :3])
    rgba = np.concatenate([image[..., :3], (mask * 255).astype(np.uint8)[..., None]], axis=2)
    return square_crop(rgba, mask, size)


def composite(rgba: np.ndarray, background: tuple[float, float, float] = (1.0, 1.0, 1.0)):
    """``(..., 4) uint8`` RGBA over a plain background → ``(..., 3) float32`` in [0, 1]."""
    rgb = rgba[..., :3].astype(np.float32) / 255.0
    alpha = rgba[..., 3:].astype(np.float32) / 255.0
    return rgb * alpha + np.asarray(background, dtype=np.float32) * (1.0 - alpha)


def sketch_ink(image: np.ndarray | Image.Image, size: int) -> np.ndarray:
    """Object-centred ink coverage ``(size, size) uint8`` (255 full ink) of a line drawing.

    Dark lines on light paper are expected; light lines on a dark board are inverted.
    """
    gray = _as_array(image)[..., :3].astype(np.float32).mean(axis=2) / 255.0
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    ink = gray if np.median(border) < 0.5 else 1.0 - gray
    ink = np.clip((ink - ink.min()) / max(float(ink.max() - ink.min()), 1e-6), 0.0, 1.0)
    ink8 = (ink * 255.0 + 0.5).astype(np.uint8)[..., None]
    return square_crop(ink8, ink > INK_THRESHOLD, size)[..., 0]
