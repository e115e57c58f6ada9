import numpy as np
import trimesh

from meshsmith.geometry import topology
from tests.geometry.shapes import tetrahedron, torus_mesh, unit_cube


def test_weld_merges_equal_positions_only():
    cube = unit_cube()
    cube.unmerge_vertices()
    welded = topology.weld(cube)
    assert len(welded.vertices) == 8 and welded.faces.shape == (12, 3)
    np.testing.assert_allclose(welded.vertices[welded.faces], cube.triangles)


def test_edge_face_counts_on_an_open_box():
    cube = unit_cube()
    edges, counts = topology.edge_face_counts(cube.faces[2:])
    assert len(edges) == 17  # 12 box edges + 5 face diagonals (the missing face had one)
    assert np.count_nonzero(counts == 1) == 4 and np.count_nonzero(counts == 2) == 13
    assert np.all(edges[:, 0] < edges[:, 1])


def test_fans_count_pinches_and_nonmanifold_edges():
    first, second = tetrahedron(), tetrahedron(scale=-1.0)
    pinched = topology.weld(trimesh.util.concatenate([first, second]))
    fans = topology.vertex_fan_counts(pinched.faces, len(pinched.vertices))
    origin = np.flatnonzero(np.all(pinched.vertices == 0, axis=1))
    assert fans[origin].tolist() == [2] and np.count_nonzero(fans != 1) == 1

    open_box = unit_cube().faces[2:]  # boundary vertices still have one (half-disc) fan
    assert topology.vertex_fan_counts(open_box, 8).tolist() == [1] * 8


def test_components_and_winding():
    a, b = unit_cube(), unit_cube()
    b.apply_translation([2.0, 0.0, 0.0])
    both = topology.weld(trimesh.util.concatenate([a, b]))
    count, labels = topology.face_components(both.faces, len(both.vertices))
    assert count == 2 and np.bincount(labels).tolist() == [12, 12]
    faces = unit_cube().faces.copy()
    assert topology.winding_consistent(faces)
    faces[3] = faces[3][::-1]
    assert not topology.winding_consistent(faces)


def test_is_closed_manifold():
    assert topology.is_closed_manifold(unit_cube())
    assert topology.is_closed_manifold(torus_mesh())
    cube = unit_cube()
    assert not topology.is_closed_manifold(trimesh.Trimesh(cube.vertices, cube.faces[1:]))
    pinched = trimesh.util.concatenate([tetrahedron(), tetrahedron(scale=-1.0)])
    assert not topology.is_closed_manifold(pinched)


def test_degenerate_faces_are_relative_to_size():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [2, 0, 0], [0, 1e-9, 0]], float)
    faces = np.array([[0, 1, 2], [0, 1, 3], [0, 0, 2], [0, 1, 4]])
    assert topology.degenerate_faces(vertices, faces).tolist() == [False, True, True, False]
