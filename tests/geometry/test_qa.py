import json

import numpy as np
import pytest
import trimesh

from meshsmith.errors import InvalidMeshError
from meshsmith.geometry.qa import inspect_mesh
from tests.geometry.shapes import tetrahedron, torus_mesh, unit_cube

REQUIRED_KEYS = {
    "faces", "vertices", "watertight", "manifold", "non_manifold_edges",
    "non_manifold_vertices", "boundary_edges", "components", "genus",
    "euler_characteristic", "degenerate_faces", "duplicate_faces", "winding_consistent",
    "bbox", "volume", "area", "has_uv", "has_texture", "has_vertex_colors", "materials",
    "parts", "self_intersections",
}  # fmt: skip


def test_cube_report():
    report = inspect_mesh(unit_cube())
    assert (report.faces, report.vertices) == (12, 8)
    assert report.watertight and report.manifold and report.winding_consistent
    assert report.genus == 0 and report.euler_characteristic == 2 and report.components == 1
    assert report.volume == pytest.approx(1.0)
    assert report.normals_outward is True
    assert report.area == pytest.approx(6.0)
    assert report.bbox == {"min": [0.0] * 3, "max": [1.0] * 3, "size": [1.0] * 3}
    assert (report.boundary_edges, report.non_manifold_edges, report.non_manifold_vertices) == (
        0,
        0,
        0,
    )
    assert report.degenerate_faces == 0 and report.duplicate_faces == 0
    assert report.parts == 1 and report.materials == []
    assert not (report.has_uv or report.has_texture or report.has_vertex_colors)


def test_as_dict_is_json_safe_and_complete():
    data = inspect_mesh(unit_cube()).as_dict()
    assert set(data) >= REQUIRED_KEYS
    assert json.loads(json.dumps(data)) == data


def test_torus_has_genus_one():
    report = inspect_mesh(torus_mesh())
    assert report.watertight and report.manifold
    assert report.euler_characteristic == 0 and report.genus == 1


def test_cube_with_a_square_face_removed_is_open():
    cube = unit_cube()
    open_box = trimesh.Trimesh(cube.vertices, cube.faces[2:], process=False)
    report = inspect_mesh(open_box)
    assert report.boundary_edges == 4
    assert not report.watertight and report.manifold
    assert report.volume is None and report.genus is None
    assert report.euler_characteristic == 1  # a disc


def test_two_cubes_sharing_one_edge_are_non_manifold():
    first = unit_cube()
    second = unit_cube()
    second.apply_translation([1.0, 1.0, 0.0])  # shares the edge x = y = 1
    report = inspect_mesh(trimesh.util.concatenate([first, second]))
    assert not report.watertight  # the shared edge has four faces, not two
    assert report.non_manifold_edges == 1 and report.boundary_edges == 0
    assert report.non_manifold_vertices == 2  # the edge's ends: two fans each
    assert not report.manifold and report.genus is None
    assert report.components == 1


def test_two_tetrahedra_touching_at_a_vertex():
    first = tetrahedron()
    second = tetrahedron(offset=(0, 0, 0), scale=-1.0)  # mirrored through the shared origin
    second.invert()
    report = inspect_mesh(trimesh.util.concatenate([first, second]))
    assert report.non_manifold_edges == 0
    assert report.non_manifold_vertices == 1
    assert report.watertight and not report.manifold
    assert report.genus is None and report.volume is None


def test_degenerate_and_duplicate_faces_are_counted():
    cube = unit_cube()
    extra = np.array([[0, 0, 1], [0, 1, 2], [0, 1, 3]])
    # [0, 0, 1] repeats a vertex; vertices 0, 1 and a new midpoint are collinear.
    vertices = np.vstack([cube.vertices, [[0.0, 0.0, 0.5]]])
    faces = np.vstack([cube.faces, extra[:1], [[0, 8, 1]], cube.faces[:1]])
    report = inspect_mesh(trimesh.Trimesh(vertices, faces, process=False))
    assert report.degenerate_faces == 2
    assert report.duplicate_faces == 1


def test_uv_seams_do_not_open_a_closed_mesh():
    split = unit_cube()
    split.unmerge_vertices()  # every face gets its own three vertices, as at UV seams
    report = inspect_mesh(split)
    assert report.vertices == 36
    assert report.watertight and report.manifold and report.genus == 0


def test_flipped_face_breaks_winding_and_inverted_mesh_faces_inward():
    cube = unit_cube()
    faces = cube.faces.copy()
    faces[0] = faces[0][::-1]
    report = inspect_mesh(trimesh.Trimesh(cube.vertices, faces, process=False))
    assert not report.winding_consistent and report.volume is None
    inverted = unit_cube()
    inverted.invert()
    report = inspect_mesh(inverted)
    assert report.normals_outward is False and report.volume == pytest.approx(1.0)


def test_scene_combines_parts_with_their_transforms():
    scene = trimesh.Scene()
    scene.add_geometry(unit_cube(), node_name="a")
    moved = np.eye(4)
    moved[:3, 3] = [3.0, 0.0, 0.0]
    scene.add_geometry(unit_cube(), node_name="b", transform=moved)
    report = inspect_mesh(scene)
    assert report.parts == 2 and report.components == 2
    assert report.bbox["min"] == [0.0, 0.0, 0.0] and report.bbox["max"] == [4.0, 1.0, 1.0]
    assert report.volume == pytest.approx(2.0) and report.genus == 0


def test_appearance_fields(spot_mesh):
    report = inspect_mesh(spot_mesh)
    assert report.has_uv and report.has_texture and not report.has_vertex_colors
    assert report.materials == ["material_0"]
    assert report.watertight and report.manifold and report.genus == 0
    coloured = unit_cube()
    coloured.visual.vertex_colors = np.tile([255, 0, 0, 255], (8, 1))
    assert inspect_mesh(coloured).has_vertex_colors


def test_empty_scene_is_invalid():
    with pytest.raises(InvalidMeshError):
        inspect_mesh(trimesh.Scene())
