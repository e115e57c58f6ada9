"""PLY writer: binary layout, header comments, colours and texture file."""

from __future__ import annotations

import numpy as np
import trimesh

from meshsmith.export import load_mesh, save
from tests.export.assets import make_textured_sphere, make_two_part_scene, make_vertex_colored


def header_lines(path) -> list[str]:
    data = path.read_bytes()
    return data[: data.index(b"end_header\n")].decode("ascii").splitlines()


def test_header(provenance, tmp_path):
    lines = header_lines(save(make_vertex_colored(), tmp_path / "c.ply", provenance)[0])
    assert lines[:2] == ["ply", "format binary_little_endian 1.0"]
    assert lines[3].startswith("comment meshsmith provenance: {")
    properties = [line.split()[-1] for line in lines if line.startswith("property")]
    assert properties == [
        "x", "y", "z", "nx", "ny", "nz", "red", "green", "blue", "alpha", "vertex_indices",
    ]  # fmt: skip


def test_textured_mesh_gets_uvs_and_texture_file(tmp_path):
    written = save(make_textured_sphere(1), tmp_path / "t.ply")
    assert [p.name for p in written] == ["t.ply", "t_basecolor.png"]
    lines = header_lines(written[0])
    assert "comment TextureFile t_basecolor.png" in lines
    assert "property float s" in lines and "property float t" in lines


def test_explicit_normals_are_written_not_recomputed(tmp_path):
    sphere = make_textured_sphere(1)
    up = np.tile([0.0, 1.0, 0.0], (len(sphere.vertices), 1))
    mesh = trimesh.Trimesh(sphere.vertices, sphere.faces, vertex_normals=up, process=False)
    loaded = load_mesh(save(mesh, tmp_path / "n.ply")[0])
    np.testing.assert_allclose(loaded.vertex_normals, up, atol=1e-6)


def test_mixed_scene_fills_missing_colours_with_base_colour(tmp_path):
    scene = make_two_part_scene()
    colored = make_vertex_colored()
    scene.add_geometry(colored, node_name="ball", geom_name="ball")
    loaded = load_mesh(save(scene, tmp_path / "mix.ply")[0])
    colors = {tuple(c) for c in loaded.visual.vertex_colors[:, :3].tolist()}
    assert (220, 20, 20) in colors and (30, 40, 230) in colors
