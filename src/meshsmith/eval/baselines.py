"""Baselines that give model numbers a meaning: retrieval and the category medoid.

Both only ever return training shapes, so they measure what copying the training
set achieves:

- `RetrievalBaseline`: the training shape whose caption is most similar to the
  prompt (`TextEmbedder`), whose render is most similar to the image
  (`ImageEmbedder`, over every training view), or whose sketch render is most
  similar to the sketch (the same embedder, over every training sketch).
- `MedoidBaseline`: the medoid of the prompt's category, the training shape with
  the least summed PointFlow Chamfer distance to the others of its category
  (`MEDOID_CANDIDATES` shapes at most, `MEDOID_POINTS` points each); the category
  is that of the retrieved shape, so both baselines read prompts the same way.

Each also tells which training shape it returns (``text_source``, ``image_source``,
``sketch_source``), so an evaluation can reuse the metrics of a shape it has already
measured.

The embeddings of the training views and sketches (one pass over the renders) and
the medoids are computed once per dataset and kept in the evaluation cache
(`meshsmith.eval.cache`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import trimesh
from scipy import sparse

from meshsmith.errors import InputError
from meshsmith.eval.cache import EvalCache, cached_arrays
from meshsmith.eval.embedders import ImageEmbedder, SilhouetteEmbedder, TextEmbedder, TfidfEmbedder
from meshsmith.eval.generation import chamfer_matrix, subsample

MEDOID_CANDIDATES = 64
MEDOID_POINTS = 512
#: Training meshes kept in memory, the most recently returned ones.
MESH_CACHE = 256
#: Captions embedded per batch (a TF-IDF batch is dense until stored sparse).
CAPTION_BATCH = 1024
#: Threads reading training views when the cache is cold (PNG and zlib release the GIL).
READERS = 2


class TrainingIndex:
    """The training split with caption, view and sketch embeddings and a mesh cache.

    Caption vectors are kept sparse (TF-IDF rows have a few dozen non-zeros), view
    and sketch vectors are read from the evaluation cache when the image embedder
    has a ``cache_key``, and each distinct prompt, image or sketch is looked up once,
    whichever baseline asks.

    Parameters
    ----------
    dataset : meshsmith.data.dataset.Dataset
    text_embedder : TextEmbedder, optional
        Default: TF-IDF fitted on the training captions.
    image_embedder : ImageEmbedder, optional
        Embeds views and sketches. Default: `SilhouetteEmbedder`.
    cache : EvalCache, optional
        Where view and sketch embeddings (and the medoids of `MedoidBaseline`) are
        kept between runs; None computes them every time.
    """

    def __init__(
        self,
        dataset,
        text_embedder: TextEmbedder | None = None,
        image_embedder: ImageEmbedder | None = None,
        cache: EvalCache | None = None,
    ):
        self.dataset = dataset
        self.cache = cache
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
        #: (captions, d) sparse rows of unit length.
        self.caption_vectors = _embed_sparse(self.text_embedder, captions)
        self.image_embedder = image_embedder or SilhouetteEmbedder()
        #: (views,) owner indices; (views, d) vectors of the views and of their sketches
        #: (a sketch shares its view's camera, so one owner array serves both).
        self.view_owner, self.view_vectors, self.sketch_vectors = self._view_embeddings()
        self._by_id = {record.id: record for record in self.records}
        self._mesh = functools.lru_cache(maxsize=MESH_CACHE)(self._load)
        self._text_hits: dict[str, int] = {}
        self._picture_hits: dict[bytes, int] = {}

    def _view_embeddings(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(views,) owner indices and (views, d) vectors of every training view and of
        every training sketch (None without rendered views)."""

        def compute() -> dict[str, np.ndarray]:
            def embed(i: int) -> tuple[int, np.ndarray | None, np.ndarray | None]:
                views = self.dataset.views(self.records[i])
                if not views:
                    return 0, None, None
                rgb = self.image_embedder.embed([view["rgb"] for view in views])
                return len(views), rgb, self.image_embedder.embed([v["sketch"] for v in views])

            with ThreadPoolExecutor(READERS) as pool:
                parts = list(pool.map(embed, range(len(self.records))))
            owner = np.repeat(np.arange(len(parts)), [n for n, _, _ in parts]).astype(np.int64)
            views = [v for _, v, _ in parts if v is not None]
            sketches = [s for _, _, s in parts if s is not None]
            empty = np.zeros((0, 0), np.float32)
            return {
                "owner": owner,
                "vectors": np.concatenate(views) if views else empty,
                "sketch_vectors": np.concatenate(sketches) if sketches else empty,
            }

        key = getattr(self.image_embedder, "cache_key", None)
        cache = self.cache if key is not None else None
        params = {"embedder": key, "pictures": ["rgb", "sketch"]}
        arrays = cached_arrays(cache, "view-embeddings", params, compute)
        owner = arrays["owner"]
        if not len(owner):
            return owner, None, None
        return owner, arrays["vectors"], arrays["sketch_vectors"]

    def nearest_by_text(self, prompt: str) -> int:
        """Index into `records` of the shape with the caption closest to `prompt`."""
        if prompt not in self._text_hits:
            scores = self.caption_vectors @ self.text_embedder.embed([prompt])[0]
            self._text_hits[prompt] = int(self.caption_owner[int(np.argmax(scores))])
        return self._text_hits[prompt]

    def nearest_by_image(self, rgb: np.ndarray) -> int:
        """Index into `records` of the shape with the view closest to `rgb`."""
        return self._nearest_picture("image", self.view_vectors, rgb)

    def nearest_by_sketch(self, sketch: np.ndarray) -> int:
        """Index into `records` of the shape with the sketch render closest to `sketch`."""
        return self._nearest_picture("sketch", self.sketch_vectors, sketch)

    def _nearest_picture(self, kind: str, vectors: np.ndarray | None, picture: np.ndarray) -> int:
        """Owner of the row of `vectors` (views or sketches) closest to `picture`."""
        if vectors is None:
            raise NotImplementedError(f"the dataset has no rendered views to retrieve by {kind}")
        image = np.ascontiguousarray(picture)
        key = hashlib.blake2b(kind.encode() + image.tobytes() + str(image.shape).encode()).digest()
        if key not in self._picture_hits:
            scores = vectors @ self.image_embedder.embed([image])[0]
            self._picture_hits[key] = int(self.view_owner[int(np.argmax(scores))])
        return self._picture_hits[key]

    def mesh(self, shape_id: str) -> trimesh.Trimesh:
        """A copy of a training shape's mesh in metres (the last `MESH_CACHE` are kept)."""
        return self._mesh(shape_id).copy()

    def _load(self, shape_id: str) -> trimesh.Trimesh:
        return self.dataset.mesh(self._by_id[shape_id])


def _embed_sparse(embedder: TextEmbedder, texts: Sequence[str]) -> sparse.csr_matrix:
    """(len(texts), d) float32 CSR rows of `embedder`, embedded `CAPTION_BATCH` at a time."""
    batches = [
        sparse.csr_matrix(embedder.embed(texts[start : start + CAPTION_BATCH]))
        for start in range(0, len(texts), CAPTION_BATCH)
    ]
    return sparse.vstack(batches, format="csr", dtype=np.float32)


class RetrievalBaseline:
    """Nearest training shape by text, image or sketch embedding (a `Generator`)."""

    name = "retrieval"

    def __init__(self, index: TrainingIndex):
        self.index = index

    def text_source(self, prompt: str) -> str:
        return self.index.records[self.index.nearest_by_text(prompt)].id

    def image_source(self, rgb: np.ndarray) -> str:
        return self.index.records[self.index.nearest_by_image(rgb)].id

    def sketch_source(self, rgb: np.ndarray) -> str:
        return self.index.records[self.index.nearest_by_sketch(rgb)].id

    def text(self, prompt: str, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.text_source(prompt))

    def image(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.image_source(rgb))

    def sketch(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.sketch_source(rgb))


def medoid(clouds: Sequence[np.ndarray]) -> int:
    """Index of the cloud with the least summed PointFlow Chamfer distance to the others."""
    return int(np.argmin(chamfer_matrix(list(clouds)).sum(axis=1)))


def category_medoids(dataset, records: list, seed: int = 0) -> dict[str, str]:
    """Category -> id of its medoid among at most `MEDOID_CANDIDATES` random records,
    each seen through `MEDOID_POINTS` of its dataset surface samples."""
    rng = np.random.default_rng(seed)
    by_category: dict[str, list] = {}
    for record in records:
        by_category.setdefault(record.category, []).append(record)
    chosen_records = {}
    for category, group in sorted(by_category.items()):
        if len(group) > MEDOID_CANDIDATES:
            chosen = rng.choice(len(group), MEDOID_CANDIDATES, replace=False)
            group = [group[i] for i in sorted(chosen)]
        chosen_records[category] = group

    def cloud(record) -> np.ndarray:
        return subsample(dataset.surface(record)["points"], MEDOID_POINTS, seed)

    with ThreadPoolExecutor(READERS) as pool:
        return {
            category: group[medoid(list(pool.map(cloud, group)))].id
            for category, group in chosen_records.items()
        }


class MedoidBaseline:
    """The medoid training shape of the prompt's category (a `Generator`)."""

    name = "medoid"

    def __init__(self, index: TrainingIndex, seed: int = 0):
        self.index = index
        params = {"candidates": MEDOID_CANDIDATES, "points": MEDOID_POINTS, "seed": seed}

        def compute() -> dict[str, np.ndarray]:
            found = category_medoids(index.dataset, index.records, seed)
            return {
                "categories": np.array(list(found), dtype=str),
                "ids": np.array(list(found.values()), dtype=str),
            }

        arrays = cached_arrays(index.cache, "medoids", params, compute)
        self.medoids: dict[str, str] = {
            str(c): str(i) for c, i in zip(arrays["categories"], arrays["ids"], strict=True)
        }

    def text_source(self, prompt: str) -> str:
        return self.medoids[self.index.records[self.index.nearest_by_text(prompt)].category]

    def image_source(self, rgb: np.ndarray) -> str:
        return self.medoids[self.index.records[self.index.nearest_by_image(rgb)].category]

    def sketch_source(self, rgb: np.ndarray) -> str:
        return self.medoids[self.index.records[self.index.nearest_by_sketch(rgb)].category]

    def text(self, prompt: str, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.text_source(prompt))

    def image(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.image_source(rgb))

    def sketch(self, rgb: np.ndarray, seed: int = 0) -> trimesh.Trimesh:
        return self.index.mesh(self.sketch_source(rgb))


BASELINES = {"retrieval": RetrievalBaseline, "medoid": MedoidBaseline}
