"""`data ingest` on real meshes (spot, a few shared test meshes), captions, bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import igl
import numpy as np
import pytest
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from meshsmith.cli import main
from meshsmith.colorspace import srgb_to_linear
from meshsmith.data.appearance import appearance_at
from meshsmith.data.artefacts import ArtefactConfig
from meshsmith.data.dataset import Dataset
from meshsmith.data.ingest import IngestConfig, ingest_dataset, name_captions, name_phrase
from meshsmith.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "real-meshes"
CONFIG = IngestConfig(
    seed=3,
    artefacts=ArtefactConfig(surface_points=1000, volume_points=1000, views=1, image_size=48),
)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    shutil.copy(DATA / "spot.obj", src / "spot.obj")
    (src / "nested").mkdir()
    # An open mesh (needs the winding-number rebuild) under an informative name.
    if (SHARED / "suzanne.obj").is_file():
        shutil.copy(SHARED / "suzanne.obj", src / "nested" / "MonkeyHead_01.obj")
    (src / "broken.obj").write_text("v 0 0 0\nthis is not a mesh\n")
    (src / "notes.txt").write_text("not a mesh file at all")
    return src


@pytest.fixture(scope="module")
def ingested(source, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ingested")
    summary = ingest_dataset(source, out, CONFIG, workers=1)
    assert len(summary.failures) == 1 and "broken.obj" in summary.failures[0]["error"]
    return out


def test_names_become_captions():
    assert name_phrase(Path("Office_Chair2.obj")) == "office chair"
    assert name_phrase(Path("officeChair.glb")) == "office chair"
    captions, held_out = name_captions(Path("office_chair.obj"))
    assert captions[0] == "an office chair"
    assert "game asset: office chair" in held_out and not set(captions) & set(held_out)


def test_ingested_rows_carry_sources_captions_and_a_closed_mesh(ingested, source):
    ds = Dataset(ingested)
    records = ds.records()
    names = {r.params["source"]: r for r in records}
    assert "spot.obj" in names and "broken.obj" not in names
    spot = names["spot.obj"]
    assert spot.seed is None and spot.category == "ingested"
    assert spot.captions[0] == "a spot" and spot.params["repair"] == "basic"
    if (source / "nested" / "MonkeyHead_01.obj").is_file():
        monkey = names["nested/MonkeyHead_01.obj"]
        assert monkey.captions[0] == "a monkey head"
        assert monkey.params["repair"] == "winding-number rebuild"
    card = (ingested / "README.md").read_text()
    assert "Skipped (failed or unreadable inputs): 1" in card and "broken.obj" in card
    for record in records:
        assert ds.verify(record) == []
        mesh = ds.mesh(record)
        mesh.merge_vertices(merge_tex=True, merge_norm=True)
        assert mesh.is_watertight
        volume = ds.volume(record)
        points = volume["points"].astype(np.float64)
        vertices = record.to_normalised(mesh.vertices)
        winding = igl.winding_number(vertices, np.asarray(mesh.faces, np.int64), points)
        clear = np.abs(volume["sdf"]) > 0.02
        np.testing.assert_array_equal(volume["occupancy"][clear], winding[clear] > 0.5)
        assert 0.02 < volume["occupancy"].mean() < 0.6
        view = ds.views(record)[0]
        assert view["mask"].any() and view["rgb"].std() > 5


def test_spot_is_normalised_and_white_like_its_render(ingested):
    ds = Dataset(ingested)
    spot = next(r for r in ds.records() if r.params["source"] == "spot.obj")
    surface = ds.surface(spot)
    # spot.obj has UVs but no material: drawn (and sampled) as glTF's default white.
    np.testing.assert_allclose(surface["albedo"], 1.0)
    np.testing.assert_allclose(surface["roughness"], 1.0)
    extent = surface["points"].max(axis=0) - surface["points"].min(axis=0)
    assert extent.max() == pytest.approx(1.0, abs=0.03)


def test_appearance_reads_textures_and_vertex_colours():
    quad = trimesh.Trimesh(
        [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], [[0, 1, 2], [0, 2, 3]], process=False
    )
    texture = np.zeros((4, 4, 3), dtype=np.uint8)
    texture[:, :2] = (255, 0, 0)  # left half red (sRGB), right half blue
    texture[:, 2:] = (0, 0, 188)
    mr = np.zeros((4, 4, 3), dtype=np.uint8)
    mr[..., 1], mr[..., 2] = 128, 255  # roughness 0.5, metallic 1 (times the factors)
    material = PBRMaterial(
        baseColorTexture=Image.fromarray(texture),
        metallicRoughnessTexture=Image.fromarray(mr),
        metallicFactor=0.5,
        roughnessFactor=1.0,
    )
    quad.visual = trimesh.visual.TextureVisuals(uv=quad.vertices[:, :2], material=material)
    faces = np.array([0, 1])
    bary = np.array([[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]])  # near (0,0)-ish and near (0,1)
    bary_right = np.array([[0.1, 0.8, 0.1]])  # near (1, 0)
    albedo, roughness, metallic = appearance_at(quad, faces, bary)
    np.testing.assert_allclose(albedo, [[1, 0, 0], [1, 0, 0]], atol=1e-6)
    np.testing.assert_allclose(roughness, 128 / 255)
    np.testing.assert_allclose(metallic, 0.5)
    right, _, _ = appearance_at(quad, np.array([0]), bary_right)
    np.testing.assert_allclose(right, [[0, 0, srgb_to_linear(188 / 255)]], atol=1e-6)
    quad.visual = trimesh.visual.ColorVisuals(
        quad, vertex_colors=np.array([[255, 255, 255, 255], [0, 0, 0, 255]] * 2, dtype=np.uint8)
    )
    albedo, roughness, metallic = appearance_at(quad, np.array([0]), np.array([[0.5, 0.5, 0.0]]))
    np.testing.assert_allclose(albedo, srgb_to_linear(0.5), atol=1e-6)
    assert metallic[0] == 0.0


def test_caption_csv_sets_captions_and_categories(source, tmp_path):
    table = tmp_path / "captions.csv"
    table.write_text(
        "file,caption,category,held_out_caption\n"
        "spot.obj,a cow with black spots,animal,spotted cattle\n"
        "spot.obj,a toy cow,animal,\n"
    )
    only_spot = tmp_path / "src"
    only_spot.mkdir()
    shutil.copy(source / "spot.obj", only_spot / "spot.obj")
    sizes = ["--views", "0", "--surface-points", "64", "--volume-points", "64"]
    code = main(["data", "ingest", str(only_spot), str(tmp_path / "out"), "--captions",
                 str(table), *sizes])  # fmt: skip
    assert code == 0
    row = json.loads((tmp_path / "out" / "manifest.jsonl").read_text())
    assert row["id"] == "animal-00000" and row["category"] == "animal"
    assert row["captions"] == ["a cow with black spots", "a toy cow"]
    assert row["held_out_captions"] == ["spotted cattle"]


def test_bad_inputs_are_one_line_errors(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no mesh files"):
        ingest_dataset(empty, tmp_path / "out", CONFIG)
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("name_of_thing,words\nx,y\n")
    assert (
        main(["data", "ingest", str(empty), str(tmp_path / "o"), "--captions", str(bad_csv)]) == 2
    )
    assert capsys.readouterr().err.count("\n") == 1
    assert main(["data", "ingest", str(tmp_path / "missing"), str(tmp_path / "o")]) == 2
