import trimesh

from meshsmith.geometry.intersections import count_self_intersections
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
