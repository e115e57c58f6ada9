import numpy as np
import pytest
from scipy.spatial import cKDTree

from meshsmith.errors import InputError
from meshsmith.geometry.extract import extract_mesh
from meshsmith.geometry.simplify import simplify_mesh
from meshsmith.geometry.uv import texture_resolution, unwrap
from tests.geometry.shapes import sphere_sdf


def uv_areas(uv, faces):
    a, b, c = (uv[faces[:, i]] for i in range(3))
    return np.abs((b - a)[:, 0] * (c - a)[:, 1] - (b - a)[:, 1] * (c - a)[:, 0]) / 2


@pytest.fixture(scope="module")
def sphere_10k():
    dense = extract_mesh(sphere_sdf(0.4), resolution=128).mesh
    return simplify_mesh(dense, 10_000)


def test_unwrap_covers_every_face_inside_the_unit_square(sphere_10k):
    result = unwrap(sphere_10k, resolution=1024)
    mesh = result.mesh
    uv = np.asarray(mesh.visual.uv)
    assert result.resolution == 1024
    assert uv.shape == (len(mesh.vertices), 2)
    assert uv.min() >= 0.0 and uv.max() <= 1.0
    assert len(mesh.faces) == len(sphere_10k.faces)
    # Same geometry: the same triangles in the same order, only vertices split.
    np.testing.assert_allclose(mesh.triangles, sphere_10k.triangles)
    assert len(mesh.vertices) > len(sphere_10k.vertices)  # seams
    # Every face has UVs in a chart: none left at the origin (xatlas's "skipped").
    corners = uv[mesh.faces]
    assert not np.all(corners == 0, axis=(1, 2)).any()
    assert (uv_areas(uv, mesh.faces) > 0).mean() > 0.999
    # Normals stay the input's smooth normals, also on both sides of a seam.
    _, source = cKDTree(sphere_10k.vertices).query(mesh.vertices)
    np.testing.assert_allclose(mesh.vertex_normals, sphere_10k.vertex_normals[source])


def test_texel_density_picks_a_growing_power_of_two(sphere_10k):
    low = unwrap(sphere_10k, texel_density=64).resolution
    high = unwrap(sphere_10k, texel_density=1024).resolution
    assert low == 256 and high == 2048
    area = 4 * np.pi * 0.4**2  # ~2.0 m²
    assert texture_resolution(area, 300.0) == 1024  # sqrt(2.0 * 300² / 0.6) = 550 -> 1024
    sizes = [texture_resolution(area, d, 1, 1 << 20) for d in (10, 100, 1000, 10000)]
    assert sizes == sorted(sizes) and all(s & (s - 1) == 0 for s in sizes)
    assert texture_resolution(area, 1e6) == 2048 and texture_resolution(1e-6, 1.0) == 256


def test_charts_fit_the_square_with_square_texels(sphere_10k):
    result = unwrap(sphere_10k, resolution=512)
    mesh = result.mesh
    uv = np.asarray(mesh.visual.uv) * result.resolution
    # Texels per metre along u and v agree: compare summed UV and 3D areas per axis.
    density = np.sqrt(uv_areas(uv, mesh.faces).sum() / mesh.area)
    assert 0.3 * 512 / np.sqrt(mesh.area) < density < 512 / np.sqrt(mesh.area)


def test_bad_density_is_rejected(sphere_10k):
    with pytest.raises(InputError):
        unwrap(sphere_10k, texel_density=0)
