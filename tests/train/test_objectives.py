"""The autoencoder loss's albedo term, in linear light or sRGB."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from meshsmith.colorspace import linear_to_srgb
from meshsmith.errors import InputError
from meshsmith.models.model import Model
from meshsmith.train.config import LossConfig, load_config
from meshsmith.train.objectives import AutoencoderObjective, encode_srgb


def test_encode_srgb_is_the_colorspace_curve_with_finite_gradients():
    x = torch.tensor([0.0, 0.001, 0.0031308, 0.02, 0.2, 0.5, 1.0], requires_grad=True)
    assert np.allclose(
        encode_srgb(x).detach().numpy(), linear_to_srgb(x.detach().numpy()), atol=1e-6
    )
    encode_srgb(x).sum().backward()
    assert torch.isfinite(x.grad).all() and (x.grad > 0).all()


def objective(space: str) -> AutoencoderObjective:
    return AutoencoderObjective(Model(load_config("tiny").model), LossConfig(albedo_space=space))


def test_srgb_albedo_term_sees_a_dark_colour_decoded_grey():
    # A dark green crown (linear) decoded as a dark grey, same roughness and metallic.
    green = torch.tensor([[0.02, 0.08, 0.02, 0.6, 0.0]])
    grey = torch.tensor([[0.04, 0.04, 0.04, 0.6, 0.0]])
    linear = objective("linear").appearance(grey, green)
    srgb = objective("srgb").appearance(grey, green)
    assert float(linear) == pytest.approx((0.02 + 0.04 + 0.02) / 5)
    assert float(srgb) > 2.5 * float(linear)
    # Bright colours weigh about the same in both spaces.
    white, cream = (
        torch.tensor([[0.9, 0.9, 0.9, 0.5, 0.0]]),
        torch.tensor([[0.8, 0.8, 0.7, 0.5, 0.0]]),
    )
    ratio = float(objective("srgb").appearance(white, cream)) / float(
        objective("linear").appearance(white, cream)
    )
    assert 0.4 < ratio < 1.0


def test_unknown_albedo_space_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="albedo_space"):
        LossConfig(albedo_space="lab")
    recipe = tmp_path / "r.toml"
    recipe.write_text('extends = "tiny"\n[loss]\nalbedo_space = "hsv"\n')
    with pytest.raises(InputError, match="albedo_space must be one of linear, srgb"):
        load_config(recipe)
