"""Contracts every public geometry function keeps (see `meshsmith.geometry`)."""

import subprocess
import sys

import numpy as np
import pytest
import trimesh

import meshsmith.geometry as geometry
from meshsmith.errors import InvalidMeshError

CALLS = {
    "clean_mesh": lambda m: geometry.clean_mesh(m),
    "inspect_mesh": lambda m: geometry.inspect_mesh(m),
    "repair_mesh": lambda m: geometry.repair_mesh(m, rebuild="always", resolution=32),
    "simplify_mesh": lambda m: geometry.simplify_mesh(m, 500),
    "lod_chain": lambda m: geometry.lod_chain(m, [500, 200]),
    "quad_remesh": lambda m: geometry.quad_remesh(m, 200),
    "normalize_mesh": lambda m: geometry.normalize_mesh(m, 2.0),
    "unwrap": lambda m: geometry.unwrap(m, resolution=256),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_input_is_never_mutated(name, spot_mesh):
    mesh = spot_mesh.copy()
    before = (mesh.vertices.copy(), mesh.faces.copy(), mesh.visual.uv.copy())
    CALLS[name](mesh)
    np.testing.assert_array_equal(mesh.vertices, before[0])
    np.testing.assert_array_equal(mesh.faces, before[1])
    np.testing.assert_array_equal(mesh.visual.uv, before[2])


@pytest.mark.parametrize("name", sorted(CALLS))
def test_invalid_input_is_refused(name):
    broken = trimesh.Trimesh([[0, 0, 0], [1, 0, np.nan], [0, 1, 0]], [[0, 1, 2]], process=False)
    with pytest.raises(InvalidMeshError):
        CALLS[name](broken)


def test_package_import_is_light():
    code = (
        "import sys, meshsmith.geometry.qa; "
        "print(sorted({'torch', 'skimage', 'xatlas'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert set(geometry.__all__) >= {"extract_mesh", "repair_mesh", "unwrap", "inspect_mesh"}
