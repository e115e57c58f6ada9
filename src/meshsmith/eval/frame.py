"""The evaluation frame: a bounding box moved to [-0.5, 0.5]^3 (Occupancy Networks).

The box's centre goes to the origin and its longest side becomes 1, so every
distance the metrics report is a fraction of the reference shape's longest side.
"""

from __future__ import annotations

import numpy as np

from meshsmith.errors import InvalidMeshError


def unit_box_transform(bounds: np.ndarray) -> np.ndarray:
    """Similarity that maps `bounds` into [-0.5, 0.5]^3, centred, longest side 1.

    Parameters
    ----------
    bounds : (2, 3) float
        Axis-aligned box ``[min, max]``.

    Returns
    -------
    matrix : (4, 4) float64
        ``x' = (x - centre) / longest``.

    Raises
    ------
    InvalidMeshError
        If the box is a single point.
    """
    low, high = np.asarray(bounds, dtype=np.float64)
    longest = float((high - low).max())
    if not np.isfinite(longest) or not longest > 0:
        raise InvalidMeshError("cannot normalise a shape whose bounding box is a single point")
    matrix = np.diag([1.0 / longest] * 3 + [1.0])
    matrix[:3, 3] = -(low + high) / 2.0 / longest
    return matrix


def apply_transform(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """`points` (n, 3) moved by the similarity `matrix` (4, 4); returns (n, 3) float64."""
    points = np.asarray(points, dtype=np.float64)
    # Column by column rather than `points @ R.T`: a product with an inner size of 3
    # costs ~10x more through a multithreaded BLAS than as three broadcasts.
    linear = matrix[:3, :3]
    moved = points[:, [0]] * linear[:, 0] + matrix[:3, 3]
    moved += points[:, [1]] * linear[:, 1]
    moved += points[:, [2]] * linear[:, 2]
    return moved


def normalize_cloud(points: np.ndarray) -> np.ndarray:
    """A point cloud moved into its own unit box (see `unit_box_transform`).

    Parameters
    ----------
    points : (n, 3) float

    Returns
    -------
    normalised : (n, 3) float32
    """
    points = np.asarray(points, dtype=np.float64)
    bounds = np.stack([points.min(axis=0), points.max(axis=0)])
    return apply_transform(points, unit_box_transform(bounds)).astype(np.float32)
