"""Normalisation: uniform scale, centred on x and z, standing on the ground (y = 0).

Units are metres and +Y is up (glTF convention).
"""

from __future__ import annotations

import numpy as np
import trimesh

from meshsmith.errors import InputError, InvalidMeshError
from meshsmith.geometry.checks import require_valid_mesh


def normalization_matrix(bounds: np.ndarray, size: float | None = None) -> np.ndarray:
    """Similarity transform that scales `bounds` and puts them on the ground.

    Parameters
    ----------
    bounds : (2, 3) float
        Axis-aligned box ``[min, max]`` to normalise.
    size : float or None
        Length in metres of the longest side afterwards; None means 1.

    Returns
    -------
    matrix : (4, 4) float
        Uniform scale, then translation so the box is centred on x and z and
        its lowest point is at y = 0.

    Raises
    ------
    InputError
        If `size` is not positive.
    InvalidMeshError
        If the box has zero extent in every axis (a single point).
    """
    target = 1.0 if size is None else float(size)
    if not target > 0:
        raise InputError(f"size must be positive, got {size}")
    low, high = np.asarray(bounds, dtype=np.float64)
    longest = float((high - low).max())
    if not longest > 0:
        raise InvalidMeshError("cannot normalise a mesh whose bounding box is a single point")
    scale = target / longest
    centre = (low + high) / 2.0
    offset = -scale * np.array([centre[0], low[1], centre[2]])
    matrix = np.diag([scale, scale, scale, 1.0])
    matrix[:3, 3] = offset
    return matrix


def normalize_mesh(mesh: trimesh.Trimesh, size: float | None = None) -> trimesh.Trimesh:
    """Return a copy scaled so its longest side is `size` metres (1 if None).

    The copy is centred on x and z and stands on y = 0: its bounding box is
    ``[-w/2, 0, -d/2] .. [w/2, h, d/2]``. Normals and UVs are unchanged
    (a uniform scale and a translation do not alter them).

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Not modified.
    size : float or None
        Longest side in metres.

    Returns
    -------
    trimesh.Trimesh
    """
    require_valid_mesh(mesh)
    normalized = mesh.copy()
    normalized.apply_transform(normalization_matrix(mesh.bounds, size))
    return normalized
