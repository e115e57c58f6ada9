"""The evaluation cache: cached training arrays equal fresh ones, and a changed dataset
or unusable cache folder never gives stale or failed results."""

from __future__ import annotations

import json
import logging
import shutil

import numpy as np
import pytest

from meshsmith.data.dataset import Dataset
from meshsmith.eval.baselines import MedoidBaseline, TrainingIndex
from meshsmith.eval.cache import EvalCache, dataset_fingerprint
from meshsmith.eval.memorization import POINTS, TrainingShapes


@pytest.fixture(scope="module")
def dataset(tiny_dataset) -> Dataset:
    return Dataset(tiny_dataset)


def test_cached_training_arrays_equal_fresh_ones(dataset, tmp_path):
    fresh_shapes = TrainingShapes(dataset)
    fresh_index = TrainingIndex(dataset)
    fresh_medoids = MedoidBaseline(fresh_index).medoids
    cache = EvalCache(dataset, tmp_path)
    for _ in range(2):  # computed and written, then read back
        shapes = TrainingShapes(dataset, cache=cache)
        index = TrainingIndex(dataset, cache=cache)
        np.testing.assert_array_equal(shapes.clouds, fresh_shapes.clouds)
        np.testing.assert_array_equal(index.view_vectors, fresh_index.view_vectors)
        np.testing.assert_array_equal(index.view_owner, fresh_index.view_owner)
        assert MedoidBaseline(index).medoids == fresh_medoids
    names = sorted(p.name.split("-")[0] for p in cache.folder.glob("*.npz"))
    assert names == ["medoids", "training", "view"]
    assert shapes.clouds.shape == (len(shapes.records), POINTS, 3)


def test_entries_are_read_from_disk(dataset, tmp_path):
    cache = EvalCache(dataset, tmp_path)
    params = {"points": POINTS, "seed": 0}
    first = cache.arrays("probe", params, lambda: {"x": np.arange(3)})
    again = cache.arrays("probe", params, lambda: {"x": np.zeros(3)})
    np.testing.assert_array_equal(again["x"], first["x"])  # not recomputed
    other = cache.arrays("probe", {**params, "seed": 1}, lambda: {"x": np.zeros(3)})
    np.testing.assert_array_equal(other["x"], np.zeros(3))  # other settings, other entry


def test_a_changed_dataset_is_a_new_cache(tiny_dataset, tmp_path):
    copy = tmp_path / "dataset"
    shutil.copytree(tiny_dataset, copy)
    cache_dir = tmp_path / "cache"
    before = EvalCache(Dataset(copy), cache_dir)
    shapes = TrainingShapes(Dataset(copy), cache=before)
    # Move one training shape to the validation split: the manifest changes.
    manifest = copy / "manifest.jsonl"
    rows = [json.loads(line) for line in manifest.read_text().splitlines()]
    moved = next(row for row in rows if row["split"] == "train")
    moved["split"] = "val"
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    changed = Dataset(copy)
    after = EvalCache(changed, cache_dir)
    assert after.fingerprint == dataset_fingerprint(changed) != before.fingerprint
    assert after.folder != before.folder
    fewer = TrainingShapes(changed, cache=after)
    assert len(fewer.clouds) == len(shapes.clouds) - 1
    assert moved["id"] not in [r.id for r in fewer.records]


def test_unusable_cache_folder_still_computes(dataset, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should go")
    cache = EvalCache(dataset, blocker)
    with caplog.at_level(logging.WARNING, logger="meshsmith.eval.cache"):
        shapes = TrainingShapes(dataset, cache=cache)
    assert len(shapes.clouds) == len(dataset.records(split="train"))
    assert "evaluation cache not written" in caplog.text


def test_corrupt_cache_file_is_recomputed(dataset, tmp_path):
    cache = EvalCache(dataset, tmp_path)
    params = {"points": POINTS, "seed": 0}
    path = cache.path("training-clouds", params)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an npz file")
    shapes = TrainingShapes(dataset, cache=cache)
    np.testing.assert_array_equal(shapes.clouds, TrainingShapes(dataset).clouds)
    with np.load(path) as data:  # rewritten
        assert data["clouds"].shape == shapes.clouds.shape


def test_no_folder_keeps_nothing(dataset):
    cache = EvalCache(dataset, None)
    assert cache.folder is None and cache.path("x", {}) is None
    assert cache.arrays("x", {}, lambda: {"y": np.ones(2)})["y"].tolist() == [1.0, 1.0]
