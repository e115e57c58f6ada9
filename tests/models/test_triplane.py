"""Triplane autoencoder: plane layout, pooling, and shapes of every stage."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from meshsmith.models.config import AutoencoderConfig
from meshsmith.models.triplane import (
    BOUND,
    TriplaneAutoencoder,
    plane_coords,
    roll_in,
    roll_out,
    split_outputs,
)

CONFIG = AutoencoderConfig(
    plane_res=16, plane_channels=8, latent_res=8, latent_channels=2, point_width=8, mlp_width=16
)


def test_roll_out_lays_planes_side_by_side_and_back():
    planes = torch.randn(2, 3, 4, 5, 5)
    image = roll_out(planes)
    assert image.shape == (2, 4, 5, 15)
    assert torch.equal(image[..., 5:10], planes[:, 1])
    assert torch.equal(roll_in(image), planes)


def test_plane_coords_drop_one_axis_each():
    point = torch.tensor([[[0.11, -0.22, 0.33]]])
    coords = plane_coords(point)[0, :, 0] * BOUND
    assert torch.allclose(coords, torch.tensor([[0.11, -0.22], [0.11, 0.33], [-0.22, 0.33]]))


def test_pooling_puts_a_point_in_the_cell_that_sampling_reads_back():
    ae = TriplaneAutoencoder(CONFIG)
    r = CONFIG.plane_res
    point = torch.tensor([[[0.2, -0.3, 0.1]]])
    uv = ((plane_coords(point) + 1.0) * 0.5 * r).long()
    cells = uv[..., 1] * r + uv[..., 0]
    planes = ae._pool(torch.ones(1, 1, 1), cells)  # (1, 3, 1, R, R)
    assert planes.sum() == 3.0
    # grid_sample at the point itself sees the set cell (nearest mode).
    grid = plane_coords(point).reshape(3, 1, 1, 2)
    seen = torch.nn.functional.grid_sample(
        planes.reshape(3, 1, r, r), grid, mode="nearest", align_corners=False
    )
    assert torch.equal(seen.flatten(), torch.ones(3))


def test_shapes_through_the_autoencoder():
    ae = TriplaneAutoencoder(CONFIG)
    points = torch.rand(2, 64, 3) - 0.5
    mean, logvar = ae.encode(points, torch.rand(2, 64, 8))
    assert mean.shape == logvar.shape == (2, *CONFIG.latent_shape)
    planes = ae.decode(mean)
    assert planes.shape == (2, 3, 8, 16, 16)
    raw = ae.query(planes, torch.rand(2, 10, 3) - 0.5)
    sdf, albedo, roughness, metallic = split_outputs(raw)
    assert sdf.shape == (2, 10) and albedo.shape == (2, 10, 3) and metallic.shape == (2, 10)
    assert (albedo >= 0).all() and (albedo <= 1).all() and (roughness <= 1).all()


def test_encoder_ignores_point_order():
    ae = TriplaneAutoencoder(CONFIG)
    points, features = torch.rand(1, 200, 3) - 0.5, torch.rand(1, 200, 8)
    order = torch.randperm(200)
    a, _ = ae.encode(points, features)
    b, _ = ae.encode(points[:, order], features[:, order])
    assert torch.allclose(a, b, atol=1e-5)


def test_latent_resolution_must_divide_by_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        TriplaneAutoencoder(AutoencoderConfig(plane_res=32, latent_res=12))


def test_refine_head_doubles_the_planes_and_starts_as_bilinear_upsampling():
    refined = dataclasses.replace(CONFIG, refine_res=2 * CONFIG.plane_res)
    plain, ae = TriplaneAutoencoder(CONFIG), TriplaneAutoencoder(refined)
    missing, unexpected = ae.load_state_dict(plain.state_dict(), strict=False)
    assert missing and all(k.startswith("refine.") for k in missing) and not unexpected
    latent = torch.randn(1, *CONFIG.latent_shape)
    coarse, fine = plain.decode(latent), ae.decode(latent)
    assert coarse.shape == (1, 3, 8, 16, 16) and fine.shape == (1, 3, 8, 32, 32)
    # The head's last conv starts at zero: the fine planes are the coarse ones upsampled,
    # each plane on its own (no blending across the roll-out's seams).
    upsampled = torch.nn.functional.interpolate(coarse[0], scale_factor=2, mode="bilinear")
    assert torch.allclose(fine[0], upsampled, atol=1e-6)
    points = torch.rand(1, 200, 3) * 0.8 - 0.4
    a, b = plain.query(coarse, points), ae.query(fine, points)
    assert (a - b).abs().max() < 0.1 * a.abs().max()


@pytest.mark.parametrize("refine_res", [24, 8])
def test_refine_res_must_be_a_power_of_two_above_the_planes(refine_res):
    with pytest.raises(ValueError, match="refine_res"):
        TriplaneAutoencoder(dataclasses.replace(CONFIG, refine_res=refine_res))
