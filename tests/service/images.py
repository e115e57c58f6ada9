"""Test uploads made on the fly: a sketch, a photo-like image, a PNG decompression bomb."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw


def sketch_png(size: int = 256) -> bytes:
    """A line drawing of a stool-like object: dark strokes on a transparent canvas."""
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    s = size / 256
    ink = (20, 20, 20, 255)
    draw.ellipse([60 * s, 50 * s, 196 * s, 100 * s], outline=ink, width=max(2, int(4 * s)))
    for x in (75, 181):
        draw.line([x * s, 80 * s, (x - 5) * s, 220 * s], fill=ink, width=max(2, int(4 * s)))
    draw.line([128 * s, 100 * s, 128 * s, 225 * s], fill=ink, width=max(2, int(4 * s)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def object_photo(size: int = 192, fmt: str = "PNG") -> bytes:
    """A red round object on a plain white background."""
    image = Image.new("RGB", (size, size), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    draw.ellipse([size * 0.25, size * 0.2, size * 0.75, size * 0.85], fill=(190, 40, 30))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def png_bomb(side: int = 30_000) -> bytes:
    """A valid 1-bit greyscale PNG of side × side pixels that compresses to ~100 KB.

    Decoded to RGBA it would need side² × 4 bytes (3.6 GB at 30 000).
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    parts = [packer.compress(row * 1000) for _ in range(side // 1000)]
    parts.append(packer.compress(row * (side % 1000)))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )
