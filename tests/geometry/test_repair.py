import numpy as np
import pytest
import trimesh

from meshsmith.errors import GeometryError, InputError
from meshsmith.geometry.qa import inspect_mesh
from meshsmith.geometry.repair import repair_mesh
from tests.geometry.shapes import real_mesh_paths, unit_cube

REAL = real_mesh_paths()
needs_real = pytest.mark.skipif(not REAL, reason="shared real meshes not present")


def soup_of(mesh: trimesh.Trimesh, seed: int = 0) -> trimesh.Trimesh:
    """Unshared vertices, shuffled faces, one face flipped."""
    rng = np.random.default_rng(seed)
    triangles = mesh.triangles[rng.permutation(len(mesh.faces))]
    triangles[0] = triangles[0, ::-1]
    faces = np.arange(3 * len(triangles)).reshape(-1, 3)
    return trimesh.Trimesh(triangles.reshape(-1, 3), faces, process=False)


def assert_repaired(result, source: trimesh.Trimesh, bbox_tolerance: float) -> None:
    report = inspect_mesh(result.mesh)
    assert report.watertight and report.manifold and report.winding_consistent
    assert report.normals_outward
    scale = float(source.extents.max())
    np.testing.assert_allclose(result.mesh.bounds, source.bounds, atol=bbox_tolerance * scale)


def test_cube_soup_is_fixed_by_the_basic_pass():
    cube = unit_cube()
    result = repair_mesh(soup_of(cube))
    assert result.method == "basic"
    assert_repaired(result, cube, 1e-12)
    assert len(result.mesh.faces) == 12 and len(result.mesh.vertices) == 8
    assert inspect_mesh(result.mesh).volume == pytest.approx(1.0)
    assert any("merged" in step for step in result.steps)
    assert any("flipped" in step for step in result.steps)


def test_small_hole_is_filled():
    sphere = trimesh.creation.icosphere(3)
    holed = trimesh.Trimesh(sphere.vertices, sphere.faces[1:], process=False)
    result = repair_mesh(holed)
    assert result.method == "basic" and result.steps == ["filled 1 small holes"]
    assert_repaired(result, sphere, 1e-12)


def test_rebuild_always_keeps_scale_and_position():
    cube = unit_cube()
    cube.apply_scale(250.0)
    cube.apply_translation([1000.0, -40.0, 3.0])
    result = repair_mesh(cube, rebuild="always", resolution=64)
    assert result.method == "winding-number rebuild"
    assert_repaired(result, cube, 0.02)
    assert inspect_mesh(result.mesh).volume == pytest.approx(250.0**3, rel=0.03)


def test_flat_sheet_is_rebuilt_as_a_thin_shell():
    square = trimesh.Trimesh(
        [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], [[0, 1, 2], [0, 2, 3]], process=False
    )
    result = repair_mesh(square, resolution=64)
    assert result.method == "thickened-shell rebuild"
    report = inspect_mesh(result.mesh)
    assert report.watertight and report.manifold and report.genus == 0
    assert 0.0 < report.bbox["size"][2] < 0.1


def test_never_mode_and_bad_mode():
    open_box = trimesh.Trimesh(unit_cube().vertices, unit_cube().faces[2:], process=False)
    assert repair_mesh(open_box).method == "basic"  # a square hole is small
    sphere = trimesh.creation.icosphere(3)
    cap_removed = trimesh.Trimesh(
        sphere.vertices, sphere.faces[sphere.triangles_center[:, 2] < 0.8]
    )
    with pytest.raises(GeometryError, match="rebuild='never'"):
        repair_mesh(cap_removed, rebuild="never")
    with pytest.raises(InputError):
        repair_mesh(sphere, rebuild="sometimes")


@needs_real
@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_real_meshes_become_watertight_and_manifold(path):
    mesh = trimesh.load(path, force="mesh")
    result = repair_mesh(mesh, resolution=128)
    # A rebuild may close holes and thicken flat sheets by a few voxels (1/128).
    assert_repaired(result, mesh, 0.04)
    assert len(result.mesh.faces) <= max(len(mesh.faces), 5000)


def test_mesh_far_from_the_origin_keeps_its_precision():
    sphere = trimesh.creation.icosphere(3, radius=0.5)
    sphere.apply_translation([1e6, -2e6, 5e5])  # float32 would quantise this to ~0.1
    result = repair_mesh(sphere, rebuild="always", resolution=64)
    assert_repaired(result, sphere, 0.01)
    assert inspect_mesh(result.mesh).volume == pytest.approx(sphere.volume, rel=0.01)
