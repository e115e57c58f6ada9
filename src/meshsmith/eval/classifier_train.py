"""Train the evaluation classifier on a dataset's ground truth (train split only).

Inputs are the dataset's surface samples (already in each shape's unit box) and
its scale; labels are the category and the `TrainConfig.attributes` found in the
manifest. Training perturbs positions and, above all, roughness and metallic
(`augment`): a generated shape's material comes from a learned field that only
approximates it, and without the perturbation the category head leans on exact
material values. One read-through loop: AdamW, linear warm-up then cosine decay, bf16
autocast on CPU, gradient clipping. Test accuracy is measured on the test split
(the val split when test is empty) and stored with the weights.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from meshsmith.errors import InputError
from meshsmith.eval.classifier import (
    ClassifierConfig,
    EvalClassifier,
    Vocabulary,
    point_features,
)

log = logging.getLogger(__name__)

#: Attributes the classifier learns when the manifest has them (a head needs 2+ values).
KEY_ATTRIBUTES = ("colour", "material", "size", "style", "legs")
IGNORE = -100


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings.

    Attributes
    ----------
    steps, batch : int
    lr, weight_decay : float
        AdamW.
    warmup : int
        Steps of linear warm-up before the cosine decay to 0.
    jitter : float
        Std of Gaussian noise added to positions (unit-box units) while training.
    material_noise : float
        Std of Gaussian noise added to roughness and metallic, once per shape and
        again per point (clipped to [0, 1]).
    material_dropout : float
        Share of shapes whose roughness and metallic are replaced by their mean.
        With `material_noise` it keeps the category from resting on exact material
        values, which a generator's field only approximates.
    keep_points : int
        Samples per shape held in memory; each step draws `ClassifierConfig.points`.
    attributes : tuple of str
    seed : int
    """

    steps: int = 4000
    batch: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup: int = 50
    jitter: float = 0.005
    material_noise: float = 0.2
    material_dropout: float = 0.5
    keep_points: int = 4096
    attributes: tuple[str, ...] = KEY_ATTRIBUTES
    seed: int = 0


@dataclass
class ShapeSet:
    """Shapes of one split as arrays.

    Attributes
    ----------
    inputs : (S, K, 8) float32
    log_scale : (S,) float32
    labels : (S, H) int64
        Index per head in vocabulary order, `IGNORE` where unknown.
    """

    inputs: np.ndarray
    log_scale: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.inputs)


def build_vocabulary(records: list, attributes: tuple[str, ...]) -> Vocabulary:
    """Category names, then every attribute with at least two values among `records`."""
    heads = {"category": sorted({r.category for r in records})}
    for name in attributes:
        values = sorted({str(r.attributes[name]) for r in records if name in r.attributes})
        if len(values) >= 2:
            heads[name] = values
    return Vocabulary(heads)


def record_labels(record, vocabulary: Vocabulary) -> list[int]:
    """One label index per head for a record (`IGNORE` when missing or unseen)."""
    labels = []
    for head in vocabulary.heads:
        value = record.category if head == "category" else record.attributes.get(head)
        index = -1 if value is None else vocabulary.index(head, value)
        labels.append(index if index >= 0 else IGNORE)
    return labels


def load_shapes(dataset, records: list, vocabulary: Vocabulary, keep: int, seed: int) -> ShapeSet:
    """Surface samples (a fixed random `keep` of each), scales and labels of `records`."""
    rng = np.random.default_rng(seed)
    inputs, scales, labels = [], [], []
    for record in records:
        samples = dataset.surface(record)
        count = len(samples["points"])
        chosen = rng.choice(count, keep, replace=count < keep)
        inputs.append(point_features({k: v[chosen] for k, v in samples.items()}))
        scales.append(math.log(record.scale))
        labels.append(record_labels(record, vocabulary))
    width = len(vocabulary.heads)
    return ShapeSet(
        np.stack(inputs) if inputs else np.zeros((0, keep, 8), np.float32),
        np.asarray(scales, dtype=np.float32),
        np.asarray(labels, dtype=np.int64).reshape(-1, width),
    )


def _learning_rate(step: int, config: TrainConfig) -> float:
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))


def _batch(shapes: ShapeSet, points: int, config: TrainConfig, rng: np.random.Generator):
    index = rng.choice(len(shapes), config.batch, replace=len(shapes) < config.batch)
    keep = shapes.inputs.shape[1]
    chosen = np.stack([rng.choice(keep, points, replace=False) for _ in index])
    x = np.take_along_axis(shapes.inputs[index], chosen[:, :, None], axis=1)
    x = augment(x, config, rng)
    return (
        torch.from_numpy(x),
        torch.from_numpy(shapes.log_scale[index]),
        torch.from_numpy(shapes.labels[index]),
    )


def augment(x: np.ndarray, config: TrainConfig, rng: np.random.Generator) -> np.ndarray:
    """Training perturbations of a batch of `point_features` (B, N, 8): position jitter,
    material noise and dropout (see `TrainConfig`); returns a new array."""
    x = x.copy()
    b, n, _ = x.shape
    position, material = x[:, :, :3], x[:, :, 6:8]
    position += rng.normal(0.0, config.jitter, size=position.shape).astype(np.float32)
    if config.material_noise > 0:
        sigma = config.material_noise
        material += rng.normal(0.0, sigma, size=(b, 1, 2)).astype(np.float32)
        material += rng.normal(0.0, sigma, size=(b, n, 2)).astype(np.float32)
        np.clip(material, 0.0, 1.0, out=material)
    if config.material_dropout > 0:
        flat = rng.random(b) < config.material_dropout
        material[flat] = material[flat].mean(axis=1, keepdims=True)
    return x


def _loss(logits: dict[str, torch.Tensor], labels: torch.Tensor) -> torch.Tensor:
    terms = [
        F.cross_entropy(head_logits.float(), labels[:, i], ignore_index=IGNORE)
        for i, head_logits in enumerate(logits.values())
        if (labels[:, i] != IGNORE).any()
    ]
    return torch.stack(terms).sum()


def accuracy(classifier: EvalClassifier, shapes: ShapeSet) -> dict[str, float | None]:
    """Share of correct labels per head (None for a head without known labels)."""
    points = classifier.config.points
    inputs = [x[:points] for x in shapes.inputs]
    predicted, _ = classifier.predict(inputs, np.exp(shapes.log_scale).tolist())
    out: dict[str, float | None] = {}
    for i, head in enumerate(classifier.heads):
        known = shapes.labels[:, i] != IGNORE
        names = classifier.vocabulary.heads[head]
        hits = [
            names[label] == guess
            for label, guess, ok in zip(shapes.labels[:, i], predicted[head], known, strict=True)
            if ok
        ]
        out[head] = float(np.mean(hits)) if hits else None
    return out


def train_classifier(
    dataset,
    config: ClassifierConfig | None = None,
    train: TrainConfig | None = None,
    on_step: Callable[[int, float], None] | None = None,
) -> EvalClassifier:
    """Train on `dataset`'s train split and measure accuracy on its test split.

    Parameters
    ----------
    dataset : meshsmith.data.dataset.Dataset
    config : ClassifierConfig, optional
    train : TrainConfig, optional
    on_step : callable(step, loss), optional
        Called after every step (progress display, loss curves).

    Returns
    -------
    EvalClassifier
        ``metrics`` holds ``steps``, ``losses`` (every step's loss),
        ``test_accuracy`` per head, ``test_split`` and ``train_shapes``.

    Raises
    ------
    InputError
        A dataset without training shapes.
    """
    config = config or ClassifierConfig()
    train = train or TrainConfig()
    records = dataset.records(split="train")
    if not records:
        raise InputError(f"{dataset.root} has no training shapes to train the classifier on")
    keep = max(train.keep_points, config.points)
    vocabulary = build_vocabulary(records, train.attributes)
    shapes = load_shapes(dataset, records, vocabulary, keep, train.seed)
    torch.manual_seed(train.seed)
    rng = np.random.default_rng(train.seed)
    classifier = EvalClassifier(config, vocabulary)
    model = classifier.model
    optimiser = torch.optim.AdamW(model.parameters(), lr=train.lr, weight_decay=train.weight_decay)
    losses = []
    model.train()
    for step in range(train.steps):
        for group in optimiser.param_groups:
            group["lr"] = _learning_rate(step, train)
        points, log_scale, labels = _batch(shapes, config.points, train, rng)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits, _ = model(points, log_scale)
        loss = _loss(logits, labels)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        losses.append(loss.item())
        if on_step is not None:
            on_step(step, losses[-1])
    split = "test" if dataset.records(split="test") else "val"
    held_out = load_shapes(
        dataset, dataset.records(split=split), vocabulary, config.points, train.seed + 1
    )
    classifier.metrics = {
        "steps": train.steps,
        "losses": [round(v, 5) for v in losses],
        "train_shapes": len(records),
        "test_split": split,
        "test_shapes": len(held_out),
        "test_accuracy": accuracy(classifier, held_out) if len(held_out) else {},
    }
    log.info("classifier test accuracy (%s): %s", split, classifier.metrics["test_accuracy"])
    return classifier
