"""Vertex data, normals and materials extracted from trimesh objects."""

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial, SimpleMaterial

from meshsmith.render.gpu_mesh import GpuMesh, corner_normals, culling_front_face, scene_arrays
from meshsmith.render.materials import DEFAULT_BASE_COLOR, material_of


def test_corner_normals_keep_cube_edges_sharp():
    cube = trimesh.creation.box()
    normals = corner_normals(cube)
    np.testing.assert_allclose(
        normals, np.repeat(cube.face_normals[:, None], 3, axis=1), atol=1e-12
    )


def test_corner_normals_are_smooth_on_a_sphere():
    sphere = trimesh.creation.icosphere(3)
    normals = corner_normals(sphere)
    expected = (
        sphere.vertices[sphere.faces]
        / np.linalg.norm(sphere.vertices[sphere.faces], axis=2)[..., None]
    )
    assert np.einsum("ijk,ijk->ij", normals, expected).min() > 0.999


def test_corner_normals_high_degree_vertex():
    # A cone apex has more neighbours than the pairwise path handles; side normals stay sane.
    cone = trimesh.creation.cone(radius=1.0, height=1.0, sections=100)
    normals = corner_normals(cone)
    np.testing.assert_allclose(np.linalg.norm(normals, axis=2), 1.0, atol=1e-9)
    base = cone.face_normals[:, 1] < -0.99
    np.testing.assert_allclose(normals[base][..., 1], -1.0, atol=1e-9)


def test_scene_transforms_are_applied():
    box = trimesh.creation.box((1.0, 1.0, 1.0))
    scene = trimesh.Scene()
    scene.add_geometry(box, transform=trimesh.transformations.translation_matrix([5.0, 0, 0]))
    scene.add_geometry(box, transform=trimesh.transformations.scale_matrix(2.0))
    parts = scene_arrays(scene)
    assert len(parts) == 2
    positions = np.concatenate([p.vertices["position"] for p in parts])
    np.testing.assert_allclose(positions.min(axis=0), [-1.0, -1.0, -1.0], atol=1e-6)
    np.testing.assert_allclose(positions.max(axis=0), [5.5, 1.0, 1.0], atol=1e-6)
    for part in parts:
        np.testing.assert_allclose(np.linalg.norm(part.vertices["normal"], axis=1), 1.0, atol=1e-6)


def test_culling_only_for_outward_closed_volumes():
    box = trimesh.creation.box()
    assert culling_front_face(box, np.eye(4)) == "cw"
    assert culling_front_face(box, np.diag([-1.0, 1.0, 1.0, 1.0])) == "ccw"
    inverted = box.copy()
    inverted.invert()
    assert culling_front_face(inverted, np.eye(4)) is None
    open_box = trimesh.Trimesh(box.vertices, box.faces[:-2])
    assert culling_front_face(open_box, np.eye(4)) is None


def test_materials_follow_gltf_and_obj_conventions():
    mesh = trimesh.creation.box()
    uv = np.zeros((len(mesh.vertices), 2))
    image = Image.new("RGB", (4, 4), (10, 20, 30))
    # glTF: factors are linear, absent metallic/roughness default to 1.
    mesh.visual = trimesh.visual.TextureVisuals(
        uv=uv, material=PBRMaterial(baseColorFactor=[1.0, 0.5, 0.0, 1.0], baseColorTexture=image)
    )
    mat, got_uv, colors = material_of(mesh)
    assert mat.base_color[:3] == (1.0, 128 / 255, 0.0)
    assert mat.metallic == 1.0 and mat.roughness == 1.0
    assert mat.base_color_texture is image and got_uv is not None and colors is None
    # OBJ: a diffuse map replaces Kd, and nothing is metal.
    mesh.visual = trimesh.visual.TextureVisuals(
        uv=uv, material=SimpleMaterial(image=image, diffuse=[100, 100, 100, 255])
    )
    mat, _, _ = material_of(mesh)
    assert mat.base_color == (1.0, 1.0, 1.0, 1.0) and mat.metallic == 0.0
    # trimesh's placeholder for "UVs but no material" reads as the default grey.
    mesh.visual = trimesh.visual.TextureVisuals(uv=uv)
    mat, _, _ = material_of(mesh)
    assert mat.base_color == DEFAULT_BASE_COLOR and mat.base_color_texture is None


def test_vertex_and_face_colours_become_corner_colours():
    mesh = trimesh.creation.box()
    mesh.visual.face_colors = [200, 10, 10, 255]
    _, _, colors = material_of(mesh)
    assert colors.shape == (12, 3, 4) and (colors == [200, 10, 10, 255]).all()
    mesh = trimesh.creation.box()
    mesh.visual.vertex_colors = np.arange(8 * 4).reshape(8, 4).astype(np.uint8)
    _, _, colors = material_of(mesh)
    np.testing.assert_array_equal(colors, mesh.visual.vertex_colors[mesh.faces])


def test_gpu_mesh_upload_and_release(renderer):
    mesh = trimesh.creation.icosphere(2)
    gpu = GpuMesh(renderer.ctx, mesh)
    assert gpu.face_count == len(mesh.faces)
    np.testing.assert_allclose(gpu.bounds, mesh.bounds, atol=1e-6)
    gpu.release()
    assert gpu.parts == []


def test_corner_normals_ignore_uv_seams():
    # Split a sphere's vertices so that every face has its own corners, as UV seams do.
    sphere = trimesh.creation.icosphere(3)
    split = trimesh.Trimesh(
        sphere.vertices[sphere.faces].reshape(-1, 3),
        np.arange(sphere.faces.size).reshape(-1, 3),
        process=False,
    )
    np.testing.assert_allclose(corner_normals(split), corner_normals(sphere), atol=1e-12)
