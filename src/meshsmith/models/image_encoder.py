"""Small CNN from a photo or a sketch to condition tokens, trained from scratch.

No pretrained vision weights can be fetched here, so the encoder is small
enough to learn from the dataset's renders alone: four stride-2 stages of
residual convs, one token per cell of the last feature map (e.g. 96 px → 6×6
= 36 tokens) with a learned position embedding, and their mean as the pooled
vector. Photos are RGB (3 channels); sketches are ink coverage (1 channel).
Inputs are prepared by `meshsmith.models.image_prep` (object cropped and centred).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from meshsmith.models.config import ImageEncoderConfig
from meshsmith.models.triplane import ResBlock, _groups


class ImageEncoder(nn.Module):
    """Images ``(B, channels, S, S)`` in [0, 1] → tokens ``(B, T, W)`` and pooled ``(B, W)``.

    Parameters
    ----------
    config : ImageEncoderConfig
    channels : int
        3 for RGB photos, 1 for sketches.
    """

    def __init__(self, config: ImageEncoderConfig, channels: int) -> None:
        super().__init__()
        self.config = config
        self.channels = channels
        stride = 2 ** len(config.widths)
        if config.size % stride:
            raise ValueError(f"image size must be a multiple of {stride}")
        layers: list[nn.Module] = []
        previous = channels
        for width in config.widths:
            layers.append(nn.Conv2d(previous, width, 3, stride=2, padding=1))
            layers += [ResBlock(width) for _ in range(config.blocks)]
            previous = width
        layers += [nn.GroupNorm(_groups(previous), previous), nn.SiLU()]
        self.trunk = nn.Sequential(*layers)
        cells = (config.size // stride) ** 2
        self.position = nn.Parameter(torch.randn(1, cells, previous) * 0.02)
        self.norm = nn.LayerNorm(previous)

    @property
    def width(self) -> int:
        return self.config.widths[-1]

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor]:
        """Tokens ``(B, T, W)`` and pooled vector ``(B, W)`` of images in [0, 1]."""
        features = self.trunk(images * 2.0 - 1.0)
        tokens = self.norm(features.flatten(2).transpose(1, 2) + self.position)
        return tokens, tokens.mean(dim=1)
