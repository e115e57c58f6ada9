"""TF-IDF text embedding and the silhouette/colour image embedding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from meshsmith.eval.embedders import (
    ImageEmbedder,
    SilhouetteEmbedder,
    TextEmbedder,
    TfidfEmbedder,
    terms,
)


def test_terms_are_words_and_word_pairs():
    assert terms("A red, Mug!") == ["a", "red", "mug", "a red", "red mug"]


def test_tfidf_weights_by_hand():
    embedder = TfidfEmbedder.fit(["red mug", "blue mug"])
    assert isinstance(embedder, TextEmbedder)
    # "mug" is in both documents: idf = ln(3/3) + 1 = 1; "red" in one: ln(3/2) + 1.
    rare = math.log(1.5) + 1.0
    vector = embedder.embed(["red mug"])[0]
    vocab = embedder.vocabulary
    norm = math.sqrt(1.0 + 2 * rare**2)  # terms: mug, red, "red mug"
    assert vector[vocab["mug"]] == pytest.approx(1.0 / norm)
    assert vector[vocab["red"]] == pytest.approx(rare / norm)
    assert vector[vocab["red mug"]] == pytest.approx(rare / norm)
    assert np.linalg.norm(vector) == pytest.approx(1.0)


def test_tfidf_ranks_the_matching_caption_first():
    corpus = ["a tall wooden bookshelf", "a red ceramic mug", "a blue ceramic mug"]
    embedder = TfidfEmbedder.fit(corpus)
    scores = embedder.embed(corpus) @ embedder.embed(["red mug"])[0]
    assert int(np.argmax(scores)) == 1
    assert not embedder.embed(["zebra"]).any()  # unknown words: a zero vector


def _disc(colour, size: int = 32, radius: float = 10.0, alpha: bool = True) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    inside = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < radius**2
    image = np.full((size, size, 4 if alpha else 3), 255, np.uint8)
    if alpha:
        image[..., 3] = np.where(inside, 255, 0)
    image[inside, :3] = colour
    return image


def test_silhouette_embedding_separates_shape_and_colour():
    embedder = SilhouetteEmbedder(grid=8, bins=4)
    assert isinstance(embedder, ImageEmbedder)
    red_disc, blue_disc = _disc((200, 0, 0)), _disc((0, 0, 200))
    red_bar = np.zeros((32, 32, 4), np.uint8)
    red_bar[4:28, 14:18] = (200, 0, 0, 255)
    e = embedder.embed([red_disc, blue_disc, red_bar, _disc((200, 0, 0), radius=6.0)])
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-6)
    # Scale does not matter (cropped to the mask); colour and outline do.
    assert e[0] @ e[3] == pytest.approx(1.0, abs=0.02)
    assert e[0] @ e[1] < 0.6 and e[0] @ e[2] < 0.9


def test_grey_sketches_embed_as_their_ink():
    # A sketch is (H, W) grey, black lines on white: the ink is the silhouette.
    embedder = SilhouetteEmbedder(grid=8, bins=4)
    ring = np.full((32, 32), 255, np.uint8)
    ring[8:24, 8] = ring[8:24, 23] = ring[8, 8:24] = ring[23, 8:24] = 0
    bar = np.full((32, 32), 255, np.uint8)
    bar[4:28, 15] = 0
    assert embedder.mask(ring).sum() == 60
    grey = embedder.embed([ring, bar])
    np.testing.assert_array_equal(grey, embedder.embed([np.dstack([ring] * 3), bar]))
    np.testing.assert_allclose(np.linalg.norm(grey, axis=1), 1.0, atol=1e-6)
    assert grey[0] @ grey[1] < 0.9


def test_mask_without_alpha_uses_the_corner_colour():
    image = _disc((10, 200, 10), alpha=False)
    mask = SilhouetteEmbedder().mask(image)
    assert mask.sum() == (_disc((10, 200, 10))[..., 3] == 255).sum()
