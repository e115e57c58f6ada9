"""Find boundary loops and close the small ones with a fan of triangles.

Works on welded topology (see `topology.weld`), so UV seams are not mistaken
for holes, and returns faces in the caller's own vertex indexing.
"""

from __future__ import annotations

import numpy as np
import trimesh

from meshsmith.geometry import topology


def boundary_loops(faces: np.ndarray) -> list[np.ndarray]:
    """Closed chains of boundary edges, each ``(k,) int`` in face winding order.

    Parameters
    ----------
    faces : (m, 3) int
        Welded faces with consistent winding.

    Returns
    -------
    loops : list of (k,) int
        Vertex ids; the loop runs ``loop[0] -> loop[1] -> ... -> loop[0]``
        along the boundary, in the direction the adjacent faces use. Chains
        that branch (a vertex with several boundary edges) are left out.
    """
    directed = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    base = int(faces.max()) + 1
    undirected = directed.min(axis=1).astype(np.int64) * base + directed.max(axis=1)
    _, inverse, counts = np.unique(undirected, return_inverse=True, return_counts=True)
    boundary = directed[counts[inverse] == 1]
    if len(boundary) == 0:
        return []
    starts, start_counts = np.unique(boundary[:, 0], return_counts=True)
    branching = set(starts[start_counts > 1].tolist())
    following = {int(a): int(b) for a, b in boundary if a not in branching}
    loops = []
    while following:
        start, current = next(iter(following.items()))
        loop = [start]
        del following[start]
        while current != start and current in following:
            loop.append(current)
            current = following.pop(current)
        if current == start and len(loop) >= 3:
            loops.append(np.array(loop, dtype=np.int64))
    return loops


def fill_small_holes(mesh: trimesh.Trimesh, max_edges: int = 16) -> tuple[np.ndarray, int]:
    """Faces of `mesh` plus fans closing every boundary loop of at most `max_edges`.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Consistently wound; not modified.
    max_edges : int
        Longest boundary loop treated as a small hole.

    Returns
    -------
    faces : (m + f, 3) int
        The original faces followed by the new ones, indexing `mesh.vertices`
        (a welded position maps back to one of its split vertices).
    filled : int
        Number of holes closed.
    """
    faces = np.asarray(mesh.faces, dtype=np.int64)
    welded = topology.weld(mesh)
    # Any original vertex at each welded position, to write new faces with.
    original_of = np.empty(len(welded.vertices), dtype=np.int64)
    original_of[welded.faces.reshape(-1)] = faces.reshape(-1)
    new_faces = []
    filled = 0
    for loop in boundary_loops(welded.faces):
        if len(loop) > max_edges:
            continue
        # The boundary runs with the faces' winding; the patch must run against it.
        fan = np.stack([np.full(len(loop) - 2, loop[0]), loop[2:], loop[1:-1]], axis=1)
        new_faces.append(original_of[fan])
        filled += 1
    if not new_faces:
        return faces, 0
    return np.concatenate([faces, *new_faces]), filled
