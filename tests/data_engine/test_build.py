"""`data build`: a tiny real dataset checked file by file, reproducibility, shards, CLI errors."""

from __future__ import annotations

import json
from pathlib import Path

import igl
import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

from meshsmith.cli import main
from meshsmith.data.artefacts import ArtefactConfig
from meshsmith.data.build import BuildConfig, build_dataset
from meshsmith.data.captions import HELD_OUT_TEMPLATES, TEMPLATES
from meshsmith.data.dataset import Dataset
from meshsmith.data.manifest import merge
from meshsmith.errors import InputError

CONFIG = BuildConfig(
    per_category=2,
    categories=("mug", "chair", "sword"),
    seed=7,
    artefacts=ArtefactConfig(surface_points=1500, volume_points=1500, views=2, image_size=64),
)
CONTRACT_FIELDS = {
    "id", "category", "seed", "split", "captions", "held_out_captions", "params",
    "attributes", "scale", "offset", "files", "sha256", "generator",
}  # fmt: skip


def data_files(root: Path) -> dict[str, bytes]:
    """Every file of a dataset except the card and build record (they name the folder)."""
    skip = {"README.md", "build.json"}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in skip and not p.name.startswith(("manifest-", "shard-"))
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ds") / "tiny"
    build_dataset(out, CONFIG, workers=1)
    return out


def test_manifest_rows_follow_the_contract(built):
    rows = [json.loads(line) for line in (built / "manifest.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    assert [r["id"] for r in rows][:2] == ["chair-00000", "chair-00001"] and len(rows) == 6
    for row in rows:
        assert set(row) >= CONTRACT_FIELDS
        assert row["split"] in ("train", "val", "test") and isinstance(row["seed"], int)
        assert len(row["captions"]) >= 5 and row["held_out_captions"]
        assert not set(row["captions"]) & set(row["held_out_captions"])
        assert row["attributes"]["category"] == row["category"]
        assert isinstance(row["attributes"]["colour"], str)
        assert len(row["offset"]) == 3 and row["scale"] > 0
        assert len(row["files"]["views"]) == 2 == len(row["files"]["sketches"])
    card = (built / "README.md").read_text()
    assert "CC0" in card and "meshsmith data build" in card and "| mug | " in card


def test_held_out_captions_come_only_from_held_out_templates(built):
    prefixes = ("game asset:", "I want", "a model of")
    for record in Dataset(built).records():
        assert all(not c.startswith(prefixes) for c in record.captions)
        assert any(c.startswith(prefixes) or "(" in c or "that is" in c or "," in c
                   for c in record.held_out_captions)  # fmt: skip
    assert not {t.text for t in TEMPLATES} & {t.text for t in HELD_OUT_TEMPLATES}


def test_files_exist_and_hashes_match(built):
    ds = Dataset(built)
    for record in ds.records():
        assert ds.verify(record) == []
        assert len(record.sha256) == 2 + 2 * 2 + 1
    (built / ds.records()[0].files["views"][0]).write_bytes(b"tampered")
    try:
        assert ds.verify(ds.records()[0]) == [ds.records()[0].files["views"][0]]
    finally:
        build_dataset(built, CONFIG, workers=1)  # rebuilding restores the file


def test_samples_are_normalised_and_labels_agree_with_the_mesh(built):
    ds = Dataset(built)
    for record in ds.records():
        surface, volume = ds.surface(record), ds.volume(record)
        assert surface["points"].dtype == np.float32 and surface["roughness"].shape == (1500,)
        assert np.abs(surface["points"]).max() <= 0.5 + 1e-5
        extent = surface["points"].max(axis=0) - surface["points"].min(axis=0)
        assert extent.max() == pytest.approx(1.0, abs=0.05)
        assert np.all((surface["albedo"] >= 0) & (surface["albedo"] <= 1))
        points = volume["points"].astype(np.float64)
        assert np.abs(points).max() <= 0.55
        # Independent check on the saved GLB: exact winding number and trimesh's distance.
        mesh = ds.mesh(record)
        mesh.merge_vertices(merge_tex=True, merge_norm=True)  # parts share their seams
        assert mesh.is_watertight
        mesh.vertices = record.to_normalised(mesh.vertices)
        winding = igl.winding_number(mesh.vertices, np.asarray(mesh.faces, np.int64), points)
        # Distance to a dense point sample bounds the true distance from above, closely.
        dense, _ = trimesh.sample.sample_surface(mesh, 40000, seed=0)
        upper, _ = cKDTree(dense).query(points)
        sdf = np.abs(volume["sdf"].astype(np.float64))
        assert np.all(sdf <= upper + 1e-5) and np.all(sdf >= upper - 0.02)
        clear = upper > 0.03
        assert clear.sum() > 500
        np.testing.assert_array_equal(volume["occupancy"][clear], winding[clear] > 0.5)
        np.testing.assert_array_equal(volume["sdf"] < 0, volume["occupancy"])
        assert volume["occupancy"].any() and volume["near_surface"].sum() == 750


def test_views_are_non_blank_and_cameras_agree_with_the_geometry(built):
    ds = Dataset(built)
    for record in ds.records():
        views = ds.views(record)
        assert len(views) == 2
        mesh = ds.mesh(record)
        vertices, faces = np.asarray(mesh.vertices), np.asarray(mesh.faces, np.int64)
        surface = record.to_metres(ds.surface(record)["points"])
        for view in views:
            mask, depth, K = view["mask"], view["depth"], view["K"]
            assert mask.shape == (64, 64) and 0.005 < mask.mean() < 0.9
            assert view["rgb"].shape[2] in (3, 4) and view["rgb"].std() > 5
            if view["rgb"].shape[2] == 4:
                np.testing.assert_array_equal(view["rgb"][..., 3] > 0, mask)
            assert np.all(depth[mask] > 0) and np.all(depth[~mask] == 0)
            assert (view["sketch"] < 128).mean() > 0.005
            assert view["light"] in ("studio", "sunset", "overcast", "night")
            world_to_cam = view["extrinsics_cv"]
            # Every surface point projects into the frame.
            cam = surface @ world_to_cam[:3, :3].T + world_to_cam[:3, 3]
            uv = (cam @ K.T)[:, :2] / cam[:, 2:]
            assert np.all((uv >= 0) & (uv < 64)) and np.all(cam[:, 2] > 0)
            # Every covered pixel, unprojected at its depth, lies on the mesh surface.
            rows, cols = np.nonzero(mask)
            pixels = np.stack([cols + 0.5, rows + 0.5, np.ones(len(rows))], axis=1)
            cam = (pixels @ np.linalg.inv(K).T) * depth[rows, cols, None]
            world = (cam - world_to_cam[:3, 3]) @ world_to_cam[:3, :3]
            squared, _, _ = igl.point_mesh_squared_distance(world, vertices, faces)
            assert np.quantile(np.sqrt(squared), 0.98) < 0.005 * record.scale
            # The normalised-frame extrinsics are the same camera, scaled.
            normalised = view["extrinsics_cv_normalised"]
            points = ds.surface(record)["points"].astype(np.float64)
            np.testing.assert_allclose(
                (points @ normalised[:3, :3].T + normalised[:3, 3]) * record.scale,
                surface @ world_to_cam[:3, :3].T + world_to_cam[:3, 3],
                atol=1e-5,
            )


def test_builds_are_byte_identical_across_workers_and_shards(built, tmp_path):
    parallel = tmp_path / "parallel"
    build_dataset(parallel, CONFIG, workers=2)
    reference = data_files(built)
    assert data_files(parallel) == reference
    sharded = tmp_path / "sharded"
    first = build_dataset(sharded, CONFIG, workers=1, shard=(1, 2))
    assert not first.merged and first.missing_shards == [0]
    assert not (sharded / "manifest.jsonl").exists()
    second = build_dataset(sharded, CONFIG, workers=1, shard=(0, 2))
    assert second.merged and (sharded / "manifest.jsonl").is_file()
    assert data_files(sharded) == reference
    (sharded / "manifest.jsonl").unlink()
    merge(sharded)
    assert (sharded / "manifest.jsonl").read_bytes() == (built / "manifest.jsonl").read_bytes()


def test_a_different_build_into_the_same_folder_is_refused(built):
    other = BuildConfig(per_category=3, categories=CONFIG.categories, artefacts=CONFIG.artefacts)
    with pytest.raises(InputError, match="different dataset"):
        build_dataset(built, other, workers=1)


def test_merge_reports_missing_shards(tmp_path):
    config = BuildConfig(per_category=1, categories=("sword",), artefacts=ArtefactConfig(
        surface_points=64, volume_points=64, views=0))  # fmt: skip
    build_dataset(tmp_path, config, workers=1, shard=(0, 3))
    with pytest.raises(InputError, match="1/3, 2/3"):
        merge(tmp_path)


def test_views_zero_renders_nothing(tmp_path):
    config = BuildConfig(per_category=1, categories=("mug",), artefacts=ArtefactConfig(
        surface_points=64, volume_points=64, views=0))  # fmt: skip
    build_dataset(tmp_path, config, workers=1)
    record = Dataset(tmp_path).records()[0]
    assert set(record.files) == {"mesh", "samples"} and Dataset(tmp_path).views(record) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--per-category", "0"],
        ["--per-category", "2", "--views", "-1"],
        ["--per-category", "2", "--shard", "2/2"],
        ["--per-category", "2", "--shard", "x"],
        ["--per-category", "2", "--categories", "chair,unicorn"],
        ["--per-category", "2", "--image-size", "100000"],
        [],
    ],
)
def test_bad_build_arguments_exit_2_with_one_line(args, tmp_path, capsys):
    assert main(["data", "build", str(tmp_path / "out"), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("meshsmith: error:") and err.count("\n") == 1


def test_cli_build_prints_a_summary(tmp_path, capsys):
    args = ["--per-category", "1", "--categories", "cup", "--views", "0", "--json"]
    code = main(["data", "build", str(tmp_path), *args, "--surface-points", "32",
                 "--volume-points", "32"])  # fmt: skip
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["shapes"] == 1 and summary["skipped"] == [] and summary["merged"]
