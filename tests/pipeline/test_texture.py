"""The field cache and texture baking, checked against an analytic field (no model)."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from meshsmith.colorspace import srgb_to_linear
from meshsmith.errors import GeometryError
from meshsmith.export.tangents import vertex_tangents
from meshsmith.geometry.extract import extract_mesh
from meshsmith.geometry.uv import unwrap
from meshsmith.models.model import FIELD_LEVEL, THIN_OFFSET, settle_field
from meshsmith.pipeline.config import GenerationConfig
from meshsmith.pipeline.field import GridField
from meshsmith.pipeline.surface import clean_closed, extract_surface
from meshsmith.pipeline.texture import bake_material
from meshsmith.render.bake import rasterize_uv

RADIUS = 0.35


def sphere_query(points: np.ndarray) -> np.ndarray:
    """sdf of a sphere; albedo linear in position; roughness and metallic constant."""
    points = np.asarray(points, dtype=np.float64)
    out = np.empty((len(points), 6), dtype=np.float32)
    out[:, 0] = np.linalg.norm(points, axis=1) - RADIUS
    out[:, 1] = 0.5 + points[:, 0]
    out[:, 2] = 0.25
    out[:, 3] = 0.5 - points[:, 1]
    out[:, 4] = 0.7
    out[:, 5] = 0.2
    return out


@pytest.fixture(scope="module")
def sphere_grid() -> tuple[GridField, trimesh.Trimesh]:
    grid = GridField(sphere_query, bound=0.55, resolution=64)
    config = GenerationConfig(resolution=64, coarse_resolution=16)
    offset = extract_surface(grid, config, seed=0)
    return grid, settle_field(offset, lambda points: sphere_query(points)[:, 0])


def test_grid_field_extracts_what_extract_mesh_extracts(sphere_grid):
    grid, mesh = sphere_grid
    config = GenerationConfig(resolution=64, coarse_resolution=16)
    unsettled = extract_surface(grid, config, seed=0)
    direct = extract_mesh(
        lambda p: sphere_query(p)[:, 0],
        bounds=grid.bounds,
        resolution=64,
        coarse_resolution=16,
        level=FIELD_LEVEL + THIN_OFFSET,
    ).mesh
    np.testing.assert_array_equal(unsettled.vertices, direct.vertices)
    np.testing.assert_array_equal(unsettled.faces, direct.faces)
    # Settled back onto the zero level: the sphere's own radius, not the offset's.
    np.testing.assert_array_equal(mesh.faces, direct.faces)
    radii = np.linalg.norm(mesh.vertices, axis=1)
    assert np.abs(radii - RADIUS).max() < 1e-3 < np.abs(radii - RADIUS - THIN_OFFSET).min()
    # Coarse-to-fine: far fewer queries than the dense 65³ grid.
    assert grid.evaluations < 0.5 * 65**3


def test_sample_interpolates_values_and_gradient(sphere_grid):
    grid, mesh = sphere_grid
    before = grid.evaluations
    points, _ = trimesh.sample.sample_surface(mesh, 2000, seed=0)
    values, gradient = grid.sample(points)
    truth = sphere_query(points)
    # Albedo is linear in position, so trilinear interpolation reproduces it exactly.
    np.testing.assert_allclose(values[:, 1:], truth[:, 1:], atol=1e-5)
    assert np.abs(values[:, 0]).max() < grid.spacing
    radial = points / np.linalg.norm(points, axis=1, keepdims=True)
    unit = gradient / np.linalg.norm(gradient, axis=1, keepdims=True)
    assert np.einsum("ij,ij->i", unit, radial).min() > 0.995
    # Extraction already evaluated the surface band: only a few stencil points are new.
    assert grid.evaluations - before < 0.1 * before


def test_sample_outside_the_cube_takes_its_boundary_value(sphere_grid):
    grid, _ = sphere_grid
    points = np.array([[0.9, 0.1, -0.2], [-0.3, -0.8, 0.05], [0.1, 0.2, 0.3]])
    values, _ = grid.sample(points)
    on_cube = np.clip(points, -grid.bound, grid.bound)
    np.testing.assert_allclose(values[:, 1:], sphere_query(on_cube)[:, 1:], atol=1e-5)


def test_speck_of_surface_is_a_geometry_error():
    def speck(points):
        out = sphere_query(points)
        out[:, 0] = np.linalg.norm(points - 0.2, axis=1) - 0.02
        return out

    grid = GridField(speck, bound=0.55, resolution=64)
    mesh = extract_surface(grid, GenerationConfig(resolution=64, coarse_resolution=16), 0)
    with pytest.raises(GeometryError, match="speck"):
        clean_closed(mesh, grid.spacing)


def test_no_surface_is_a_geometry_error():
    grid = GridField(lambda p: np.ones((len(p), 6), np.float32), bound=0.55, resolution=32)
    with pytest.raises(GeometryError, match="seed 7"):
        extract_surface(grid, GenerationConfig(resolution=32, coarse_resolution=8), seed=7)


def _baked_box(sphere_grid, photo=None, size=128):
    """A subdivided box (normals far from the sphere's) baked from the sphere's field,
    in metres: scaled ×2 and lifted, so `to_field` has to undo a real similarity."""
    grid, _ = sphere_grid
    box = trimesh.creation.box(extents=(0.5, 0.5, 0.5)).subdivide().subdivide()
    to_metres = np.diag([2.0, 2.0, 2.0, 1.0])
    to_metres[1, 3] = 0.5
    mesh = unwrap(box, resolution=size).mesh
    mesh.apply_transform(to_metres)
    material = bake_material(mesh, grid, size, np.linalg.inv(to_metres), photo)
    return mesh, material, np.linalg.inv(to_metres)


def test_base_color_and_metallic_roughness(sphere_grid):
    mesh, material, to_field = _baked_box(sphere_grid)
    position, _, mask = rasterize_uv(mesh, 128)
    truth = sphere_query(trimesh.transform_points(position[mask], to_field))
    base = np.asarray(material.baseColorTexture, dtype=np.float64)[mask] / 255.0
    np.testing.assert_allclose(srgb_to_linear(base), np.clip(truth[:, 1:4], 0, 1), atol=0.01)
    mr = np.asarray(material.metallicRoughnessTexture)[mask]
    assert np.all(np.abs(mr[:, 1].astype(int) - round(0.7 * 255)) <= 1)  # G = roughness
    assert np.all(np.abs(mr[:, 2].astype(int) - round(0.2 * 255)) <= 1)  # B = metallic
    # Off the atlas every texel holds a real value (dilated), never black.
    assert np.asarray(material.baseColorTexture)[~mask].max(axis=-1).min() > 0


def test_normal_map_decodes_to_the_field_normal(sphere_grid):
    """Decode the map the way a glTF viewer does (per-face UV tangent frame, interpolated
    normal, OpenGL green-up) and compare with the sphere's radial normal."""
    mesh, material, to_field = _baked_box(sphere_grid, size=256)
    normal_map = np.asarray(material.normalTexture, dtype=np.float64) / 127.5 - 1.0
    uv, faces, vertices = mesh.visual.uv, mesh.faces, mesh.vertices
    normals = np.asarray(mesh.vertex_normals)
    tangents = vertex_tangents(vertices, faces, normals, uv)
    rng = np.random.default_rng(0)
    worst = 1.0
    for face in rng.choice(len(faces), 150, replace=False):
        corner = faces[face]
        weights = np.array([0.5, 0.3, 0.2])
        uv_at = weights @ uv[corner]
        row = int((1.0 - uv_at[1]) * 256)
        col = int(uv_at[0] * 256)
        n = weights @ normals[corner]
        n /= np.linalg.norm(n)
        t = weights @ tangents[corner, :3]
        t -= n * (n @ t)
        t /= np.linalg.norm(t)
        b = np.cross(n, t) * tangents[corner[0], 3]
        x, y, z = normal_map[row, col]
        world = x * t + y * b + z * n
        world /= np.linalg.norm(world)
        point = trimesh.transform_points([weights @ vertices[corner]], to_field)[0]
        worst = min(worst, float(world @ (point / np.linalg.norm(point))))
    # The box's own normals are up to 55° off the sphere's; the map corrects them.
    assert worst > 0.97


def test_photo_colours_blend_over_the_field(sphere_grid):
    green = np.array([0.0, 1.0, 0.0], dtype=np.float32)

    def photo(points, normals):
        weight = np.where(points[:, 0] > 0, 1.0, 0.0).astype(np.float32)
        return np.tile(green, (len(points), 1)), weight

    mesh, material, to_field = _baked_box(sphere_grid, photo=photo)
    position, _, mask = rasterize_uv(mesh, 128)
    points = trimesh.transform_points(position[mask], to_field)
    base = np.asarray(material.baseColorTexture)[mask]
    painted = points[:, 0] > 0.02
    assert np.all(base[painted] == [0, 255, 0])
    field_side = points[:, 0] < -0.02
    assert np.all(base[field_side, 1] < 200)


def test_uv_sliver_does_not_paint_over_charts(sphere_grid):
    """A near-zero-area face with UVs across the atlas (what `unwrap` gives a face
    xatlas skipped) must not overwrite the texels of the real charts under it."""
    grid, _ = sphere_grid
    box = unwrap(trimesh.creation.box(extents=(0.5, 0.5, 0.5)).subdivide(), resolution=128).mesh
    n = len(box.vertices)
    corner = np.array([0.5, 0.5, 0.5])  # field albedo here differs from the box's surface
    vertices = np.vstack([box.vertices, corner, corner + [1e-4, 0, 0], corner + [0, 1e-4, 1e-9]])
    uv = np.vstack([box.visual.uv, [[0.02, 0.02], [0.98, 0.02], [0.5, 0.98]]])
    normals = np.vstack([box.vertex_normals, np.tile([0.0, 1.0, 0.0], (3, 1))])
    mesh = trimesh.Trimesh(
        vertices,
        np.vstack([box.faces, [[n, n + 1, n + 2]]]),
        vertex_normals=normals,
        visual=trimesh.visual.TextureVisuals(uv=uv),
        process=False,
    )
    material = bake_material(mesh, grid, 128, np.eye(4))
    position, _, mask = rasterize_uv(box, 128)
    truth = np.clip(sphere_query(position[mask])[:, 1:4], 0, 1)
    base = np.asarray(material.baseColorTexture, dtype=np.float64)[mask] / 255.0
    np.testing.assert_allclose(srgb_to_linear(base), truth, atol=0.01)
