import numpy as np
import pytest
import trimesh

from meshsmith.errors import InputError, InvalidMeshError
from meshsmith.geometry.normalize import normalization_matrix, normalize_mesh


def box(extents, centre):
    mesh = trimesh.creation.box(extents=extents)
    mesh.apply_translation(centre)
    return mesh


def test_unit_scale_centred_on_the_ground():
    mesh = box([4.0, 2.0, 1.0], [10.0, -3.0, 7.0])
    normalized = normalize_mesh(mesh)
    np.testing.assert_allclose(normalized.bounds, [[-0.5, 0.0, -0.125], [0.5, 0.5, 0.125]])
    np.testing.assert_allclose(mesh.bounds, [[8.0, -4.0, 6.5], [12.0, -2.0, 7.5]])  # untouched


def test_size_in_metres_uses_the_longest_side():
    mesh = box([0.1, 0.4, 0.2], [0.0, 1.0, 0.0])
    normalized = normalize_mesh(mesh, size=2.0)
    np.testing.assert_allclose(normalized.bounds, [[-0.25, 0.0, -0.5], [0.25, 2.0, 0.5]])
    assert normalized.volume == pytest.approx(0.5 * 2.0 * 1.0)


def test_normals_keep_their_direction():
    mesh = box([2.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    normalized = normalize_mesh(mesh, size=0.5)
    np.testing.assert_allclose(normalized.face_normals, mesh.face_normals, atol=1e-12)


def test_matrix_and_errors():
    matrix = normalization_matrix(np.array([[0.0, 0.0, 0.0], [2.0, 1.0, 1.0]]), size=1.0)
    np.testing.assert_allclose(matrix @ [2.0, 1.0, 1.0, 1.0], [0.5, 0.5, 0.25, 1.0])
    with pytest.raises(InputError):
        normalization_matrix(np.array([[0.0] * 3, [1.0] * 3]), size=0.0)
    with pytest.raises(InvalidMeshError, match="single point"):
        normalization_matrix(np.zeros((2, 3)))
