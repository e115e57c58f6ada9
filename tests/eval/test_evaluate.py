"""evaluate_generators with hand-written generators: failures, missing routes, rows,
the sketch route and the own-box metrics."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from meshsmith.data.dataset import Dataset
from meshsmith.errors import GeometryError
from meshsmith.eval.classifier import ClassifierConfig
from meshsmith.eval.classifier_train import TrainConfig, train_classifier
from meshsmith.eval.evaluate import EvalConfig, evaluate_generators, select_test_records


class BoxGenerator:
    """A box of a chair's size for every prompt; fails on armchairs; no image route."""

    name = "box"

    def text(self, prompt: str, seed: int = 0) -> trimesh.Trimesh:
        if "armchair" in prompt:
            raise GeometryError("no armchairs today")
        box = trimesh.creation.box((0.5, 0.9, 0.5))
        box.apply_translation((0.0, 0.45, 0.0))
        return box

    def image(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        raise NotImplementedError

    # No sketch method at all: a generator written before the sketch route.


class ScaledTruthGenerator:
    """For a test shape's sketch, that very shape twice as big and moved; no text route."""

    name = "scaled-truth"

    def __init__(self, dataset: Dataset):
        self.meshes = {
            dataset.views(r)[0]["sketch"].tobytes(): dataset.mesh(r)
            for r in dataset.records(split="test")
        }

    def text(self, prompt: str, seed: int = 0) -> trimesh.Trimesh:
        raise NotImplementedError

    def image(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        raise NotImplementedError

    def sketch(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        mesh = self.meshes[np.asarray(rgb).tobytes()].copy()
        mesh.apply_transform(trimesh.transformations.scale_and_translate(2.0, (0.3, 0.0, -0.2)))
        return mesh


@pytest.fixture(scope="module")
def evaluation(tiny_dataset):
    dataset = Dataset(tiny_dataset)
    small = ClassifierConfig(points=64, widths=(8,), feature=8)
    classifier = train_classifier(dataset, small, TrainConfig(steps=2, batch=4, keep_points=64))
    routes = ("text", "image", "sketch")
    config = EvalConfig(recon_points=2000, emd_points=32, routes=routes, sheet_shapes=1)
    generators = [BoxGenerator(), ScaledTruthGenerator(dataset)]
    return evaluate_generators(dataset, generators, classifier, config)


def test_failures_are_counted_and_missing_routes_skipped(evaluation):
    prompts = {r["id"]: r["prompt"] for r in evaluation.rows["box text"]}
    assert set(evaluation.metrics["methods"]["box"]) == {"text"}  # no image or sketch route
    assert set(evaluation.metrics["methods"]["scaled-truth"]) == {"sketch"}
    failed = [r for r in evaluation.rows["box text"] if "error" in r]
    summary = evaluation.metrics["methods"]["box"]["text"]
    assert summary["failures"] == len(failed)
    assert all("armchair" in prompts[r["id"]] for r in failed)
    assert summary["shapes"] == len(prompts) == evaluation.metrics["test_shapes"]


def test_rows_measure_the_box(evaluation):
    ok = [r for r in evaluation.rows["box text"] if "error" not in r]
    assert ok, "the tiny dataset's test chairs should not all be armchairs"
    for row in ok:
        assert row["watertight"] and row["manifold"] and row["faces"] == 12
        assert row["stable"] and row["stability_margin"] == pytest.approx(0.25 / 0.9)
        assert row["memorization"] > 0.005  # a box is no copy of a training chair
        assert 0.0 < row["chamfer_l1"] < 0.5 and 0.0 <= row["iou"] <= 1.0
        assert 0.0 < row["chamfer_l1_ownbox"] < 0.5 and 0.0 <= row["iou_ownbox"] <= 1.0
    summary = evaluation.metrics["methods"]["box"]["text"]
    assert summary["quality"]["watertight"] == 1.0 and summary["stable_share"] == 1.0
    assert summary["memorization"]["memorised_share"] == 0.0


def test_sketch_route_scores_the_right_shape_in_its_own_box(evaluation):
    rows = evaluation.rows["scaled-truth sketch"]
    assert [r["id"] for r in rows] == ["chair-00000", "chair-00003"]
    for row in rows:
        assert row["chamfer_l1_ownbox"] < 1e-12 and row["fscore@0.01_ownbox"] == 1.0
        assert row["iou_ownbox"] > 0.999
        assert row["chamfer_l1"] > 0.2 and row["iou"] < 0.5  # twice too big, moved
    recon = evaluation.metrics["methods"]["scaled-truth"]["sketch"]["reconstruction"]
    assert recon["chamfer_l1_ownbox"] < 1e-12 and recon["chamfer_l1"] > 0.2
    assert "scaled-truth sketch" in evaluation.sheet


def test_selection_visits_every_category(tiny_dataset):
    dataset = Dataset(tiny_dataset)
    assert [r.id for r in select_test_records(dataset, None)] == ["chair-00000", "chair-00003"]
    assert len(select_test_records(dataset, 1)) == 1
