import numpy as np
import pytest
import trimesh

from meshsmith.errors import InputError, InvalidMeshError
from meshsmith.geometry.checks import require_valid_mesh
from tests.geometry.shapes import unit_cube


def test_valid_mesh_passes():
    require_valid_mesh(unit_cube())


@pytest.mark.parametrize(
    ("vertices", "faces", "message"),
    [
        (np.zeros((0, 3)), np.zeros((0, 3), dtype=int), "no vertices"),
        (np.eye(3), np.zeros((0, 3), dtype=int), "no faces"),
        ([[0, 0, np.nan], [1, 0, 0], [0, 1, 0]], [[0, 1, 2]], "1 vertices with NaN"),
        ([[0, 0, np.inf], [1, 0, 0], [0, 1, np.inf]], [[0, 1, 2]], "2 vertices with NaN or inf"),
        (np.eye(3), [[0, 1, 5]], r"out of range: found 0\.\.5 for 3 vertices"),
        (np.eye(3), [[0, 1, -1]], "out of range"),
    ],
)
def test_invalid_meshes_raise_a_readable_error(vertices, faces, message):
    mesh = trimesh.Trimesh(np.asarray(vertices, float), np.asarray(faces), process=False)
    with pytest.raises(InvalidMeshError, match=message):
        require_valid_mesh(mesh)


def test_not_a_mesh_is_an_input_error():
    with pytest.raises(InputError, match="expected a triangle mesh, got Scene"):
        require_valid_mesh(trimesh.Scene())
