"""A BERT encoder small enough to read: the architecture of all-MiniLM-L6-v2.

Parameter names match Hugging Face's ``BertModel`` so its safetensors load as
they are. Only what a sentence encoder needs is here: absolute positions,
post-layer-norm blocks, exact (erf) GELU, no pooler, no dropout (inference).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass(frozen=True)
class BertConfig:
    """The fields of a Hugging Face BERT ``config.json`` that shape the network."""

    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12

    @classmethod
    def from_dict(cls, config: dict) -> BertConfig:
        return cls(**{k: config[k] for k in cls.__dataclass_fields__ if k in config})


class _Embeddings(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, ids: Tensor) -> Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(positions)[None]
        # Single-segment input: every token has type 0.
        return self.LayerNorm(x + self.token_type_embeddings.weight[0])


class _SelfAttention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.heads = c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        b, n, d = x.shape

        def split(t: Tensor) -> Tensor:
            return t.view(b, n, self.heads, d // self.heads).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        return out.transpose(1, 2).reshape(b, n, d)


class _Dense(nn.Module):
    """Linear projection, residual add, layer norm (BERT's "output" sub-blocks)."""

    def __init__(self, d_in: int, d_out: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d_out)
        self.LayerNorm = nn.LayerNorm(d_out, eps=eps)

    def forward(self, x: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        setattr(self, "self", _SelfAttention(c))  # noqa: B010 - Hugging Face's parameter name
        self.output = _Dense(c.hidden_size, c.hidden_size, c.layer_norm_eps)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        return self.output(getattr(self, "self")(x, bias), x)  # noqa: B009


class _Intermediate(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(self.dense(x))


class _Layer(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.attention = _Attention(c)
        self.intermediate = _Intermediate(c)
        self.output = _Dense(c.intermediate_size, c.hidden_size, c.layer_norm_eps)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        x = self.attention(x, bias)
        return self.output(self.intermediate(x), x)


class _Encoder(nn.Module):
    def __init__(self, c: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(c.num_hidden_layers))


class Bert(nn.Module):
    """BERT trunk: token ids to contextual token states.

    Parameters
    ----------
    config : BertConfig
    """

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        self.embeddings = _Embeddings(config)
        self.encoder = _Encoder(config)

    def forward(self, ids: Tensor, mask: Tensor) -> Tensor:
        """Token states.

        Parameters
        ----------
        ids : (B, L) int64 token ids
        mask : (B, L) bool, True for real tokens, False for padding

        Returns
        -------
        (B, L, hidden_size) float
        """
        # Additive bias rather than a boolean mask: a fully padded row stays finite.
        bias = torch.zeros(mask.shape, dtype=torch.float32, device=ids.device)
        bias = bias.masked_fill(~mask, torch.finfo(torch.float32).min)[:, None, None, :]
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, bias.to(x.dtype))
        return x
