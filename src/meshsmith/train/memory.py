"""The last stage of a run: fill the model's latent memory (`meshsmith.models.memory`).

Every training shape's posterior-mean latent (standardised) is stored with three
keys in the prior's condition space: the mean over its captions, over its
rendered views (composited on white, as `Model.encode_image` sees a photo) and
over its sketch renders. It takes no gradient steps; it reads the finished EMA
model, so resuming a finished run rebuilds it.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from meshsmith.models.memory import LatentMemory
from meshsmith.models.model import Model
from meshsmith.train.config import TrainConfig
from meshsmith.train.data import ShapeSet
from meshsmith.train.prior_data import LatentBank, TextBank, encode_latents

_BATCH = 64


def _unit(x: Tensor) -> Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp(min=1e-8)


@torch.inference_mode()
def text_keys(model: Model, text: TextBank) -> Tensor:
    """``(S, W)``: per shape, the mean of its captions' projected pooled vectors."""
    project = model.prior.kinds["text"].pooled
    rows = torch.cat([_unit(project(p)) for p in text.pooled.split(_BATCH * 4)])
    owner = torch.repeat_interleave(torch.arange(len(text.count)), text.count)
    keys = torch.zeros((len(text.count), rows.shape[1]))
    return keys.index_add_(0, owner, rows) / text.count[:, None].clamp(min=1)


@torch.inference_mode()
def picture_keys(model: Model, shapes: ShapeSet, kind: str) -> Tensor:
    """``(S, W)``: per shape, the mean projected pooled vector of its views or sketches."""
    project = model.prior.kinds[kind].pooled
    pictures = shapes.images if kind == "image" else shapes.sketches
    keys = []
    for batch in pictures.split(_BATCH // pictures.shape[1] or 1):
        flat = batch.flatten(0, 1)
        if kind == "image":
            rgba = flat.float() / 255.0
            alpha = rgba[:, 3:]
            _, pooled = model.image_encoder(rgba[:, :3] * alpha + (1.0 - alpha))
        else:
            _, pooled = model.sketch_encoder(flat.float()[:, None] / 255.0)
        rows = _unit(project(pooled))
        keys.append(rows.view(len(batch), -1, rows.shape[-1]).mean(dim=1))
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
    memory_config = dataclasses.replace(config.model.memory, entries=len(shapes))
    if text is None:
        text = TextBank(shapes.captions, config.model.prior.text_tokens)
    if latents is None:
        latents = encode_latents(model, shapes, config)
    keys = {"text": text_keys(model, text)}
    for kind in ("image", "sketch"):
        keys[kind] = (
            picture_keys(model, shapes, kind)
            if shapes.has_views
            else torch.zeros_like(keys["text"])  # no pictures: nothing to recall them by
        )
    model.memory = LatentMemory(memory_config, config.model.autoencoder, config.model.prior.width)
    model.memory.fill(model.standardise(latents.mean), keys)
    model.config = dataclasses.replace(model.config, memory=memory_config)
