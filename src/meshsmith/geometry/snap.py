"""Move a rebuilt surface back onto the input surface it approximates.

The generalised winding number is nearly a step function, so marching cubes
places its 0.5 level only to within about half a voxel: flat and smooth
regions come out terraced. Each vertex that lies within `max_distance` of the
input moves to its closest input point (libigl AABB query). Where that would
flip or collapse a triangle, pinch two vertices together or make faces cross
(thin parts, creases), those vertices and their neighbours stay put; if that
does not settle in a few rounds nothing moves, so the result is never worse
than its input. Vertices far from the input (caps that close a hole) stay too.
"""

from __future__ import annotations

import igl
import numpy as np
import trimesh

from meshsmith.geometry.intersections import find_crossings

# A face whose normal turns by more than ~75 degrees is taken as folded.
MIN_NORMAL_DOT = 0.25
ROUNDS = 6


def snap_to_surface(
    mesh: trimesh.Trimesh, reference: trimesh.Trimesh, max_distance: float
) -> tuple[trimesh.Trimesh, int]:
    """Return a copy of `mesh` with vertices moved onto `reference`, and how many moved.

    Parameters
    ----------
    mesh : closed manifold mesh lying near `reference`; its topology is kept.
    reference : the surface to snap to (any triangles).
    max_distance : vertices farther than this from `reference` do not move.
    """
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    squared, _, closest = igl.point_mesh_squared_distance(
        vertices,
        np.asarray(reference.vertices, dtype=np.float64),
        np.asarray(reference.faces, dtype=np.int64),
    )
    moving = squared < max_distance**2
    before = _unit_normals(vertices, faces)
    crossings_before = _crossing_vertices(vertices, faces)
    for _ in range(ROUNDS):
        snapped = np.where(moving[:, None], closest, vertices)
        bad = _folded_vertices(before, snapped, faces) | _coincident_vertices(snapped)
        bad |= _crossing_vertices(snapped, faces) & ~crossings_before
        bad &= moving
        if not bad.any():
            return trimesh.Trimesh(snapped, faces, process=False), int(moving.sum())
        moving &= ~_grow(bad, faces)
    return mesh.copy(), 0


def _folded_vertices(before: np.ndarray, vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(n,) bool: corners of faces that flipped or collapsed."""
    folded = np.einsum("ij,ij->i", before, _unit_normals(vertices, faces)) < MIN_NORMAL_DOT
    return _mark(faces[folded], len(vertices))


def _coincident_vertices(vertices: np.ndarray) -> np.ndarray:
    """(n,) bool: vertices sharing a position with another (a pinch once welded)."""
    _, inverse, counts = np.unique(vertices, axis=0, return_inverse=True, return_counts=True)
    return counts[inverse.ravel()] > 1


def _crossing_vertices(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(n,) bool: vertices of edges and faces that cross each other."""
    crossings = find_crossings(vertices, faces)
    if crossings is None:
        return np.zeros(len(vertices), dtype=bool)
    edges, hit_faces = crossings
    return _mark(edges, len(vertices)) | _mark(faces[hit_faces], len(vertices))


def _grow(marked: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Marked vertices plus their one-ring neighbours."""
    return _mark(faces[marked[faces].any(axis=1)], len(marked))


def _mark(ids: np.ndarray, count: int) -> np.ndarray:
    mask = np.zeros(count, dtype=bool)
    mask[np.asarray(ids, dtype=np.int64).ravel()] = True
    return mask


def _unit_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(m, 3) face normals; zero-area faces get a zero vector (so they count as folded)."""
    corners = vertices[faces]
    normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
