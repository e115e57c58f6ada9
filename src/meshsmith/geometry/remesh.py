"""Quad remeshing with Instant Meshes (Jakob et al. 2015, pynanoinstantmeshes)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import igl
import numpy as np
import pynanoinstantmeshes
import trimesh

from meshsmith.errors import GeometryError, InputError
from meshsmith.geometry.checks import require_valid_mesh

# Instant Meshes subdivides every face of its intermediate mesh into quads
# (posy=4), so it must be asked for a quarter of the quads wanted.
QUADS_PER_REQUESTED_FACE = 4


@dataclass(frozen=True)
class QuadRemesh:
    """Result of `quad_remesh`.

    Attributes
    ----------
    vertices : (n, 3) float
    quads : (m, 4) int
        Counter-clockwise seen from outside, like the input's triangles.
    mesh : trimesh.Trimesh
        The quads split along their shorter diagonal, ``2 m`` triangles.
    """

    vertices: np.ndarray
    quads: np.ndarray
    mesh: trimesh.Trimesh


def quad_remesh(mesh: trimesh.Trimesh, target_faces: int) -> QuadRemesh:
    """Remesh `mesh` into an all-quad mesh of about `target_faces` quads.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Not modified; a clean, manifold input gives the best result.
    target_faces : int
        Wanted number of quads (approximate; at least 8).

    Returns
    -------
    QuadRemesh

    Raises
    ------
    InputError
        If `target_faces` is below 8.
    GeometryError
        If Instant Meshes returns no faces.
    """
    require_valid_mesh(mesh)
    if target_faces < 8:
        raise InputError(f"target_faces must be at least 8, got {target_faces}")
    requested = max(target_faces // QUADS_PER_REQUESTED_FACE, 2)
    with _native_stdout_silenced():
        vertices, quads = pynanoinstantmeshes.remesh(
            np.ascontiguousarray(mesh.vertices, dtype=np.float32),
            np.ascontiguousarray(mesh.faces, dtype=np.uint32),
            vertex_count=-1,
            face_count=requested,
            deterministic=True,
        )
    vertices = np.asarray(vertices, dtype=np.float64)
    quads = np.asarray(quads, dtype=np.int64)
    if len(quads) == 0:
        raise GeometryError("quad remeshing produced no faces")
    triangles = _split_quads(vertices, quads)
    if _facing_opposite(mesh, vertices, triangles):
        quads = quads[:, ::-1].copy()
        triangles = triangles[:, ::-1].copy()
    result = trimesh.Trimesh(vertices=vertices, faces=triangles, process=False)
    return QuadRemesh(vertices=vertices, quads=quads, mesh=result)


def _split_quads(vertices: np.ndarray, quads: np.ndarray) -> np.ndarray:
    """Two triangles ``(2 m, 3) int`` per quad, cut along the shorter diagonal."""
    a, b, c, d = (quads[:, i] for i in range(4))
    diagonal_ac = np.linalg.norm(vertices[a] - vertices[c], axis=1)
    diagonal_bd = np.linalg.norm(vertices[b] - vertices[d], axis=1)
    use_ac = (diagonal_ac <= diagonal_bd)[:, None]
    first = np.where(use_ac, np.stack([a, b, c], axis=1), np.stack([a, b, d], axis=1))
    second = np.where(use_ac, np.stack([a, c, d], axis=1), np.stack([b, c, d], axis=1))
    return np.concatenate([first, second])


def _facing_opposite(mesh: trimesh.Trimesh, vertices: np.ndarray, faces: np.ndarray) -> bool:
    """True when the new faces mostly face against the input's at the nearest points."""
    remeshed = trimesh.Trimesh(vertices=vertices, faces=faces, process=False)
    _, nearest_face, _ = igl.point_mesh_squared_distance(
        remeshed.triangles_center,
        np.asarray(mesh.vertices, dtype=np.float64),
        np.asarray(mesh.faces, dtype=np.int64),
    )
    agreement = np.einsum("ij,ij->i", remeshed.face_normals, mesh.face_normals[nearest_face])
    return float(np.sum(agreement * remeshed.area_faces)) < 0


@contextlib.contextmanager
def _native_stdout_silenced() -> Iterator[None]:
    """Send the C++ library's progress log (written to fd 1) to /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
