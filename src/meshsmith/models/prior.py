"""Conditional flow-matching prior over triplane latents.

A small diffusion transformer (DiT): the latent planes are cut into patches,
one token per patch; each block has self-attention and an MLP modulated by the
time step and the pooled condition (adaLN-zero), and cross-attention to the
condition tokens (caption tokens, or image / sketch feature tokens).

Flow convention (rectified flow): ``x_t = (1 - t) * noise + t * data`` for t in
[0, 1]; the network predicts the velocity ``data - noise``. Sampling integrates
from t = 0 (noise) to 1 with Euler steps; classifier-free guidance mixes the
conditional and unconditional velocities. Latents are normalised per channel
(see `meshsmith.models.model`) before they reach the prior.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from meshsmith.models.config import AutoencoderConfig, PriorConfig


@dataclass(frozen=True)
class Condition:
    """Condition tokens already projected to the prior's width.

    Attributes
    ----------
    tokens : (B, L, W) float
    mask : (B, L) bool, True for real tokens
    pooled : (B, W) float
    kind : str or None
        "text", "image" or "sketch" when every row is of that kind (what the latent
        memory recalls by), else None.
    query : (B, D) float or None
        The encoder's own pooled vector, before projection: the latent memory's key.
    """

    tokens: Tensor
    mask: Tensor
    pooled: Tensor
    kind: str | None = None
    query: Tensor | None = None

    def __len__(self) -> int:
        return self.tokens.shape[0]

    @staticmethod
    def cat(parts: list[Condition]) -> Condition:
        """Stack conditions along the batch, padding token lists to the longest."""
        length = max(p.tokens.shape[1] for p in parts)

        def pad(t: Tensor) -> Tensor:
            return F.pad(t, (0, 0, 0, length - t.shape[1])) if t.dim() == 3 else t

        tokens = torch.cat([pad(p.tokens) for p in parts])
        mask = torch.cat([F.pad(p.mask, (0, length - p.mask.shape[1])) for p in parts])
        kinds = {p.kind for p in parts}
        kind = kinds.pop() if len(kinds) == 1 else None
        queries = [p.query for p in parts]
        query = torch.cat(queries) if kind and all(q is not None for q in queries) else None
        return Condition(tokens, mask, torch.cat([p.pooled for p in parts]), kind, query)

    def repeat(self, n: int) -> Condition:
        """Each row repeated `n` times (``repeat_interleave``)."""
        return Condition(
            self.tokens.repeat_interleave(n, 0),
            self.mask.repeat_interleave(n, 0),
            self.pooled.repeat_interleave(n, 0),
            self.kind,
            None if self.query is None else self.query.repeat_interleave(n, 0),
        )

    def rows(self, index: slice) -> Condition:
        """The rows `index` of this condition."""
        query = None if self.query is None else self.query[index]
        return Condition(self.tokens[index], self.mask[index], self.pooled[index], self.kind, query)


def timestep_embedding(t: Tensor, dim: int) -> Tensor:
    """Sinusoidal embedding ``(B, dim)`` of times ``(B,)`` in [0, 1]."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device) / half)
    angles = 1000.0 * t.float()[:, None] * freqs[None]
    return torch.cat([angles.cos(), angles.sin()], dim=-1)


class _Attention(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.kv = nn.Linear(width, 2 * width)
        self.out = nn.Linear(width, width)

    def forward(self, x: Tensor, context: Tensor, mask: Tensor | None = None) -> Tensor:
        b, n, w = x.shape
        h = self.heads
        q = self.q(x).view(b, n, h, w // h).transpose(1, 2)
        k, v = self.kv(context).view(b, -1, 2, h, w // h).permute(2, 0, 3, 1, 4)
        bias = None if mask is None else mask[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        return self.out(out.transpose(1, 2).reshape(b, n, w))


class _Block(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False)
        self.attn = _Attention(width, heads)
        self.norm_cross = nn.LayerNorm(width)
        self.cross = _Attention(width, heads)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False)
        self.mlp = nn.Sequential(
            nn.Linear(width, 4 * width), nn.GELU(approximate="tanh"), nn.Linear(4 * width, width)
        )
        self.modulation = nn.Linear(width, 6 * width)
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def forward(self, x: Tensor, emb: Tensor, cond: Condition) -> Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = self.modulation(emb)[:, None].chunk(6, -1)
        h = self.norm1(x) * (1 + scale1) + shift1
        x = x + gate1 * self.attn(h, h)
        x = x + self.cross(self.norm_cross(x), cond.tokens, cond.mask)
        h = self.norm2(x) * (1 + scale2) + shift2
        return x + gate2 * self.mlp(h)


class FlowPrior(nn.Module):
    """Velocity network ``v(x_t, t, condition)`` over latents ``(B, 3, c, r, r)``.

    It also owns the projections of each condition kind into its width and the
    learned "no condition" embedding used for classifier-free guidance.

    Parameters
    ----------
    config : PriorConfig
    latent : AutoencoderConfig
        Fixes the latent shape.
    text_width, image_width : int
        Widths of the text-encoder and image/sketch-encoder tokens.
    """

    def __init__(
        self, config: PriorConfig, latent: AutoencoderConfig, text_width: int, image_width: int
    ) -> None:
        super().__init__()
        self.config = config
        p, r, c, w = config.patch, latent.latent_res, latent.latent_channels, config.width
        if r % p:
            raise ValueError("latent_res must be a multiple of the prior's patch")
        self.grid = r // p
        self.patch_in = nn.Linear(c * p * p, w)
        self.position = nn.Parameter(torch.randn(1, 3 * self.grid**2, w) * 0.02)
        self.time = nn.Sequential(nn.Linear(w, w), nn.SiLU(), nn.Linear(w, w))
        self.blocks = nn.ModuleList(_Block(w, config.heads) for _ in range(config.depth))
        self.norm_out = nn.LayerNorm(w, elementwise_affine=False)
        self.modulation_out = nn.Linear(w, 2 * w)
        self.patch_out = nn.Linear(w, c * p * p)
        for layer in (self.modulation_out, self.patch_out):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        self.kinds = nn.ModuleDict(
            {
                "text": _ConditionProjection(text_width, w),
                "image": _ConditionProjection(image_width, w),
                "sketch": _ConditionProjection(image_width, w),
            }
        )
        self.null_token = nn.Parameter(torch.randn(1, 1, w) * 0.02)
        self.null_pooled = nn.Parameter(torch.zeros(1, w))

    # -- conditions ----------------------------------------------------------------------
    def condition(self, kind: str, tokens: Tensor, mask: Tensor, pooled: Tensor) -> Condition:
        """Project encoder output of one kind ("text", "image", "sketch") to a `Condition`."""
        return dataclasses.replace(self.kinds[kind](tokens, mask, pooled), kind=kind, query=pooled)

    def null(self, batch: int) -> Condition:
        """The unconditional `Condition` for `batch` rows (a single learned token)."""
        tokens = self.null_token.expand(batch, 1, -1)
        mask = torch.ones((batch, 1), dtype=torch.bool, device=tokens.device)
        return Condition(tokens, mask, self.null_pooled.expand(batch, -1))

    def drop(self, cond: Condition, drop: Tensor) -> Condition:
        """Rows where `drop` ``(B,) bool`` is set become the null condition (CFG training)."""
        null = self.null(len(cond))
        length = cond.tokens.shape[1]
        null_tokens = F.pad(null.tokens, (0, 0, 0, length - 1))
        null_mask = F.pad(null.mask, (0, length - 1))
        d = drop[:, None]
        return Condition(
            torch.where(d[..., None], null_tokens, cond.tokens),
            torch.where(d, null_mask, cond.mask),
            torch.where(d, null.pooled, cond.pooled),
        )

    # -- velocity ------------------------------------------------------------------------
    def _patchify(self, x: Tensor) -> Tensor:
        b, _, c, _, _ = x.shape
        p, g = self.config.patch, self.grid
        x = x.reshape(b, 3, c, g, p, g, p).permute(0, 1, 3, 5, 2, 4, 6)
        return x.reshape(b, 3 * g * g, c * p * p)

    def _unpatchify(self, tokens: Tensor, c: int) -> Tensor:
        b = tokens.shape[0]
        p, g = self.config.patch, self.grid
        x = tokens.reshape(b, 3, g, g, c, p, p).permute(0, 1, 4, 2, 5, 3, 6)
        return x.reshape(b, 3, c, g * p, g * p)

    def forward(self, x: Tensor, t: Tensor, cond: Condition) -> Tensor:
        """Velocity ``(B, 3, c, r, r)`` at latents `x` and times `t` ``(B,)``."""
        c = x.shape[2]
        h = self.patch_in(self._patchify(x)) + self.position
        emb = self.time(timestep_embedding(t, h.shape[-1]).to(h.dtype)) + cond.pooled
        emb = F.silu(emb)
        for block in self.blocks:
            h = block(h, emb, cond)
        shift, scale = self.modulation_out(emb)[:, None].chunk(2, -1)
        h = self.norm_out(h) * (1 + scale) + shift
        return self._unpatchify(self.patch_out(h), c)

    @torch.no_grad()
    def sample(
        self,
        cond: Condition,
        noise: Tensor,
        steps: int = 24,
        guidance: float = 3.0,
        shift: float = 1.0,
        start: Tensor | None = None,
        start_time: float = 0.0,
    ) -> Tensor:
        """Integrate the flow from `noise` ``(B, 3, c, r, r)`` to latents (Euler, CFG).

        ``guidance`` 1 means no guidance (conditional velocity only); 0 ignores the condition.
        ``shift`` s > 1 spends more of the steps near the noise, where the velocity
        changes fastest: times ``t = u / (s - (s - 1) u)`` for u evenly spaced in [0, 1]
        (1 gives even steps). With a `start` latent the flow begins at ``start_time``
        from ``(1 - t) * noise + t * start`` and the grid covers [start_time, 1].
        """
        x = noise
        u = torch.linspace(0.0, 1.0, steps + 1, device=noise.device)
        times = u / (shift - (shift - 1.0) * u)
        if start is not None:
            x = (1.0 - start_time) * noise + start_time * start
            times = start_time + (1.0 - start_time) * times
        both = Condition.cat([cond, self.null(len(cond))]) if guidance != 1.0 else cond
        for i in range(steps):
            t = times[i].expand(len(x) * (2 if guidance != 1.0 else 1))
            xin = torch.cat([x, x]) if guidance != 1.0 else x
            v = self(xin, t, both).float()
            if guidance != 1.0:
                v_cond, v_null = v.chunk(2)
                v = v_null + guidance * (v_cond - v_null)
            x = x + (times[i + 1] - times[i]) * v
        return x


class _ConditionProjection(nn.Module):
    """Encoder tokens of one kind → prior width, plus a learned embedding of the kind."""

    def __init__(self, width_in: int, width: int) -> None:
        super().__init__()
        self.tokens = nn.Sequential(nn.LayerNorm(width_in), nn.Linear(width_in, width))
        self.pooled = nn.Sequential(
            nn.LayerNorm(width_in), nn.Linear(width_in, width), nn.SiLU(), nn.Linear(width, width)
        )
        self.kind = nn.Parameter(torch.zeros(1, 1, width))

    def forward(self, tokens: Tensor, mask: Tensor, pooled: Tensor) -> Condition:
        return Condition(self.tokens(tokens) + self.kind, mask, self.pooled(pooled))
