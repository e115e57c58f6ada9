"""UV-atlas rasterisation and seam dilation."""

import numpy as np
import pytest
import trimesh
import xatlas

from meshsmith.errors import InputError
from meshsmith.render.bake import dilate, rasterize_uv

from .conftest import textured_quad


def test_quad_texels_map_to_their_surface_points():
    position, normal, mask = rasterize_uv(textured_quad(), (32, 16))
    assert position.shape == (16, 32, 3) and normal.shape == (16, 32, 3) and mask.shape == (16, 32)
    assert mask.all()
    rows, cols = np.indices((16, 32))
    u = (cols + 0.5) / 32
    v = 1.0 - (rows + 0.5) / 16  # row 0 is the top of the image, where v = 1
    np.testing.assert_allclose(position[..., 0], u - 0.5, atol=1e-5)
    np.testing.assert_allclose(position[..., 1], v - 0.5, atol=1e-5)
    np.testing.assert_allclose(position[..., 2], 0.0, atol=1e-6)
    np.testing.assert_allclose(normal, np.broadcast_to([0.0, 0.0, 1.0], normal.shape), atol=1e-5)


def test_unwrapped_sphere_texels_lie_on_the_surface():
    sphere = trimesh.creation.icosphere(3)
    vmapping, faces, uv = xatlas.parametrize(sphere.vertices, sphere.faces)
    mesh = trimesh.Trimesh(
        sphere.vertices[vmapping],
        faces,
        visual=trimesh.visual.TextureVisuals(uv=uv),
        process=False,
    )
    position, normal, mask = rasterize_uv(mesh, 128)
    assert 0.3 < mask.mean() < 1.0
    points = position[mask]
    # Facets of this icosphere lie between radius ~0.995 (their centres) and 1 (vertices).
    radius = np.linalg.norm(points, axis=1)
    assert radius.min() > 0.99 and radius.max() < 1.0 + 1e-5
    # Texels cover the whole sphere, not a few triangles.
    assert (np.sign(points) == [-1, -1, -1]).all(axis=1).any()
    assert (np.sign(points) == [1, 1, 1]).all(axis=1).any()
    np.testing.assert_allclose(np.linalg.norm(normal[mask], axis=1), 1.0, atol=1e-4)
    # On a sphere the outward normal points along the position.
    radial = points / np.linalg.norm(points, axis=1)[:, None]
    assert np.einsum("ij,ij->i", normal[mask], radial).min() > 0.98
    assert not position[~mask].any()


def test_rasterize_uv_needs_uvs():
    with pytest.raises(InputError, match="UV"):
        rasterize_uv(trimesh.creation.box(), 16)


def test_dilate_fills_the_margin_from_the_nearest_texel():
    image = np.zeros((20, 20, 3), dtype=np.float32)
    mask = np.zeros((20, 20), dtype=bool)
    mask[8:12, 8:12] = True
    image[8:12, 8:10] = (1.0, 0.0, 0.0)
    image[8:12, 10:12] = (0.0, 1.0, 0.0)
    out = dilate(image, mask, 3)
    assert out.dtype == image.dtype
    np.testing.assert_array_equal(out[mask], image[mask])
    np.testing.assert_array_equal(out[10, 5], (1.0, 0.0, 0.0))  # 3 left of the red half
    np.testing.assert_array_equal(out[10, 14], (0.0, 1.0, 0.0))  # 3 right of the green half
    np.testing.assert_array_equal(out[10, 4], (0.0, 0.0, 0.0))  # 4 away: untouched
    np.testing.assert_array_equal(out[5, 5], (0.0, 0.0, 0.0))  # diagonal, sqrt(18) > 3
    filled = out.any(axis=2) & ~mask
    assert filled.sum() > 4 * 4 * 3  # a ring around the square, not just a row


def test_dilate_single_channel_and_shape_check():
    image = np.zeros((6, 6), dtype=np.uint8)
    mask = np.zeros((6, 6), dtype=bool)
    image[0, 0], mask[0, 0] = 200, True
    out = dilate(image, mask, 1)
    assert out[0, 1] == 200 and out[1, 0] == 200 and out[1, 1] == 0
    with pytest.raises(InputError):
        dilate(image, mask[:3], 1)
