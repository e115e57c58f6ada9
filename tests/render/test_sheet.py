"""Contact sheets and turntables written to disk."""

import imageio.v3 as iio
import numpy as np
import pytest
import trimesh
from PIL import Image

from meshsmith.errors import InputError
from meshsmith.render.sheet import render_to_file


@pytest.fixture(scope="module")
def mesh() -> trimesh.Trimesh:
    return trimesh.creation.icosphere(2)


def test_png_contact_sheet_grid(tmp_path, mesh):
    out = render_to_file(mesh, tmp_path / "sub" / "sheet.png", views=5, size=32)
    assert out == tmp_path / "sub" / "sheet.png"
    with Image.open(out) as image:
        assert image.size == (3 * 32, 2 * 32)  # ceil(sqrt(5)) = 3 columns, 2 rows
        pixels = np.asarray(image.convert("RGBA"))
    cell = pixels[:32, :32]
    assert (cell[0, 0] == (255, 255, 255, 255)).all()  # white background
    assert (cell[16, 16, :3] < 250).any()  # the sphere is drawn in the middle
    assert (pixels[32:, 64:] == 255).all()  # the sixth cell is empty


def test_png_transparent_background_keeps_alpha(tmp_path, mesh):
    out = render_to_file(mesh, tmp_path / "t.png", views=1, size=48, background="transparent")
    with Image.open(out) as image:
        alpha = np.asarray(image.convert("RGBA"))[..., 3]
    assert alpha[0, 0] == 0 and alpha[24, 24] == 255


def test_gif_turntable_has_one_frame_per_view(tmp_path, mesh):
    out = render_to_file(mesh, tmp_path / "turn.gif", views=6, size=32, light="sunset")
    with Image.open(out) as image:
        assert image.n_frames == 6 and image.size == (32, 32)


def test_transparent_gif(tmp_path, mesh):
    out = render_to_file(mesh, tmp_path / "turn.gif", views=2, size=32, background="transparent")
    with Image.open(out) as image:
        frame = np.asarray(image.convert("RGBA"))
    assert frame[0, 0, 3] == 0 and frame[16, 16, 3] == 255


def test_mp4_turntable(tmp_path, mesh):
    out = render_to_file(mesh, tmp_path / "turn.mp4", views=8, size=33, background="#202020")
    frames = iio.imread(out, index=None)
    assert frames.shape[0] == 8 and frames.shape[1:3] == (34, 34)  # padded to even sides
    assert abs(int(frames[0, 1, 1, 0]) - 0x20) < 8


def test_sketch_sheet_is_mostly_white_with_lines(tmp_path, mesh):
    out = render_to_file(mesh, tmp_path / "s.png", views=2, size=64, sketch=True)
    with Image.open(out) as image:
        grey = np.asarray(image.convert("L"))
    assert np.mean(grey > 240) > 0.8 and (grey < 80).sum() > 50


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"out_path": "x.jpg"}, "must end in"),
        ({"light": "disco"}, "unknown light preset"),
        ({"background": "#zz"}, "bad background"),
        ({"views": 0}, "views"),
        ({"size": 8}, "size"),
        ({"size": 5000}, "size"),
    ],
)
def test_bad_options_raise_input_error(tmp_path, mesh, kwargs, message):
    kwargs = {"out_path": tmp_path / "x.png", **kwargs}
    with pytest.raises(InputError, match=message):
        render_to_file(mesh, **kwargs)
