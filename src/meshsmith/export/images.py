"""Pixel data for the writers: deterministic PNG bytes and sRGB <-> linear colour."""

from __future__ import annotations

import io
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PIL import Image

from meshsmith import colorspace

# zlib level 6 is PIL's default; pinned so output bytes do not depend on it.
PNG_COMPRESS_LEVEL = 6


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes of `image` with no metadata chunks, identical for identical pixels."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()


def encode_pngs(images: Sequence[Image.Image]) -> list[bytes]:
    """`encode_png` of each image, side by side: PIL releases the GIL while it
    deflates, so a material's three 1024² maps encode in about the time of one."""
    if len(images) < 2:
        return [encode_png(image) for image in images]
    with ThreadPoolExecutor(max_workers=len(images)) as pool:
        return list(pool.map(encode_png, images))


def srgb_to_linear(colors: np.ndarray) -> np.ndarray:
    """Decode sRGB to linear light (IEC 61966-2-1); alpha is passed through.

    Parameters
    ----------
    colors : (n, 3) or (n, 4) uint8
        sRGB colours, alpha linear.

    Returns
    -------
    linear : (n, 3) or (n, 4) float32 in [0, 1]
    """
    values = np.asarray(colors, dtype=np.float64) / 255.0
    values[:, :3] = colorspace.srgb_to_linear(values[:, :3])
    return values.astype(np.float32)


def linear_to_srgb(colors: np.ndarray) -> np.ndarray:
    """Encode linear light as 8-bit sRGB; alpha is passed through.

    Parameters
    ----------
    colors : (n, 3) or (n, 4) float in [0, 1]

    Returns
    -------
    srgb : (n, 3) or (n, 4) uint8
    """
    values = np.clip(np.asarray(colors, dtype=np.float64), 0.0, 1.0)
    values[:, :3] = colorspace.linear_to_srgb(values[:, :3])
    return np.round(values * 255.0).astype(np.uint8)


def scale_srgb_image(image: Image.Image, factor: tuple[float, ...]) -> Image.Image:
    """Multiply an sRGB image by a linear RGBA factor, as glTF's baseColorFactor does.

    Used to bake the factor into the texture for formats whose readers ignore a
    colour multiplier next to a texture map.
    """
    has_alpha = image.mode == "RGBA"
    pixels = np.asarray(image.convert("RGBA" if has_alpha else "RGB"))
    flat = pixels.reshape(-1, pixels.shape[-1])
    scaled = srgb_to_linear(flat).astype(np.float64) * np.asarray(factor[: flat.shape[1]])
    return Image.fromarray(linear_to_srgb(scaled).reshape(pixels.shape))


def scale_channel(image: Image.Image, name: str, factor: float) -> Image.Image:
    """Channel `name` of a data (non-colour) image times `factor`, as 8-bit greyscale."""
    values = np.asarray(image.getchannel(name), dtype=np.float64) * factor
    return Image.fromarray(np.clip(np.round(values), 0, 255).astype(np.uint8))
