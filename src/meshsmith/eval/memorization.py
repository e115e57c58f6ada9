"""Memorisation: how close each generated shape lies to its nearest training shape.

Both shapes are compared in their own unit boxes (bounding-box centre at the
origin, longest side 1), by the point-to-surface Chamfer-L1

    d(G, T) = ½ (mean_{g in G} dist(g, surface T) + mean_{t in T} dist(t, surface G)),

with `POINTS` samples of each shape and exact distances to the other's triangles
(libigl), so a copy of a training shape scores ~0 whatever the sampling, where a
cloud-to-cloud Chamfer distance would leave a sampling floor of ~0.01-0.02 at 2048
points. Every training shape is a candidate, whatever its category; the
`CANDIDATES` nearest by a cheap `PREFILTER_POINTS`-point PointFlow Chamfer distance
are measured exactly. A shape with ``d < THRESHOLD`` (0.5 % of the side) counts as
memorised. Procedural categories with few shape parameters (swords, bottles) have
test shapes that close to a training shape too: compare with the ground-truth row.
"""

from __future__ import annotations

import igl
import numpy as np
import trimesh

from meshsmith.eval.frame import apply_transform, unit_box_transform
from meshsmith.eval.generation import chamfer_to_many, subsample

POINTS = 2048
CANDIDATES = 8
PREFILTER_POINTS = 128
THRESHOLD = 0.005


def surface_distance(points: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(n,) Euclidean distance of `points` (n, 3) to the triangle mesh (vertices, faces)."""
    squared, _, _ = igl.point_mesh_squared_distance(
        np.ascontiguousarray(points, dtype=np.float64),
        np.ascontiguousarray(vertices, dtype=np.float64),
        np.ascontiguousarray(faces, dtype=np.int64),
    )
    return np.sqrt(np.maximum(squared, 0.0))


def surface_chamfer(
    points_a: np.ndarray, mesh_a: tuple, points_b: np.ndarray, mesh_b: tuple
) -> float:
    """Point-to-surface Chamfer-L1 (module docstring); meshes as (vertices, faces)."""
    return 0.5 * float(
        surface_distance(points_a, *mesh_b).mean() + surface_distance(points_b, *mesh_a).mean()
    )


class TrainingShapes:
    """Training shapes: surface samples, prefilter trees and (lazily) unit-box meshes.

    Parameters
    ----------
    dataset : meshsmith.data.dataset.Dataset
    seed : int
        Fixes which dataset samples are used.
    """

    def __init__(self, dataset, seed: int = 0):
        self.dataset = dataset
        self.records = dataset.records(split="train")
        self.clouds = [subsample(dataset.surface(r)["points"], POINTS, seed) for r in self.records]
        self._prefilter = np.array(
            [subsample(cloud, PREFILTER_POINTS, seed) for cloud in self.clouds]
        ).reshape(len(self.clouds), -1, 3)
        self._meshes: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def mesh(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """(vertices, faces) of training shape `index` in its unit box."""
        record = self.records[index]
        if record.id not in self._meshes:
            mesh = self.dataset.mesh(record)
            vertices = apply_transform(mesh.vertices, unit_box_transform(mesh.bounds))
            self._meshes[record.id] = (vertices, np.asarray(mesh.faces, dtype=np.int64))
        return self._meshes[record.id]

    def nearest(self, mesh: trimesh.Trimesh, points: np.ndarray) -> tuple[float | None, str | None]:
        """Distance to and id of the nearest training shape.

        Parameters
        ----------
        mesh : trimesh.Trimesh
            The shape in any frame.
        points : (n, 3) float
            Its surface samples in its unit box.

        Returns
        -------
        distance, shape_id : float and str, or None and None without training shapes.
        """
        if not self.records:
            return None, None
        rough = chamfer_to_many(subsample(points, PREFILTER_POINTS), self._prefilter)
        shape = (apply_transform(mesh.vertices, unit_box_transform(mesh.bounds)), mesh.faces)
        best = min(
            (surface_chamfer(points, shape, self.clouds[i], self.mesh(i)), i)
            for i in np.argsort(rough)[:CANDIDATES]
        )
        return best[0], self.records[best[1]].id
