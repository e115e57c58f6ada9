"""Loading: corrupt and unsupported inputs, axis/unit conventions, real files."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
import trimesh

from meshsmith.errors import MeshLoadError, UnsupportedFormatError
from meshsmith.export import load_mesh, load_scene, save
from meshsmith.export.threemf import CONTENT_TYPES, CORE_NS, MODEL_PATH, RELATIONSHIPS
from tests.export.assets import make_textured_sphere

REPO = Path(__file__).resolve().parents[2]
SPOT = REPO / "tests" / "data" / "spot.obj"
TRIANGLE_OBJ = "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"


def _glb_bytes(tmp_path) -> bytes:
    return save(make_textured_sphere(1), tmp_path / "ok.glb")[0].read_bytes()


CORRUPT = {
    "truncated.glb": lambda tmp: _glb_bytes(tmp)[:-500],
    "header_only.glb": lambda tmp: _glb_bytes(tmp)[:20],
    "random.obj": lambda tmp: np.random.default_rng(0).bytes(4096),
    "random.glb": lambda tmp: np.random.default_rng(1).bytes(4096),
    "random.stl": lambda tmp: np.random.default_rng(2).bytes(4096),
    "random.ply": lambda tmp: np.random.default_rng(3).bytes(4096),
    "random.3mf": lambda tmp: np.random.default_rng(4).bytes(4096),
    "random.off": lambda tmp: np.random.default_rng(5).bytes(4096),
    "nan.obj": lambda tmp: b"v nan 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
    "inf.obj": lambda tmp: b"v 0 0 0\nv inf 0 0\nv 0 1 0\nf 1 2 3\n",
    "nan.off": lambda tmp: b"OFF\n3 1 0\n0 0 0\n1 0 0\nnan 1 0\n3 0 1 2\n",
    "empty.obj": lambda tmp: b"",
    "empty.glb": lambda tmp: b"",
    "no_faces.obj": lambda tmp: b"v 0 0 0\nv 1 0 0\nv 0 1 0\n",
    "text.obj": lambda tmp: b"this is not a mesh\n",
    "bad_index.obj": lambda tmp: b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n",
    "empty_ascii.stl": lambda tmp: b"solid empty\nendsolid empty\n",
    "truncated.stl": lambda tmp: b"x" * 80 + struct.pack("<I", 12) + b"\0" * 100,
}


@pytest.mark.parametrize("name", sorted(CORRUPT))
def test_corrupt_input_is_one_line_load_error(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(CORRUPT[name](tmp_path))
    with pytest.raises(MeshLoadError) as raised:
        load_scene(path)
    message = str(raised.value)
    assert "\n" not in message and path.name in message
    assert len(message) < 300
    with pytest.raises(MeshLoadError):
        load_mesh(path)


def test_nan_message_names_the_problem(tmp_path):
    path = tmp_path / "nan.obj"
    path.write_bytes(CORRUPT["nan.obj"](tmp_path))
    with pytest.raises(MeshLoadError, match="NaN or infinite"):
        load_mesh(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(MeshLoadError, match="not found"):
        load_mesh(tmp_path / "nope.glb")
    folder = tmp_path / "folder.obj"
    folder.mkdir()
    with pytest.raises(MeshLoadError, match="directory"):
        load_mesh(folder)


@pytest.mark.parametrize("name", ["model.xyz", "model.fbx", "model"])
def test_unknown_extension_lists_supported_formats(tmp_path, name):
    path = tmp_path / name
    path.write_text(TRIANGLE_OBJ)
    with pytest.raises(UnsupportedFormatError) as raised:
        load_mesh(path)
    message = str(raised.value)
    for fmt in (".3mf", ".glb", ".gltf", ".obj", ".off", ".ply", ".stl"):
        assert fmt in message


def test_extension_is_case_insensitive(tmp_path):
    path = tmp_path / "TRIANGLE.OBJ"
    path.write_text(TRIANGLE_OBJ)
    assert len(load_mesh(path).faces) == 1


def test_latin1_obj_loads(tmp_path):
    path = tmp_path / "accents.obj"
    path.write_bytes("# créé à Zürich\n".encode("latin-1") + TRIANGLE_OBJ.encode())
    assert len(load_mesh(path).faces) == 1


def test_ascii_stl_is_z_up_millimetres(tmp_path):
    # One triangle standing on the build plate, 10 mm tall, 20 mm towards the back (+Y).
    path = tmp_path / "tri.stl"
    path.write_text(
        "solid t\nfacet normal 0 -1 0\nouter loop\n"
        "vertex 0 0 0\nvertex 5 0 0\nvertex 0 20 10\n"
        "endloop\nendfacet\nendsolid t\n"
    )
    mesh = load_mesh(path)
    expected = np.array([[0, 0, 0], [0.005, 0, 0], [0, 0.010, -0.020]])
    np.testing.assert_allclose(np.sort(mesh.vertices, axis=0), np.sort(expected, axis=0), atol=1e-9)


def test_stl_vertices_are_merged(tmp_path):
    path = tmp_path / "box.stl"
    trimesh.creation.box().export(path)
    mesh = load_mesh(path)
    assert len(mesh.vertices) == 8 and mesh.is_watertight


def test_3mf_unit_attribute_is_honoured(tmp_path):
    box = trimesh.creation.box(extents=(1, 2, 3))  # Z-up, in centimetres
    vertices = "".join(f'<vertex x="{x}" y="{y}" z="{z}"/>' for x, y, z in box.vertices)
    triangles = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in box.faces)
    model = (
        f'<?xml version="1.0"?><model unit="centimeter" xmlns="{CORE_NS}"><resources>'
        f'<object id="1" type="model"><mesh><vertices>{vertices}</vertices>'
        f"<triangles>{triangles}</triangles></mesh></object></resources>"
        '<build><item objectid="1"/></build></model>'
    )
    path = tmp_path / "cm.3mf"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELATIONSHIPS)
        archive.writestr(MODEL_PATH, model)
    mesh = load_mesh(path)
    # 1 x 2 x 3 cm, Z-up -> 0.01 x 0.03 x 0.02 m, Y-up.
    np.testing.assert_allclose(mesh.extents, [0.01, 0.03, 0.02], atol=1e-9)


def test_real_obj_keeps_uvs_and_texture():
    if not SPOT.exists():
        pytest.skip("tests/data/spot.obj missing")
    mesh = load_mesh(SPOT)
    assert len(mesh.faces) == 5856
    assert mesh.visual.uv is not None and len(mesh.visual.uv) == len(mesh.vertices)
    assert np.isfinite(mesh.vertices).all()


def test_obj_pbr_extension_lines_become_pbr_material(tmp_path):
    from PIL import Image

    Image.new("L", (4, 4), 77).save(tmp_path / "rough.png")
    Image.new("RGB", (4, 4), (128, 128, 255)).save(tmp_path / "nrm.png")
    (tmp_path / "m.mtl").write_text(
        "newmtl steel\nKd 0.5 0.5 0.5\nPm 0.9\nmap_Pr rough.png\nmap_Bump -bm 1 nrm.png\n"
    )
    (tmp_path / "m.obj").write_text(
        "mtllib m.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nvt 0 0\nvt 1 0\nvt 0 1\n"
        "usemtl steel\nf 1/1 2/2 3/3\n"
    )
    material = load_mesh(tmp_path / "m.obj").visual.material
    assert isinstance(material, trimesh.visual.material.PBRMaterial)
    mr = np.asarray(material.metallicRoughnessTexture)
    # Roughness from the map (G); metallic 0.9 from Pm, carried by a white B channel.
    assert mr[0, 0, 1] == 77 and mr[0, 0, 2] == 255
    assert material.roughnessFactor == 1.0
    assert material.metallicFactor == pytest.approx(0.9)
    assert np.asarray(material.normalTexture)[0, 0].tolist() == [128, 128, 255]


def test_gltf_vertex_colours_are_decoded_to_srgb(tmp_path):
    mesh = trimesh.creation.icosphere(1)
    colors = np.tile([[188, 64, 0, 255]], (len(mesh.vertices), 1)).astype(np.uint8)
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=colors)
    loaded = load_mesh(save(mesh, tmp_path / "c.glb")[0])
    np.testing.assert_array_equal(loaded.visual.vertex_colors, colors)


@pytest.mark.parametrize("fmt", ["glb", "obj", "ply"])
def test_load_mesh_keeps_file_normals_and_applies_transforms(tmp_path, fmt):
    sphere = trimesh.creation.icosphere(1)
    up = np.tile([0.0, 1.0, 0.0], (len(sphere.vertices), 1))
    mesh = trimesh.Trimesh(sphere.vertices, sphere.faces, vertex_normals=up, process=False)
    np.testing.assert_allclose(load_mesh(save(mesh, tmp_path / f"n.{fmt}")[0]).vertex_normals, up)
    if fmt == "glb":
        # Two parts, one turned 90 degrees about X: its +Y normals become +Z.
        scene = trimesh.Scene()
        scene.add_geometry(mesh, node_name="a")
        turn = trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0])
        scene.add_geometry(mesh.copy(include_cache=True), node_name="b", transform=turn)
        normals = load_mesh(save(scene, tmp_path / "two.glb")[0]).vertex_normals
        assert (np.abs(normals - [0, 1, 0]).max(axis=1) < 1e-6).sum() == len(up)
        assert (np.abs(normals - [0, 0, 1]).max(axis=1) < 1e-6).sum() == len(up)


def test_text_gltf_with_external_buffers_loads(tmp_path):
    sphere = make_textured_sphere(1)
    for name, data in trimesh.exchange.gltf.export_gltf(trimesh.Scene(sphere)).items():
        (tmp_path / name).write_bytes(data)
    loaded = load_mesh(tmp_path / "model.gltf")
    assert len(loaded.faces) == len(sphere.faces)
    assert loaded.visual.material.baseColorTexture.size == (64, 64)


def test_obj_with_uvs_but_no_material_gets_a_plain_default_material():
    from meshsmith.export.load import is_placeholder_material

    scene = load_scene(Path(__file__).resolve().parents[1] / "data" / "spot.obj")
    (mesh,) = scene.geometry.values()
    assert len(mesh.visual.uv) == len(mesh.vertices)
    assert not is_placeholder_material(mesh.visual.material)
    assert mesh.visual.material.baseColorTexture is None
    assert is_placeholder_material(trimesh.visual.material.empty_material())
