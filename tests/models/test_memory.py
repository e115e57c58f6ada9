"""The latent memory: quantised storage, recall by key and by view, blended sizes,
sampling that starts from it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from meshsmith.errors import InputError
from meshsmith.models.config import MemoryConfig, ModelConfig
from meshsmith.models.memory import (
    KINDS,
    OUTLINE_GRID,
    LatentMemory,
    consistent,
    outline,
    picture_query,
)
from meshsmith.models.model import Model, RecallHint, load_model
from meshsmith.models.weights import load_tensors, save_tensors
from meshsmith.train.config import load_config

ENTRIES = 6
VIEWS = 3
PROMPTS = [f"a {w} thing" for w in ("red", "blue", "tall", "round", "metal", "wooden")]
SIZES = torch.tensor([0.5, 1.0, 2.0, 4.0, 8.0, 0.0])  # the last one unknown
ALBEDO = torch.tensor(
    [
        [0.5, 0.1, 0.1],
        [0.1, 0.1, 0.5],
        [0.2, 0.2, 0.2],
        [0.6, 0.6, 0.6],
        [0.4, 0.3, 0.2],
        [-1, -1, -1],
    ]
)


def filled_model(
    start: float = 0.8, neighbours: int = 2, temperature: float = 0.0
) -> tuple[Model, torch.Tensor, dict[str, torch.Tensor]]:
    """A tiny model whose memory holds random latents, keyed by their own text prompts
    and by random picture vectors, `VIEWS` per entry."""
    torch.manual_seed(0)
    base = load_config("tiny").model
    memory = MemoryConfig(
        entries=ENTRIES,
        views=VIEWS,
        neighbours=neighbours,
        temperature=temperature,
        start=start,
    )
    model = Model(dataclasses.replace(base, memory=memory)).eval()
    torch.nn.init.normal_(model.prior.patch_out.weight, std=0.1)
    latents = torch.randn(ENTRIES, *base.autoencoder.latent_shape)
    width = model.condition_widths["image"]
    keys = {
        "text": model.encode_text(PROMPTS).query[:, None],
        "image": torch.randn(ENTRIES, VIEWS, width),
        "sketch": torch.randn(ENTRIES, VIEWS, width),
    }
    model.memory.fill(latents, keys, SIZES, ALBEDO)
    return model, latents, keys


def test_quantised_latents_are_within_half_a_step():
    model, latents, _ = filled_model()
    restored = model.memory.latent(torch.arange(ENTRIES))
    step = model.memory.scale[:, None, None]
    assert (restored - latents).abs().le(step / 2 + 1e-6).all()
    assert model.memory.latents.dtype == torch.int8


def test_recall_blends_the_nearest_entries():
    model, _, keys = filled_model()
    text = keys["text"][:, 0]
    one = model.memory.recall("text", text[[2, 4]], neighbours=1).latent
    assert torch.allclose(one, model.memory.latent(torch.tensor([2, 4])))
    two = model.memory.recall("text", text[1:2] + text[3:4], neighbours=2).latent
    assert torch.allclose(two[0], model.memory.latent(torch.tensor([1, 3])).mean(0))
    # A low temperature weights the closer of the two far more.
    query = text[1:2] + 0.3 * text[3:4]
    sharp = model.memory.recall("text", query, neighbours=2, temperature=0.01).latent
    assert (sharp[0] - model.memory.latent(torch.tensor([1]))[0]).norm() < 0.1 * (
        sharp[0] - model.memory.latent(torch.tensor([3]))[0]
    ).norm()


def test_every_view_of_an_entry_recalls_it():
    model, _, keys = filled_model()
    for kind in ("image", "sketch"):
        for view in range(VIEWS):
            rows, _ = model.memory.neighbours(kind, keys[kind][:, view], 1, 0.0)
            assert rows[:, 0].tolist() == list(range(ENTRIES))
    # Reduced to key_dims and stored as int8, the keys still rank like the full vectors.
    assert model.memory.keys_image.dtype == torch.int8
    assert model.memory.keys_image.shape == (ENTRIES * VIEWS, model.memory.basis_image.shape[1])


def test_recalled_size_and_albedo_blend_the_known_ones():
    model, _, keys = filled_model()
    text = keys["text"][:, 0]
    recalled = model.memory.recall("text", text[[0, 3]], neighbours=1)
    assert torch.allclose(recalled.size, torch.tensor([0.5, 4.0]))
    assert torch.allclose(recalled.albedo, ALBEDO[[0, 3]], atol=1e-6)
    rows, _ = model.memory.neighbours("text", text[1:2] + text[2:3], 2, 0.0)
    assert sorted(rows[0].tolist()) == [1, 2]
    recalled = model.memory.recall("text", text[1:2] + text[2:3], neighbours=2)
    assert recalled.size.item() == pytest.approx(2**0.5, rel=1e-5)  # sqrt(1.0 * 2.0)
    assert torch.allclose(recalled.albedo[0], torch.tensor([0.15, 0.15, 0.35]), atol=1e-6)
    # An entry of unknown size and albedo does not count; alone, it gives unknown.
    recalled = model.memory.recall("text", text[5:6], neighbours=1)
    assert recalled.size.item() == 0.0 and (recalled.albedo < 0).all()
    single, _, _ = filled_model(neighbours=1)
    hints = single.recall_hints(single.encode_text([PROMPTS[0], PROMPTS[5]]))
    assert hints[0].size == pytest.approx(0.5)
    assert hints[0].albedo == pytest.approx((0.5, 0.1, 0.1))
    assert hints[1] == RecallHint(None, None)


def test_recall_blends_only_the_heaviest_group():
    weights = torch.tensor([[0.4, 0.35, 0.25], [0.5, 0.3, 0.2], [0.5, 0.3, 0.2]])
    groups = torch.tensor([[0, 1, 1], [2, 2, -1], [-1, -1, -1]])
    kept = consistent(groups, weights)
    # Group 1 weighs 0.6 against group 0's 0.4; an unknown group is never dropped.
    assert torch.allclose(kept[0], torch.tensor([0.0, 0.35 / 0.6, 0.25 / 0.6]))
    assert torch.allclose(kept[1], weights[1])
    assert torch.allclose(kept[2], weights[2])

    model, _, keys = filled_model(neighbours=3)
    names = ("chair", "stool")
    model.config = dataclasses.replace(
        model.config, memory=dataclasses.replace(model.config.memory, groups=names)
    )
    model.memory.groups.copy_(torch.tensor([0, 0, 1, 1, 1, 1]))
    image = keys["image"][:, 0]  # random vectors: nearly orthogonal
    query = 1.3 * image[0:1] + image[2:3] + image[3:4]  # entry 0 nearest, 2 and 3 next
    rows, _ = model.memory.neighbours("image", query, 3, 0.0)
    assert rows[0, 0] == 0 and sorted(rows[0, 1:].tolist()) == [2, 3]
    recalled = model.memory.recall("image", query, 3)
    assert torch.allclose(recalled.latent[0], model.memory.latent(torch.tensor([2, 3])).mean(0))
    assert recalled.group.tolist() == [1]
    assert recalled.hints(names)[0].category == "stool"
    alone = model.memory.recall("image", image[:1], 1)
    assert alone.hints(names)[0].category == "chair" and alone.hints()[0].category is None


def test_sampling_starts_from_the_recalled_latent():
    model, _, _ = filled_model(start=0.9, neighbours=1)
    cond = model.encode_text(["a tall thing"])
    target = model.unstandardise(model.memory.recall("text", cond.query, 1).latent)
    recalled = model.sample_latent(cond, seed=1, steps=8)
    fresh = model.sample_latent(cond, seed=1, steps=8, recall=False)
    assert (recalled - target).norm() < 0.5 * (fresh - target).norm()


def test_memoryless_model_files_still_load(tmp_path):
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
    model, _, keys = filled_model()
    model.save(tmp_path / "half.safetensors", half=True)
    model.save(tmp_path / "full.safetensors")
    half, full = (load_model(tmp_path / f"{n}.safetensors") for n in ("half", "full"))
    assert (tmp_path / "half.safetensors").stat().st_size < 0.7 * (
        tmp_path / "full.safetensors"
    ).stat().st_size
    assert torch.equal(half.memory.latents, model.memory.latents)
    assert torch.equal(half.memory.keys_image, model.memory.keys_image)
    for kind in ("image", "sketch"):
        rows, _ = half.memory.neighbours(kind, keys[kind][:, 0], 1, 0.0)
        assert rows[:, 0].tolist() == list(range(ENTRIES))
    latent = full.sample_latent(full.encode_text(["a red thing"]), seed=2, steps=4)
    points = np.random.default_rng(0).uniform(-0.5, 0.5, (200, 3)).astype(np.float32)
    assert np.abs(half.field(latent[0], points) - full.field(latent[0], points)).max() < 1e-2


def test_memory_settings_are_checked():
    for bad in ({"start": 1.0}, {"temperature": -1.0}, {"key_dims": 0}, {"views": -1}):
        with pytest.raises(InputError, match="memory"):
            MemoryConfig(**bad)
    widths = dict.fromkeys(KINDS, 8)
    empty = LatentMemory(MemoryConfig(), load_config("tiny").model.autoencoder, widths)
    assert len(empty) == 0
    assert not any(empty.has_keys(kind) for kind in KINDS)


def test_outlines_ignore_where_the_object_sits_and_its_size():
    small = torch.zeros(1, 64, 64)
    small[0, 10:26, 30:38] = 1.0  # a 16 × 8 bar
    large = torch.zeros(1, 96, 96)
    large[0, 40:88, 8:32] = 1.0  # the same bar, three times larger, elsewhere
    a, b = outline(small), outline(large)
    assert a.shape == (1, OUTLINE_GRID * OUTLINE_GRID)
    assert torch.allclose(a, b, atol=1e-6)
    wide = torch.zeros(1, 64, 64)
    wide[0, 10:18, 30:46] = 1.0  # the bar on its side is another outline
    assert (outline(wide) - a).abs().max() > 0.5
    assert outline(torch.zeros(1, 32, 32)).abs().sum() == 0


def test_picture_queries_hold_the_outline_beside_the_encoder_vector():
    pooled = torch.randn(2, 8)
    coverage = torch.zeros(2, 32, 32)
    coverage[:, 4:20, 4:12] = 1.0
    assert torch.equal(picture_query(pooled, coverage, 0.0), pooled)
    query = picture_query(pooled, coverage, 2.0)
    assert query.shape == (2, 8 + OUTLINE_GRID * OUTLINE_GRID)
    assert torch.allclose(query[:, 8:].norm(dim=1), torch.full((2,), 2.0))
    model, _, _ = filled_model()
    sketch = np.full((80, 80), 255, np.uint8)
    sketch[20:60, 30:34] = 0
    assert model.encode_sketch([sketch]).query.shape[1] == model.condition_widths["sketch"]


def test_memories_written_before_outlines_load_without_them():
    written = ModelConfig().to_dict()
    del written["memory"]["outline"]
    assert ModelConfig.from_dict(written).memory.outline == 1.0  # no memory: the default
    written["memory"]["entries"] = 10
    assert ModelConfig.from_dict(written).memory.outline == 0.0
