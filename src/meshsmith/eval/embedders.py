"""Text and image embeddings for the retrieval baselines, behind small protocols.

`TextEmbedder` and `ImageEmbedder` are what retrieval needs: unit-length vectors
whose dot product is a similarity. The implementations here are deliberately plain
and deterministic: TF-IDF over words and word pairs (a pretrained sentence encoder
plugs in through the same protocol later), and a silhouette plus colour histogram
of a render. Sketches go through the image embedder as they are: their "silhouette"
is the ink, the lines drawn.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image

_WORD = re.compile(r"[a-z0-9]+")


@runtime_checkable
class TextEmbedder(Protocol):
    """Texts to unit vectors."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), d) float32 rows of unit length (zero rows for empty texts)."""
        ...


@runtime_checkable
class ImageEmbedder(Protocol):
    """Images to unit vectors."""

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """(len(images), d) float32 unit rows for (H, W, 3 or 4) uint8 sRGB images
        or (H, W) uint8 grey ones (sketches)."""
        ...


def _as_rgb(image: np.ndarray) -> np.ndarray:
    """An (H, W) grey image as (H, W, 3); (H, W, 3 or 4) images as they are."""
    image = np.asarray(image)
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def terms(text: str) -> list[str]:
    """Lower-case words and adjacent word pairs ("coffee mug" → coffee, mug, coffee mug)."""
    words = _WORD.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class TfidfEmbedder:
    """TF-IDF vectors over a vocabulary fitted on a corpus.

    ``tfidf(t, d) = count(t, d) * idf(t)`` with the smoothed
    ``idf(t) = ln((1 + N) / (1 + df(t))) + 1`` (N documents, df(t) of them with t),
    rows L2-normalised; terms outside the vocabulary are dropped.

    Examples
    --------
    >>> e = TfidfEmbedder.fit(["a red mug", "a wooden chair"])
    >>> bool(e.embed(["red mug"])[0] @ e.embed(["a red mug"])[0] > 0.8)
    True
    """

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray):
        self.vocabulary = vocabulary
        self.idf = idf

    @classmethod
    def fit(cls, corpus: Iterable[str], max_terms: int = 4096) -> TfidfEmbedder:
        """Vocabulary of the `max_terms` most frequent terms (ties by name) of `corpus`."""
        documents = [set(terms(text)) for text in corpus]
        df = Counter(term for doc in documents for term in doc)
        kept = sorted(df, key=lambda t: (-df[t], t))[:max_terms]
        vocabulary = {term: i for i, term in enumerate(sorted(kept))}
        counts = np.array([df[t] for t in sorted(kept)], dtype=np.float64)
        idf = np.log((1.0 + len(documents)) / (1.0 + counts)) + 1.0
        return cls(vocabulary, idf)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        matrix = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float64)
        for row, text in enumerate(texts):
            for term, count in Counter(terms(text)).items():
                column = self.vocabulary.get(term)
                if column is not None:
                    matrix[row, column] = count * self.idf[column]
        return _normalise_rows(matrix)


class SilhouetteEmbedder:
    """A render's silhouette on a small grid beside its foreground colour histogram.

    The object mask (alpha > 127, or pixels differing from the corner colour by more
    than `BACKGROUND_TOLERANCE` when there is no alpha) is cropped to its bounding
    box, padded to a square and box-filtered to ``grid × grid``; the foreground
    colours fill a ``bins³`` RGB histogram (square-rooted). Both parts are unit
    vectors, concatenated and normalised again: equal weight to shape and colour.
    Grey (H, W) images are read as RGB with three equal channels.
    """

    BACKGROUND_TOLERANCE = 12

    def __init__(self, grid: int = 16, bins: int = 4):
        self.grid = grid
        self.bins = bins

    @property
    def cache_key(self) -> str:
        """Names the vectors this embedder gives, for the evaluation cache
        (`meshsmith.eval.cache`); change it when `embed` changes."""
        return f"silhouette-v1-grid{self.grid}-bins{self.bins}"

    def mask(self, image: np.ndarray) -> np.ndarray:
        """(H, W) bool object mask of an (H, W) or (H, W, 3 or 4) uint8 image."""
        image = _as_rgb(image)
        if image.shape[2] == 4:
            return image[..., 3] > 127
        corners = image[[0, 0, -1, -1], [0, -1, 0, -1], :3].astype(np.int16)
        background = np.median(corners, axis=0)
        return (
            np.abs(image[..., :3].astype(np.int16) - background) > self.BACKGROUND_TOLERANCE
        ).any(axis=2)

    def _silhouette(self, mask: np.ndarray) -> np.ndarray:
        if not mask.any():
            return np.zeros(self.grid * self.grid)
        rows, cols = np.nonzero(mask)
        crop = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        side = max(crop.shape)
        square = np.zeros((side, side), dtype=np.float32)
        top, left = (side - crop.shape[0]) // 2, (side - crop.shape[1]) // 2
        square[top : top + crop.shape[0], left : left + crop.shape[1]] = crop
        small = Image.fromarray(square, mode="F").resize(
            (self.grid, self.grid), Image.Resampling.BOX
        )
        return np.asarray(small, dtype=np.float64).reshape(-1)

    def _histogram(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        colours = image[..., :3][mask].astype(np.int64) * self.bins // 256
        index = (colours[:, 0] * self.bins + colours[:, 1]) * self.bins + colours[:, 2]
        return np.sqrt(np.bincount(index, minlength=self.bins**3).astype(np.float64))

    def embed(self, images: Sequence[np.ndarray]) -> np.ndarray:
        rows = []
        for image in images:
            image = _as_rgb(image)
            mask = self.mask(image)
            parts = [self._silhouette(mask), self._histogram(image, mask)]
            rows.append(np.concatenate([p / max(np.linalg.norm(p), 1e-12) for p in parts]))
        width = self.grid * self.grid + self.bins**3
        return _normalise_rows(np.asarray(rows).reshape(len(images), width))
