"""Photos and sketches to object-centred crops."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from meshsmith.errors import InputError
from meshsmith.models.image_prep import MARGIN, composite, photo_rgba, sketch_ink, square_crop


def photo(background=(40, 90, 200)) -> np.ndarray:
    """A 120×200 photo: a red 40×20 (h×w) block at rows 30-70, cols 150-170."""
    image = np.empty((120, 200, 3), dtype=np.uint8)
    image[:] = background
    image[30:70, 150:170] = (220, 30, 30)
    return image


def test_square_crop_centres_the_box_with_a_margin():
    mask = np.zeros((120, 200), dtype=bool)
    mask[30:70, 150:170] = True
    out = square_crop(mask[..., None].astype(np.uint8) * 255, mask, 100)[..., 0] > 127
    rows, cols = np.nonzero(out)
    side = 40 * (1 + 2 * MARGIN)
    assert rows.max() - rows.min() + 1 == pytest.approx(100 * 40 / side, abs=2)
    assert cols.max() - cols.min() + 1 == pytest.approx(100 * 20 / side, abs=2)
    assert (rows.min() + rows.max()) / 2 == pytest.approx(49.5, abs=1.5)
    assert (cols.min() + cols.max()) / 2 == pytest.approx(49.5, abs=1.5)


def test_plain_background_photo_finds_the_object():
    rgba = photo_rgba(photo(), 64)
    assert rgba.shape == (64, 64, 4)
    object_pixels = rgba[..., 3] > 127
    assert object_pixels.mean() == pytest.approx((20 / 40) / (1 + 2 * MARGIN) ** 2, abs=0.05)
    assert (rgba[object_pixels][:, 0] > 180).all()  # the object is the red block
    white = composite(rgba)
    assert np.allclose(white[0, 0], 1.0)  # the blue background is replaced by white


def test_alpha_channel_is_the_mask():
    rgba = np.zeros((50, 50, 4), dtype=np.uint8)
    rgba[10:20, 10:40] = (0, 255, 0, 255)
    out = photo_rgba(Image.fromarray(rgba, "RGBA"), 32)
    assert out[16, 16, 3] == 255 and out[0, 0, 3] == 0
    assert out[16, 16, 1] == 255


def test_sketch_ink_handles_dark_boards_and_blank_pages():
    page = np.full((80, 80), 255, dtype=np.uint8)
    page[20:60, 39:42] = 0  # one vertical stroke, 3 px wide
    ink = sketch_ink(page, 32)
    board = sketch_ink(255 - page, 32)
    assert ink.max() > 200 and ink[0, 0] == 0
    assert np.array_equal(ink, board)
    with pytest.raises(InputError, match="no object"):
        sketch_ink(np.full((40, 40), 255, dtype=np.uint8), 32)


def test_tiny_or_odd_images_are_input_errors():
    with pytest.raises(InputError, match="at least 8"):
        photo_rgba(np.zeros((4, 4, 3), dtype=np.uint8), 32)
    with pytest.raises(InputError):
        photo_rgba(np.zeros((20, 20, 2), dtype=np.uint8), 32)
