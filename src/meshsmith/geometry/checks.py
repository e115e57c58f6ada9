"""Input validation shared by every geometry function.

Each public function in `meshsmith.geometry` calls `require_valid_mesh` first so
that bad input fails with one readable `InvalidMeshError` instead of a numpy
traceback deep inside a library.
"""

from __future__ import annotations

import numpy as np
import trimesh

from meshsmith.errors import InvalidMeshError


def require_valid_mesh(mesh: trimesh.Trimesh) -> None:
    """Raise `InvalidMeshError` unless `mesh` is a usable triangle mesh.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Mesh to check; it is not modified.

    Raises
    ------
    InvalidMeshError
        If `mesh` is not a Trimesh, has no vertices or no faces, has NaN or
        infinite coordinates, faces that are not triangles, or face indices
        outside ``[0, len(vertices))``.
    """
    if not isinstance(mesh, trimesh.Trimesh):
        raise InvalidMeshError(f"expected a triangle mesh, got {type(mesh).__name__}")
    vertices = np.asarray(mesh.vertices)
    faces = np.asarray(mesh.faces)
    if vertices.ndim != 2 or len(vertices) == 0:
        raise InvalidMeshError("mesh has no vertices")
    if faces.ndim != 2 or len(faces) == 0:
        raise InvalidMeshError("mesh has no faces")
    if vertices.shape[1] != 3:
        raise InvalidMeshError(f"vertices must be 3D points, got shape {vertices.shape}")
    if faces.shape[1] != 3:
        raise InvalidMeshError(f"faces must be triangles, got shape {faces.shape}")
    bad = ~np.isfinite(vertices).all(axis=1)
    if bad.any():
        raise InvalidMeshError(
            f"mesh has {int(bad.sum())} vertices with NaN or infinite coordinates"
        )
    if not np.issubdtype(faces.dtype, np.integer):
        raise InvalidMeshError(f"face indices must be integers, got {faces.dtype}")
    low, high = int(faces.min()), int(faces.max())
    if low < 0 or high >= len(vertices):
        raise InvalidMeshError(
            f"face indices out of range: found {low}..{high} for {len(vertices)} vertices"
        )
