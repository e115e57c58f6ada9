"""Inputs of the prior stage, computed once when it starts.

- `encode_latents`: every training shape through the frozen autoencoder
  (posterior mean and standard deviation), and the per-channel statistics the
  prior standardises latents with.
- `TextBank`: every training caption through the frozen text encoder, tokens
  stored in float16 (a caption costs ``text_tokens * 384 * 2`` bytes).
- `prior_batch`: a flow-matching batch mixing text, photo and sketch rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from meshsmith.models.model import Model
from meshsmith.models.text_encoder import get_text_encoder
from meshsmith.train.augment import augment_photos, augment_sketches
from meshsmith.train.config import TrainConfig
from meshsmith.train.data import ShapeSet, gather_rows
from meshsmith.train.objectives import PriorBatch

_ENCODE_BATCH = 32
_TEXT_BATCH = 256


@dataclass
class LatentBank:
    """Posterior of each training shape: mean and std ``(S, 3, c, r, r)``, unstandardised."""

    mean: Tensor
    std: Tensor

    def statistics(self, g: torch.Generator) -> tuple[Tensor, Tensor]:
        """Per-channel mean and standard deviation ``(c,)`` of posterior samples.

        Samples, not means: the prior is trained on samples, which must have unit variance.
        """
        sample = self.mean + self.std * torch.randn(self.mean.shape, generator=g)
        channels = sample.transpose(0, 2).flatten(1)  # (c, S*3*r*r)
        return channels.mean(1), channels.std(1).clamp(min=1e-4)


@torch.no_grad()
def encode_latents(model: Model, shapes: ShapeSet, config: TrainConfig) -> LatentBank:
    """Posterior of every shape from a fixed subset of its surface samples."""
    g = torch.Generator().manual_seed(config.seed)
    means, stds = [], []
    for start in range(0, len(shapes), _ENCODE_BATCH):
        surface = gather_rows(
            shapes.surface[start : start + _ENCODE_BATCH], config.encoder_points, g
        )
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
            mean, logvar = model.autoencoder.encode(surface[..., :3], surface[..., 3:])
        means.append(mean.float())
        stds.append(torch.exp(0.5 * logvar.float()))
    return LatentBank(torch.cat(means), torch.cat(stds))


class TextBank:
    """Encoded captions of a `ShapeSet`; `lookup` returns the encoder output of chosen ones."""

    def __init__(self, captions: list[list[str]], max_tokens: int) -> None:
        encoder = get_text_encoder()
        flat = [c for shape in captions for c in shape]
        self.first = torch.tensor([0] + [len(c) for c in captions]).cumsum(0)[:-1]
        self.count = torch.tensor([len(c) for c in captions])
        self.tokens = torch.zeros((len(flat), max_tokens, encoder.width), dtype=torch.float16)
        self.mask = torch.zeros((len(flat), max_tokens), dtype=torch.bool)
        self.pooled = torch.zeros((len(flat), encoder.width))
        for start in range(0, len(flat), _TEXT_BATCH):
            enc = encoder.encode(flat[start : start + _TEXT_BATCH], max_tokens)
            end, length = start + len(enc.pooled), enc.tokens.shape[1]
            self.tokens[start:end, :length] = enc.tokens.half()
            self.mask[start:end, :length] = enc.mask
            self.pooled[start:end] = enc.pooled

    def lookup(self, shapes: Tensor, g: torch.Generator) -> tuple[Tensor, Tensor, Tensor]:
        """A random caption of each shape in `shapes` ``(B,)``: tokens, mask, pooled.

        Always `max_tokens` long: fixed shapes let oneDNN reuse its bf16 kernels.
        """
        pick = (torch.rand(len(shapes), generator=g) * self.count[shapes]).long()
        rows = self.first[shapes] + pick
        return self.tokens[rows].float(), self.mask[rows], self.pooled[rows]


def split_rows(batch: int, config: TrainConfig, has_views: bool) -> tuple[int, int, int]:
    """Rows of a prior batch given to text, photos and sketches (each ≥ 1 when it is used)."""
    if not has_views:
        return batch, 0, 0
    images = max(1, round(batch * config.image_share))
    text = max(1, round(batch * config.text_share))
    sketches = batch - text - images
    if sketches < 1:
        text -= 1 - sketches
        sketches = 1
    if text < 1:
        raise ValueError(f"a prior batch of {batch} cannot hold text, photo and sketch rows")
    return text, images, sketches


def prior_batch(
    shapes: ShapeSet,
    latents: LatentBank,
    text: TextBank,
    model: Model,
    config: TrainConfig,
    g: torch.Generator,
) -> PriorBatch:
    """Random flow-matching batch (`PriorBatch`) from the training shapes."""
    b = config.prior.batch
    n_text, n_images, _ = split_rows(b, config, shapes.has_views)
    index = torch.randint(0, len(shapes), (b,), generator=g)
    mean, std = latents.mean[index], latents.std[index]
    posterior = mean + std * torch.randn(mean.shape, generator=g)
    images = sketches = None
    if shapes.has_views:
        views = shapes.images.shape[1]
        view = torch.randint(0, views, (b,), generator=g)
        rows = slice(n_text, n_text + n_images)
        images = augment_photos(shapes.images[index[rows], view[rows]], g)
        rows = slice(n_text + n_images, b)
        sketches = augment_sketches(shapes.sketches[index[rows], view[rows]], g)
    return PriorBatch(
        latents=model.standardise(posterior),
        noise=torch.randn(posterior.shape, generator=g),
        times=torch.sigmoid(torch.randn(b, generator=g)),  # logit-normal: mid times matter most
        drop=torch.rand(b, generator=g) < config.condition_dropout,
        text=text.lookup(index[:n_text], g),
        images=images,
        sketches=sketches,
    )
