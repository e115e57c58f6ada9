"""sRGB transfer functions (IEC 61966-2-1), the one copy every stage uses.

Values are floats in [0, 1] of any shape; alpha, when present, is the caller's
to keep out (it is linear in every format meshsmith reads or writes).
"""

from __future__ import annotations

import numpy as np


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] to linear light, same shape, float64."""
    c = np.asarray(values, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(values: np.ndarray) -> np.ndarray:
    """Linear values (clipped to [0, 1]) to sRGB encoding, same shape, float64."""
    c = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)
