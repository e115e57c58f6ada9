"""Checking uploaded images and sketches.

Checks run cheapest first: bytes, then the type by its magic number (never the file
name or the client's content type), then the pixel count from the header alone (so a
decompression bomb is refused before it is decoded), then the pipeline's own reader. A
valid upload is stored under its sha256 (`meshsmith.service.files`): the name comes from
the content, never from the request.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image

from meshsmith.errors import InputError
from meshsmith.service.api_errors import ApiError
from meshsmith.service.config import Limits
from meshsmith.service.jobspec import InputFile

MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
)


def sniff_type(data: bytes) -> str | None:
    """The type from the first bytes: "png", "jpeg", "webp", or None for anything else."""
    for magic, name in MAGIC:
        if data.startswith(magic):
            return name
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def check_upload(data: bytes, kind: str, limits: Limits) -> InputFile:
    """Validate one upload for a job of `kind` ("image" or "sketch").

    Raises
    ------
    ApiError
        413 too many bytes or pixels, 415 not PNG/JPEG/WebP, 422 unreadable image.
    """
    if len(data) > limits.max_upload_bytes:
        raise ApiError(
            413, "payload_too_large", f"{kind}: larger than {limits.max_upload_bytes} bytes"
        )
    file_type = sniff_type(data)
    if file_type is None:
        raise ApiError(415, "unsupported_media_type", f"{kind}: not a PNG, JPEG or WebP image")
    width, height = _header_size(data, kind, limits)
    if width * height > limits.max_upload_pixels:
        raise ApiError(
            413,
            "image_too_large",
            f"{kind}: {width}×{height} pixels; at most {limits.max_upload_pixels} pixels",
        )
    _load_with_pipeline(data, kind, limits)
    return InputFile(
        sha256=hashlib.sha256(data).hexdigest(),
        type=file_type,
        bytes=len(data),
        width=width,
        height=height,
    )


def _header_size(data: bytes, kind: str, limits: Limits) -> tuple[int, int]:
    """Width and height from the header; PIL decodes no pixels in `open`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ApiError(
            413, "image_too_large", f"{kind}: at most {limits.max_upload_pixels} pixels"
        ) from None
    except Exception as exc:  # PIL raises many types for corrupt headers
        raise ApiError(422, "invalid_input", f"{kind}: unreadable image ({exc})") from None


def _load_with_pipeline(data: bytes, kind: str, limits: Limits) -> None:
    """The pipeline's reader decides whether the image is usable (InputError → 422)."""
    from meshsmith.pipeline.inputs import load_image, load_sketch

    load = load_sketch if kind == "sketch" else load_image
    try:
        load(data, max_bytes=limits.max_upload_bytes, max_pixels=limits.max_upload_pixels)
    except InputError as exc:
        raise ApiError(422, "invalid_input", f"{kind}: {exc}") from None
