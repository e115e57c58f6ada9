"""The latent memory: quantised storage, recall by key, sampling that starts from it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from meshsmith.errors import InputError
from meshsmith.models.config import MemoryConfig
from meshsmith.models.memory import KINDS, LatentMemory
from meshsmith.models.model import Model, load_model
from meshsmith.models.weights import load_tensors, save_tensors
from meshsmith.train.config import load_config

ENTRIES = 6


def filled_model(start: float = 0.8, neighbours: int = 2) -> tuple[Model, torch.Tensor]:
    """A tiny model whose memory holds random latents, keyed by their own text prompts."""
    torch.manual_seed(0)
    base = load_config("tiny").model
    memory = MemoryConfig(entries=ENTRIES, neighbours=neighbours, start=start)
    model = Model(dataclasses.replace(base, memory=memory)).eval()
    torch.nn.init.normal_(model.prior.patch_out.weight, std=0.1)
    latents = torch.randn(ENTRIES, *base.autoencoder.latent_shape)
    prompts = [f"a {w} thing" for w in ("red", "blue", "tall", "round", "metal", "wooden")]
    keys = {kind: model.encode_text(prompts).pooled for kind in KINDS}
    model.memory.fill(latents, keys)
    return model, latents


def test_quantised_latents_are_within_half_a_step():
    model, latents = filled_model()
    restored = model.memory.latent(torch.arange(ENTRIES))
    step = model.memory.scale[:, None, None]
    assert (restored - latents).abs().le(step / 2 + 1e-6).all()
    assert model.memory.latents.dtype == torch.int8


def test_recall_averages_the_nearest_entries():
    model, latents = filled_model()
    keys = model.memory.keys_text.float()
    one = model.memory.recall("text", keys[[2, 4]], neighbours=1)
    assert torch.allclose(one, model.memory.latent(torch.tensor([2, 4])))
    two = model.memory.recall("text", keys[1:2] + keys[3:4], neighbours=2)
    assert torch.allclose(two[0], model.memory.latent(torch.tensor([1, 3])).mean(0))


def test_sampling_starts_from_the_recalled_latent():
    model, _ = filled_model(start=0.9, neighbours=1)
    cond = model.encode_text(["a tall thing"])
    target = model.unstandardise(model.memory.recall("text", cond.pooled, 1))
    recalled = model.sample_latent(cond, seed=1, steps=8)
    fresh = model.sample_latent(cond, seed=1, steps=8, recall=False)
    assert (recalled - target).norm() < 0.5 * (fresh - target).norm()


def test_memoryless_model_files_still_load(tmp_path):
    model, _ = filled_model()
    empty = Model(load_config("tiny").model)
    path = tmp_path / "old.safetensors"
    empty.save(path)
    tensors, metadata = load_tensors(path)
    save_tensors(path, {k: v for k, v in tensors.items() if not k.startswith("memory.")}, metadata)
    loaded = load_model(path)
    assert len(loaded.memory) == 0
    # Without a memory the sampler starts from noise, whatever `recall` says.
    cond = loaded.encode_text(["a mug"])
    assert torch.equal(
        loaded.sample_latent(cond, steps=2), loaded.sample_latent(cond, steps=2, recall=False)
    )


def test_half_model_files_keep_the_memory_and_nearly_the_field(tmp_path):
    model, _ = filled_model()
    model.save(tmp_path / "half.safetensors", half=True)
    model.save(tmp_path / "full.safetensors")
    half, full = (load_model(tmp_path / f"{n}.safetensors") for n in ("half", "full"))
    assert (tmp_path / "half.safetensors").stat().st_size < 0.7 * (
        tmp_path / "full.safetensors"
    ).stat().st_size
    assert torch.equal(half.memory.latents, model.memory.latents)
    latent = full.sample_latent(full.encode_text(["a red thing"]), seed=2, steps=4)
    points = np.random.default_rng(0).uniform(-0.5, 0.5, (200, 3)).astype(np.float32)
    assert np.abs(half.field(latent[0], points) - full.field(latent[0], points)).max() < 1e-2


def test_memory_settings_are_checked():
    with pytest.raises(InputError, match="start"):
        MemoryConfig(start=1.0)
    assert len(LatentMemory(MemoryConfig(), load_config("tiny").model.autoencoder, 8)) == 0
