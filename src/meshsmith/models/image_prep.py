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

from meshsmith.colorspace import srgb_to_linear
from meshsmith.errors import InputError

#: Border around the object's bounding square, as a fraction of its side.
MARGIN = 0.08
#: Longest side (pixels) at which a photo's background is modelled; the alpha is upsampled.
MATTE_SIDE = 768
#: Width of the border strip that samples the background, as a fraction of the longest side.
BORDER_SHARE = 0.02
#: At most about this many border pixels are used to fit the background.
BORDER_SAMPLES = 4000
#: A plain background: this share of the border fits the colour model, with noise (ΔE) below
#: ``PLAIN_NOISE``. Camera noise and JPEG artefacts stay around 1-3; cloth, wood or clutter
#: go far above.
PLAIN_SHARE = 0.6
PLAIN_NOISE = 6.0
#: Least ΔE from the background for a weak (edge) and a strong (core) object pixel.
MATTE_LOW = 9.0
MATTE_HIGH = 18.0
#: Object regions kept: at least this share of the largest one and of the image.
KEEP_SHARE = 0.05
SPECK_SHARE = 2e-4
#: An object covering more than this share of the image's outermost pixels is not one.
FRAME_SHARE = 0.3
#: Holes of background colour smaller than this share of the object are filled.
HOLE_SHARE = 0.002
_EIGHT = np.ones((3, 3), dtype=bool)
# sRGB (D65) to CIE XYZ, and the CIELAB constants.
_LINEAR_LUT = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ],
    dtype=np.float32,
)
_D65_WHITE = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
_LAB_DELTA = 6.0 / 29.0
_LAB_EPS = _LAB_DELTA**3
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
    """Object pixels ``(H, W) bool`` of a photo on a plain background.

    When the border is too varied to be a plain background, the whole image counts as
    the object (see `background_alpha`).
    """
    alpha = background_alpha(rgb)
    if alpha is None:
        return np.ones(rgb.shape[:2], dtype=bool)
    return alpha >= 128


def background_alpha(rgb: np.ndarray) -> np.ndarray | None:
    """Soft alpha ``(H, W) uint8`` of the object in a photo on a plain background.

    The background is modelled from the image's border as a smooth (quadratic) colour
    field, so a backdrop with a light gradient still counts as plain. Pixels far from it
    in CIELAB (ΔE, thresholds from the border's own noise) are object; the object is the
    large connected regions of them (hysteresis: weak pixels count where connected to
    strong ones), with small holes filled and specks dropped. The alpha ramps across the
    one-pixel edge band and is at least 128 exactly on that cleaned mask.

    Parameters
    ----------
    rgb : (H, W, 3) uint8
        sRGB.

    Returns
    -------
    alpha : (H, W) uint8 or None
        None when the border is not plain (textured or cluttered) or the "object" spans
        the frame, so no mask can be trusted. All zero when nothing stands out from a
        plain background.
    """
    height, width = rgb.shape[:2]
    scale = min(1.0, MATTE_SIDE / max(height, width))
    small = rgb
    if scale < 1.0:
        size = (max(round(width * scale), 1), max(round(height * scale), 1))
        small = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))
    lab = srgb_to_lab(small)
    model = _background_model(lab)
    if model is None:
        return None
    background, noise = model
    distance = np.linalg.norm(lab - background, axis=2)
    low = max(MATTE_LOW, 4.0 * noise)
    high = max(MATTE_HIGH, 2.0 * low)
    mask = _object_region(distance, low, high)
    if _fills_frame(mask):
        return None
    alpha = _soft_edge(mask, distance, low, high)
    if scale < 1.0:
        alpha = np.asarray(
            Image.fromarray(alpha).resize((width, height), Image.Resampling.BILINEAR)
        )
    return alpha


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) ``(..., 3) float32`` of sRGB ``(..., 3) uint8`` colours."""
    linear = _LINEAR_LUT[rgb]
    xyz = linear @ _RGB_TO_XYZ.T / _D65_WHITE
    f = np.where(xyz > _LAB_EPS, np.cbrt(xyz), xyz / (3.0 * _LAB_DELTA**2) + 4.0 / 29.0)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def hysteresis(weak: np.ndarray, strong: np.ndarray) -> np.ndarray:
    """The 8-connected regions of `weak` ``(H, W) bool`` that hold a `strong` pixel."""
    labels, count = ndimage.label(weak, structure=_EIGHT)
    seeded = np.zeros(count + 1, dtype=bool)
    seeded[labels[strong & weak]] = True
    seeded[0] = False
    return seeded[labels]


def _background_model(lab: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Fit a quadratic colour field to the border; None when the border is not plain.

    Returns the field over the whole image ``(H, W, 3) float32`` and the border's noise
    (ΔE, a robust scale of the residuals of the border pixels that fit).
    """
    height, width = lab.shape[:2]
    strip = max(2, round(BORDER_SHARE * max(height, width)))
    border = np.zeros((height, width), dtype=bool)
    border[:strip], border[-strip:], border[:, :strip], border[:, -strip:] = True, True, True, True
    rows, cols = np.nonzero(border)
    step = max(1, len(rows) // BORDER_SAMPLES)
    rows, cols = rows[::step], cols[::step]
    y, x = _unit_coordinates(rows, height), _unit_coordinates(cols, width)
    basis = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)
    values = lab[rows, cols].astype(np.float64)
    inliers = np.ones(len(rows), dtype=bool)
    for _ in range(3):
        coef = np.linalg.lstsq(basis[inliers], values[inliers], rcond=None)[0]
        residual = np.linalg.norm(values - basis @ coef, axis=1)
        noise = 1.4826 * float(np.median(residual[inliers]))
        inliers = residual < max(3.0 * noise, MATTE_LOW / 2.0)
    if inliers.mean() < PLAIN_SHARE or noise > PLAIN_NOISE:
        return None
    y = _unit_coordinates(np.arange(height), height)[:, None, None].astype(np.float32)
    x = _unit_coordinates(np.arange(width), width)[None, :, None].astype(np.float32)
    c = coef.astype(np.float32)
    field = c[0] + c[1] * x + c[2] * y + c[3] * x * x + c[4] * x * y + c[5] * y * y
    return field, noise


def _unit_coordinates(index: np.ndarray, count: int) -> np.ndarray:
    """Pixel indices ``0 .. count - 1`` scaled to [-1, 1]."""
    return index * (2.0 / max(count - 1, 1)) - 1.0


def _fills_frame(mask: np.ndarray) -> bool:
    """True when the "object" touches all four sides or much of the frame: then it is a
    pattern (tiles, a fence, foliage), and the border only looked plain."""
    edges = (mask[0], mask[-1], mask[:, 0], mask[:, -1])
    if all(edge.any() for edge in edges):
        return True
    return float(np.concatenate(edges).mean()) > FRAME_SHARE


def _object_region(distance: np.ndarray, low: float, high: float) -> np.ndarray:
    """The cleaned object mask ``(H, W) bool`` from the colour distance to the background."""
    mask = hysteresis(distance > low, distance > high)
    # Padded so that the closing does not eat the image's outermost pixels.
    mask = ndimage.binary_closing(np.pad(mask, 1, mode="edge"), structure=_EIGHT)[1:-1, 1:-1]
    labels, count = ndimage.label(mask, structure=_EIGHT)
    if count == 0:
        return mask
    areas = np.bincount(labels.ravel())[1:]
    keep = areas >= max(KEEP_SHARE * areas.max(), SPECK_SHARE * mask.size)
    mask = keep[labels - 1] & (labels > 0)
    # Fill holes that are specks, or whose colour is not the background's; a large hole
    # of background colour is the backdrop seen through the object (a handle, a gap).
    holes, count = ndimage.label(ndimage.binary_fill_holes(mask) & ~mask)
    if count:
        index = np.arange(1, count + 1)
        areas = ndimage.sum_labels(np.ones_like(distance), holes, index)
        colour = ndimage.mean(distance, holes, index)
        fill = (areas < HOLE_SHARE * mask.sum()) | (np.asarray(colour) > low / 2.0)
        mask |= np.concatenate([[False], fill])[holes]
    return mask


def _soft_edge(mask: np.ndarray, distance: np.ndarray, low: float, high: float) -> np.ndarray:
    """Alpha ``(H, W) uint8``: 255 inside, 0 outside, a ramp on the edge band (≥ 128 on `mask`)."""
    inner = ndimage.binary_erosion(mask, structure=_EIGHT, border_value=1)
    outer = ndimage.binary_dilation(mask, structure=_EIGHT)
    ramp = np.clip((distance - low) * (255.0 / (high - low)), 0.0, 255.0)
    band = np.where(mask, np.maximum(ramp, 128.0), np.minimum(ramp, 127.0))
    return np.where(inner, 255, np.where(outer, band, 0.0)).astype(np.uint8)


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
