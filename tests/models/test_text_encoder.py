"""The text encoder against reference numbers from sentence-transformers itself.

The constants were recorded with sentence-transformers 6.2.0 (torch 2.13.0 CPU) loading
the same bundled model folder: ``SentenceTransformer(model_dir()).encode(SENTENCES)``.
"""

import pytest
import torch

from meshsmith.errors import InputError
from meshsmith.models.text_encoder import get_text_encoder

SENTENCES = [
    "a red wooden chair with four legs",
    "a tall wooden bookshelf with five shelves",
    "a small blue ceramic mug with a handle",
    "a low-poly pine tree",
    "A SCI-FI ROBOT, silver metal!",
    "",
    "x " * 400,  # 402 tokens: truncated to 256 as sentence-transformers does
]
# cosine similarity of sentence pairs (i, j)
REFERENCE_COSINE = {
    (0, 1): 0.343838,
    (0, 2): 0.152453,
    (1, 3): 0.279614,
    (2, 4): 0.214673,
    (0, 5): 0.045511,
    (3, 6): 0.08245,
}
# first four components of three embeddings
REFERENCE_COMPONENTS = {
    0: [0.072456, 0.019251, -0.081105, 0.006883],
    4: [-0.129731, 0.008644, -0.001995, 0.017677],
    6: [-0.002061, -0.037469, -0.031494, -0.042564],
}


@pytest.fixture(scope="module")
def embeddings() -> torch.Tensor:
    return get_text_encoder().embed(SENTENCES)


def test_matches_sentence_transformers(embeddings):
    assert embeddings.shape == (7, 384)
    assert torch.allclose(embeddings.norm(dim=-1), torch.ones(7), atol=1e-5)
    cos = embeddings @ embeddings.T
    for (i, j), expected in REFERENCE_COSINE.items():
        assert cos[i, j].item() == pytest.approx(expected, abs=2e-5), (i, j)
    for i, expected in REFERENCE_COMPONENTS.items():
        assert embeddings[i, :4].tolist() == pytest.approx(expected, abs=2e-5), i


def test_batch_padding_does_not_change_embeddings(embeddings):
    alone = get_text_encoder().embed([SENTENCES[3]])
    assert torch.allclose(alone[0], embeddings[3], atol=1e-5)


def test_token_states_and_mask():
    enc = get_text_encoder().encode(["a mug", "a tall wooden bookshelf"], max_tokens=5)
    assert enc.mask.tolist() == [[True, True, True, True, False], [True] * 5]
    assert enc.tokens.shape == (2, 5, 384)
    assert torch.all(enc.tokens[0, 4] == 0)


def test_rejects_a_bare_string():
    with pytest.raises(InputError):
        get_text_encoder().embed("a chair")
