"""Mesh cleanup: duplicates, degenerate faces, floaters and orientation."""

from __future__ import annotations

import igl
import numpy as np
import trimesh

from meshsmith.geometry import topology
from meshsmith.geometry.checks import require_valid_mesh


def clean_mesh(mesh: trimesh.Trimesh, min_component_ratio: float = 0.005) -> trimesh.Trimesh:
    """Return a cleaned copy of `mesh`.

    Steps, in order: merge duplicate vertices; drop degenerate (zero-area) and
    duplicate faces; drop floaters, i.e. connected components whose area is
    below ``min_component_ratio`` times the largest component's; drop
    unreferenced vertices; make winding consistent with outward normals.

    Vertices that differ in UV or normal are kept apart (trimesh's rule), so a
    textured mesh keeps its seams; components are still found on welded
    positions so that seams do not split a part into floaters.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Not modified.
    min_component_ratio : float
        Area threshold for floaters relative to the largest component; 0 keeps
        every component.

    Returns
    -------
    trimesh.Trimesh
    """
    require_valid_mesh(mesh)
    cleaned = mesh.copy()
    cleaned.merge_vertices()
    cleaned.update_faces(~topology.degenerate_faces(cleaned.vertices, cleaned.faces))
    cleaned.update_faces(cleaned.unique_faces())
    if min_component_ratio > 0 and len(cleaned.faces):
        cleaned.update_faces(_large_components(cleaned, min_component_ratio))
    cleaned.remove_unreferenced_vertices()
    if len(cleaned.faces):
        cleaned.faces = orient_outward(cleaned)
    return cleaned


def orient_outward(mesh: trimesh.Trimesh) -> np.ndarray:
    """Faces of `mesh` rewound consistently, with normals facing outward.

    Each edge-connected patch is made consistent (libigl's BFS on welded
    positions, so seams do not stop it), then flipped so its signed volume is
    positive, or negative for a patch nested inside an odd number of others
    (the wall of a cavity faces into the cavity).

    Returns
    -------
    faces : (m, 3) int
        A new array; `mesh` is not modified.
    """
    faces = np.asarray(mesh.faces, dtype=np.int64)
    welded = topology.weld(mesh)
    oriented, patch = igl.bfs_orient(welded.faces)
    first = np.argmax(oriented == welded.faces[:, [0]], axis=1)
    flipped = oriented[np.arange(len(faces)), (first + 1) % 3] != welded.faces[:, 1]

    vertices = welded.vertices
    signed = _patch_signed_volumes(vertices, oriented, patch)
    flip_patch = signed < 0
    depth = _nesting_depth(vertices, oriented, patch, flip_patch)
    flip_patch ^= depth % 2 == 1
    flipped ^= flip_patch[patch]
    out = faces.copy()
    out[flipped] = faces[flipped][:, ::-1]
    return out


def _patch_signed_volumes(vertices: np.ndarray, faces: np.ndarray, patch: np.ndarray) -> np.ndarray:
    """Signed volume per patch, measured from the patch's own centroid."""
    count = int(patch.max()) + 1
    triangles = vertices[faces]
    centre = (
        np.stack(
            [
                np.bincount(patch, weights=triangles[:, :, i].mean(axis=1), minlength=count)
                for i in range(3)
            ],
            axis=1,
        )
        / np.bincount(patch, minlength=count)[:, None]
    )
    a, b, c = (triangles[:, i] - centre[patch] for i in range(3))
    per_face = np.einsum("ij,ij->i", a, np.cross(b, c)) / 6.0
    return np.bincount(patch, weights=per_face, minlength=count)


def _nesting_depth(
    vertices: np.ndarray, faces: np.ndarray, patch: np.ndarray, flip: np.ndarray
) -> np.ndarray:
    """How many other patches enclose each patch (tested at one of its vertices)."""
    count = int(patch.max()) + 1
    depth = np.zeros(count, dtype=np.int64)
    if count == 1:
        return depth
    low = np.full((count, 3), np.inf)
    high = np.full((count, 3), -np.inf)
    triangles = vertices[faces]
    np.minimum.at(low, patch, triangles.min(axis=1))
    np.maximum.at(high, patch, triangles.max(axis=1))
    probe = triangles[np.unique(patch, return_index=True)[1], 0]
    # Only a patch whose box holds another's box can enclose it: few pairs to test.
    inside_box = np.all(low[:, None] >= low[None], axis=2) & np.all(
        high[:, None] <= high[None], axis=2
    )
    np.fill_diagonal(inside_box, False)
    for outer in np.unique(np.nonzero(inside_box)[1]):
        inner = np.nonzero(inside_box[:, outer])[0]
        outer_faces = faces[patch == outer]
        if flip[outer]:
            outer_faces = outer_faces[:, ::-1]
        winding = igl.fast_winding_number(vertices, outer_faces, probe[inner])
        depth[inner] += winding > 0.5
    return depth


def _large_components(mesh: trimesh.Trimesh, ratio: float) -> np.ndarray:
    """Faces ``(m,) bool`` in components with area >= ratio x the largest's."""
    welded = topology.weld(mesh)
    count, labels = topology.face_components(welded.faces, len(welded.vertices))
    if count <= 1:
        return np.ones(len(mesh.faces), dtype=bool)
    areas = np.bincount(labels, weights=mesh.area_faces, minlength=count)
    return areas[labels] >= ratio * areas.max()
