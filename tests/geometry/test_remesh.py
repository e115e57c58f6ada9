import numpy as np
import pytest
import trimesh

from meshsmith.errors import InputError
from meshsmith.geometry.qa import inspect_mesh
from meshsmith.geometry.remesh import quad_remesh


def test_sphere_becomes_quads_close_to_the_surface(capfd):
    sphere = trimesh.creation.icosphere(5, radius=0.5)
    result = quad_remesh(sphere, target_faces=1000)
    assert result.quads.shape[1] == 4
    assert 700 <= len(result.quads) <= 1400
    # Pure quads: no quad repeats a vertex (a triangle in disguise).
    repeated = np.array([len(set(q)) < 4 for q in result.quads.tolist()])
    assert not repeated.any()
    assert len(result.mesh.faces) == 2 * len(result.quads)
    assert np.abs(np.linalg.norm(result.vertices, axis=1) - 0.5).max() < 0.02
    report = inspect_mesh(result.mesh)
    assert report.watertight and report.normals_outward
    assert report.volume == pytest.approx(4 / 3 * np.pi * 0.125, rel=0.05)
    assert capfd.readouterr().out == ""  # the C++ progress log is silenced


def test_spot_quads_follow_the_surface(spot_mesh):
    result = quad_remesh(spot_mesh, target_faces=2000)
    assert 1400 <= len(result.quads) <= 2800
    np.testing.assert_allclose(result.mesh.bounds, spot_mesh.bounds, atol=0.03)


def test_too_few_faces_is_rejected():
    with pytest.raises(InputError):
        quad_remesh(trimesh.creation.icosphere(2), target_faces=4)
