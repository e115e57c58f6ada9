"""Photos and sketches from users: decoding, size checks, background removal, sketch cleanup."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from meshsmith.data.registry import generate
from meshsmith.errors import InputError
from meshsmith.pipeline.inputs import load_image, load_sketch
from meshsmith.render.camera import random_cameras
from meshsmith.render.renderer import default_renderer
from meshsmith.render.sketch import render_sketches


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum()) / float((a | b).sum())


def png_bytes(image: np.ndarray | Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    (image if isinstance(image, Image.Image) else Image.fromarray(image)).save(
        buffer, "PNG", **params
    )
    return buffer.getvalue()


@pytest.fixture(scope="module")
def render() -> tuple[np.ndarray, np.ndarray]:
    """A data-engine chair from a data-engine camera: RGBA (transparent background) and
    the renderer's own mask, 256 × 256."""
    scene = generate("chair", 1).scene()
    camera = random_cameras(scene, 1, 11, size=256)[0]
    view = default_renderer().render_view(scene, camera, light="studio")
    return view.rgba.copy(), view.mask.copy()


def on_background(rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:].astype(np.float32) / 255.0
    out = rgba[..., :3] * alpha + np.asarray(background, dtype=np.float32) * (1.0 - alpha)
    return np.round(out).astype(np.uint8)


@pytest.mark.parametrize("background", [(255, 255, 255), (128, 128, 128), (40, 70, 160)])
def test_plain_background_is_removed(render, background):
    rgba, mask = render
    photo = on_background(rgba, background)
    out = load_image(photo)
    assert out.shape == (256, 256, 4) and out.dtype == np.uint8
    assert np.array_equal(out[..., :3], photo)
    assert iou(out[..., 3] >= 128, mask) > 0.9
    # A soft edge: some partly transparent pixels, all on the object's outline.
    soft = (out[..., 3] > 0) & (out[..., 3] < 255)
    assert soft.any()
    outline = ndimage.binary_dilation(mask, iterations=2) & ~ndimage.binary_erosion(mask)
    assert outline[soft].mean() > 0.95


def test_gradient_backdrop_counts_as_plain(render):
    rgba, mask = render
    rows, cols = np.mgrid[0:256, 0:256] / 255.0
    light = 0.7 + 0.25 * cols - 0.15 * rows
    backdrop = np.stack([light * 255, light * 245, light * 230], axis=2)
    out = load_image(on_background(rgba, backdrop))
    assert iou(out[..., 3] >= 128, mask) > 0.9


def test_jpeg_file_and_png_bytes(render, tmp_path):
    rgba, mask = render
    photo = on_background(rgba, (235, 235, 235))
    path = tmp_path / "photo.JPG"
    Image.fromarray(photo).save(path, "JPEG", quality=90)
    assert iou(load_image(path)[..., 3] >= 128, mask) > 0.9
    assert iou(load_image(str(path))[..., 3] >= 128, mask) > 0.9
    assert np.array_equal(load_image(png_bytes(photo)), load_image(photo))
    assert np.array_equal(load_image(Image.fromarray(photo)), load_image(photo))


def test_own_alpha_is_kept(render):
    rgba, _ = render
    assert np.array_equal(load_image(rgba), rgba)
    assert np.array_equal(load_image(png_bytes(rgba)), rgba)


def test_busy_background_stays_opaque(render):
    rgba, _ = render
    rng = np.random.default_rng(3)
    tiles = rng.integers(0, 256, size=(16, 16, 3)).astype(np.float32)
    clutter = np.kron(tiles, np.ones((16, 16, 1)))
    out = load_image(on_background(rgba, clutter))
    assert (out[..., 3] == 255).all()


def test_exif_orientation_is_applied():
    image = np.zeros((32, 64, 3), dtype=np.uint8)
    image[:, :32] = (200, 30, 30)  # left half red, right half black
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show rotated 90° clockwise
    out = load_image(png_bytes(Image.fromarray(image), exif=exif))
    assert out.shape == (64, 32, 4)
    assert np.array_equal(out[..., :3], np.rot90(image, k=-1))


def test_palette_grey_16_bit_and_cmyk_are_converted():
    palette = Image.new("P", (32, 32), 0)
    palette.putpalette([0, 0, 0, 250, 120, 0] + [0] * 762)
    palette.paste(1, (8, 8, 24, 24))
    out = load_image(png_bytes(palette, transparency=0))
    assert out[16, 16].tolist() == [250, 120, 0, 255] and out[0, 0, 3] == 0

    grey_alpha = np.zeros((32, 32, 2), dtype=np.uint8)
    grey_alpha[8:24, 8:24] = (90, 255)
    out = load_image(Image.fromarray(grey_alpha, "LA"))
    assert out[16, 16].tolist() == [90, 90, 90, 255] and out[0, 0, 3] == 0

    deep = np.full((40, 40), 65535, dtype=np.uint16)
    deep[10:30, 10:30] = 8224  # 32 × 257
    out = load_image(png_bytes(Image.fromarray(deep)))
    assert out[0, 0, :3].tolist() == [255, 255, 255] and out[20, 20, :3].tolist() == [32] * 3
    assert out[20, 20, 3] == 255 and out[0, 0, 3] == 0

    cmyk = Image.new("CMYK", (40, 40), (0, 0, 0, 0))
    cmyk.paste((0, 255, 255, 0), (10, 10, 30, 30))  # red on white paper
    buffer = io.BytesIO()
    cmyk.save(buffer, "JPEG", quality=95)
    out = load_image(buffer.getvalue())
    red, green, blue, alpha = (int(x) for x in out[20, 20])
    assert red > 200 and green < 60 and blue < 60 and alpha == 255 and out[0, 0, 3] == 0


def header_only_png(width: int, height: int) -> bytes:
    """A valid PNG header declaring `width` × `height` grey pixels, followed by 64 bytes of
    image data: decoding it would fail as truncated."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [8_000, 100_000])
def test_decompression_bomb_is_refused_before_decoding(side):
    data = header_only_png(side, side)
    assert len(data) < 200
    with pytest.raises(InputError, match="too many pixels"):
        load_image(data)
    with pytest.raises(InputError, match="too many pixels"):
        load_sketch(data)
    with pytest.raises(InputError, match="too many pixels"):
        load_image(np.zeros((100, 100, 3), dtype=np.uint8), max_pixels=5_000)


def test_bad_sources_are_input_errors(render, tmp_path):
    rgba, _ = render
    good = png_bytes(on_background(rgba, (255, 255, 255)))
    text = tmp_path / "notes.png"
    text.write_text("this is not an image\n")
    cases = [
        (text, "not a readable image"),
        (b"", "empty"),
        (good[: len(good) // 2], "not a readable image"),
        (tmp_path / "missing.png", "no such image file"),
        (tmp_path, "folder"),
        (good, "too large"),
        (np.zeros((10, 200, 3), dtype=np.uint8), "too small"),
        (np.zeros((32, 32, 5), dtype=np.uint8), "expected an"),
        (42, "cannot read an image from int"),
        (np.zeros((32, 32, 4), dtype=np.uint8), "fully transparent"),
        (np.full((32, 32, 3), 200, dtype=np.uint8), "no object found"),
    ]
    for source, message in cases:
        max_bytes = 1000 if message == "too large" else 20_000_000
        with pytest.raises(InputError, match=message):
            load_image(source, max_bytes=max_bytes)
    with pytest.raises(InputError, match="not a readable image"):
        load_sketch(text)


@pytest.fixture(scope="module")
def sketch() -> np.ndarray:
    """A data-engine sketch render, 256 × 256, black (0) lines on white (255)."""
    mesh = generate("chair", 2).mesh()
    camera = random_cameras(mesh, 1, 5, size=256)[0]
    return render_sketches(mesh, [camera], width=1.5, jitter=0.8, seed=5)[0]


def test_clean_sketch_keeps_its_strokes(sketch):
    ink = sketch < 128
    out = load_sketch(sketch)
    assert out.shape == sketch.shape and out.dtype == np.uint8
    found = out < 128
    assert (found & ink).sum() / ink.sum() > 0.8
    assert (found & ink).sum() / found.sum() > 0.8
    assert np.array_equal(load_sketch(255 - sketch) < 128, found)  # chalk on a board


def paper_photo(sketch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """`sketch` drawn on grey paper and photographed: uneven light, a shadow, blur, noise."""
    height, width = sketch.shape
    rows, cols = np.mgrid[0:height, 0:width] / max(height, width)
    light = 0.45 + 0.45 * cols + 0.08 * np.sin(3.0 * rows)
    light -= 0.25 * np.exp(-((cols - 0.2) ** 2 + (rows - 0.8) ** 2) / 0.02)
    reflectance = 0.8 * (sketch / 255.0) + 0.1 * (1.0 - sketch / 255.0)
    photo = ndimage.gaussian_filter(light * reflectance, 0.8)
    photo += rng.normal(0.0, 0.015, photo.shape)
    tint = np.array([1.0, 0.96, 0.88])
    return np.round(np.clip(photo[..., None] * tint, 0.0, 1.0) * 255.0).astype(np.uint8)


def test_photo_of_paper_is_cleaned(sketch):
    photo = paper_photo(sketch, np.random.default_rng(0))
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=90)
    out = load_sketch(buffer.getvalue())
    ink = sketch < 128
    found = out < 128
    grown = iou(ndimage.binary_dilation(ink), ndimage.binary_dilation(found))
    assert grown > 0.7
    far = ndimage.distance_transform_edt(~ink) > 3
    assert (out[far] == 255).mean() > 0.99


def test_transparent_canvas_with_black_strokes(sketch):
    canvas = np.zeros(sketch.shape + (4,), dtype=np.uint8)
    canvas[..., 3] = 255 - sketch  # transparent black where there is no ink
    out = load_sketch(png_bytes(canvas))
    assert iou(out < 128, sketch < 128) > 0.9
    assert (out[sketch == 255] == 255).all()


def test_empty_sketches_are_input_errors():
    rng = np.random.default_rng(1)
    blank_paper = paper_photo(np.full((200, 200), 255, dtype=np.uint8), rng)
    for source in (
        png_bytes(np.zeros((64, 64, 4), dtype=np.uint8)),
        np.full((64, 64), 255, dtype=np.uint8),
        blank_paper,
    ):
        with pytest.raises(InputError, match="the sketch is empty"):
            load_sketch(source)
