"""GLB writer: Khronos validator, glTF structure, materials and tangents."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from meshsmith import GENERATOR
from meshsmith.export import load_scene, save
from meshsmith.export.tangents import vertex_tangents
from tests.export.assets import MR_RGB, NORMAL_RGB, make_textured_sphere, make_two_part_scene
from tests.validators import gltf_report

REPO = Path(__file__).resolve().parents[2]


def gltf_json(path: Path) -> dict:
    data = path.read_bytes()
    assert data[:4] == b"glTF" and struct.unpack_from("<I", data, 4)[0] == 2
    assert struct.unpack_from("<I", data, 8)[0] == len(data)
    length, kind = struct.unpack_from("<II", data, 12)
    assert kind == 0x4E4F534A
    return json.loads(data[20 : 20 + length])


def test_every_asset_passes_the_khronos_validator(asset, provenance, tmp_path):
    name, obj = asset
    path = save(obj, tmp_path / f"{name}.glb", provenance)[0]
    report = gltf_report(path)
    assert report["errors"] == 0, report["messages"]
    assert report["warnings"] == 0, report["messages"]


def test_real_mesh_passes_the_validator(tmp_path):
    spot = REPO / "tests" / "data" / "spot.obj"
    if not spot.exists():
        pytest.skip("tests/data/spot.obj missing")
    report = gltf_report(save(load_scene(spot), tmp_path / "spot.glb")[0])
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]


def test_asset_carries_generator_and_provenance(provenance, tmp_path):
    tree = gltf_json(save(trimesh.creation.box(), tmp_path / "b.glb", provenance)[0])
    assert tree["asset"]["version"] == "2.0"
    assert tree["asset"]["generator"] == GENERATOR
    assert tree["asset"]["extras"]["meshsmith"] == provenance.as_dict()


def test_textured_mesh_has_all_maps_normals_uvs_and_tangents(tmp_path):
    path = save(make_textured_sphere(), tmp_path / "s.glb")[0]
    tree = gltf_json(path)
    (primitive,) = tree["meshes"][0]["primitives"]
    assert set(primitive["attributes"]) == {"POSITION", "NORMAL", "TEXCOORD_0", "TANGENT"}
    material = tree["materials"][primitive["material"]]
    pbr = material["pbrMetallicRoughness"]
    assert {"baseColorTexture", "metallicRoughnessTexture"} <= set(pbr)
    assert "normalTexture" in material
    assert len(tree["images"]) == 3 and all(i["mimeType"] == "image/png" for i in tree["images"])

    loaded = next(iter(load_scene(path).geometry.values())).visual.material
    assert np.asarray(loaded.metallicRoughnessTexture)[5, 5].tolist() == list(MR_RGB)
    assert np.asarray(loaded.normalTexture)[5, 5].tolist() == list(NORMAL_RGB)
    assert (loaded.metallicFactor, loaded.roughnessFactor) == (1.0, 1.0)


def test_untextured_mesh_still_has_normals(tmp_path):
    tree = gltf_json(save(trimesh.creation.box(), tmp_path / "b.glb")[0])
    attributes = tree["meshes"][0]["primitives"][0]["attributes"]
    assert set(attributes) == {"POSITION", "NORMAL"}
    assert "images" not in tree and "textures" not in tree


def test_scene_parts_are_named_nodes_with_their_materials(tmp_path):
    path = save(make_two_part_scene(), tmp_path / "chair.glb")[0]
    tree = gltf_json(path)
    assert [n["name"] for n in tree["nodes"]] == ["seat", "leg"]
    assert tree["scenes"][0]["nodes"] == [0, 1]
    materials = {m["name"]: m["pbrMetallicRoughness"] for m in tree["materials"]}
    assert materials["red_paint"]["baseColorFactor"][:3] == pytest.approx(
        [220 / 255, 20 / 255, 20 / 255]
    )
    assert materials["blue_metal"]["metallicFactor"] == 1.0
    assert materials["blue_metal"]["roughnessFactor"] == pytest.approx(0.2)

    scene = load_scene(path)
    assert sorted(scene.graph.nodes_geometry) == ["leg", "seat"]
    seat = scene.geometry[scene.graph["seat"][1]]
    assert seat.visual.material.baseColorFactor.tolist() == [220, 20, 20, 255]
    # The seat sits 0.35 m up, its transform baked into the vertices.
    assert seat.bounds[:, 1] == pytest.approx([0.3, 0.4])


def test_identical_images_are_stored_once(tmp_path):
    a, b = make_textured_sphere(1), make_textured_sphere(1)
    b.apply_translation([2, 0, 0])
    scene = trimesh.Scene({"a": a, "b": b})
    tree = gltf_json(save(scene, tmp_path / "two.glb")[0])
    assert len(tree["images"]) == 3


def test_tangents_follow_u_on_a_flat_quad():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=float)
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    normals = np.tile([0.0, 0.0, 1.0], (4, 1))
    uv = vertices[:, :2].copy()
    np.testing.assert_allclose(vertex_tangents(vertices, faces, normals, uv), [[1, 0, 0, 1]] * 4)
    # Mirrored U: tangent along -X, and w = -1 so the bitangent still follows +V (+Y).
    mirrored = uv.copy()
    mirrored[:, 0] = 1 - mirrored[:, 0]
    tangents = vertex_tangents(vertices, faces, normals, mirrored)
    np.testing.assert_allclose(tangents, [[-1, 0, 0, -1]] * 4)
    bitangent = np.cross(normals, tangents[:, :3]) * tangents[:, 3:]
    np.testing.assert_allclose(bitangent, [[0, 1, 0]] * 4)


def test_tangents_are_unit_and_orthogonal_on_a_sphere():
    sphere = make_textured_sphere()
    normals = sphere.vertex_normals
    tangents = vertex_tangents(sphere.vertices, sphere.faces, normals, sphere.visual.uv)
    np.testing.assert_allclose(np.linalg.norm(tangents[:, :3], axis=1), 1.0, atol=1e-9)
    assert np.abs(np.einsum("ij,ij->i", tangents[:, :3], normals)).max() < 1e-9
    assert set(np.unique(tangents[:, 3])) <= {-1.0, 1.0}


def test_large_mesh_uses_32_bit_indices_and_validates(tmp_path):
    n = 260  # a flat grid of 67,600 vertices
    x, z = np.meshgrid(np.linspace(0, 1, n), np.linspace(0, 1, n))
    vertices = np.column_stack([x.ravel(), np.zeros(n * n), z.ravel()])
    corner = (np.arange(n - 1)[:, None] * n + np.arange(n - 1)[None, :]).ravel()
    faces = np.concatenate(
        [np.column_stack([corner, corner + n, corner + 1]),
         np.column_stack([corner + 1, corner + n, corner + n + 1])]
    )  # fmt: skip
    grid = trimesh.Trimesh(vertices, faces, process=False)
    path = save(grid, tmp_path / "grid.glb")[0]
    tree = gltf_json(path)
    indices = tree["accessors"][tree["meshes"][0]["primitives"][0]["indices"]]
    assert indices["componentType"] == 5125  # UNSIGNED_INT
    report = gltf_report(path)
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]


def test_out_of_range_factors_are_clipped(tmp_path):
    box = trimesh.creation.box()
    box.visual = trimesh.visual.TextureVisuals(
        material=trimesh.visual.material.PBRMaterial(roughnessFactor=1.7, metallicFactor=-0.2)
    )
    path = save(box, tmp_path / "f.glb")[0]
    pbr = gltf_json(path)["materials"][0]["pbrMetallicRoughness"]
    assert (pbr["roughnessFactor"], pbr["metallicFactor"]) == (1.0, 0.0)
    assert gltf_report(path)["errors"] == 0


def kitchen_sink_sphere(alpha_mode: str) -> trimesh.Trimesh:
    """Every material feature at once: RGBA base colour, emissive, occlusion, double sided."""
    sphere = make_textured_sphere(2, texture_size=16)
    material = sphere.visual.material
    rgba = np.zeros((16, 16, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, np.linspace(0, 255, 16, dtype=np.uint8)[None, :]
    material.baseColorTexture = Image.fromarray(rgba, "RGBA")
    material.emissiveTexture = Image.new("RGB", (16, 16), (255, 128, 0))
    material.occlusionTexture = Image.new("RGB", (16, 16), (200, 200, 200))
    material.alphaMode = alpha_mode
    material.alphaCutoff = 0.4 if alpha_mode == "MASK" else None
    material.doubleSided = True
    return sphere


@pytest.mark.parametrize("alpha_mode", ["BLEND", "MASK"])
def test_every_material_feature_validates(alpha_mode, tmp_path):
    from tests.validators import usd_validation_errors

    sphere = kitchen_sink_sphere(alpha_mode)
    path = save(sphere, tmp_path / "k.glb")[0]
    report = gltf_report(path)
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    material = gltf_json(path)["materials"][0]
    assert material["alphaMode"] == alpha_mode and material["doubleSided"] is True
    assert {"emissiveTexture", "occlusionTexture", "normalTexture"} <= set(material)
    assert material["emissiveFactor"] == [1.0, 1.0, 1.0]
    usdz = save(sphere, tmp_path / "k.usdz")[0]
    assert usd_validation_errors(usdz, include_warnings=True) == []
