"""Combinatorial topology of triangle meshes: edges, fans, components, manifoldness.

Formats such as glTF and OBJ split vertices along UV seams and normal creases,
so a closed surface can look open to an index-based test. Every function here
takes faces indexing *welded* vertices: call `weld` first, which merges
vertices with exactly equal positions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class Welded:
    """Faces re-indexed onto unique vertex positions.

    Attributes
    ----------
    vertices : (n, 3) float
        Unique positions.
    faces : (m, 3) int
        Triangles indexing `vertices`, in the input's face order.
    """

    vertices: np.ndarray
    faces: np.ndarray


def weld(mesh: trimesh.Trimesh) -> Welded:
    """Merge vertices with exactly equal positions, keeping face order."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    unique, inverse = np.unique(vertices, axis=0, return_inverse=True)
    faces = inverse.reshape(-1)[np.asarray(mesh.faces, dtype=np.int64)]
    return Welded(vertices=unique, faces=faces.reshape(-1, 3))


def edge_face_counts(faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique undirected edges and how many faces use each.

    Parameters
    ----------
    faces : (m, 3) int

    Returns
    -------
    edges : (e, 2) int
        Sorted vertex pairs.
    counts : (e,) int
        Faces per edge: 1 on a boundary, 2 on a manifold interior, more where
        the surface is non-manifold.
    """
    directed = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    keys, counts = np.unique(_pair_keys(np.sort(directed, axis=1)), return_counts=True)
    base = _key_base(faces)
    return np.stack([keys // base, keys % base], axis=1), counts


def _key_base(faces: np.ndarray) -> int:
    return int(faces.max()) + 1 if len(faces) else 1


def _pair_keys(pairs: np.ndarray, base: int | None = None) -> np.ndarray:
    """One int64 per vertex pair ``(k, 2) int``; faster to sort than rows."""
    base = int(pairs.max()) + 1 if base is None else base
    return pairs[:, 0].astype(np.int64) * base + pairs[:, 1]


def vertex_fan_counts(faces: np.ndarray, n_vertices: int) -> np.ndarray:
    """Number of separate face fans around each vertex.

    Two faces around a vertex belong to the same fan when they are linked by a
    chain of faces that share manifold edges (exactly two faces) through that
    vertex. A manifold vertex has exactly one fan (a disc inside, a half-disc
    on the boundary); two cones touching at their tips give the tip two fans,
    and so does each end of an edge shared by four faces.

    Parameters
    ----------
    faces : (m, 3) int
    n_vertices : int

    Returns
    -------
    fans : (n_vertices,) int
        0 for unreferenced vertices.
    """
    m = len(faces)
    if m == 0:
        return np.zeros(n_vertices, dtype=np.int64)
    # Nodes are face corners (face f, slot c) -> index 3f + c.
    corner = np.arange(3 * m).reshape(m, 3)
    slot_a = np.tile([0, 1, 2], m)
    slot_b = np.tile([1, 2, 0], m)
    face = np.repeat(np.arange(m), 3)
    a = faces[face, slot_a]
    b = faces[face, slot_b]
    low_is_a = a <= b
    # For each face-edge: the corner holding the lower and the higher vertex id.
    corner_low = np.where(low_is_a, corner[face, slot_a], corner[face, slot_b])
    corner_high = np.where(low_is_a, corner[face, slot_b], corner[face, slot_a])
    key = _pair_keys(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1))
    order = np.argsort(key, kind="stable")
    _, group_start, group_size = np.unique(key[order], return_index=True, return_counts=True)
    # Only a manifold edge (exactly two faces) joins the fans of its two ends.
    pair = group_start[group_size == 2]
    first, second = order[pair], order[pair + 1]
    rows = np.concatenate([corner_low[first], corner_high[first]])
    cols = np.concatenate([corner_low[second], corner_high[second]])
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(3 * m, 3 * m))
    _, labels = connected_components(graph, directed=False)
    # Labels of one vertex's corners: count distinct (vertex, label) pairs.
    pairs = np.sort(_pair_keys(np.stack([faces.reshape(-1), labels], axis=1), base=3 * m))
    pairs = pairs[np.r_[True, pairs[1:] != pairs[:-1]]]
    return np.bincount(pairs // (3 * m), minlength=n_vertices)


def face_components(faces: np.ndarray, n_vertices: int) -> tuple[int, np.ndarray]:
    """Connected components of faces linked through shared vertices.

    Returns
    -------
    count : int
    labels : (m,) int
        Component of each face.
    """
    m = len(faces)
    if m == 0:
        return 0, np.zeros(0, dtype=np.int64)
    # Bipartite graph faces <-> vertices; faces are nodes [0, m), vertices [m, m + n).
    rows = np.repeat(np.arange(m), 3)
    cols = m + faces.reshape(-1)
    graph = coo_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(m + n_vertices,) * 2
    )
    _, labels = connected_components(graph, directed=False)
    face_labels = labels[:m]
    _, face_labels = np.unique(face_labels, return_inverse=True)
    return int(face_labels.max()) + 1, face_labels


def degenerate_faces(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Faces ``(m,) bool`` with a repeated vertex or zero area (to float64 rounding).

    The area test is relative to the mesh size, ``|cross| <= 1e-14 * size²``,
    so tiny but valid triangles (marching cubes makes some) are not flagged.
    """
    repeated = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2])
    repeated |= faces[:, 2] == faces[:, 0]
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    doubled_area = np.linalg.norm(np.cross(b - a, c - a), axis=1)
    size = float(np.ptp(vertices, axis=0).max()) if len(vertices) else 0.0
    return repeated | (doubled_area <= 1e-14 * size**2)


def winding_consistent(faces: np.ndarray) -> bool:
    """True when no directed edge is used twice, i.e. neighbours agree on orientation."""
    directed = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    keys = np.sort(_pair_keys(directed))
    return not np.any(keys[1:] == keys[:-1])


def is_closed_manifold(mesh: trimesh.Trimesh) -> bool:
    """Watertight, edge- and vertex-manifold, and consistently wound (after `weld`)."""
    welded = weld(mesh)
    faces = welded.faces
    # Only repeated indices break topology; a zero-area triangle does not.
    repeated = (faces[:, 0] == faces[:, 1]) | (faces[:, 1] == faces[:, 2])
    if len(faces) == 0 or np.any(repeated | (faces[:, 2] == faces[:, 0])):
        return False
    _, counts = edge_face_counts(faces)
    if np.any(counts != 2) or not winding_consistent(faces):
        return False
    return bool(np.all(vertex_fan_counts(faces, len(welded.vertices)) <= 1))
