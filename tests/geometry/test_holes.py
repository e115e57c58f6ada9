import numpy as np
import trimesh

from meshsmith.geometry.holes import boundary_loops, fill_small_holes
from meshsmith.geometry.qa import inspect_mesh
from meshsmith.geometry.topology import is_closed_manifold
from tests.geometry.shapes import unit_cube


def test_loop_of_an_open_box_follows_the_faces():
    cube = unit_cube()
    loops = boundary_loops(cube.faces[2:])  # the x = 0 square is missing
    assert len(loops) == 1
    loop = loops[0]
    assert sorted(loop.tolist()) == [0, 1, 2, 3]
    directed = {tuple(e) for e in cube.faces[2:][:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2).tolist()}
    for a, b in zip(loop, np.roll(loop, -1), strict=True):
        assert (int(a), int(b)) in directed


def test_small_hole_is_closed_with_outward_faces():
    cube = unit_cube()
    faces, filled = fill_small_holes(trimesh.Trimesh(cube.vertices, cube.faces[2:], process=False))
    assert filled == 1 and len(faces) == 12
    closed = trimesh.Trimesh(cube.vertices, faces, process=False)
    assert is_closed_manifold(closed)
    assert inspect_mesh(closed).volume == 1.0 and inspect_mesh(closed).normals_outward


def test_large_holes_and_seams_are_left_alone():
    sphere = trimesh.creation.icosphere(3)
    open_sphere = trimesh.Trimesh(
        sphere.vertices, sphere.faces[sphere.triangles_center[:, 2] < 0.7]
    )
    loop_length = len(boundary_loops(np.asarray(open_sphere.faces))[0])
    faces, filled = fill_small_holes(open_sphere, max_edges=loop_length - 1)
    assert filled == 0 and len(faces) == len(open_sphere.faces)
    seams = unit_cube()
    seams.unmerge_vertices()
    faces, filled = fill_small_holes(seams)
    assert filled == 0
    np.testing.assert_array_equal(faces, seams.faces)
