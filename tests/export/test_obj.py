"""OBJ + MTL writer: PBR lines, texture names, factor baking, PBR round trip."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from meshsmith.export import load_mesh, save
from tests.export.assets import MR_RGB, NORMAL_RGB, make_textured_sphere


def mtl_entries(path) -> dict[str, list[str]]:
    lines = [line.split(None, 1) for line in path.read_text().splitlines() if line.strip()]
    return {key: value for key, value in ((k, v) for k, *v in lines if not k.startswith("#"))}


def test_files_and_mtl_lines(provenance, tmp_path):
    written = save(make_textured_sphere(), tmp_path / "mug.obj", provenance)
    assert [p.name for p in written] == [
        "mug.obj",
        "mug.mtl",
        "mug_0_basecolor.png",
        "mug_0_roughness.png",
        "mug_0_metallic.png",
        "mug_0_normal.png",
    ]
    entries = mtl_entries(tmp_path / "mug.mtl")
    assert entries["map_Kd"] == ["mug_0_basecolor.png"]
    assert entries["map_Pr"] == ["mug_0_roughness.png"]
    assert entries["map_Pm"] == ["mug_0_metallic.png"]
    assert entries["norm"] == ["mug_0_normal.png"]
    assert entries["map_Bump"] == ["-bm 1 mug_0_normal.png"]
    assert entries["Pr"] == ["1.000000"] and entries["Pm"] == ["1.000000"]
    obj_text = (tmp_path / "mug.obj").read_text()
    assert obj_text.splitlines()[1].startswith("# meshsmith provenance: {")
    assert "mtllib mug.mtl" in obj_text
    assert obj_text.count("\nvn ") == obj_text.count("\nv ") == obj_text.count("\nvt ")


def test_roughness_and_metallic_maps_are_the_g_and_b_channels(tmp_path):
    save(make_textured_sphere(), tmp_path / "m.obj")
    assert Image.open(tmp_path / "m_0_roughness.png").getpixel((1, 1)) == MR_RGB[1]
    assert Image.open(tmp_path / "m_0_metallic.png").getpixel((1, 1)) == MR_RGB[2]


def test_pbr_material_survives_obj_round_trip(tmp_path):
    loaded = load_mesh(save(make_textured_sphere(), tmp_path / "m.obj")[0])
    material = loaded.visual.material
    assert isinstance(material, PBRMaterial)
    mr = np.asarray(material.metallicRoughnessTexture)
    assert mr[2, 2, 1:].tolist() == list(MR_RGB[1:])
    assert np.asarray(material.normalTexture)[2, 2].tolist() == list(NORMAL_RGB)
    assert (material.metallicFactor, material.roughnessFactor) == (1.0, 1.0)


def test_factors_are_baked_into_maps(tmp_path):
    sphere = make_textured_sphere(1, texture_size=8)
    material = sphere.visual.material
    material.baseColorTexture = Image.new("RGB", (8, 8), (255, 255, 255))
    material.baseColorFactor = (255, 0, 0, 255)
    material.roughnessFactor = 0.5
    save(sphere, tmp_path / "f.obj")
    assert Image.open(tmp_path / "f_0_basecolor.png").getpixel((0, 0)) == (255, 0, 0)
    assert Image.open(tmp_path / "f_0_roughness.png").getpixel((0, 0)) == round(MR_RGB[1] * 0.5)
    entries = mtl_entries(tmp_path / "f.mtl")
    assert entries["Kd"] == ["1.000000 1.000000 1.000000"]


def test_texture_names_never_come_from_user_strings(tmp_path):
    sphere = make_textured_sphere(1, texture_size=8)
    sphere.visual.material.name = "../../evil name\nmap_Kd /etc/passwd"
    sphere.metadata["name"] = "part\nf 1 1 1"
    written = save(sphere, tmp_path / "safe.obj")
    assert all(p.parent == tmp_path and p.name.startswith("safe") for p in written)
    text = (tmp_path / "safe.mtl").read_text()
    assert "/etc/passwd" not in text and ".." not in text
    assert "\nf 1 1 1" not in (tmp_path / "safe.obj").read_text()


def test_vertex_coloured_part_has_no_material(tmp_path):
    mesh = trimesh.creation.icosphere(1)
    mesh.visual.vertex_colors = [10, 200, 30, 255]
    written = save(mesh, tmp_path / "c.obj")
    assert [p.name for p in written] == ["c.obj"]
    first_vertex = next(
        line for line in (tmp_path / "c.obj").read_text().splitlines() if line.startswith("v ")
    )
    assert first_vertex.split()[4:] == ["0.0392", "0.7843", "0.1176"]


def test_output_name_with_spaces_gives_space_free_side_files(tmp_path):
    written = save(make_textured_sphere(1, texture_size=8), tmp_path / "my chair v2.obj")
    assert written[0].name == "my chair v2.obj"
    assert all(" " not in p.name for p in written[1:])
    assert "mtllib my_chair_v2.mtl" in written[0].read_text()
    loaded = load_mesh(written[0])
    assert isinstance(loaded.visual.material, PBRMaterial)
    assert loaded.visual.material.metallicRoughnessTexture is not None
