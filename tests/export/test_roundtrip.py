"""Every exporter on every test asset: geometry, UVs, texels, colours, provenance and
byte-for-byte reproducibility."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh

from meshsmith.export import EXPORTERS, load_mesh, load_scene, read_provenance, save
from meshsmith.export.images import srgb_to_linear
from tests.export.assets import ASSETS, make_textured_sphere, make_vertex_colored
from tests.export.helpers import (
    as_mesh,
    bbox_diagonal,
    chamfer,
    match_vertices,
    read_usdz,
    texels,
)

READABLE = ["glb", "obj", "stl", "3mf", "ply"]  # formats trimesh reads back
REPO = Path(__file__).resolve().parents[2]


def _geometry_back(path: Path) -> trimesh.Trimesh:
    if path.suffix == ".usdz":
        return trimesh.util.concatenate(list(read_usdz(path)["meshes"].values()))
    return as_mesh(load_scene(path))


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_geometry_survives_round_trip(asset, fmt, provenance, tmp_path):
    name, obj = asset
    written = save(obj, tmp_path / f"{name}.{fmt}", provenance)
    assert written[0] == tmp_path / f"{name}.{fmt}" and all(p.is_file() for p in written)
    original, back = as_mesh(obj), _geometry_back(written[0])
    assert len(back.faces) == len(original.faces)
    assert chamfer(original, back) < 1e-4 * bbox_diagonal(original)


@pytest.mark.parametrize("fmt", ["glb", "obj", "ply"])
def test_uvs_and_texels_survive_round_trip(fmt, tmp_path):
    sphere = make_textured_sphere()
    loaded = load_mesh(save(sphere, tmp_path / f"s.{fmt}")[0])
    source = np.column_stack([sphere.vertices, sphere.visual.uv])
    target = np.column_stack([loaded.vertices, loaded.visual.uv])
    index, error = match_vertices(source, target)
    assert error < 1e-5
    material = loaded.visual.material
    image = getattr(material, "baseColorTexture", None) or material.image
    expected = texels(sphere.visual.material.baseColorTexture, sphere.visual.uv[index])
    np.testing.assert_array_equal(texels(image, loaded.visual.uv), expected)
    # The sphere's UVs reach all four quadrants, so a flipped axis would change colours.
    assert len(np.unique(expected, axis=0)) == 4


def test_usdz_uvs_and_texels(tmp_path):
    sphere = make_textured_sphere()
    package = read_usdz(save(sphere, tmp_path / "s.usdz")[0])
    (mesh,) = package["meshes"].values()
    (st,) = package["st"].values()
    index, error = match_vertices(
        np.column_stack([sphere.vertices, sphere.visual.uv]), np.column_stack([mesh.vertices, st])
    )
    assert error < 1e-5
    base = next(t for p, t in package["textures"].items() if p.endswith("baseColorTexture"))
    expected = texels(sphere.visual.material.baseColorTexture, sphere.visual.uv[index])
    np.testing.assert_array_equal(texels(base["image"], st), expected)


@pytest.mark.parametrize("fmt", ["glb", "obj", "ply"])
def test_vertex_colours_survive_round_trip(fmt, tmp_path):
    mesh = make_vertex_colored()
    loaded = load_mesh(save(mesh, tmp_path / f"c.{fmt}")[0])
    index, error = match_vertices(mesh.vertices, loaded.vertices)
    assert error < 1e-6
    original = mesh.visual.vertex_colors[index].astype(int)
    difference = np.abs(loaded.visual.vertex_colors.astype(int) - original)
    assert difference.max() <= 1


def test_usdz_display_colours_are_linear(tmp_path):
    mesh = make_vertex_colored()
    package = read_usdz(save(mesh, tmp_path / "c.usdz")[0])
    (colors,) = package["colors"].values()
    expected = srgb_to_linear(mesh.visual.vertex_colors)[:, :3]
    np.testing.assert_allclose(colors, expected, atol=1e-6)


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_provenance_reads_back(fmt, provenance, tmp_path):
    written = save(make_textured_sphere(1), tmp_path / f"p.{fmt}", provenance)
    found = read_provenance(written[0])
    if fmt == "stl":
        assert found == {
            "generator": provenance.generator,
            "ai_generated": True,
            "seed": 1234,
            "model_sha256_prefix": "abababab",
            "source_sha256_prefix": "cdcdcdcd",
        }
    else:
        assert found == provenance.as_dict()
        assert found["prompt"] == provenance.prompt  # quotes, newline and non-ASCII intact


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_output_without_provenance_reads_as_none(fmt, tmp_path):
    path = tmp_path / f"plain.{fmt}"
    if fmt == "usdz":
        from pxr import Sdf, Usd, UsdUtils

        stage = Usd.Stage.CreateNew(str(tmp_path / "plain.usdc"))
        stage.DefinePrim("/Root", "Xform")
        stage.GetRootLayer().Save()
        UsdUtils.CreateNewUsdzPackage(Sdf.AssetPath(str(tmp_path / "plain.usdc")), str(path))
    else:
        trimesh.creation.box().export(path)
    assert read_provenance(path) is None


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
def test_output_is_byte_identical_twice(asset, fmt, provenance, tmp_path):
    name, obj = asset
    first = save(obj, tmp_path / "a" / f"{name}.{fmt}", provenance)
    second = save(ASSETS[name](), tmp_path / "b" / f"{name}.{fmt}", provenance)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_output_is_identical_across_processes(provenance, tmp_path):
    """Another interpreter with another hash seed must write the same bytes."""
    script = (
        "import sys; from pathlib import Path\n"
        "from meshsmith.export import save, Provenance\n"
        "from tests.export.assets import make_two_part_scene, make_textured_sphere\n"
        "p = Provenance.from_dict(eval(sys.argv[1]))\n"
        "for fmt in ('glb', 'obj', 'usdz', 'stl', '3mf', 'ply'):\n"
        "    save(make_two_part_scene(), Path(sys.argv[2]) / f'scene.{fmt}', p)\n"
        "    save(make_textured_sphere(), Path(sys.argv[2]) / f'sphere.{fmt}', p)\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    other = tmp_path / "other"
    subprocess.run(
        [sys.executable, "-c", script, repr(provenance.as_dict()), str(other)],
        cwd=REPO,
        env=env,
        check=True,
    )
    here = tmp_path / "here"
    for fmt in EXPORTERS:
        save(ASSETS["scene"](), here / f"scene.{fmt}", provenance)
        save(make_textured_sphere(), here / f"sphere.{fmt}", provenance)
    names = sorted(p.name for p in here.iterdir())
    assert names == sorted(p.name for p in other.iterdir())
    for name in names:
        assert (here / name).read_bytes() == (other / name).read_bytes(), name


def test_every_loadable_format_has_a_provenance_answer(tmp_path):
    from meshsmith.export import LOADABLE_FORMATS, PROVENANCE_READERS

    assert set(LOADABLE_FORMATS) <= set(PROVENANCE_READERS)
    path = tmp_path / "plain.off"
    trimesh.creation.box().export(path)
    assert read_provenance(path) is None
