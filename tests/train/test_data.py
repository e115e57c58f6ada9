"""Training data in memory, batches, and augmentation."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from meshsmith.data.dataset import interleave_categories
from meshsmith.train.augment import augment_photos, augment_sketches
from meshsmith.train.data import autoencoder_batch, gather_rows, load_split
from meshsmith.train.prior_data import TextBank, split_rows
from tests.train.conftest import quick_config


@pytest.fixture(scope="module")
def train_set(tiny_dataset):
    return load_split(tiny_dataset, "train", quick_config())


def test_split_is_held_as_fixed_size_tensors(train_set):
    config = quick_config()
    n = len(train_set)
    assert n == 5 and set(train_set.categories) == {"chair", "mug"}
    assert train_set.surface.shape == (n, config.surface_points, 11)
    assert train_set.volume.shape == (n, config.volume_points, 5)
    size = config.model.image.size
    assert train_set.images.shape == (n, 2, 4, size, size)
    assert train_set.sketches.shape == (n, 2, size, size)
    # The dataset's SDF and occupancy agree (negative inside), and shapes fill [-0.5, 0.5].
    sdf, occupied = train_set.volume[..., 3], train_set.volume[..., 4]
    assert torch.equal(sdf < 0, occupied > 0.5)
    extent = train_set.surface[..., :3].amax(1) - train_set.surface[..., :3].amin(1)
    assert torch.allclose(extent.amax(1), torch.ones(n), atol=0.02)


def test_a_limited_split_takes_each_category_in_turn(tiny_dataset, train_set):
    # Validation loads a few shapes: the first of each category before any second one.
    ids = ["a-1", "a-2", "a-3", "b-1", "c-1", "c-2"]
    records = [SimpleNamespace(id=i, category=i[0]) for i in ids]
    assert [r.id for r in interleave_categories(records, 4)] == ["a-1", "b-1", "c-1", "a-2"]
    assert [r.id for r in interleave_categories(records)] == [
        "a-1", "b-1", "c-1", "a-2", "c-2", "a-3"
    ]  # fmt: skip
    two = load_split(tiny_dataset, "train", quick_config(), limit=2)
    assert two.categories == ["chair", "mug"] and two.ids == train_set.ids[:2]


def test_crops_are_centred_on_the_object(train_set):
    alpha = train_set.images[:, :, 3].float() / 255.0  # (S, K, H, W)
    size = alpha.shape[-1]
    coords = torch.arange(size, dtype=torch.float32)
    total = alpha.sum((-1, -2))
    cy = (alpha.sum(-1) * coords).sum(-1) / total
    cx = (alpha.sum(-2) * coords).sum(-1) / total
    assert ((cy - size / 2).abs() < 0.2 * size).all()
    assert ((cx - size / 2).abs() < 0.2 * size).all()
    ink = train_set.sketches.float().sum((-1, -2))
    assert (ink > 0).all()


def test_autoencoder_batch_draws_rows_of_the_chosen_shapes(train_set):
    config = quick_config()
    g = torch.Generator().manual_seed(0)
    index = torch.tensor([4, 0])
    batch = autoencoder_batch(train_set, index, config, g)
    assert batch.points.shape == (2, config.encoder_points, 3)
    assert batch.features.shape == (2, config.encoder_points, 8)
    assert batch.volume.shape == (2, config.query_points, 5)
    # every drawn surface point is one of that shape's stored points
    stored = train_set.surface[4, :, :3]
    assert (batch.points[0][:, None] == stored[None]).all(-1).any(-1).all()


def test_gather_rows_is_seeded():
    data = torch.arange(60, dtype=torch.float32).view(2, 10, 3)
    a = gather_rows(data, 4, torch.Generator().manual_seed(1))
    b = gather_rows(data, 4, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and a.shape == (2, 4, 3)
    assert (a[1] >= 30).all() and (a[0] < 30).all()


@pytest.mark.parametrize(("batch", "expected"), [(6, (3, 2, 1)), (32, (16, 8, 8)), (3, (1, 1, 1))])
def test_prior_rows_split_between_kinds(batch, expected):
    assert split_rows(batch, quick_config(), has_views=True) == expected
    assert split_rows(batch, quick_config(), has_views=False) == (batch, 0, 0)


def test_text_bank_returns_a_caption_of_each_shape():
    bank = TextBank([["a red mug", "a mug"], ["a tall wooden chair"]], max_tokens=8)
    tokens, mask, pooled = bank.lookup(torch.tensor([1, 1, 0]), torch.Generator().manual_seed(0))
    assert tokens.shape == (3, 8, 384) and mask.shape == (3, 8)
    # "[CLS] a tall wooden chair [SEP]" is 6 tokens
    assert mask[0].sum() == 6 and torch.allclose(pooled[0], pooled[1])
    assert torch.allclose(pooled.norm(dim=-1), torch.ones(3), atol=1e-3)


def test_photo_augmentation_keeps_the_object_and_varies_the_rest(train_set):
    rgba = train_set.images[:, 0]
    g = torch.Generator().manual_seed(0)
    out = augment_photos(rgba, g)
    assert out.shape == (len(rgba), 3, rgba.shape[-1], rgba.shape[-1])
    assert out.min() >= 0.0 and out.max() <= 1.0
    again = augment_photos(rgba, torch.Generator().manual_seed(1))
    assert not torch.allclose(out, again)
    # The corner (background) takes several colours across a batch of 64 draws.
    many = augment_photos(rgba[:1].expand(64, -1, -1, -1), g)
    assert np.unique(np.round(many[:, :, 0, 0].numpy(), 1), axis=0).shape[0] > 8


def test_sketch_augmentation_keeps_most_ink(train_set):
    ink = train_set.sketches[:, 0]
    out = augment_sketches(ink, torch.Generator().manual_seed(0))
    assert out.shape == (len(ink), 1, ink.shape[-1], ink.shape[-1])
    kept = out.sum((1, 2, 3)) / (ink.float() / 255.0).sum((1, 2))
    assert (kept > 0.3).all() and (kept < 3.0).all()
