"""The evaluation classifier: training on a tiny dataset, exact save/load, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from meshsmith.data.dataset import Dataset
from meshsmith.errors import InputError
from meshsmith.eval.classifier import ClassifierConfig, EvalClassifier, mesh_input
from meshsmith.eval.classifier_train import (
    IGNORE,
    TrainConfig,
    augment,
    build_vocabulary,
    load_shapes,
    record_labels,
    train_classifier,
)
from tests.conftest import run_meshsmith

SMALL = ClassifierConfig(points=128, widths=(16, 32), feature=16)


@pytest.fixture(scope="module")
def dataset(tiny_dataset) -> Dataset:
    return Dataset(tiny_dataset)


@pytest.fixture(scope="module")
def trained(dataset) -> EvalClassifier:
    train = TrainConfig(steps=120, batch=8, lr=1e-2, warmup=5, keep_points=512)
    return train_classifier(dataset, SMALL, train)


def test_vocabulary_and_labels(dataset):
    records = dataset.records(split="train")
    vocabulary = build_vocabulary(records, ("colour", "material", "no-such-attribute"))
    assert vocabulary.heads["category"] == ["chair", "mug", "table"]
    assert "no-such-attribute" not in vocabulary.heads
    labels = record_labels(records[0], vocabulary)
    assert labels[0] == vocabulary.heads["category"].index(records[0].category)
    unseen = type(records[0])(**{**records[0].__dict__, "attributes": {"colour": "octarine"}})
    assert record_labels(unseen, vocabulary)[1:] == [IGNORE, IGNORE]


def test_loss_falls(trained):
    losses = trained.metrics["losses"]
    assert len(losses) == 120
    assert np.mean(losses[-10:]) < 0.85 * np.mean(losses[:10])
    accuracy = trained.metrics["test_accuracy"]
    assert set(accuracy) == set(trained.heads) and trained.metrics["test_split"] == "test"


def test_predicts_the_training_categories(trained, dataset):
    shapes = load_shapes(
        dataset, dataset.records(split="train"), trained.vocabulary, SMALL.points, seed=5
    )
    labels, features = trained.predict(list(shapes.inputs), np.exp(shapes.log_scale).tolist())
    assert features.shape == (len(shapes), SMALL.feature)
    names = trained.vocabulary.heads["category"]
    truth = [names[i] for i in shapes.labels[:, 0]]
    assert np.mean(np.array(labels["category"]) == np.array(truth)) >= 0.8


def test_augment_perturbs_only_what_it_should(dataset):
    records = dataset.records(split="train")
    vocabulary = build_vocabulary(records, ())
    x = load_shapes(dataset, records[:6], vocabulary, 256, seed=0).inputs
    rng = np.random.default_rng(0)
    quiet = augment(x, TrainConfig(jitter=0.0, material_noise=0.0, material_dropout=0.0), rng)
    np.testing.assert_array_equal(quiet, x)
    flat = augment(x, TrainConfig(jitter=0.0, material_noise=0.0, material_dropout=1.0), rng)
    np.testing.assert_array_equal(flat[:, :, :6], x[:, :, :6])  # positions and albedo kept
    np.testing.assert_allclose(
        flat[:, :, 6:],
        np.broadcast_to(x[:, :, 6:].mean(1, keepdims=True), x[:, :, 6:].shape),
        atol=1e-6,
    )
    noisy = augment(x, TrainConfig(jitter=0.01, material_noise=0.2, material_dropout=0.0), rng)
    np.testing.assert_array_equal(noisy[:, :, 3:6], x[:, :, 3:6])
    assert 0.005 < np.std(noisy[:, :, :3] - x[:, :, :3]) < 0.015
    assert noisy[:, :, 6:].min() >= 0.0 and noisy[:, :, 6:].max() <= 1.0
    assert np.abs(noisy[:, :, 6:] - x[:, :, 6:]).mean() > 0.05


def test_save_and_load_are_exact(trained, dataset, tmp_path):
    path = trained.save(tmp_path / "classifier.safetensors")
    loaded = EvalClassifier.load(path)
    assert loaded.config == trained.config
    assert loaded.vocabulary.heads == trained.vocabulary.heads
    assert loaded.metrics == trained.metrics
    for key, tensor in trained.model.state_dict().items():
        assert torch.equal(tensor, loaded.model.state_dict()[key]), key
    x, size = mesh_input(dataset.mesh(dataset.records(split="test")[0]), SMALL.points)
    a_labels, a_features = trained.predict([x], [size])
    b_labels, b_features = loaded.predict([x], [size])
    assert a_labels == b_labels
    np.testing.assert_array_equal(a_features, b_features)


def test_load_rejects_other_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        EvalClassifier.load(tmp_path / "missing.safetensors")
    other = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(other))
    with pytest.raises(InputError, match="not a meshsmith evaluation classifier"):
        EvalClassifier.load(other)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a tensor file")
    with pytest.raises(InputError):
        EvalClassifier.load(junk)


def test_train_classifier_command(tiny_dataset, tmp_path):
    out = tmp_path / "cls.safetensors"
    done = run_meshsmith(
        "eval", "train-classifier", "--data", tiny_dataset, "-o", out, "--steps", "3", "--json"
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["steps"] == 3 and payload["output"] == str(out)
    assert payload["heads"]["category"] == 3
    assert EvalClassifier.load(out).metrics["steps"] == 3
