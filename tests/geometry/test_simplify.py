import numpy as np
import pytest
import trimesh

from meshsmith.errors import InputError
from meshsmith.geometry.extract import extract_mesh
from meshsmith.geometry.qa import inspect_mesh
from meshsmith.geometry.simplify import lod_chain, simplify_mesh
from meshsmith.geometry.topology import is_closed_manifold
from tests.geometry.shapes import sphere_sdf, unit_cube


def test_sphere_at_256_to_1000_faces_stays_closed_and_round():
    radius = 0.3
    dense = extract_mesh(sphere_sdf(radius), resolution=256).mesh
    simple = simplify_mesh(dense, 1000)
    assert len(simple.faces) <= 1000 and len(simple.faces) >= 900
    report = inspect_mesh(simple)
    assert report.watertight and report.manifold and report.normals_outward
    assert report.genus == 0
    assert np.abs(np.linalg.norm(simple.vertices, axis=1) - radius).max() < 0.01
    assert report.volume == pytest.approx(4 / 3 * np.pi * radius**3, rel=0.02)


def test_spot_lod_chain_meets_every_budget(spot_mesh):
    budgets = [300, 3000, 1000]
    levels = lod_chain(spot_mesh, budgets)
    assert all(len(level.faces) <= budget for level, budget in zip(levels, budgets, strict=True))
    assert len(levels[0].faces) < len(levels[2].faces) < len(levels[1].faces)
    for level in levels:
        assert is_closed_manifold(level)
        # Shape kept: the bounding box moves by a few percent at most.
        np.testing.assert_allclose(level.bounds, spot_mesh.bounds, atol=0.05)


def test_within_budget_is_an_unchanged_copy(spot_mesh):
    copy = simplify_mesh(spot_mesh, 10_000)
    assert copy is not spot_mesh
    np.testing.assert_array_equal(copy.faces, spot_mesh.faces)
    assert len(copy.visual.uv) == len(spot_mesh.vertices)


def test_open_mesh_is_simplified_too():
    sphere = trimesh.creation.icosphere(4)
    open_mesh = trimesh.Trimesh(sphere.vertices, sphere.faces[sphere.triangles_center[:, 2] < 0.5])
    simple = simplify_mesh(open_mesh, 500)
    assert len(simple.faces) <= 500
    assert inspect_mesh(simple).boundary_edges > 0


def test_budget_below_a_tetrahedron_is_rejected():
    with pytest.raises(InputError):
        simplify_mesh(unit_cube(), 3)
