"""The `Dataset` reader (filters, errors on bad folders) and `data preview` sheets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from meshsmith.cli import main
from meshsmith.data.artefacts import ArtefactConfig
from meshsmith.data.build import BuildConfig, build_dataset
from meshsmith.data.dataset import Dataset, ShapeRecord
from meshsmith.data.preview import LABEL_WIDTH
from meshsmith.errors import InputError

CONFIG = BuildConfig(
    per_category=3,
    categories=("crate", "bowl"),
    seed=1,
    artefacts=ArtefactConfig(surface_points=256, volume_points=256, views=1, image_size=48),
)


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reader")
    build_dataset(out, CONFIG, workers=1)
    return out


def test_records_filter_by_split_and_category(dataset_dir):
    ds = Dataset(dataset_dir)
    assert len(ds) == 6 and ds.categories == ["bowl", "crate"]
    crates = ds.records(category="crate")
    assert [r.id for r in crates] == ["crate-00000", "crate-00001", "crate-00002"]
    by_split = [r for split in ("train", "val", "test") for r in ds.records(split=split)]
    assert sorted(r.id for r in by_split) == [r.id for r in ds.records()]
    for record in ds.records(split="train", category="bowl"):
        assert record.split == "train" and record.category == "bowl"
    assert isinstance(crates[0], ShapeRecord) and crates[0].extra["family"] == "props"
    assert ds.record("bowl-00001").category == "bowl"
    with pytest.raises(InputError):
        ds.records(split="training")


def test_mesh_is_in_metres_and_matches_scale_and_offset(dataset_dir):
    ds = Dataset(dataset_dir)
    for record in ds.records():
        mesh = ds.mesh(record)
        assert float(mesh.extents.max()) == pytest.approx(record.scale, rel=1e-6)
        np.testing.assert_allclose(mesh.bounds.mean(axis=0), record.offset, atol=1e-6)
        normalised = record.to_normalised(mesh.vertices)
        np.testing.assert_allclose(normalised.max(axis=0), -normalised.min(axis=0), atol=1e-9)
        assert normalised.max(axis=0).max() == pytest.approx(0.5)
        np.testing.assert_allclose(record.to_metres(normalised), mesh.vertices, atol=1e-12)
        assert mesh.bounds[0][1] == pytest.approx(0.0, abs=1e-6)  # stands on the ground


def test_reader_rejects_missing_or_corrupt_folders(tmp_path, dataset_dir):
    with pytest.raises(InputError, match="not found"):
        Dataset(tmp_path / "nothing")
    with pytest.raises(InputError, match="manifest"):
        Dataset(tmp_path)
    (tmp_path / "manifest.jsonl").write_text('{"id": "x"\n')
    with pytest.raises(InputError, match="line 1"):
        Dataset(tmp_path)
    row = json.loads((dataset_dir / "manifest.jsonl").read_text().splitlines()[0])
    del row["scale"]
    (tmp_path / "manifest.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(InputError, match="scale"):
        Dataset(tmp_path)


def test_missing_sample_file_is_an_input_error(dataset_dir, tmp_path):
    ds = Dataset(dataset_dir)
    record = ds.records()[0]
    broken = ShapeRecord(**{**record.__dict__, "files": {"samples": "nope.npz"}})
    with pytest.raises(InputError, match="missing"):
        ds.surface(broken)


def test_preview_sheet_has_a_labelled_row_per_category(dataset_dir, tmp_path, capsys):
    out = tmp_path / "sheet.png"
    assert main(["data", "preview", str(dataset_dir), "-o", str(out), "--per-category", "2",
                 "--cell", "64"]) == 0  # fmt: skip
    assert "wrote" in capsys.readouterr().out
    with Image.open(out) as image:
        sheet = np.asarray(image.convert("RGB"))
    assert sheet.shape == (2 * (64 + 14), LABEL_WIDTH + 2 * 64, 3)
    for row in range(2):
        tile = sheet[row * 78 : row * 78 + 64, LABEL_WIDTH : LABEL_WIDTH + 64]
        assert (tile < 200).any(axis=2).mean() > 0.02  # something drawn, not a blank tile
    label = sheet[:78, :LABEL_WIDTH]
    assert (label < 100).any()  # the category name


def test_preview_renders_glbs_when_there_are_no_views(tmp_path):
    config = BuildConfig(per_category=1, categories=("barrel",), artefacts=ArtefactConfig(
        surface_points=64, volume_points=64, views=0))  # fmt: skip
    build_dataset(tmp_path / "ds", config)
    assert main(["data", "preview", str(tmp_path / "ds"), "-o", str(tmp_path / "s.png")]) == 0
    with Image.open(tmp_path / "s.png") as image:
        tile = np.asarray(image.convert("RGB"))[:128, LABEL_WIDTH : LABEL_WIDTH + 128]
    assert (tile < 200).any(axis=2).mean() > 0.05
