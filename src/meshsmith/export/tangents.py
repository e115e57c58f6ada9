"""Per-vertex tangent frames for normal mapping (glTF TANGENT attribute)."""

from __future__ import annotations

import numpy as np


def vertex_tangents(
    vertices: np.ndarray, faces: np.ndarray, normals: np.ndarray, uv: np.ndarray
) -> np.ndarray:
    """Tangents from UV derivatives (Lengyel 2001), orthogonalised against the normals.

    UVs have their origin at the bottom-left (trimesh, OpenGL), so the bitangent
    `cross(normal, tangent.xyz) * w` points towards +V, the green axis of an
    OpenGL-convention normal map, which is what glTF specifies.

    Parameters
    ----------
    vertices : (n, 3) float
    faces : (m, 3) int
    normals : (n, 3) float, unit length
    uv : (n, 2) float

    Returns
    -------
    tangents : (n, 4) float64
        Unit xyz perpendicular to the normal; w is +1 or -1 (handedness).
    """
    p0, p1, p2 = (vertices[faces[:, k]] for k in range(3))
    t0, t1, t2 = (uv[faces[:, k]] for k in range(3))
    e1, e2 = p1 - p0, p2 - p0
    d1, d2 = t1 - t0, t2 - t0
    det = d1[:, 0] * d2[:, 1] - d2[:, 0] * d1[:, 1]
    # Faces with a degenerate UV mapping carry no tangent information.
    scale = np.where(np.abs(det) > 1e-20, 1.0 / np.where(det == 0, 1.0, det), 0.0)[:, None]
    face_s = (e1 * d2[:, 1:2] - e2 * d1[:, 1:2]) * scale
    face_t = (e2 * d1[:, 0:1] - e1 * d2[:, 0:1]) * scale

    s_dir = np.zeros_like(vertices, dtype=np.float64)
    t_dir = np.zeros_like(vertices, dtype=np.float64)
    for corner in range(3):
        np.add.at(s_dir, faces[:, corner], face_s)
        np.add.at(t_dir, faces[:, corner], face_t)

    tangent = s_dir - normals * np.einsum("ij,ij->i", normals, s_dir)[:, None]
    length = np.linalg.norm(tangent, axis=1)
    missing = length < 1e-12
    if missing.any():
        # Any direction perpendicular to the normal keeps the frame valid.
        axis = np.where(np.abs(normals[missing, 0:1]) < 0.9, [[1.0, 0, 0]], [[0, 1.0, 0]])
        fallback = np.cross(normals[missing], axis)
        tangent[missing] = fallback
        length[missing] = np.linalg.norm(fallback, axis=1)
    tangent /= length[:, None]
    handedness = np.where(np.einsum("ij,ij->i", np.cross(normals, tangent), t_dir) < 0, -1.0, 1.0)
    return np.column_stack([tangent, handedness])
