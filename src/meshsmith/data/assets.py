"""A shape as a multi-part asset: one `trimesh.Trimesh` per part with a PBR material.

Part geometries are cut from the union mesh (not the overlapping part solids) so the
asset has no hidden interior faces. Optional textures are seamless baked tiles of the
material mapped by box projection, which suits tileable wood, stone and paint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import trimesh
from trimesh.visual import TextureVisuals
from trimesh.visual.material import PBRMaterial

from meshsmith.data.materials import Material
from meshsmith.data.textures import bake_tile

if TYPE_CHECKING:
    from meshsmith.data.shape import Shape

#: Side of one texture tile in metres.
TILE_METRES = 0.5


def pbr_material(
    material: Material,
    textured: bool = False,
    rng: np.random.Generator | None = None,
    size: int = 128,
) -> PBRMaterial:
    """trimesh PBR material for a library material.

    baseColorFactor is linear RGB as glTF wants; with ``textured`` the factors become
    multipliers (1.0) of a baked tile.
    """
    if not textured:
        rgba = np.append(np.asarray(material.color), 1.0)
        return PBRMaterial(
            name=material.name,
            baseColorFactor=rgba,
            metallicFactor=float(material.metallic),
            roughnessFactor=float(material.roughness),
        )
    base, mr = bake_tile(
        material, rng if rng is not None else np.random.default_rng(0), size=size, tile=TILE_METRES
    )
    return PBRMaterial(
        name=material.name,
        baseColorTexture=base,
        metallicRoughnessTexture=mr,
        baseColorFactor=np.ones(4),
        metallicFactor=1.0,
        roughnessFactor=1.0,
    )


def _part_geometry(mesh: trimesh.Trimesh, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    used, inverse = np.unique(mesh.faces[faces], return_inverse=True)
    return mesh.vertices[used], inverse.reshape(-1, 3)


def box_uv(
    vertices: np.ndarray, faces: np.ndarray, tile: float = TILE_METRES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split vertices by each face's dominant normal axis and project them onto that plane.

    Parameters
    ----------
    vertices : (n, 3) float
    faces : (m, 3) int

    Returns
    -------
    vertices : (k, 3) float
        Vertices duplicated where faces of different axes meet.
    faces : (m, 3) int
    uv : (k, 2) float
        Coordinates in tiles (1.0 = ``tile`` metres); the texture repeats.
    """
    tri = vertices[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    axis = np.argmax(np.abs(normals), axis=1)
    keys = faces.astype(np.int64) * 3 + axis[:, None]
    unique, inverse = np.unique(keys.ravel(), return_inverse=True)
    src, ax = unique // 3, unique % 3
    out = vertices[src]
    # Projection plane for each dominant axis: x -> (z, y), y -> (x, z), z -> (x, y).
    plane = np.array([[2, 1], [0, 2], [0, 1]])[ax]
    uv = np.take_along_axis(out, plane, axis=1) / tile
    return out, inverse.reshape(-1, 3), uv


def shape_scene(shape: Shape, textured: bool = False, texture_size: int = 128) -> trimesh.Scene:
    """The shape's parts as a scene: node and geometry named by part, PBR material each."""
    mesh = shape.mesh()
    scene = trimesh.Scene()
    for i, part in enumerate(shape.parts):
        faces = np.flatnonzero(shape.face_parts == i)
        if len(faces) == 0:
            continue  # a part fully buried inside others leaves no surface
        verts, tris = _part_geometry(mesh, faces)
        if textured:
            verts, tris, uv = box_uv(verts, tris)
            material = pbr_material(part.material, True, shape.texture_rng(i), texture_size)
            visual = TextureVisuals(uv=uv, material=material)
        else:
            visual = TextureVisuals(material=pbr_material(part.material))
        geom = trimesh.Trimesh(verts, tris, visual=visual, process=False)
        scene.add_geometry(geom, node_name=part.name, geom_name=part.name)
    scene.metadata["category"] = shape.category
    return scene
