"""Material values at points on a user's mesh: what ingested surface samples carry.

The mesh's visual is read exactly as the renderer reads it
(`meshsmith.render.materials.material_of`), so samples and renders agree:
linear base-colour factor times the sRGB texture (decoded) or vertex colour,
metallic and roughness factors times the metallicRoughness texture (B, G).
Textures are looked up at the nearest texel, wrapping.
"""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image

from meshsmith.colorspace import srgb_to_linear
from meshsmith.render.materials import material_of


def _texels(image: Image.Image, uv: np.ndarray) -> np.ndarray:
    """(n, 4) float texel values in [0, 1] at (n, 2) UVs (origin bottom-left)."""
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
    height, width = rgba.shape[:2]
    cols = np.floor(np.mod(uv[:, 0], 1.0) * width).astype(np.int64) % width
    rows = np.floor(np.mod(1.0 - uv[:, 1], 1.0) * height).astype(np.int64) % height
    return rgba[rows, cols]


def appearance_at(
    mesh: trimesh.Trimesh, face_index: np.ndarray, barycentric: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Albedo, roughness and metallic at points given by face and barycentric coordinates.

    Parameters
    ----------
    face_index : (n,) int
    barycentric : (n, 3) float

    Returns
    -------
    albedo : (n, 3) float64
        Linear RGB in [0, 1].
    roughness, metallic : (n,) float64
    """
    material, uv, corner_colors = material_of(mesh)
    n = len(face_index)
    albedo = np.tile(np.asarray(material.base_color[:3], dtype=np.float64), (n, 1))
    roughness = np.full(n, float(material.roughness))
    metallic = np.full(n, float(material.metallic))
    if uv is not None:
        corners = np.asarray(mesh.faces)[face_index]
        uvs = np.einsum("nk,nkj->nj", barycentric, uv[corners])
        if material.base_color_texture is not None:
            albedo *= srgb_to_linear(_texels(material.base_color_texture, uvs)[:, :3])
        if material.metallic_roughness_texture is not None:
            texel = _texels(material.metallic_roughness_texture, uvs)
            roughness *= texel[:, 1]
            metallic *= texel[:, 2]
    if corner_colors is not None:
        srgb = np.einsum("nk,nkj->nj", barycentric, corner_colors[face_index, :, :3] / 255.0)
        albedo *= srgb_to_linear(srgb)
    return np.clip(albedo, 0.0, 1.0), roughness, metallic
