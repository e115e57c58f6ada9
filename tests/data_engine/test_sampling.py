"""Volume/surface sampling against a cube whose occupancy and SDF are known exactly."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from meshsmith.data.files import npz_bytes, png_bytes
from meshsmith.data.sampling import Frame, area_samples, occupancy, volume_samples
from meshsmith.errors import InvalidMeshError


def cube_sdf(points: np.ndarray, half: float) -> np.ndarray:
    """Exact signed distance to an axis-aligned cube of half side `half` at the origin."""
    q = np.abs(points) - half
    outside = np.linalg.norm(np.maximum(q, 0.0), axis=1)
    inside = np.minimum(q.max(axis=1), 0.0)
    return outside + inside


def test_volume_samples_match_the_exact_cube_sdf():
    cube = trimesh.creation.box((0.8, 0.8, 0.8))
    rng = np.random.default_rng(0)
    samples = volume_samples(cube.vertices, cube.faces, 4000, rng)
    points = samples["points"].astype(np.float64)
    assert samples["points"].dtype == np.float32 and samples["sdf"].dtype == np.float32
    assert np.abs(points).max() <= 0.55
    expected = cube_sdf(points, 0.4)
    np.testing.assert_allclose(samples["sdf"], expected, atol=1e-6)
    np.testing.assert_array_equal(samples["occupancy"], expected < 0)
    near = samples["near_surface"]
    assert near.sum() == 2000 and not near[:2000].any()
    # Near-surface points hug the surface; uniform ones fill the cube evenly.
    assert np.median(np.abs(expected[near])) < 0.03
    inside_share = samples["occupancy"][~near].mean()
    assert inside_share == pytest.approx(0.8**3 / 1.1**3, abs=0.04)


def test_occupancy_skips_points_outside_the_bounding_box_correctly():
    cube = trimesh.creation.box((0.2, 1.0, 0.2))
    points = np.array([[0.0, 0.0, 0.0], [0.3, 0.0, 0.0], [0.05, 0.45, -0.05], [0.0, 0.6, 0.0]])
    np.testing.assert_array_equal(
        occupancy(cube.vertices, cube.faces, points), [True, False, True, False]
    )


def test_area_samples_lie_on_the_faces_they_name():
    mesh = trimesh.creation.icosphere(2)
    points, faces, bary = area_samples(mesh.vertices, mesh.faces, 500, np.random.default_rng(1))
    assert np.all(bary >= -1e-12) and np.allclose(bary.sum(axis=1), 1.0)
    centres = mesh.triangles_center[faces]
    assert np.linalg.norm(points - centres, axis=1).max() < 0.2
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 1.0, atol=0.02)


def test_frame_maps_the_bounding_box_to_the_unit_cube():
    frame = Frame.of(np.array([[1.0, 0.0, -1.0], [3.0, 4.0, 0.0]]))
    assert frame.scale == 4.0
    np.testing.assert_allclose(frame.offset, [2.0, 2.0, -0.5])
    np.testing.assert_allclose(
        frame.to_normalised(np.array([[3.0, 4.0, 0.0], [1.0, 0.0, -1.0]])),
        [[0.25, 0.5, 0.125], [-0.25, -0.5, -0.125]],
    )
    with pytest.raises(InvalidMeshError):
        Frame.of(np.zeros((2, 3)))


def test_npz_and_png_bytes_are_reproducible_and_readable(tmp_path):
    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([True, False])}
    first = npz_bytes(arrays)
    assert first == npz_bytes(dict(arrays))
    (tmp_path / "x.npz").write_bytes(first)
    with np.load(tmp_path / "x.npz") as data:
        assert data.files == ["a", "b"]
        np.testing.assert_array_equal(data["a"], arrays["a"])
    image = np.random.default_rng(0).integers(0, 255, (8, 8, 4), dtype=np.uint8)
    assert png_bytes(image) == png_bytes(image.copy())
