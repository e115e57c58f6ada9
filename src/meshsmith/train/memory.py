"""The last stage of a run: fill the model's latent memory (`meshsmith.models.memory`).

Every training shape's posterior-mean latent (standardised) is stored with its
real size, its mean albedo (over its surface samples), its category (the group
recall blends within) and its keys, the
encoders' own pooled vectors: the mean over its captions, and one per rendered
view (composited on white, as `Model.encode_image` sees a photo) and per sketch
render, each with the picture's outline beside it. It takes no gradient steps; it reads the
finished EMA model, so resuming a finished run rebuilds it.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from meshsmith.models.memory import LatentMemory, picture_query, unit
from meshsmith.models.model import Model
from meshsmith.train.config import TrainConfig
from meshsmith.train.data import ShapeSet
from meshsmith.train.prior_data import LatentBank, TextBank, encode_latents

_BATCH = 64


@torch.inference_mode()
def text_keys(text: TextBank) -> Tensor:
    """``(S, 1, D)``: per shape, the mean of its captions' unit pooled vectors."""
    rows = unit(text.pooled.float())
    owner = torch.repeat_interleave(torch.arange(len(text.count)), text.count)
    keys = torch.zeros((len(text.count), rows.shape[1]))
    keys.index_add_(0, owner, rows)
    return (keys / text.count[:, None].clamp(min=1))[:, None]


@torch.inference_mode()
def picture_keys(model: Model, shapes: ShapeSet, kind: str) -> Tensor:
    """``(S, K, D)``: the memory query of each of a shape's K views or sketches, as
    `Model.encode_image` and `Model.encode_sketch` make it (`picture_query`)."""
    pictures = shapes.images if kind == "image" else shapes.sketches
    weight = model.config.memory.outline
    keys = []
    for batch in pictures.split(_BATCH // pictures.shape[1] or 1):
        flat = batch.flatten(0, 1).float() / 255.0
        if kind == "image":
            alpha = flat[:, 3:]
            _, pooled = model.image_encoder(flat[:, :3] * alpha + (1.0 - alpha))
            coverage = alpha[:, 0]
        else:
            _, pooled = model.sketch_encoder(flat[:, None])
            coverage = flat
        query = picture_query(pooled, coverage, weight)
        keys.append(query.view(len(batch), -1, query.shape[-1]))
    return torch.cat(keys)


def build_memory(
    model: Model,
    shapes: ShapeSet,
    config: TrainConfig,
    latents: LatentBank | None = None,
    text: TextBank | None = None,
) -> None:
    """Give `model` a latent memory of every shape in `shapes` (replacing any it had).

    `latents` and `text` are the prior stage's encodings of `shapes` when this run
    has just trained it (same frozen autoencoder, same captions); else they are
    computed here.
    """
    views = shapes.images.shape[1] if shapes.has_views else 0
    names = sorted(set(shapes.categories))
    groups = torch.tensor([names.index(c) for c in shapes.categories])
    memory_config = dataclasses.replace(
        config.model.memory, entries=len(shapes), views=views, groups=tuple(names)
    )
    if text is None:
        text = TextBank(shapes.captions, config.model.prior.text_tokens)
    if latents is None:
        latents = encode_latents(model, shapes, config)
    keys = {"text": text_keys(text)}
    if views:
        keys.update({kind: picture_keys(model, shapes, kind) for kind in ("image", "sketch")})
    model.memory = LatentMemory(memory_config, config.model.autoencoder, model.condition_widths)
    albedo = shapes.surface[..., 6:9].mean(dim=1)  # surface samples are area-uniform
    model.memory.fill(model.standardise(latents.mean), keys, shapes.sizes, albedo, groups)
    model.config = dataclasses.replace(model.config, memory=memory_config)
