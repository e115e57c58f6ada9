"""Flatten a trimesh.Trimesh or trimesh.Scene into its drawable parts."""

from __future__ import annotations

import numpy as np
import trimesh

from meshsmith.errors import InputError, InvalidMeshError


def mesh_parts(obj: trimesh.Trimesh | trimesh.Scene) -> list[tuple[trimesh.Trimesh, np.ndarray]]:
    """The triangle meshes of `obj` with their world transforms.

    A scene node that instances a geometry several times yields one entry per
    instance; non-triangle geometry (paths, point clouds) is skipped.

    Parameters
    ----------
    obj : trimesh.Trimesh or trimesh.Scene

    Returns
    -------
    parts : list of (trimesh.Trimesh, (4, 4) float64)
        Each mesh in its own frame and the transform that places it in the world.

    Raises
    ------
    InvalidMeshError
        When there is no triangle to draw or a vertex is not finite.
    """
    if isinstance(obj, trimesh.Trimesh):
        parts = [(obj, np.eye(4))]
    elif isinstance(obj, trimesh.Scene):
        parts = []
        for node in obj.graph.nodes_geometry:
            transform, geom_name = obj.graph[node]
            geom = obj.geometry.get(geom_name)
            if isinstance(geom, trimesh.Trimesh):
                parts.append((geom, np.asarray(transform, dtype=np.float64)))
    else:
        raise InputError(f"cannot render a {type(obj).__name__}; expected a Trimesh or Scene")
    parts = [(m, t) for m, t in parts if len(m.faces) > 0]
    if not parts:
        raise InvalidMeshError("nothing to render: the mesh has no triangles")
    for mesh, _ in parts:
        if not np.isfinite(mesh.vertices).all():
            raise InvalidMeshError("cannot render a mesh with NaN or infinite vertex coordinates")
    return parts


def world_vertices(obj: trimesh.Trimesh | trimesh.Scene) -> np.ndarray:
    """All vertices of `obj` in world coordinates, `(n, 3) float64`."""
    return np.vstack([trimesh.transform_points(m.vertices, t) for m, t in mesh_parts(obj)])


def bounding_sphere(obj: trimesh.Trimesh | trimesh.Scene) -> tuple[np.ndarray, float]:
    """A sphere holding every vertex: the bounding box centre and the farthest vertex.

    Returns
    -------
    centre : (3,) float64
    radius : float
        Never below 1e-6, so a degenerate mesh still frames.
    """
    vertices = world_vertices(obj)
    centre = 0.5 * (vertices.min(axis=0) + vertices.max(axis=0))
    radius = float(np.linalg.norm(vertices - centre, axis=1).max())
    return centre, max(radius, 1e-6)
