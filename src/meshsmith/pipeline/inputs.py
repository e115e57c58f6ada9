"""A user's photo or sketch → the clean array the pipeline conditions on.

Sources are a path, the file's bytes, a ``(H, W[, 3|4]) uint8`` array or a PIL image;
the type of a file is told by its content, never its name. Sizes are checked before
anything is decoded: the file's bytes first, then the pixel count its header declares
(a small file can declare a huge image: a decompression bomb).

- `load_image` returns sRGB RGBA: the photo's own alpha when it has one, otherwise a
  plain background is removed (`meshsmith.models.image_prep.background_alpha`); a busy
  background stays opaque.
- `load_sketch` returns dark lines on white: canvas PNGs are composited on white, photos
  of paper have their lighting evened out, are thresholded and cleaned of specks.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps
from scipy import ndimage

from meshsmith.errors import InputError
from meshsmith.models.image_prep import background_alpha, hysteresis

#: Formats read; all are recognised by their first bytes.
FORMATS = ("PNG", "JPEG", "WEBP", "AVIF", "GIF", "BMP", "TIFF", "PPM")
MIN_SIDE = 16
#: Alpha counts as the photo's own mask when at least this share of pixels is transparent.
ALPHA_SHARE = 1e-3
#: Sketches are worked on (and returned) at most this long on their longest side.
SKETCH_SIDE = 2048
#: The paper's brightness is estimated at this resolution, with a window of 1/16 of it.
PAPER_SIDE = 256
PAPER_WINDOW = 17
#: Least darkening of the paper (a share of its brightness) for an edge and a core ink pixel.
INK_WEAK = 0.12
INK_STRONG = 0.25
#: Ink pieces spanning less than this share of the longer side (and 3 pixels) are specks.
SPECK_SPAN = 0.01
#: Fewer ink pixels than this is an empty sketch.
MIN_INK_PIXELS = 16

# Modes that convert to RGBA directly, alpha or palette transparency included.
_RGBA_READY = ("RGBA", "RGBa", "RGB", "LA", "La", "L", "1", "P", "PA")

Source = str | os.PathLike | bytes | bytearray | memoryview | np.ndarray | Image.Image


def load_image(
    source: Source, *, max_bytes: int = 20_000_000, max_pixels: int = 40_000_000
) -> np.ndarray:
    """A photo as ``(H, W, 4) uint8`` sRGB RGBA with the object's alpha.

    Parameters
    ----------
    source : path, bytes, (H, W[, 3|4]) uint8 array or PIL.Image.Image
    max_bytes, max_pixels : int
        Larger files or images are refused before decoding.

    Raises
    ------
    InputError
        Missing, unreadable or oversized file; not an image; a side under 16 pixels;
        no object (fully transparent, or nothing stands out from a plain background).
    """
    rgba = decode(source, max_bytes=max_bytes, max_pixels=max_pixels)
    if np.mean(rgba[..., 3] < 128) >= ALPHA_SHARE:
        if not (rgba[..., 3] >= 128).any():
            raise InputError("the image is fully transparent: no object to use")
        return rgba
    alpha = background_alpha(rgba[..., :3])
    if alpha is None:  # busy background: leave it to the model
        rgba[..., 3] = 255
        return rgba
    if not (alpha >= 128).any():
        raise InputError("no object found in the image: it is a plain background only")
    rgba[..., 3] = alpha
    return rgba


def load_sketch(
    source: Source, *, max_bytes: int = 20_000_000, max_pixels: int = 40_000_000
) -> np.ndarray:
    """A line drawing as ``(H, W) uint8``: dark lines (0) on white (255).

    Transparent canvases are composited on white; light lines on a dark board are
    inverted; photos of paper have uneven lighting divided out, are thresholded
    (hysteresis between a weak and a strong darkening, so faint stroke ends stay
    attached) and cleaned of specks. Stroke width is kept. Drawings longer than
    `SKETCH_SIDE` on a side are scaled down to it.

    Raises
    ------
    InputError
        As `load_image`, and "the sketch is empty" when no stroke is found.
    """
    rgba = decode(source, max_bytes=max_bytes, max_pixels=max_pixels)
    height, width = rgba.shape[:2]
    if max(height, width) > SKETCH_SIDE:
        scale = SKETCH_SIDE / max(height, width)
        size = (max(round(width * scale), 1), max(round(height * scale), 1))
        rgba = np.asarray(Image.fromarray(rgba).resize(size, Image.Resampling.BOX))
    gray = _sketch_gray(rgba)
    if np.median(gray) < 0.5:  # chalk on a board
        gray = 1.0 - gray
    paper = _paper_brightness(gray)
    # Thresholds are shares of the local paper brightness, and above the noise: camera
    # noise is about additive, so it matters most where the paper is in shadow.
    drop = paper - gray
    noise = 1.4826 * float(np.median(np.abs(drop - np.median(drop))))
    weak = drop > np.maximum(INK_WEAK * paper, 5.0 * noise)
    strong = drop > np.maximum(INK_STRONG * paper, 8.0 * noise)
    darkening = np.clip(drop / np.maximum(paper, 0.02), 0.0, 1.0)
    ink = _drop_specks(hysteresis(weak, strong))
    if ink.sum() < MIN_INK_PIXELS:
        raise InputError("the sketch is empty: no strokes found")
    # Keep the drawing's own shading of the strokes (anti-aliased edges, pencil pressure).
    full = float(np.percentile(darkening[ink], 90))
    strength = np.clip(darkening / max(full, 1e-3), 0.0, 1.0)
    return np.where(ink, np.round(255.0 * (1.0 - strength)), 255).astype(np.uint8)


def decode(
    source: Source, *, max_bytes: int = 20_000_000, max_pixels: int = 40_000_000
) -> np.ndarray:
    """Any supported source as ``(H, W, 4) uint8`` sRGB RGBA, EXIF orientation applied.

    Palette, grey, grey+alpha, 16-bit, CMYK and other modes are converted; an embedded
    ICC profile is converted to sRGB. Raises `InputError` as described in `load_image`.
    """
    if isinstance(source, np.ndarray):
        rgba = _array_rgba(source, max_pixels)
        if np.shares_memory(rgba, source):  # the caller's array is never written to
            rgba = rgba.copy()
    else:
        try:
            if isinstance(source, Image.Image):
                rgba = _pil_rgba(source, max_pixels)
            else:
                data = _read_bytes(source, max_bytes)
                with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                    rgba = _pil_rgba(image, max_pixels)
        except Image.DecompressionBombError:
            raise InputError(f"the image has too many pixels (over {max_pixels:,})") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise InputError(f"not a readable image ({_reason(exc)})") from None
    if min(rgba.shape[:2]) < MIN_SIDE:
        height, width = rgba.shape[:2]
        raise InputError(
            f"the image is too small ({width}×{height}); each side needs {MIN_SIDE} pixels"
        )
    return rgba


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    text = text[0] if text else type(exc).__name__
    if text.startswith("cannot identify image file"):
        return "unknown or unsupported format; use PNG, JPEG, WebP, AVIF, GIF, BMP or TIFF"
    return text


def _read_bytes(source: Source, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > max_bytes:
            raise InputError(f"the image is too large ({len(data):,} bytes, most {max_bytes:,})")
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            size = path.stat().st_size
            if path.is_dir():
                raise InputError(f"{path} is a folder, not an image file")
            if size > max_bytes:
                raise InputError(f"{path} is too large ({size:,} bytes, most {max_bytes:,})")
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"no such image file: {path}") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    else:
        raise InputError(
            f"cannot read an image from {type(source).__name__}: "
            "give a path, bytes, a uint8 array or a PIL image"
        )
    if not data:
        raise InputError("the image is empty (0 bytes)")
    return data


def _pil_rgba(image: Image.Image, max_pixels: int) -> np.ndarray:
    """Decode `image` (header already read) to RGBA, refusing big ones before decoding."""
    width, height = image.size
    if width * height > max_pixels:
        raise InputError(
            f"the image has too many pixels ({width}×{height}, most {max_pixels:,} in all)"
        )
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        return _array_rgba(np.asarray(image), max_pixels)
    image = _to_srgb(image)
    if image.mode not in _RGBA_READY:
        image = image.convert("RGB")
    return np.array(image.convert("RGBA"))


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert an RGB or CMYK image with an embedded ICC profile to sRGB RGB(A)."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image.convert("RGB") if image.mode == "CMYK" else image
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(
            image.convert("RGB") if alpha is not None else image,
            source,
            ImageCms.createProfile("sRGB"),
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image.convert("RGB") if image.mode == "CMYK" else image  # a broken profile
    if converted is None:
        return image
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _array_rgba(array: np.ndarray, max_pixels: int) -> np.ndarray:
    """``(H, W)``, ``(H, W, 1|2|3|4)`` array → ``(H, W, 4) uint8``.

    uint8 and bool are taken as they are; 16-bit and wider integers are scaled down by
    their range; floats are read as [0, 1].
    """
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise InputError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got {array.shape}")
    if array.shape[0] * array.shape[1] > max_pixels:
        raise InputError(f"the image has too many pixels ({array.shape[1]}×{array.shape[0]})")
    array = _as_uint8(array)
    if array.ndim == 2:
        array = array[..., None]
    if array.shape[2] <= 2:  # grey, grey + alpha
        grey, alpha = array[..., :1], array[..., 1:]
        array = np.concatenate([grey, grey, grey, alpha], axis=2)
    if array.shape[2] == 3:
        array = np.concatenate([array, np.full(array.shape[:2] + (1,), 255, np.uint8)], axis=2)
    return np.ascontiguousarray(array)


def _as_uint8(array: np.ndarray) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8) * 255
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise InputError("the image holds NaN or infinite values")
        return np.round(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
    if np.issubdtype(array.dtype, np.integer):
        top = int(array.max()) if array.size else 0
        if array.min() < 0:
            raise InputError("the image holds negative pixel values")
        if top <= 255:
            return array.astype(np.uint8)
        full = 65535 if top <= 65535 else top
        return np.round(array.astype(np.float64) * (255.0 / full)).astype(np.uint8)
    raise InputError(f"cannot read an image of dtype {array.dtype}")


def _sketch_gray(rgba: np.ndarray) -> np.ndarray:
    """Brightness ``(H, W) float32`` in [0, 1] of a drawing, composited on white.

    A canvas whose strokes are light (invisible on white) is read from its alpha.
    """
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    luma = rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32) / 255.0
    gray = luma * alpha + (1.0 - alpha)
    if alpha.min() < 0.5 and float(gray.min()) > 1.0 - INK_STRONG:
        gray = 1.0 - alpha
    return gray


def _paper_brightness(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness under the lighting ``(H, W) float32``, strokes removed.

    A grey closing at low resolution wipes out strokes thinner than its window (ink is
    darker than the paper around it); a blur smooths what remains.
    """
    height, width = gray.shape
    scale = min(1.0, PAPER_SIDE / max(height, width))
    size = (max(round(width * scale), 1), max(round(height * scale), 1))
    small = np.asarray(Image.fromarray(gray.astype(np.float32)).resize(size, Image.Resampling.BOX))
    paper = ndimage.grey_closing(small, size=(PAPER_WINDOW, PAPER_WINDOW), mode="nearest")
    paper = ndimage.gaussian_filter(paper, PAPER_WINDOW / 4.0, mode="nearest")
    resized = Image.fromarray(paper.astype(np.float32)).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    return np.asarray(resized, dtype=np.float32)


def _drop_specks(ink: np.ndarray) -> np.ndarray:
    """`ink` ``(H, W) bool`` without the pieces spanning under `SPECK_SPAN` of its longer side."""
    labels, count = ndimage.label(ink, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return ink
    span = np.array(
        [max(r.stop - r.start, c.stop - c.start) for r, c in ndimage.find_objects(labels)]
    )
    keep = np.concatenate([[False], span >= max(3.0, SPECK_SPAN * max(ink.shape))])
    return keep[labels]
