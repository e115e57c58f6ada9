"""Keep thin parts whole: extract a little above the zero level, then settle back onto it.

Inside parts thinner than about one cell of its feature planes (a sword's blade, a
chair's legs, a wing), a trained field dips towards zero but often does not
cross it. Its zero level then breaks those parts into pieces, which cleanup drops
as floaters. The level a small `offset` above zero keeps them whole, but makes
the whole object that much fatter.

`settle` keeps the best of both. It starts from the surface at the offset level.
Each vertex moves inward along the field's gradient to where the field crosses
zero, if that happens within reach (the object's bulk). Where the field never
crosses zero (thin parts), the vertex stays on the offset surface. The moves are
smoothed over the mesh so that bulk and thin parts meet without a step.

Only vertices move, so a closed manifold stays closed and manifold. Moves can
still fold the surface where the offset surface filled a narrow concave crease:
vertices from both sides of it converge on one line and cross. Each round, the
moves of the vertices of crossing faces and of their neighbours (`UNFOLD_RINGS`)
are taken back whole, until no edge passes through a face (`find_crossings`). That
leaves a margin: easing only the folded vertices by half a move per round kept
more of the moves (autoencoded test shapes F@0.02 0.610 against 0.564), but left
creases so tight that simplification to 10k faces folded them again. The
generation pipeline now simplifies first and settles the simplified surface
(`meshsmith.pipeline.surface.simplify_closed`).

Crossings the surface had before any move (a simplifier's) are not settling's to
undo: the vertices around them stay, and only new crossings count as folds. Before,
one such crossing made every round fail, and the whole surface stayed unsettled.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import trimesh
from scipy import sparse

from meshsmith.geometry.intersections import find_crossings

#: How far inward the zero level is looked for, in multiples of the offset (the
#: field's gradient is below one near thin parts, so zero lies deeper than `offset`).
REACH = 3.0
#: Field samples along each vertex's inward direction.
PROBES = 6
#: Rounds of averaging the moves over each vertex's neighbours.
SMOOTHING = 6
#: Rounds of finding folds and easing the moves around them before giving up on
#: settling (the offset surface is returned, whole but fatter). Gallery prompts
#: need 3-6.
UNFOLD_ROUNDS = 8
#: Rings of neighbours around a fold whose moves are taken back with it (averaged
#: over as many rings again, so the easing fades out).
UNFOLD_RINGS = 3


def settle(
    mesh: trimesh.Trimesh,
    sdf: Callable[[np.ndarray], np.ndarray],
    offset: float,
    reach: float = REACH,
    probes: int = PROBES,
    smoothing: int = SMOOTHING,
    crossings: tuple[np.ndarray, np.ndarray] | None = None,
) -> trimesh.Trimesh:
    """`mesh`, extracted at level `offset` of `sdf` (negative inside), with its
    vertices moved inward to the zero level wherever it lies within ``reach *
    offset`` along the field's gradient; the others stay. A new mesh; `mesh` is unchanged.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Closed, welded surface with outward normals, at the field's `offset` level.
    sdf : callable
        ``sdf(points (n, 3) float32) -> (n,)`` field values at the points.
    offset : float
        Level `mesh` was extracted at (0 or less: `mesh` is returned as it is).
    reach, probes, smoothing :
        See `REACH`, `PROBES` and `SMOOTHING`.
    crossings : (edges, faces), optional
        `find_crossings` of `mesh` as given, when the caller has them already.
    """
    if offset <= 0 or not len(mesh.faces):
        return mesh
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    neighbours = _neighbours(mesh.edges_unique, len(vertices))
    normals = _directions(mesh, sdf, 0.5 * offset)
    steps = np.linspace(0.0, reach * offset, probes + 1)  # steps[0]: the vertex itself
    points = vertices[None] - steps[1:, None, None] * normals[None]
    values = np.asarray(sdf(points.reshape(-1, 3).astype(np.float32)), dtype=np.float64)
    values = np.vstack([np.full(len(vertices), offset), values.reshape(probes, -1)])
    crossed = values[1:] <= 0.0
    found = np.flatnonzero(crossed.any(axis=0))
    first = crossed[:, found].argmax(axis=0) + 1  # first probe at or below zero
    above, below = values[first - 1, found], values[first, found]
    share = above / np.maximum(above - below, 1e-12)
    depth = np.zeros(len(vertices))
    depth[found] = steps[first - 1] + share * (steps[first] - steps[first - 1])
    depth = _smooth(depth, neighbours, smoothing)
    faces = np.asarray(mesh.faces)
    # Crossings the surface had before any move (a simplifier's) are not settling's
    # to undo: it leaves them and their surroundings as they are, and looks for
    # folds of its own elsewhere.
    before = crossings if crossings is not None else find_crossings(vertices, faces)
    tangled = np.zeros(len(vertices), dtype=bool)
    if before is not None and len(before[0]):
        near = _near(before, faces, neighbours)
        depth *= 1.0 - near
        tangled = near > 0
    for _ in range(UNFOLD_ROUNDS):
        moved = vertices - depth[:, None] * normals
        folds = find_crossings(moved, faces)
        if folds is None:  # no Embree: folds cannot be found, so none are risked
            break
        edges, hit = folds
        own = ~(tangled[edges].any(axis=1) | tangled[faces[hit]].any(axis=1))
        edges, hit = edges[own], hit[own]
        if not len(edges):
            return trimesh.Trimesh(moved, faces.copy(), process=False)
        depth *= 1.0 - _near((edges, hit), faces, neighbours)
    return mesh.copy()


def _near(
    crossings: tuple[np.ndarray, np.ndarray], faces: np.ndarray, neighbours: sparse.csr_matrix
) -> np.ndarray:
    """Per vertex: 1 on the edges and faces of `crossings` and `UNFOLD_RINGS` rings
    around them, fading to 0 over as many rings again; else 0."""
    edges, hit = crossings
    near = np.zeros(neighbours.shape[0])
    near[edges.ravel()] = 1.0
    near[faces[hit].ravel()] = 1.0
    for _ in range(UNFOLD_RINGS):
        near = np.minimum(neighbours @ near, 1.0)
    return _smooth(near, neighbours, UNFOLD_RINGS)


def _directions(
    mesh: trimesh.Trimesh, sdf: Callable[[np.ndarray], np.ndarray], step: float
) -> np.ndarray:
    """Unit outward directions ``(n, 3)`` at `mesh`'s vertices: the field's gradient
    (central differences over `step`), the vertex normal where that vanishes. The
    gradient varies smoothly along the surface; marching-cubes vertex normals do not
    (short edges beside long ones), and moves along them flip small faces."""
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    shifts = np.concatenate([np.eye(3), -np.eye(3)]) * step  # (6, 3)
    points = (vertices[None] + shifts[:, None]).reshape(-1, 3).astype(np.float32)
    values = np.asarray(sdf(points), dtype=np.float64).reshape(6, -1)
    gradient = (values[:3] - values[3:]).T / (2.0 * step)
    length = np.linalg.norm(gradient, axis=1, keepdims=True)
    normals = np.asarray(mesh.vertex_normals, dtype=np.float64)
    return np.where(length > 1e-9, gradient / np.maximum(length, 1e-12), normals)


def _neighbours(edges: np.ndarray, n: int) -> sparse.csr_matrix:
    """``(n, n)`` 0/1 matrix of each vertex's neighbours and itself."""
    rows = np.concatenate([edges[:, 0], edges[:, 1], np.arange(n)])
    cols = np.concatenate([edges[:, 1], edges[:, 0], np.arange(n)])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _smooth(values: np.ndarray, neighbours: sparse.csr_matrix, rounds: int) -> np.ndarray:
    """`values` per vertex averaged `rounds` times over each vertex and its neighbours."""
    degree = np.asarray(neighbours.sum(axis=1)).ravel()
    for _ in range(rounds):
        values = neighbours @ values / degree
    return values
