"""Everything measured on one shape by itself: cloud, classifier input, QA, stability,
memorisation. Ground truth and generated shapes go through the same function, so
their numbers compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from meshsmith.eval.classifier import point_features
from meshsmith.eval.frame import apply_transform, unit_box_transform
from meshsmith.eval.memorization import TrainingShapes
from meshsmith.eval.quality import mesh_quality
from meshsmith.eval.sampling import sample_surface
from meshsmith.eval.stability import Stability, stability


@dataclass
class ShapeMeasure:
    """Per-shape results.

    Attributes
    ----------
    cloud : (n, 3) float32
        Surface samples in the shape's own unit box (PointFlow normalisation).
    classifier_input : (p, 8) float32
        See `meshsmith.eval.classifier.point_features`.
    size : float
        Longest side in metres.
    quality : dict
        `meshsmith.eval.quality.mesh_quality`.
    stability : Stability
    memorization : float or None
        Distance to the nearest training shape (`meshsmith.eval.memorization`);
        None without training shapes.
    nearest_train : str or None
    """

    cloud: np.ndarray
    classifier_input: np.ndarray
    size: float
    quality: dict
    stability: Stability
    memorization: float | None
    nearest_train: str | None

    def row(self) -> dict:
        """JSON-ready per-shape fields."""
        return {
            **self.quality,
            "stable": self.stability.stable,
            "stability_margin": self.stability.margin,
            "memorization": self.memorization,
            "nearest_train": self.nearest_train,
        }


def measure_shape(
    mesh: trimesh.Trimesh,
    training: TrainingShapes | None,
    cloud_points: int,
    classifier_points: int,
    seed: int = 0,
) -> ShapeMeasure:
    """Measure `mesh` (metres) alone; `training` None skips memorisation."""
    count = max(cloud_points, classifier_points)
    samples = sample_surface(mesh, count, seed, appearance=True)
    samples["points"] = apply_transform(samples["points"], unit_box_transform(mesh.bounds))
    cloud = samples["points"][:cloud_points].astype(np.float32)
    distance, nearest = training.nearest(mesh, cloud) if training is not None else (None, None)
    return ShapeMeasure(
        cloud=cloud,
        classifier_input=point_features(samples)[:classifier_points],
        size=float(np.asarray(mesh.extents).max()),
        quality=mesh_quality(mesh),
        stability=stability(mesh),
        memorization=distance,
        nearest_train=nearest,
    )
