"""Count self-intersections by casting a ray along every edge (Embree).

Two triangles in general position intersect exactly when an edge of one
passes through the other, so a mesh intersects itself when some edge segment
hits a face that does not share one of the edge's ends. Embree traces all
edges at once, each from both ends; ~0.6 s for 70k faces. Coplanar overlaps
are not counted.
"""

from __future__ import annotations

import numpy as np
import trimesh

from meshsmith.geometry import topology

# Hits closer than this fraction of the edge length to either end are the
# edge's own neighbourhood, not a crossing.
END_TOLERANCE = 1e-6
MAX_HITS_PER_EDGE = 64


def count_self_intersections(vertices: np.ndarray, faces: np.ndarray) -> int | None:
    """Number of distinct face pairs that cross each other.

    Parameters
    ----------
    vertices : (n, 3) float
    faces : (m, 3) int
        Welded (see `topology.weld`), so that neighbours share vertex ids.

    Returns
    -------
    int or None
        None when Embree (the embreex package) is not available.
    """
    crossings = find_crossings(vertices, faces)
    if crossings is None:
        return None
    return _count_face_pairs(faces, *crossings)


def find_crossings(vertices: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Edges that pass through a face they do not touch.

    Returns
    -------
    (edges (k, 2) int, hit_faces (k,) int), or None without Embree.
    """
    try:
        from trimesh.ray.ray_pyembree import RayMeshIntersector
    except ImportError:
        return None
    edges, _ = topology.edge_face_counts(faces)
    edges = edges[np.any(vertices[edges[:, 0]] != vertices[edges[:, 1]], axis=1)]
    # Each edge is cast from both ends: a ray that lies in the plane of a face it
    # grazes at its start (its own neighbours) can end there, and its crossing
    # further on is then found only from the other end.
    rays = np.concatenate([edges, edges[:, ::-1]])
    start, end = vertices[rays[:, 0]], vertices[rays[:, 1]]
    length = np.linalg.norm(end - start, axis=1)
    direction = (end - start) / length[:, None]
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    hit_face, ray, location = RayMeshIntersector(mesh).intersects_id(
        start, direction, multiple_hits=True, return_locations=True, max_hits=MAX_HITS_PER_EDGE
    )
    if len(hit_face) == 0:
        return np.empty((0, 2), dtype=np.int64), np.empty(0, dtype=np.int64)
    along = np.einsum("ij,ij->i", location - start[ray], direction[ray])
    margin = END_TOLERANCE * length[ray]
    inside = (along > margin) & (along < length[ray] - margin)
    hit_corners = faces[hit_face]
    touches = np.any(hit_corners == rays[ray, 0][:, None], axis=1)
    touches |= np.any(hit_corners == rays[ray, 1][:, None], axis=1)
    crossing = inside & ~touches
    found = np.unique(np.column_stack([ray[crossing] % len(edges), hit_face[crossing]]), axis=0)
    return edges[found[:, 0]], found[:, 1]


def _count_face_pairs(faces: np.ndarray, edges: np.ndarray, hit_faces: np.ndarray) -> int:
    """Distinct pairs (face using an edge, face that edge crosses)."""
    if len(edges) == 0:
        return 0
    base = int(faces.max()) + 1
    face_edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    face_keys = face_edges[:, 0].astype(np.int64) * base + face_edges[:, 1]
    order = np.argsort(face_keys)
    sorted_keys = face_keys[order]
    hit_keys = edges[:, 0].astype(np.int64) * base + edges[:, 1]
    low = np.searchsorted(sorted_keys, hit_keys, side="left")
    high = np.searchsorted(sorted_keys, hit_keys, side="right")
    counts = high - low
    hit_index = np.repeat(np.arange(len(edges)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    owner = order[np.repeat(low, counts) + offsets] // 3
    other = hit_faces[hit_index]
    pairs = np.unique(np.sort(np.stack([owner, other], axis=1), axis=1), axis=0)
    return len(pairs)
