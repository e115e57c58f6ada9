"""Baselines that give model numbers a meaning: retrieval and the category medoid.

Both only ever return training shapes, so they measure what copying the training
set achieves:

- `RetrievalBaseline`: the training shape whose caption is most similar to the
  prompt (`TextEmbedder`), or whose render is most similar to the image
  (`ImageEmbedder`, over every training view).
- `MedoidBaseline`: the medoid of the prompt's category, the training shape with
  the least summed PointFlow Chamfer distance to the others of its category
  (`MEDOID_CANDIDATES` shapes at most, `MEDOID_POINTS` points each); the category
  is that of the retrieved shape, so both baselines read prompts the same way.

Each also tells which training shape it returns (``text_source``, ``image_source``),
so an evaluation can reuse the metrics of a shape it has already measured.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import trimesh

from meshsmith.errors import InputError
from meshsmith.eval.embedders import ImageEmbedder, SilhouetteEmbedder, TextEmbedder, TfidfEmbedder
from meshsmith.eval.generation import chamfer_matrix, subsample

MEDOID_CANDIDATES = 64
MEDOID_POINTS = 512


class TrainingIndex:
    """The training split with caption and view embeddings and a mesh cache.

    Parameters
    ----------
    dataset : meshsmith.data.dataset.Dataset
    text_embedder : TextEmbedder, optional
        Default: TF-IDF fitted on the training captions.
    image_embedder : ImageEmbedder, optional
        Default: `SilhouetteEmbedder`.
    """

    def __init__(
        self,
        dataset,
        text_embedder: TextEmbedder | None = None,
        image_embedder: ImageEmbedder | None = None,
    ):
        self.dataset = dataset
        self.records = dataset.records(split="train")
        if not self.records:
            raise InputError(f"{dataset.root} has no training shapes to build baselines from")
        owners, captions = [], []
        for i, record in enumerate(self.records):
            for caption in record.captions:
                owners.append(i)
                captions.append(caption)
        self.text_embedder = text_embedder or TfidfEmbedder.fit(captions)
        self.caption_owner = np.asarray(owners, dtype=np.int64)
        self.caption_vectors = self.text_embedder.embed(captions)
        self.image_embedder = image_embedder or SilhouetteEmbedder()
        view_owners, images = [], []
        for i, record in enumerate(self.records):
            for view in dataset.views(record):
                view_owners.append(i)
                images.append(view["rgb"])
        self.view_owner = np.asarray(view_owners, dtype=np.int64)
        self.view_vectors = self.image_embedder.embed(images) if images else None
        self._meshes: dict[str, trimesh.Trimesh] = {}

    def nearest_by_text(self, prompt: str) -> int:
        """Index into `records` of the shape with the caption closest to `prompt`."""
        scores = self.caption_vectors @ self.text_embedder.embed([prompt])[0]
        return int(self.caption_owner[int(np.argmax(scores))])

    def nearest_by_image(self, rgb: np.ndarray) -> int:
        """Index into `records` of the shape with the view closest to `rgb`."""
        if self.view_vectors is None:
            raise NotImplementedError("the dataset has no rendered views to retrieve by image")
        scores = self.view_vectors @ self.image_embedder.embed([rgb])[0]
        return int(self.view_owner[int(np.argmax(scores))])

    def mesh(self, shape_id: str) -> trimesh.Trimesh:
        """A copy of a training shape's mesh in metres (loaded once)."""
        if shape_id not in self._meshes:
            self._meshes[shape_id] = self.dataset.mesh(self.dataset.record(shape_id))
        return self._meshes[shape_id].copy()


class RetrievalBaseline:
    """Nearest training shape by text or image embedding (a `Generator`)."""

    name = "retrieval"

    def __init__(self, index: TrainingIndex):
        self.index = index

    def text_source(self, prompt: str) -> str:
        return self.index.records[self.index.nearest_by_text(prompt)].id

    def image_source(self, rgb: np.ndarray) -> str:
        return self.index.records[self.index.nearest_by_image(rgb)].id

    def text(self, prompt: str, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.text_source(prompt))

    def image(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.image_source(rgb))


def medoid(clouds: Sequence[np.ndarray]) -> int:
    """Index of the cloud with the least summed PointFlow Chamfer distance to the others."""
    return int(np.argmin(chamfer_matrix(list(clouds)).sum(axis=1)))


class MedoidBaseline:
    """The medoid training shape of the prompt's category (a `Generator`)."""

    name = "medoid"

    def __init__(self, index: TrainingIndex, seed: int = 0):
        self.index = index
        self.medoids: dict[str, str] = {}
        rng = np.random.default_rng(seed)
        by_category: dict[str, list] = {}
        for record in index.records:
            by_category.setdefault(record.category, []).append(record)
        for category, records in sorted(by_category.items()):
            if len(records) > MEDOID_CANDIDATES:
                chosen = rng.choice(len(records), MEDOID_CANDIDATES, replace=False)
                records = [records[i] for i in sorted(chosen)]
            clouds = [
                subsample(index.dataset.surface(r)["points"], MEDOID_POINTS, seed) for r in records
            ]
            self.medoids[category] = records[medoid(clouds)].id

    def text_source(self, prompt: str) -> str:
        return self.medoids[self.index.records[self.index.nearest_by_text(prompt)].category]

    def image_source(self, rgb: np.ndarray) -> str:
        return self.medoids[self.index.records[self.index.nearest_by_image(rgb)].category]

    def text(self, prompt: str, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.text_source(prompt))

    def image(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.image_source(rgb))


BASELINES = {"retrieval": RetrievalBaseline, "medoid": MedoidBaseline}
