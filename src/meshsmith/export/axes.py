"""Axis and unit conventions of the 3D-printing formats (STL, 3MF).

meshsmith works in metres with +Y up (glTF). Printing formats are +Z up in
millimetres: the model's up becomes the printer's +Z so it stands on the build plate,
and its front (+Z in glTF) faces the printer's front (-Y).
"""

from __future__ import annotations

import numpy as np

# (x, y, z) Z-up -> (x, z, -y) Y-up, a -90 degree rotation about X.
Z_UP_TO_Y_UP = np.array(
    [[1.0, 0, 0, 0], [0, 0, 1.0, 0], [0, -1.0, 0, 0], [0, 0, 0, 1.0]], dtype=np.float64
)
Y_UP_TO_Z_UP = np.ascontiguousarray(Z_UP_TO_Y_UP.T)

# STL has no unit field; slicers read it as millimetres.
STL_METRES_PER_UNIT = 1e-3

# 3MF `unit` attribute values (and trimesh's default spelling) in metres.
METRES_PER_UNIT = {
    "micron": 1e-6,
    "millimeter": 1e-3,
    "millimeters": 1e-3,
    "centimeter": 1e-2,
    "inch": 0.0254,
    "foot": 0.3048,
    "meter": 1.0,
}


def to_print_frame(points: np.ndarray, metres_per_unit: float = 1e-3) -> np.ndarray:
    """Y-up metres to Z-up printing units.

    Parameters
    ----------
    points : (n, 3) float
        +Y up, metres.
    metres_per_unit : float
        Size of the output unit in metres (1e-3 for millimetres).

    Returns
    -------
    points : (n, 3) float64
        +Z up, in the output unit.
    """
    return (np.asarray(points, dtype=np.float64) @ Y_UP_TO_Z_UP[:3, :3].T) / metres_per_unit
