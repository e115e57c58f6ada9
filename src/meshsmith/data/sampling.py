"""Point samples of a watertight mesh in the normalised frame (Occupancy Networks convention).

Normalised frame: the bounding-box centre at the origin and the longest side 1, so the
shape lies in [-0.5, 0.5]^3; ``metres = normalised * scale + offset``.

Volume samples are half uniform in [-0.55, 0.55]^3 and half near the surface (surface
points moved by isotropic gaussian offsets, half with sigma 0.01 and half with 0.05).
Occupancy is libigl's fast winding number > 0.5; the SDF is the exact distance to the
surface (libigl AABB tree) with the sign of the occupancy, so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import igl
import numpy as np
import trimesh

from meshsmith.errors import InvalidMeshError

#: Half side of the cube uniform volume samples fill.
VOLUME_BOUND = 0.55
#: Standard deviations (normalised units) of the near-surface offsets, equal shares each.
NEAR_SIGMAS = (0.01, 0.05)
# The largest float32 not above VOLUME_BOUND (float32(0.55) rounds up).
_BOUND32 = np.float32(VOLUME_BOUND)
if float(_BOUND32) > VOLUME_BOUND:
    _BOUND32 = np.nextafter(_BOUND32, np.float32(0.0))


@dataclass(frozen=True)
class Frame:
    """The similarity between metres and the normalised frame.

    Attributes
    ----------
    scale : float
        Longest bounding-box side in metres.
    offset : (3,) float
        Bounding-box centre in metres.
    """

    scale: float
    offset: np.ndarray

    @classmethod
    def of(cls, bounds: np.ndarray) -> Frame:
        """The frame of an axis-aligned box ``[min, max]`` ((2, 3) float, metres)."""
        low, high = np.asarray(bounds, dtype=np.float64)
        scale = float((high - low).max())
        if not scale > 0 or not np.isfinite(scale):
            raise InvalidMeshError("cannot normalise a shape whose bounding box is a point")
        return cls(scale, (low + high) / 2.0)

    def to_normalised(self, points: np.ndarray) -> np.ndarray:
        """(n, 3) metres -> (n, 3) float64 normalised coordinates."""
        return (np.asarray(points, dtype=np.float64) - self.offset) / self.scale


def area_samples(
    vertices: np.ndarray, faces: np.ndarray, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` area-uniform points on a triangle mesh.

    Returns
    -------
    points : (n, 3) float64
    face_index : (n,) int64
    barycentric : (n, 3) float64
    """
    tri = vertices[faces]
    areas = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    face_index = rng.choice(len(faces), size=n, p=areas / areas.sum())
    r1, r2 = rng.random(n), rng.random(n)
    flip = r1 + r2 > 1.0
    r1, r2 = np.where(flip, 1.0 - r1, r1), np.where(flip, 1.0 - r2, r2)
    bary = np.stack([1.0 - r1 - r2, r1, r2], axis=1)
    points = np.einsum("nk,nkj->nj", bary, tri[face_index])
    return points, face_index, bary


def occupancy(vertices: np.ndarray, faces: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(n,) bool: fast winding number > 0.5 of (n, 3) `points` w.r.t. a closed mesh.

    Points outside the mesh's bounding box are outside without asking libigl, which
    saves most of the cost for thin shapes (the winding number is linear in faces).
    """
    inside = np.zeros(len(points), dtype=bool)
    low, high = vertices.min(axis=0), vertices.max(axis=0)
    candidates = np.flatnonzero(np.all((points >= low) & (points <= high), axis=1))
    if len(candidates):
        winding = igl.fast_winding_number(vertices, faces, np.ascontiguousarray(points[candidates]))
        inside[candidates] = winding > 0.5
    return inside


def volume_samples(
    vertices: np.ndarray, faces: np.ndarray, n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Uniform and near-surface samples with occupancy and SDF, normalised frame.

    Parameters
    ----------
    vertices : (v, 3) float
        A closed mesh in the normalised frame.
    faces : (f, 3) int
    n : int
        Total samples: ``n // 2`` uniform, the rest near the surface.

    Returns
    -------
    dict
        ``points`` (n, 3) float32 in [-0.55, 0.55]^3, ``occupancy`` (n,) bool,
        ``sdf`` (n,) float32 (negative inside, normalised units), ``near_surface``
        (n,) bool.
    """
    vertices = np.ascontiguousarray(vertices, dtype=np.float64)
    faces = np.ascontiguousarray(faces, dtype=np.int64)
    uniform = rng.uniform(-VOLUME_BOUND, VOLUME_BOUND, size=(n // 2, 3))
    near_n = n - len(uniform)
    base, _, _ = area_samples(vertices, faces, near_n, rng)
    sigma = np.repeat(np.asarray(NEAR_SIGMAS), -(-near_n // len(NEAR_SIGMAS)))[:near_n]
    near = base + rng.standard_normal((near_n, 3)) * sigma[:, None]
    # Labels are computed on the float32 values that are stored, so they match exactly.
    points = np.clip(np.concatenate([uniform, near]).astype(np.float32), -_BOUND32, _BOUND32)
    query = points.astype(np.float64)
    inside = occupancy(vertices, faces, query)
    squared, _, _ = igl.point_mesh_squared_distance(query, vertices, faces)
    sdf = np.sqrt(squared) * np.where(inside, -1.0, 1.0)
    return {
        "points": points,
        "occupancy": inside,
        "sdf": sdf.astype(np.float32),
        "near_surface": np.arange(n) >= len(uniform),
    }


def normalised_mesh(mesh: trimesh.Trimesh, frame: Frame) -> tuple[np.ndarray, np.ndarray]:
    """The mesh's (v, 3) float64 vertices in `frame` and its (f, 3) int64 faces."""
    return frame.to_normalised(mesh.vertices), np.asarray(mesh.faces, dtype=np.int64)
