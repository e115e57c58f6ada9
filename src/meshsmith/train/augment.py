"""Random augmentation of render and sketch crops, in batches, on the CPU.

Renders differ from users' photos in framing, light, white balance and
background; sketches differ from a person's drawing in stroke weight, wobble
and gaps. Each augmentation below widens the training distribution in one of
those directions. Viewpoint variety comes from the dataset's random cameras.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def _uniform(n: int, low: float, high: float, g: torch.Generator) -> Tensor:
    return low + (high - low) * torch.rand(n, generator=g)


def _smooth_noise(n: int, channels: int, size: int, cells: int, g: torch.Generator) -> Tensor:
    """Smooth random field ``(n, channels, size, size)`` in about [-1, 1]."""
    coarse = torch.rand(n, channels, cells, cells, generator=g) * 2.0 - 1.0
    return F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False)


def _random_affine_grid(n: int, size: int, g: torch.Generator, wobble: float = 0.0) -> Tensor:
    """Sampling grid ``(n, size, size, 2)``: zoom 0.8-1.15, shift ±8 %, turn ±6°, plus wobble.

    `wobble` is the amplitude in pixels of a smooth displacement (stroke jitter).
    """
    zoom = _uniform(n, 0.8, 1.15, g)
    angle = _uniform(n, -6.0, 6.0, g) * (math.pi / 180.0)
    shift = (torch.rand(n, 2, generator=g) * 2.0 - 1.0) * 0.16
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, [n, 1, size, size], align_corners=False)
    if wobble > 0:
        field = _smooth_noise(n, 2, size, 5, g) * (2.0 * wobble / size)
        grid = grid + field.permute(0, 2, 3, 1)
    return grid


def _backgrounds(n: int, size: int, g: torch.Generator) -> Tensor:
    """``(n, 3, size, size)`` backgrounds: white, plain colour, gradient or smooth texture."""
    kind = torch.rand(n, generator=g)
    first = torch.rand(n, 3, 1, 1, generator=g)
    second = torch.rand(n, 3, 1, 1, generator=g)
    ramp = torch.linspace(0.0, 1.0, size).view(1, 1, size, 1)
    gradient = first + (second - first) * ramp
    texture = (first + 0.15 * _smooth_noise(n, 3, size, 6, g)).clamp(0.0, 1.0)
    plain = first.expand(n, 3, size, size)
    white = torch.ones(n, 3, size, size)
    out = torch.where((kind < 0.35).view(n, 1, 1, 1), white, plain)
    out = torch.where((kind >= 0.7).view(n, 1, 1, 1), gradient, out)
    return torch.where((kind >= 0.9).view(n, 1, 1, 1), texture, out)


def augment_photos(rgba: Tensor, g: torch.Generator) -> Tensor:
    """Augmented RGB ``(B, 3, S, S)`` in [0, 1] from render crops ``(B, 4, S, S) uint8``."""
    n, _, size, _ = rgba.shape
    x = F.grid_sample(rgba.float() / 255.0, _random_affine_grid(n, size, g), align_corners=False)
    rgb, alpha = x[:, :3], x[:, 3:]
    gain = _uniform(n, 0.75, 1.25, g).view(n, 1, 1, 1) * _uniform(n * 3, 0.92, 1.08, g).view(
        n, 3, 1, 1
    )
    rgb = rgb * gain
    grey = rgb.mean(1, keepdim=True)
    rgb = grey + (rgb - grey) * _uniform(n, 0.7, 1.3, g).view(n, 1, 1, 1)
    mean = (rgb * alpha).sum((1, 2, 3), keepdim=True) / (3 * alpha.sum((1, 2, 3), keepdim=True) + 1)
    rgb = mean + (rgb - mean) * _uniform(n, 0.8, 1.2, g).view(n, 1, 1, 1)
    out = rgb.clamp(0.0, 1.0) * alpha + _backgrounds(n, size, g) * (1.0 - alpha)
    noise = torch.randn(out.shape, generator=g) * _uniform(n, 0.0, 0.03, g).view(n, 1, 1, 1)
    return (out + noise).clamp(0.0, 1.0)


def augment_sketches(ink: Tensor, g: torch.Generator) -> Tensor:
    """Augmented ink ``(B, 1, S, S)`` in [0, 1] from sketch crops ``(B, S, S) uint8``."""
    n, size, _ = ink.shape
    x = ink.float()[:, None] / 255.0
    x = F.grid_sample(x, _random_affine_grid(n, size, g, wobble=1.5), align_corners=False)
    thicker = (torch.rand(n, generator=g) < 0.3).view(n, 1, 1, 1)
    x = torch.where(thicker, F.max_pool2d(x, 3, stride=1, padding=1), x)
    x = x.clamp(1e-4, 1.0) ** _uniform(n, 0.7, 1.5, g).view(n, 1, 1, 1)
    gaps = (_smooth_noise(n, 1, size, 12, g) > -0.6).float()
    gappy = (torch.rand(n, generator=g) < 0.3).view(n, 1, 1, 1)
    x = torch.where(gappy, x * gaps, x)
    return (x * _uniform(n, 0.7, 1.0, g).view(n, 1, 1, 1)).clamp(0.0, 1.0)
