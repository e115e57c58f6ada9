"""The evaluation classifier: a small PointNet that names a shape's category and attributes.

It is trained on the dataset's ground truth only (`meshsmith.eval.classifier_train`)
and is independent of every generator, so it can judge them: its predictions give
the category and attribute accuracy of generated shapes, its penultimate features
the Fréchet point-cloud distance (`meshsmith.eval.fpd`).

Input per shape: `ClassifierConfig.points` surface samples in the shape's unit box
(bounding-box centre at the origin, longest side 1), each with its position, linear
albedo, roughness and metallic (8 channels), plus ``log(longest side in metres)``,
so that size words ("small", "large") are learnable although the points are not
scaled. Weights live in safetensors files with the config and label vocabularies in
the header metadata: no pickle.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import trimesh
from torch import Tensor, nn

from meshsmith.errors import InputError
from meshsmith.eval.frame import apply_transform, unit_box_transform
from meshsmith.eval.sampling import sample_surface

CHANNELS = 8
FORMAT = "meshsmith-eval-classifier/1"


@dataclass(frozen=True)
class ClassifierConfig:
    """Architecture and input size.

    Attributes
    ----------
    points : int
        Surface samples per shape.
    widths : tuple of int
        Widths of the shared per-point MLP; the last is max-pooled.
    feature : int
        Width of the global feature used for FPD.
    """

    points: int = 512
    widths: tuple[int, ...] = (64, 128, 256)
    feature: int = 128


@dataclass
class Vocabulary:
    """Label names of every head: ``category`` first, then one head per attribute."""

    heads: dict[str, list[str]] = field(default_factory=dict)

    def index(self, head: str, value: object) -> int:
        """Index of `value` in `head`, or -1 when the label was never seen in training."""
        names = self.heads[head]
        text = str(value)
        return names.index(text) if text in names else -1


class PointNet(nn.Module):
    """Shared per-point MLP, max pool, scale feature, one linear head per label."""

    def __init__(self, config: ClassifierConfig, head_sizes: dict[str, int]):
        super().__init__()
        layers: list[nn.Module] = []
        width = CHANNELS
        for out in config.widths:
            layers += [nn.Linear(width, out), nn.GELU()]
            width = out
        self.point_mlp = nn.Sequential(*layers)
        self.global_mlp = nn.Sequential(nn.Linear(width + 1, config.feature), nn.GELU())
        self.heads = nn.ModuleDict({k: nn.Linear(config.feature, n) for k, n in head_sizes.items()})

    def features(self, points: Tensor, log_scale: Tensor) -> Tensor:
        """(B, feature) global features of points (B, N, 8) and log sizes (B,)."""
        pooled = self.point_mlp(points).amax(dim=1)
        return self.global_mlp(torch.cat([pooled, log_scale[:, None].to(pooled.dtype)], dim=1))

    def forward(self, points: Tensor, log_scale: Tensor) -> tuple[dict[str, Tensor], Tensor]:
        """Logits per head and the global features."""
        feats = self.features(points, log_scale)
        return {name: head(feats) for name, head in self.heads.items()}, feats


def point_features(samples: dict[str, np.ndarray]) -> np.ndarray:
    """(n, 8) float32 network input from surface samples already in the unit box."""
    return np.concatenate(
        [
            samples["points"],
            samples["albedo"],
            samples["roughness"][:, None],
            samples["metallic"][:, None],
        ],
        axis=1,
    ).astype(np.float32)


def mesh_input(mesh: trimesh.Trimesh, points: int, seed: int = 0) -> tuple[np.ndarray, float]:
    """Classifier input of a mesh in metres: ((points, 8) float32, longest side in metres)."""
    samples = sample_surface(mesh, points, seed, appearance=True)
    samples["points"] = apply_transform(samples["points"], unit_box_transform(mesh.bounds))
    return point_features(samples), float(np.asarray(mesh.extents).max())


class EvalClassifier:
    """A trained `PointNet` with its config and label vocabularies.

    Attributes
    ----------
    config : ClassifierConfig
    vocabulary : Vocabulary
    model : PointNet
    metrics : dict
        Whatever training recorded (test accuracy per head, steps, loss).
    """

    def __init__(
        self,
        config: ClassifierConfig,
        vocabulary: Vocabulary,
        model: PointNet | None = None,
        metrics: dict | None = None,
    ):
        self.config = config
        self.vocabulary = vocabulary
        sizes = {head: len(names) for head, names in vocabulary.heads.items()}
        self.model = model if model is not None else PointNet(config, sizes)
        self.metrics = metrics or {}

    @property
    def heads(self) -> list[str]:
        return list(self.vocabulary.heads)

    @torch.no_grad()
    def predict(
        self, inputs: Sequence[np.ndarray], sizes: Sequence[float], batch: int = 64
    ) -> tuple[dict[str, list[str]], np.ndarray]:
        """Labels and features of many shapes.

        Parameters
        ----------
        inputs : sequence of (n, 8) float32
            `point_features` of each shape (any n; all equal within a call is fastest).
        sizes : sequence of float
            Longest side of each shape in metres.

        Returns
        -------
        labels : dict of head to list of str
        features : (len(inputs), feature) float32
        """
        self.model.eval()
        labels: dict[str, list[str]] = {head: [] for head in self.heads}
        feats = []
        for start in range(0, len(inputs), batch):
            points = torch.from_numpy(np.stack(inputs[start : start + batch]))
            log_scale = torch.log(torch.tensor(sizes[start : start + batch], dtype=torch.float32))
            logits, feature = self.model(points, log_scale)
            feats.append(feature.float().numpy())
            for head, values in logits.items():
                names = self.vocabulary.heads[head]
                labels[head] += [names[i] for i in values.argmax(dim=1).tolist()]
        width = self.config.feature
        return labels, np.concatenate(feats) if feats else np.zeros((0, width), np.float32)

    def save(self, path: str | os.PathLike) -> Path:
        """Write weights and metadata to a safetensors file."""
        from safetensors.torch import save_file

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        metadata = {
            "format": FORMAT,
            "config": json.dumps(asdict(self.config)),
            "vocabulary": json.dumps(self.vocabulary.heads),
            "metrics": json.dumps(self.metrics),
        }
        state = {k: v.detach().contiguous() for k, v in self.model.state_dict().items()}
        save_file(state, str(path), metadata=metadata)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> EvalClassifier:
        """Read a file written by `save`.

        Raises
        ------
        InputError
            Missing file, or not an evaluation classifier.
        """
        from safetensors import SafetensorError, safe_open

        path = Path(path)
        if not path.is_file():
            raise InputError(f"classifier file not found: {path}")
        try:
            with safe_open(str(path), framework="pt") as handle:
                metadata = handle.metadata() or {}
                state = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
        except (SafetensorError, OSError) as error:
            raise InputError(f"{path.name} is not a safetensors file: {error}") from error
        if metadata.get("format") != FORMAT:
            raise InputError(f"{path.name} is not a meshsmith evaluation classifier")
        raw = json.loads(metadata["config"])
        config = ClassifierConfig(**{**raw, "widths": tuple(raw["widths"])})
        vocabulary = Vocabulary(json.loads(metadata["vocabulary"]))
        classifier = cls(config, vocabulary, metrics=json.loads(metadata["metrics"]))
        classifier.model.load_state_dict(state)
        return classifier
