"""Flattening meshes and scenes into parts: transforms, normals, colours, materials."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from trimesh.visual.material import SimpleMaterial

from meshsmith.errors import InvalidMeshError
from meshsmith.export.parts import collect_parts, weld_seam_normals


def test_uv_seam_normals_are_welded_but_hard_edges_kept():
    # Two quads meeting at x = 0 with a 90 degree fold; the shared edge is duplicated.
    vertices = np.array(
        [[-1, 0, 0], [0, 0, 0], [0, 0, 1], [-1, 0, 1],  # flat floor, normal +Y
         [0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]],  # continues flat: a UV seam
        dtype=float,
    )  # fmt: skip
    faces = np.array([[0, 2, 1], [0, 3, 2], [4, 6, 5], [4, 7, 6]])
    tilted = np.tile([0.0, 1.0, 0.0], (8, 1))
    tilted[:4] = [0.0, 0.8, 0.6]  # 37 degrees off: smoothed across the seam
    welded = weld_seam_normals(vertices, faces, tilted)
    np.testing.assert_allclose(welded[1], welded[4])
    np.testing.assert_allclose(np.linalg.norm(welded, axis=1), 1.0)

    folded = np.tile([0.0, 1.0, 0.0], (8, 1))
    folded[4:] = [1.0, 0.0, 0.0]  # 90 degrees: a crease, left alone
    np.testing.assert_allclose(weld_seam_normals(vertices, faces, folded), folded)


def test_zero_normals_are_replaced_by_face_normals():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=float)
    normals = weld_seam_normals(vertices, np.array([[0, 1, 2]]), np.zeros((3, 3)))
    np.testing.assert_allclose(normals, [[0, 0, 1]] * 3)


def test_scene_transforms_are_baked_and_mirrors_keep_winding():
    box = trimesh.creation.box()
    scene = trimesh.Scene()
    scene.add_geometry(box, node_name="mirrored", transform=np.diag([-1.0, 1, 1, 1]))
    (part,) = collect_parts(scene)
    mesh = trimesh.Trimesh(part.vertices, part.faces, process=False)
    assert mesh.volume == pytest.approx(1.0)  # positive: outward-facing triangles
    centres = mesh.triangles_center
    assert (np.einsum("ij,ij->i", mesh.face_normals, centres) > 0).all()


def test_face_colours_are_exact_per_face():
    box = trimesh.creation.box()
    colours = np.zeros((12, 4), dtype=np.uint8)
    colours[:, 3] = 255
    colours[::2, 0] = 255
    box.visual.face_colors = colours
    (part,) = collect_parts(box)
    assert len(part.vertices) == 36
    np.testing.assert_array_equal(part.colors[part.faces[:, 0]], colours)


def test_simple_material_becomes_dielectric_pbr():
    sphere = trimesh.creation.icosphere(1)
    uv = np.zeros((len(sphere.vertices), 2))
    sphere.visual = trimesh.visual.TextureVisuals(
        uv=uv, material=SimpleMaterial(diffuse=(255, 128, 0, 255), glossiness=30.0)
    )
    (part,) = collect_parts(sphere)
    assert part.material.metallic == 0.0
    assert part.material.base_color == pytest.approx((1.0, 128 / 255, 0.0, 1.0))
    assert part.material.roughness == pytest.approx((2 / 32) ** 0.25)


def test_point_clouds_are_skipped_and_empty_input_rejected():
    scene = trimesh.Scene([trimesh.PointCloud(np.random.default_rng(0).random((10, 3)))])
    with pytest.raises(InvalidMeshError):
        collect_parts(scene)
    scene.add_geometry(trimesh.creation.box(), node_name="box")
    assert [p.name for p in collect_parts(scene)] == ["box"]
