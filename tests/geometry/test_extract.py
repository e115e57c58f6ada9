import numpy as np
import pytest
from skimage.measure import marching_cubes

from meshsmith.errors import GeometryError, InputError
from meshsmith.geometry.extract import extract_mesh
from meshsmith.geometry.qa import inspect_mesh
from meshsmith.geometry.topology import is_closed_manifold
from tests.geometry.shapes import sphere_sdf


def box_sdf(half_extents, centre=(0.0, 0.0, 0.0)):
    half = np.asarray(half_extents, dtype=np.float32)
    centre = np.asarray(centre, dtype=np.float32)

    def field(points):
        q = np.abs(points - centre) - half
        outside = np.linalg.norm(np.maximum(q, 0.0), axis=1)
        return outside + np.minimum(q.max(axis=1), 0.0)

    return field


def torus_sdf(major, minor):
    def field(points):
        ring = np.linalg.norm(points[:, [0, 2]], axis=1) - major
        return np.hypot(ring, points[:, 1]) - minor

    return field


def canonical_triangles(vertices, faces):
    """Triangles as coordinates, each rotated to start at its smallest vertex, sorted."""
    tri = vertices[faces]
    keys = np.lexsort(tri.transpose(2, 0, 1)[::-1].reshape(3, -1)).reshape(-1)
    order = np.argsort(np.argsort(keys)).reshape(-1, 3)  # rank of each corner
    start = np.argmin(order, axis=1)
    rolled = np.stack([np.roll(t, -s, axis=0) for t, s in zip(tri, start, strict=True)])
    flat = rolled.reshape(len(rolled), -1)
    return flat[np.lexsort(flat.T[::-1])]


def test_sphere_at_256_is_closed_accurate_and_cheap():
    radius = 0.3
    result = extract_mesh(sphere_sdf(radius), resolution=256)
    mesh = result.mesh
    report = inspect_mesh(mesh)
    assert report.watertight and report.manifold and report.winding_consistent
    assert report.genus == 0 and report.components == 1
    assert report.normals_outward
    assert report.volume == pytest.approx(4 / 3 * np.pi * radius**3, rel=0.01)
    voxel = 1.0 / 256
    assert np.abs(np.linalg.norm(mesh.vertices, axis=1) - radius).max() < voxel
    assert result.dense_evaluations == 257**3
    assert result.evaluations < 0.15 * 257**3
    assert result.savings > 6.0


def test_torus_has_genus_one():
    mesh = extract_mesh(torus_sdf(0.3, 0.1), resolution=128).mesh
    report = inspect_mesh(mesh)
    assert report.watertight and report.manifold
    assert report.genus == 1
    assert report.volume == pytest.approx(2 * np.pi**2 * 0.3 * 0.1**2, rel=0.02)


def test_two_spheres_give_two_components():
    left, right = sphere_sdf(0.15, (-0.25, 0, 0)), sphere_sdf(0.1, (0.25, 0, 0))

    def field(points):
        return np.minimum(left(points), right(points))

    report = inspect_mesh(extract_mesh(field, resolution=128).mesh)
    assert report.components == 2 and report.genus == 0
    assert report.watertight and report.manifold


def test_thin_plate_between_coarse_samples_survives():
    # 2 fine voxels thick, centred halfway between two coarse (1/32) sample planes.
    thickness = 2 / 256
    plate = box_sdf((0.3, thickness / 2, 0.3), centre=(0.0, 1 / 64, 0.0))
    mesh = extract_mesh(plate, resolution=256, coarse_resolution=32).mesh
    assert is_closed_manifold(mesh)
    assert mesh.extents[1] == pytest.approx(thickness, abs=1e-3)
    assert mesh.volume == pytest.approx(0.6 * 0.6 * thickness, rel=0.05)
    # Without the distance band the coarse grid never sees it: the band is what saves it.
    with pytest.raises(GeometryError):
        extract_mesh(plate, resolution=256, coarse_resolution=32, distance=False)


def test_surface_points_rescue_a_thin_occupancy_plate():
    thickness = 2 / 128
    plate = box_sdf((0.3, thickness / 2, 0.3), centre=(0.0, 1 / 32, 0.0))

    def occupancy(points):
        return (plate(points) < 0).astype(np.float32)

    with pytest.raises(GeometryError):
        extract_mesh(occupancy, resolution=128, level=0.5, inside="above", coarse_resolution=16)
    rng = np.random.default_rng(0)
    hint = np.column_stack(
        [rng.uniform(-0.3, 0.3, 5000), np.full(5000, 1 / 32), rng.uniform(-0.3, 0.3, 5000)]
    )
    mesh = extract_mesh(
        occupancy,
        resolution=128,
        level=0.5,
        inside="above",
        coarse_resolution=16,
        surface_points=hint,
    ).mesh
    assert is_closed_manifold(mesh)
    # One layer of samples lies inside; binary values put the surface half a voxel out.
    assert mesh.extents[1] == pytest.approx(1 / 128, rel=0.01)
    assert mesh.volume == pytest.approx(0.6 * 0.6 / 128, rel=0.05)


def test_matches_dense_marching_cubes_face_for_face():
    def blob(points):
        x, y, z = points.T
        return np.linalg.norm(points, axis=1) - 0.3 - 0.04 * np.sin(9 * x) * np.sin(7 * y + z)

    n = 64
    sparse = extract_mesh(blob, resolution=n, coarse_resolution=16)
    axis = np.linspace(-0.5, 0.5, n + 1, dtype=np.float32)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    values = blob(grid).reshape(n + 1, n + 1, n + 1)
    vertices, faces, _, _ = marching_cubes(values, 0.0, gradient_direction="descent")
    dense_vertices = -0.5 + vertices.astype(np.float64) / n
    assert len(sparse.mesh.faces) == len(faces)
    np.testing.assert_allclose(
        canonical_triangles(np.asarray(sparse.mesh.vertices), np.asarray(sparse.mesh.faces)),
        canonical_triangles(dense_vertices, faces),
        atol=1e-5,
    )
    assert sparse.evaluations < sparse.dense_evaluations


def test_surface_touching_the_bounds_is_closed():
    mesh = extract_mesh(sphere_sdf(0.6), resolution=64).mesh
    assert is_closed_manifold(mesh)
    np.testing.assert_allclose(mesh.bounds, [[-0.5] * 3, [0.5] * 3], atol=1e-5)


def test_occupancy_above_level_and_world_coordinates_in_offset_bounds():
    centre = np.array([2.0, -1.0, 0.5])

    def occupancy(points):
        return (np.linalg.norm(points - centre, axis=1) < 0.25).astype(np.float32)

    bounds = (tuple(centre - [0.6, 0.3, 0.3]), tuple(centre + [0.6, 0.3, 0.3]))
    mesh = extract_mesh(occupancy, bounds, resolution=128, level=0.5, inside="above").mesh
    report = inspect_mesh(mesh)
    assert report.watertight and report.manifold and report.normals_outward
    np.testing.assert_allclose(mesh.bounds.mean(axis=0), centre, atol=0.01)
    assert report.volume == pytest.approx(4 / 3 * np.pi * 0.25**3, rel=0.05)


def test_exact_zeros_on_grid_points_stay_manifold():
    # Radius 0.25 puts samples exactly on the surface at the grid's axes.
    mesh = extract_mesh(sphere_sdf(0.25), resolution=64).mesh
    assert is_closed_manifold(mesh)
    assert inspect_mesh(mesh).degenerate_faces == 0


def test_field_errors_are_reported():
    with pytest.raises(GeometryError, match="one value per point"):
        extract_mesh(lambda p: np.zeros((len(p), 2)), resolution=16)
    with pytest.raises(GeometryError, match="NaN"):
        extract_mesh(lambda p: np.full(len(p), np.nan), resolution=16)
    with pytest.raises(GeometryError, match="no surface"):
        extract_mesh(lambda p: np.ones(len(p)), resolution=16)
    with pytest.raises(InputError):
        extract_mesh(sphere_sdf(0.3), inside="inside")
    with pytest.raises(InputError):
        extract_mesh(sphere_sdf(0.3), bounds=((0, 0, 0), (1, 0, 1)))
