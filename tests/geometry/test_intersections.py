import numpy as np
import trimesh

from meshsmith.geometry.intersections import count_self_intersections, find_crossings
from meshsmith.geometry.qa import inspect_mesh
from meshsmith.geometry.topology import weld
from tests.geometry.shapes import tetrahedron, unit_cube


def crossings(mesh):
    welded = weld(mesh)
    return count_self_intersections(welded.vertices, welded.faces)


def test_clean_meshes_do_not_intersect():
    assert crossings(unit_cube()) == 0
    assert crossings(trimesh.creation.icosphere(3)) == 0
    # Touching at a vertex is not crossing.
    assert crossings(trimesh.util.concatenate([tetrahedron(), tetrahedron(scale=-1.0)])) == 0


def test_triangle_piercing_a_square_face():
    cube = unit_cube()
    # A vertical triangle through the middle of the z = 1 square (faces 10 and 11).
    spike = trimesh.Trimesh(
        [[0.4, 0.5, 0.5], [0.6, 0.5, 0.5], [0.5, 0.5, 1.5]], [[0, 1, 2]], process=False
    )
    both = trimesh.util.concatenate([cube, spike])
    # Its two slanted edges cross the top; the diagonal of the top crosses it too.
    assert crossings(both) == 2
    assert inspect_mesh(both).self_intersections == 2


def test_overlapping_boxes():
    a = unit_cube()
    b = unit_cube()
    b.apply_translation([0.5, 0.5, 0.5])
    count = crossings(trimesh.util.concatenate([a, b]))
    # Each of the three faces of a at x, y, z = 1 is crossed by faces of b.
    assert count >= 6


def test_a_crossing_only_one_end_of_its_edge_sees():
    """Seven faces around a fold a simplifier left in a generated sofa. Cast from
    one end, the crossing edge's ray grazes a neighbour at its start and is lost
    there; from the other end it reaches the face it passes through."""
    vertices = np.array([
        [-0.07040911046529347, 0.11165726204324598, -0.33002923190096134],
        [-0.07139073421631648, 0.13598197930256004, -0.32062957742628584],
        [-0.03331618688771971, 0.1331612432306012, -0.3329574253764764],
        [-0.05441253298938359, 0.13966425852482756, -0.320896042574864],
        [-0.04615266293821488, 0.13949683725270612, -0.3204760836328084],
        [-0.05015757550522164, 0.1135987685674313, -0.33252952307685474],
        [-0.054523477323788316, 0.1050034578263315, -0.3138509131052325],
        [-0.03776351939716562, 0.158881592654594, -0.32096343382646314],
    ])  # fmt: skip
    faces = np.array([[1, 0, 5], [1, 5, 2], [1, 3, 6], [4, 1, 2], [1, 4, 3], [3, 4, 6], [4, 7, 6]])
    edges, hit = find_crossings(vertices, faces)
    assert len(edges) == 1
    # The edge and the face it crosses share no vertex.
    assert not set(edges[0]) & set(faces[hit[0]])
    # Both faces on the edge cross that face.
    assert count_self_intersections(vertices, faces) == 2
