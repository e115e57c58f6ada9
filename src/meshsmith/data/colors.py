"""Colour names: the words captions use for a material's colour.

A colour is named by the nearest entry of `COLOUR_NAMES` in CIELAB (a roughly
perceptual space), so "red" in a caption is what a person would call the rendered
colour. Material colours are linear RGB; the table is in sRGB as people pick colours.
"""

from __future__ import annotations

import numpy as np

from meshsmith.colorspace import linear_to_srgb, srgb_to_linear

#: Caption colour words and their sRGB values (0-255).
COLOUR_NAMES: dict[str, tuple[int, int, int]] = {
    "black": (22, 22, 24),
    "dark grey": (70, 72, 76),
    "grey": (128, 128, 130),
    "light grey": (190, 190, 192),
    "white": (242, 242, 240),
    "cream": (240, 228, 196),
    "beige": (214, 192, 150),
    "tan": (190, 145, 95),
    "brown": (125, 78, 42),
    "dark brown": (68, 42, 26),
    "red": (200, 32, 36),
    "burgundy": (120, 22, 38),
    "pink": (236, 140, 170),
    "orange": (236, 120, 28),
    "yellow": (240, 205, 40),
    "gold": (205, 165, 60),
    "olive": (120, 120, 45),
    "lime green": (150, 205, 60),
    "green": (50, 140, 60),
    "dark green": (26, 78, 38),
    "teal": (20, 125, 125),
    "turquoise": (70, 195, 190),
    "light blue": (140, 188, 230),
    "blue": (40, 80, 190),
    "navy": (26, 36, 88),
    "purple": (110, 50, 150),
    "lavender": (180, 160, 220),
    "copper": (184, 110, 60),
    "terracotta": (186, 90, 62),
}


def srgb8_to_linear(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    """sRGB 0-255 triple to linear RGB floats in [0, 1]."""
    lin = srgb_to_linear(np.asarray(rgb, dtype=float) / 255.0)
    return (float(lin[0]), float(lin[1]), float(lin[2]))


def linear_to_lab(rgb: np.ndarray) -> np.ndarray:
    """Linear RGB (..., 3) in [0, 1] to CIELAB (..., 3), D65 white."""
    lin = np.clip(np.asarray(rgb, dtype=float), 0.0, 1.0)
    m = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = lin @ m.T / np.array([0.95047, 1.0, 1.08883])
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )


_NAMES = list(COLOUR_NAMES)
_LAB = linear_to_lab(srgb_to_linear(np.asarray(list(COLOUR_NAMES.values()), dtype=float) / 255.0))


def colour_name(rgb_linear: tuple[float, float, float] | np.ndarray) -> str:
    """Nearest caption colour word for a linear-RGB colour (CIE76 distance in Lab)."""
    lab = linear_to_lab(np.asarray(rgb_linear, dtype=float))
    return _NAMES[int(np.argmin(np.linalg.norm(_LAB - lab, axis=1)))]


def linear_to_srgb8(rgb: np.ndarray) -> np.ndarray:
    """Linear RGB (..., 3) floats to sRGB uint8 (..., 3)."""
    return np.round(linear_to_srgb(rgb) * 255.0).astype(np.uint8)
