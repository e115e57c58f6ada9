"""Carry surface colour from one mesh to another that covers the same surface.

Repair and simplification rebuild the triangles, so the source's UVs and
vertex colours no longer apply. Each new vertex takes the colour of the
closest point on the source surface (libigl's AABB closest-point query),
interpolated barycentrically from the source's texture or vertex colours.
"""

from __future__ import annotations

import igl
import numpy as np
import trimesh


def transfer_surface_colour(source: trimesh.Trimesh, target: trimesh.Trimesh) -> trimesh.Trimesh:
    """Return a copy of `target` with per-vertex colours sampled from `source`.

    Parameters
    ----------
    source : mesh with TextureVisuals (UVs + material) or vertex colours.
    target : mesh lying on (or near) `source`'s surface.

    Returns
    -------
    trimesh.Trimesh
        `target` with ColorVisuals, (n, 4) uint8 sRGB vertex colours; or, when the
        source has one untextured material, `target` with that material.
    """
    if _uniform_material(source) is not None:
        result = target.copy()
        result.visual = trimesh.visual.TextureVisuals(material=_uniform_material(source).copy())
        return result
    vertices = np.asarray(source.vertices, dtype=np.float64)
    faces = np.asarray(source.faces, dtype=np.int64)
    points = np.asarray(target.vertices, dtype=np.float64)
    _, face_index, closest = igl.point_mesh_squared_distance(points, vertices, faces)
    corners = vertices[faces[face_index]]
    bary = igl.barycentric_coordinates(closest, corners[:, 0], corners[:, 1], corners[:, 2])
    bary = np.clip(np.nan_to_num(bary, nan=1.0 / 3.0), 0.0, 1.0)
    bary /= bary.sum(axis=1, keepdims=True)
    colours = _colours_at(source, faces[face_index], bary)
    result = target.copy()
    result.visual = trimesh.visual.ColorVisuals(result, vertex_colors=colours)
    return result


def _uniform_material(mesh: trimesh.Trimesh):
    """The material of a mesh coloured by one material and no texture image, else None."""
    visual = mesh.visual
    if visual.kind != "texture":
        return None
    material = visual.material
    image = getattr(material, "baseColorTexture", None) or getattr(material, "image", None)
    if visual.uv is None or image is None:
        return material
    return None


def _colours_at(mesh: trimesh.Trimesh, corner_ids: np.ndarray, bary: np.ndarray) -> np.ndarray:
    """(n, 4) uint8 colours at barycentric points of the given (n, 3) vertex triples."""
    visual = mesh.visual
    if visual.kind == "texture" and visual.uv is not None and len(visual.uv):
        uv = np.einsum("nk,nkj->nj", bary, np.asarray(visual.uv)[corner_ids])
        colours = np.asarray(visual.material.to_color(uv), dtype=np.uint8)
        # an untextured material answers with its one base colour
        return np.broadcast_to(colours, (len(uv), colours.shape[-1])).copy()
    vertex_colours = np.asarray(visual.vertex_colors, dtype=np.float64)
    colours = np.einsum("nk,nkj->nj", bary, vertex_colours[corner_ids])
    return np.clip(np.rint(colours), 0, 255).astype(np.uint8)
