"""Quadric-error simplification to a face budget, and LOD chains.

fast_simplification (Garland-Heckbert quadrics) does not check the link
condition, so where a part is thin a collapse can fold or pinch the surface.
For a closed manifold input, folded face pairs are dropped, pinches are cut
out and closed, and the result is checked; a failure is retried at a slightly
smaller target, and as a last resort the mesh is re-extracted from its
winding number at a resolution matched to the budget.
"""

from __future__ import annotations

import math

import fast_simplification
import numpy as np
import trimesh

from meshsmith.errors import GeometryError, InputError
from meshsmith.geometry import topology
from meshsmith.geometry.checks import require_valid_mesh
from meshsmith.geometry.cleanup import clean_mesh
from meshsmith.geometry.holes import fill_small_holes
from meshsmith.geometry.rebuild import rebuild_closed

# Smallest closed triangle mesh: a tetrahedron.
MIN_FACES = 4
# Retries: each asks for a slightly smaller target than the last.
RETRY_SHRINK = (1.0, 0.97, 0.9, 0.8)
# Marching cubes makes about this many faces per voxel² of surface.
FACES_PER_VOXEL_AREA = 3.0
MIN_REBUILD_RESOLUTION = 16
# Cut-and-fill rounds for pinches left by a decimation pass, and the longest
# boundary loop a cut may leave.
PINCH_ROUNDS = 3
PINCH_MAX_HOLE_EDGES = 32


def simplify_mesh(
    mesh: trimesh.Trimesh, max_faces: int, aggressiveness: float = 7.0
) -> trimesh.Trimesh:
    """Return a copy of `mesh` with at most `max_faces` faces.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Not modified. Vertices are welded by position first, so UVs and
        vertex colours are dropped when the mesh is actually simplified.
    max_faces : int
        Face budget, at least 4. A mesh already within it is returned as an
        unchanged copy.
    aggressiveness : float
        fast_simplification's ``agg``: higher reaches the target faster with
        less care for shape (0-10).

    Returns
    -------
    trimesh.Trimesh
        ``len(faces) <= max_faces``; watertight and manifold if `mesh` was.

    Raises
    ------
    InputError
        If `max_faces` is below 4.
    GeometryError
        If a closed manifold cannot be kept within the budget.
    """
    require_valid_mesh(mesh)
    if max_faces < MIN_FACES:
        raise InputError(f"max_faces must be at least {MIN_FACES}, got {max_faces}")
    if len(mesh.faces) <= max_faces:
        return mesh.copy()
    welded = topology.weld(mesh)
    base = trimesh.Trimesh(welded.vertices, welded.faces, process=False)
    base.remove_unreferenced_vertices()
    closed = topology.is_closed_manifold(base)

    for shrink in RETRY_SHRINK:
        target = max(int(max_faces * shrink), MIN_FACES)
        result = _decimate(base, target, aggressiveness, closed)
        if result is not None:
            return result
    if not closed:
        raise GeometryError(f"could not simplify the mesh to {max_faces} faces")
    return _simplify_rebuilt(base, max_faces, aggressiveness)


def lod_chain(mesh: trimesh.Trimesh, face_budgets: list[int]) -> list[trimesh.Trimesh]:
    """Levels of detail, one per budget, each simplified from the next finer one.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Not modified.
    face_budgets : list of int
        Any order; the result follows the same order.

    Returns
    -------
    list of trimesh.Trimesh
        ``len(result[i].faces) <= face_budgets[i]``.
    """
    require_valid_mesh(mesh)
    levels: dict[int, trimesh.Trimesh] = {}
    current = mesh
    # Finest first: every level starts from the previous one, which is cheaper.
    for budget in sorted(set(face_budgets), reverse=True):
        current = simplify_mesh(current, budget)
        levels[budget] = current
    return [levels[budget].copy() for budget in face_budgets]


def _decimate(
    mesh: trimesh.Trimesh, target: int, aggressiveness: float, closed: bool
) -> trimesh.Trimesh | None:
    """One fast_simplification pass and its cleanup; None if it fails the checks."""
    if len(mesh.faces) <= target:
        return mesh.copy()
    vertices, faces = fast_simplification.simplify(
        mesh.vertices, mesh.faces, target_count=target, agg=aggressiveness
    )
    if closed:
        faces = _repair_pinches(vertices, _drop_folded_pairs(faces))
    if len(faces) == 0:
        return None
    result = clean_mesh(trimesh.Trimesh(vertices, faces, process=False), min_component_ratio=0)
    if not 0 < len(result.faces) <= target:
        return None
    if closed and not topology.is_closed_manifold(result):
        return None
    return result


def _drop_folded_pairs(faces: np.ndarray) -> np.ndarray:
    """Remove every face whose vertex triple appears twice: a fin folded onto itself."""
    key = np.sort(faces, axis=1)
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    return faces[counts[inverse.reshape(-1)] == 1]


def _repair_pinches(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Cut out the faces around non-manifold edges and vertices, then close the cuts.

    Quadric collapses ignore the link condition, so where a thin part
    collapses two sheets can end up sharing an edge or a vertex.
    """
    for _ in range(PINCH_ROUNDS):
        edges, counts = topology.edge_face_counts(faces)
        bad = topology.vertex_fan_counts(faces, len(vertices)) > 1
        bad[edges[counts > 2].reshape(-1)] = True
        if not bad.any():
            break
        cut = trimesh.Trimesh(vertices, faces[~bad[faces].any(axis=1)], process=False)
        faces, _ = fill_small_holes(cut, max_edges=PINCH_MAX_HOLE_EDGES)
    return faces


def _simplify_rebuilt(
    mesh: trimesh.Trimesh, max_faces: int, aggressiveness: float
) -> trimesh.Trimesh:
    """Re-extract near the budget: decimate that, or extract coarser until it fits."""
    longest = float(mesh.extents.max())
    voxel = math.sqrt(FACES_PER_VOXEL_AREA * mesh.area / (2.0 * max_faces))
    resolution = int(np.clip(longest / voxel, MIN_REBUILD_RESOLUTION, 256))
    rebuilt = rebuild_closed(mesh, resolution=resolution).mesh
    for shrink in RETRY_SHRINK:
        result = _decimate(rebuilt, max(int(max_faces * shrink), MIN_FACES), aggressiveness, True)
        if result is not None:
            return result
    # Marching cubes output is closed by construction: shrink the grid until it fits.
    while resolution > MIN_REBUILD_RESOLUTION:
        ratio = math.sqrt(len(rebuilt.faces) / max_faces)
        resolution = max(int(resolution / (1.1 * ratio)), MIN_REBUILD_RESOLUTION)
        rebuilt = rebuild_closed(mesh, resolution=resolution).mesh
        if len(rebuilt.faces) <= max_faces and topology.is_closed_manifold(rebuilt):
            return rebuilt
    raise GeometryError(f"could not keep the mesh watertight and manifold within {max_faces} faces")
