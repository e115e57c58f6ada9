import numpy as np
import pytest
import trimesh

from meshsmith.geometry.cleanup import clean_mesh, orient_outward
from meshsmith.geometry.qa import inspect_mesh
from tests.geometry.shapes import unit_cube


def shuffled_soup(mesh: trimesh.Trimesh, seed: int = 0) -> trimesh.Trimesh:
    """Each face with its own vertices, faces shuffled, every other face flipped."""
    rng = np.random.default_rng(seed)
    triangles = mesh.triangles[rng.permutation(len(mesh.faces))]
    triangles[::2] = triangles[::2, ::-1]
    faces = np.arange(3 * len(triangles)).reshape(-1, 3)
    return trimesh.Trimesh(triangles.reshape(-1, 3), faces, process=False)


def test_soup_is_welded_and_oriented_outward():
    soup = shuffled_soup(trimesh.creation.icosphere(2))
    cleaned = clean_mesh(soup)
    report = inspect_mesh(cleaned)
    assert report.vertices == 162 and report.faces == 320
    assert report.watertight and report.manifold and report.winding_consistent
    assert report.normals_outward
    assert report.volume == pytest.approx(trimesh.creation.icosphere(2).volume)


def test_degenerate_duplicate_and_unreferenced_are_dropped():
    cube = unit_cube()
    vertices = np.vstack([cube.vertices, [[0.5, 0.0, 0.0], [9.0, 9.0, 9.0]]])
    faces = np.vstack([cube.faces, [[0, 0, 4]], [[0, 8, 4]], cube.faces[:2]])
    cleaned = clean_mesh(trimesh.Trimesh(vertices, faces, process=False))
    assert len(cleaned.faces) == 12 and len(cleaned.vertices) == 8
    assert inspect_mesh(cleaned).volume == pytest.approx(1.0)


def test_floaters_below_the_ratio_are_removed():
    big = trimesh.creation.icosphere(2, radius=1.0)
    small = trimesh.creation.icosphere(1, radius=0.05)  # area ratio 0.0025
    small.apply_translation([3.0, 0.0, 0.0])
    medium = trimesh.creation.icosphere(1, radius=0.2)  # area ratio 0.04
    medium.apply_translation([-3.0, 0.0, 0.0])
    cleaned = clean_mesh(trimesh.util.concatenate([big, small, medium]))
    assert inspect_mesh(cleaned).components == 2
    assert cleaned.bounds[1][0] < 1.01  # the small one on +x is gone
    assert len(clean_mesh(trimesh.util.concatenate([big, small]), 0.0).faces) == 400


def test_a_cavity_keeps_its_inward_normals():
    outer = trimesh.creation.icosphere(3, radius=1.0)
    inner = trimesh.creation.icosphere(3, radius=0.5)  # wound outward: wrong for a cavity
    shell = trimesh.util.concatenate([outer, inner])
    shell.invert()  # start with everything backwards
    cleaned = clean_mesh(shell)
    expected = outer.volume - inner.volume
    report = inspect_mesh(cleaned)
    assert report.normals_outward and report.volume == pytest.approx(expected)


def test_uv_seams_are_kept_and_input_not_mutated(spot_mesh):
    before = spot_mesh.vertices.copy()
    cleaned = clean_mesh(spot_mesh)
    np.testing.assert_array_equal(spot_mesh.vertices, before)
    assert len(cleaned.vertices) == len(spot_mesh.vertices)  # seams stay split
    assert cleaned.visual.uv is not None and len(cleaned.visual.uv) == len(cleaned.vertices)
    assert inspect_mesh(cleaned).watertight


def test_orient_outward_flips_only_what_is_wrong():
    cube = unit_cube()
    np.testing.assert_array_equal(orient_outward(cube), cube.faces)
    cube.invert()
    assert inspect_mesh(trimesh.Trimesh(cube.vertices, orient_outward(cube))).normals_outward
