"""Latent memory: the training shapes' latents, recalled by condition to start the flow.

The prior alone, integrated from pure noise, finds the right kind of shape but
often breaks thin parts apart (`MODEL_CARD.md`). The memory gives it a starting
point instead: a blend of the standardised latents of the `neighbours` training
shapes whose keys are closest (cosine) to the condition's encoder vector, noised
to time `start` and integrated from there (`FlowPrior.sample`). No output is a
copy of one training shape: it is a blend of several, refined by the flow.

Keys are the encoders' own pooled vectors (``Condition.query``): for text the
mean over a shape's captions (one key per shape), for photos and sketches one key
per rendered view (`MemoryConfig.views` per shape), since a photo shows one side
of an object and the mean over all sides matched a single view badly. A shape's
similarity is that of its best key. Measured on held-out test inputs
(`MODEL_CARD.md`), these raw vectors found the right category more often than the
prior's projected ones, and per-view keys more often than per-shape means. Photo
and sketch keys also hold the picture's `outline`, a 16 × 16 grid of its object
mask or ink (`picture_query`): on 300 held-out views the outline found a shape of
the right category more often than the encoders' vectors did.

Neighbours are blended with softmax weights over their similarities
(`MemoryConfig.temperature`), so the closest ones, which most often also share the
prompt's colour, count the most. When the entries carry groups (the training
shapes' categories), the neighbours first vote with those weights and only the
winning group's are blended: a blend of a chair and a stool is neither, and
decodes to broken or swollen parts. Each entry also stores its shape's real size
(longest side, metres) and mean albedo (linear RGB, over its surface); a recall
gives the weighted geometric mean of the neighbours' sizes and the weighted mean
of their albedos, which the pipeline uses as the asset's size and to restore its
colour (`meshsmith.pipeline.colour`): a blend of latents keeps the neighbours'
shape better than their colour (green trees blend to a grey-brown crown).

Storage: latents as int8 with one scale per channel (a quarter of float32;
standardised latents have unit variance, so a step of ``max/127`` is far below
what the decoder resolves). Keys are reduced to `MemoryConfig.key_dims` by a PCA
of the unit vectors (the basis and centre are stored) and kept as int8 with one
scale per dimension.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from meshsmith.models.config import AutoencoderConfig, MemoryConfig

KINDS = ("text", "image", "sketch")
#: Side of the outline grid in photo and sketch keys (`outline`).
OUTLINE_GRID = 16
#: Coverage above which a pixel counts as the object's (alpha or ink, 0-1).
OUTLINE_THRESHOLD = 0.25
#: Rows of keys the PCA basis is fitted on at most (evenly strided).
PCA_ROWS = 50_000


@dataclass
class Recalled:
    """What the latent memory recalls for a batch of conditions (`LatentMemory.recall`).

    Attributes
    ----------
    latent : (B, 3, c, r, r) float
        Blend of the neighbours' standardised latents.
    size : (B,) float
        Their blended real size (longest side, metres); 0 where unknown.
    albedo : (B, 3) float
        Their blended mean albedo (linear RGB); -1 where unknown.
    group : (B,) int
        The group they were blended from; -1 where the entries have none.
    """

    latent: Tensor
    size: Tensor
    albedo: Tensor
    group: Tensor

    def hints(self, names: tuple[str, ...] = ()) -> list[RecallHint]:
        """Per row, the size, albedo and group name (`names`, the memory's
        ``MemoryConfig.groups``) as plain values (None where unknown)."""
        return [
            RecallHint(
                float(size) if size > 0 else None,
                tuple(float(c) for c in albedo) if albedo.min() >= 0 else None,
                names[group] if 0 <= group < len(names) else None,
            )
            for size, albedo, group in zip(self.size, self.albedo, self.group.tolist(), strict=True)
        ]


@dataclass(frozen=True)
class RecallHint:
    """What the latent memory says about one request besides its latent.

    Attributes
    ----------
    size : float or None
        Blended real size of the recalled training shapes (longest side, metres).
    albedo : (r, g, b) or None
        Their blended mean albedo, linear RGB in 0-1.
    category : str or None
        The category (group) they share.
    """

    size: float | None
    albedo: tuple[float, float, float] | None
    category: str | None = None


def consistent(groups: Tensor, weights: Tensor) -> Tensor:
    """`weights` ``(B, k)`` of neighbours kept only within the group whose members
    weigh the most in each row, renormalised. `groups` ``(B, k)``: each neighbour's
    group; a negative one is unknown, so that neighbour neither votes nor is dropped
    (a row without known groups keeps its weights)."""
    known = groups >= 0
    same = (groups[:, :, None] == groups[:, None, :]) & known[:, None, :]  # (B, k, k)
    total = (same * weights[:, None, :]).sum(dim=2)  # weight of each neighbour's group
    # Among equal totals the first column, the nearest neighbour's group, wins.
    winner = groups.gather(1, total.argmax(dim=1, keepdim=True))
    kept = weights * ((groups == winner) | ~known)
    return kept / kept.sum(dim=1, keepdim=True)


def outline(coverage: Tensor) -> Tensor:
    """``(B, OUTLINE_GRID²)``: each picture's object coverage ``(B, H, W)`` (alpha or
    ink, 0-1) cropped to the object's bounding box, padded to a centred square and
    box-filtered to the grid. It ignores where the object sits and how large it is."""
    rows = []
    for picture in coverage.float():
        ys, xs = torch.nonzero(picture > OUTLINE_THRESHOLD, as_tuple=True)
        if len(ys) == 0:
            rows.append(torch.zeros(OUTLINE_GRID * OUTLINE_GRID))
            continue
        crop = picture[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        h, w = crop.shape
        side = max(h, w)
        left, top = (side - w) // 2, (side - h) // 2
        square = F.pad(crop, (left, side - w - left, top, side - h - top))
        rows.append(F.adaptive_avg_pool2d(square[None, None], OUTLINE_GRID).flatten())
    return torch.stack(rows)


def picture_query(pooled: Tensor, coverage: Tensor, weight: float) -> Tensor:
    """A photo's or sketch's memory query: its encoder vector ``(B, D)`` beside its
    `outline` (from `coverage` ``(B, H, W)``), both unit length, the outline scaled by
    `weight` (`MemoryConfig.outline`; 0: the encoder vector alone)."""
    if weight <= 0:
        return pooled
    return torch.cat([unit(pooled.float()), weight * unit(outline(coverage))], dim=1)


def unit(x: Tensor) -> Tensor:
    """Rows of `x` scaled to unit length (zero rows stay zero)."""
    return x / x.norm(dim=-1, keepdim=True).clamp(min=1e-8)


class LatentMemory(nn.Module):
    """Quantised standardised latents ``(N, 3, c, r, r)``, sizes and one key bank per kind.

    Parameters
    ----------
    config : MemoryConfig
        ``entries`` and ``views`` fix the buffer shapes (0 entries: an empty memory
        that recalls nothing).
    autoencoder : AutoencoderConfig
    widths : dict of str to int
        Width of each kind's encoder vector (the key before reduction).
    """

    def __init__(
        self, config: MemoryConfig, autoencoder: AutoencoderConfig, widths: dict[str, int]
    ):
        super().__init__()
        n = config.entries
        self.register_buffer(
            "latents", torch.zeros((n, *autoencoder.latent_shape), dtype=torch.int8)
        )
        # Empty when the memory is: a model file without a memory needs no memory tensors.
        self.register_buffer("scale", torch.ones(autoencoder.latent_channels if n else 0))
        self.register_buffer("sizes", torch.zeros(n))
        self.register_buffer("albedo", torch.zeros((n, 3)))
        self.register_buffer("groups", torch.full((n,), -1, dtype=torch.int16))
        self.per_entry = {"text": 1, "image": config.views, "sketch": config.views}
        for kind in KINDS:
            width = widths[kind] if n else 0
            dims = min(config.key_dims, widths[kind]) if n else 0
            rows = n * self.per_entry[kind]
            self.register_buffer(f"centre_{kind}", torch.zeros(width))
            self.register_buffer(f"basis_{kind}", torch.zeros((width, dims)))
            self.register_buffer(f"key_scale_{kind}", torch.ones(dims if rows else 0))
            self.register_buffer(f"keys_{kind}", torch.zeros((rows, dims), dtype=torch.int8))

    def __len__(self) -> int:
        return self.latents.shape[0]

    def has_keys(self, kind: str) -> bool:
        """Whether this memory can recall by conditions of `kind`."""
        return len(self) > 0 and getattr(self, f"keys_{kind}").shape[0] > 0

    # -- filling -------------------------------------------------------------------------
    def fill(
        self,
        latents: Tensor,
        keys: dict[str, Tensor],
        sizes: Tensor | None = None,
        albedo: Tensor | None = None,
        groups: Tensor | None = None,
    ) -> None:
        """Store standardised `latents` ``(N, 3, c, r, r)``, encoder vectors
        ``keys[kind]`` ``(N, per_entry, width)``, real `sizes` ``(N,)`` in metres
        (None or 0: unknown), mean linear `albedo` ``(N, 3)`` (None or negative:
        unknown) and `groups` ``(N,)`` integers, entries that may be blended together
        (None or negative: unknown, so never left out of a blend; `consistent`)."""
        if len(latents) != len(self):
            raise ValueError(f"memory holds {len(self)} entries, got {len(latents)} latents")
        peak = latents.abs().amax(dim=(0, 1, 3, 4)).clamp(min=1e-6)
        self.scale.copy_(peak / 127.0)
        scaled = latents / self.scale[:, None, None]
        self.latents.copy_(scaled.round().clamp(-127, 127).to(torch.int8))
        self.sizes.copy_(torch.zeros(len(self)) if sizes is None else sizes.float())
        self.albedo.copy_(torch.full((len(self), 3), -1.0) if albedo is None else albedo.float())
        self.groups.copy_(torch.full((len(self),), -1) if groups is None else groups.clamp(min=-1))
        for kind in KINDS:
            if self.has_keys(kind):
                self._fill_keys(kind, keys[kind])

    def _fill_keys(self, kind: str, vectors: Tensor) -> None:
        expected = (len(self), self.per_entry[kind], getattr(self, f"centre_{kind}").shape[0])
        if tuple(vectors.shape) != expected:
            raise ValueError(f"{kind} keys: expected {expected}, got {tuple(vectors.shape)}")
        rows = unit(vectors.float().flatten(0, 1))
        centre = rows.mean(dim=0)
        sample = rows[:: max(1, len(rows) // PCA_ROWS)] - centre
        _, _, vt = torch.linalg.svd(sample, full_matrices=False)
        basis = getattr(self, f"basis_{kind}")
        basis.zero_()
        k = min(basis.shape[1], vt.shape[0])
        basis[:, :k] = vt[:k].T
        getattr(self, f"centre_{kind}").copy_(centre)
        reduced = unit((rows - centre) @ basis)
        step = (reduced.abs().amax(dim=0) / 127.0).clamp(min=1e-8)
        getattr(self, f"key_scale_{kind}").copy_(step)
        getattr(self, f"keys_{kind}").copy_((reduced / step).round().clamp(-127, 127))

    # -- recall --------------------------------------------------------------------------
    def latent(self, rows: Tensor) -> Tensor:
        """Standardised latents of entries `rows`, dequantised to float32."""
        return self.latents[rows].float() * self.scale[:, None, None]

    def similarity(self, kind: str, queries: Tensor) -> Tensor:
        """``(B, N)``: cosine similarity of each query ``(B, width)`` to each entry's
        best `kind` key, in the reduced key space."""
        centre = getattr(self, f"centre_{kind}")
        basis = getattr(self, f"basis_{kind}")
        keys = unit(getattr(self, f"keys_{kind}").float() * getattr(self, f"key_scale_{kind}"))
        q = unit((unit(queries.float()) - centre) @ basis)
        return (q @ keys.T).view(len(q), len(self), self.per_entry[kind]).amax(dim=2)

    def neighbours(
        self, kind: str, queries: Tensor, neighbours: int, temperature: float
    ) -> tuple[Tensor, Tensor]:
        """Rows ``(B, k)`` of the `neighbours` nearest entries and their blend
        weights ``(B, k)``: softmax of similarity / `temperature` (0: equal weights),
        then zero outside the group with the largest total weight (`consistent`)."""
        nearest = self.similarity(kind, queries).topk(min(neighbours, len(self)), dim=1)
        if temperature > 0:
            weights = torch.softmax(nearest.values / temperature, dim=1)
        else:
            weights = torch.full_like(nearest.values, 1.0 / nearest.values.shape[1])
        return nearest.indices, consistent(self.groups[nearest.indices], weights)

    def recall(
        self, kind: str, queries: Tensor, neighbours: int, temperature: float = 0.0
    ) -> Recalled:
        """Blend of the entries nearest to each query ``(B, width)`` (`neighbours`):
        standardised latent, size and albedo (`Recalled`)."""
        rows, weights = self.neighbours(kind, queries, neighbours, temperature)
        groups = self.groups.long()[rows].gather(1, weights.argmax(dim=1, keepdim=True))[:, 0]
        b, k = rows.shape
        latents = self.latent(rows.flatten()).view(b, k, *self.latents.shape[1:])
        latent = (latents * weights.view(b, k, 1, 1, 1, 1)).sum(dim=1)
        sizes = self.sizes.float()[rows]
        known = (sizes > 0).float() * weights
        log_size = (sizes.clamp(min=1e-6).log() * known).sum(dim=1)
        total = known.sum(dim=1)
        size = torch.where(total > 0, (log_size / total.clamp(min=1e-8)).exp(), 0.0)
        albedo = self.albedo.float()[rows]  # (B, k, 3)
        known = (albedo.amin(dim=2) >= 0).float() * weights
        total = known.sum(dim=1, keepdim=True)
        mean = (albedo * known[..., None]).sum(dim=1) / total.clamp(min=1e-8)
        return Recalled(latent, size, torch.where(total > 0, mean, -1.0), groups)
