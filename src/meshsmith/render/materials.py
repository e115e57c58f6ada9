"""Read a trimesh visual into the renderer's metallic-roughness material.

Colour spaces follow glTF: ``baseColorFactor`` and ``emissiveFactor`` are linear,
base colour and emissive textures are sRGB. Vertex and face colours (ColorVisuals)
are taken as sRGB, which is what PLY files and most tools that write them mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial, SimpleMaterial

from meshsmith.export.load import is_placeholder_material

# Shown for meshes that carry no colour at all: a light grey plastic (sRGB 0.8).
DEFAULT_BASE_COLOR = (0.6038, 0.6038, 0.6038, 1.0)
DEFAULT_ROUGHNESS = 0.55


@dataclass
class MaterialData:
    """Everything the shader needs about one part's surface.

    Attributes
    ----------
    base_color : (4,) float
        Linear RGBA factor, multiplied with the texture and vertex colour.
    metallic, roughness : float
        Factors in [0, 1], multiplied with the metallicRoughness texture (B, G).
    emissive : (3,) float
        Linear RGB factor, multiplied with the emissive texture.
    alpha_cutoff : float or None
        Fragments with alpha below it are discarded (glTF ``MASK``); None draws
        everything opaque (``OPAQUE``; ``BLEND`` is drawn opaque too).
    base_color_texture, metallic_roughness_texture, normal_texture,
    occlusion_texture, emissive_texture : PIL.Image.Image or None
        glTF conventions: normal map tangent-space with +Y (green) up,
        occlusion in R, roughness in G, metallic in B.
    """

    base_color: tuple[float, float, float, float] = DEFAULT_BASE_COLOR
    metallic: float = 0.0
    roughness: float = DEFAULT_ROUGHNESS
    emissive: tuple[float, float, float] = (0.0, 0.0, 0.0)
    alpha_cutoff: float | None = None
    normal_scale: float = 1.0
    base_color_texture: Image.Image | None = None
    metallic_roughness_texture: Image.Image | None = None
    normal_texture: Image.Image | None = None
    occlusion_texture: Image.Image | None = None
    emissive_texture: Image.Image | None = None


def _factor(value, default: float) -> float:
    return default if value is None else float(np.clip(value, 0.0, 1.0))


def _image(value) -> Image.Image | None:
    return value if isinstance(value, Image.Image) else None


def from_pbr(mat: PBRMaterial, has_uv: bool) -> MaterialData:
    """Material data from a glTF-style PBRMaterial (absent factors take glTF defaults)."""
    base = mat.baseColorFactor
    base = (1.0, 1.0, 1.0, 1.0) if base is None else tuple(np.asarray(base) / 255.0)
    emissive = mat.emissiveFactor
    emissive = (0.0, 0.0, 0.0) if emissive is None else tuple(float(e) for e in emissive[:3])
    textured = {
        "base_color_texture": _image(mat.baseColorTexture),
        "metallic_roughness_texture": _image(mat.metallicRoughnessTexture),
        "normal_texture": _image(mat.normalTexture),
        "occlusion_texture": _image(mat.occlusionTexture),
        "emissive_texture": _image(mat.emissiveTexture),
    }
    if not has_uv:
        textured = dict.fromkeys(textured)
    cutoff = None
    if mat.alphaMode == "MASK":
        cutoff = 0.5 if mat.alphaCutoff is None else float(mat.alphaCutoff)
    return MaterialData(
        base_color=(float(base[0]), float(base[1]), float(base[2]), float(base[3])),
        metallic=_factor(mat.metallicFactor, 1.0),
        roughness=_factor(mat.roughnessFactor, 1.0),
        emissive=(emissive[0], emissive[1], emissive[2]),
        alpha_cutoff=cutoff,
        **textured,
    )


def from_simple(mat: SimpleMaterial, has_uv: bool) -> MaterialData:
    """Material data from an OBJ/MTL-style SimpleMaterial: a dielectric, never metal.

    As in most OBJ readers, a diffuse map replaces the diffuse colour (Kd)
    rather than multiplying it.
    """
    if is_placeholder_material(mat):
        return MaterialData()
    pbr = mat.to_pbr()
    data = from_pbr(pbr, has_uv)
    if data.base_color_texture is not None:
        data.base_color = (1.0, 1.0, 1.0, data.base_color[3])
    data.metallic = 0.0
    data.roughness = _factor(pbr.roughnessFactor, DEFAULT_ROUGHNESS)
    return data


def material_of(mesh: trimesh.Trimesh) -> tuple[MaterialData, np.ndarray | None, np.ndarray | None]:
    """The material, UVs and colours of one mesh.

    Returns
    -------
    material : MaterialData
    uv : (n_vertices, 2) float or None
        Texture coordinates, origin at the image's bottom-left (trimesh/OpenGL).
    corner_colors : (n_faces, 3, 4) uint8 or None
        sRGB colour of every face corner, from ColorVisuals.
    """
    visual = mesh.visual
    if isinstance(visual, trimesh.visual.TextureVisuals):
        uv = visual.uv
        has_uv = uv is not None and len(uv) == len(mesh.vertices)
        uv = np.asarray(uv, dtype=np.float64) if has_uv else None
        mat = visual.material
        if isinstance(mat, PBRMaterial):
            return from_pbr(mat, has_uv), uv, None
        if isinstance(mat, SimpleMaterial):
            return from_simple(mat, has_uv), uv, None
        return MaterialData(), uv, None
    if isinstance(visual, trimesh.visual.ColorVisuals):
        kind = visual.kind
        if kind == "vertex":
            colors = np.asarray(visual.vertex_colors, dtype=np.uint8)[mesh.faces]
        elif kind == "face":
            colors = np.repeat(np.asarray(visual.face_colors, dtype=np.uint8)[:, None], 3, axis=1)
        else:
            return MaterialData(), None, None
        return MaterialData(base_color=(1.0, 1.0, 1.0, 1.0)), None, colors
    return MaterialData(), None, None
