"""Texture baking: the appearance field → baseColor, metallicRoughness and normal maps.

Each texel of the UV atlas is rasterised to its surface point and interpolated
normal (`meshsmith.render.bake.rasterize_uv`); the field (see `field.GridField`)
gives albedo, roughness, metallic and the SDF gradient there. Maps follow glTF:
baseColor in sRGB; metallicRoughness with G = roughness, B = metallic (R unused,
255); a tangent-space normal map (OpenGL convention, +Y green) holding the
field's normal relative to the simplified mesh's interpolated normal, so the
detail that simplification removed comes back in shading. Tangents are the ones
the exporters write (`meshsmith.export.tangents.vertex_tangents`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import trimesh
from PIL import Image

from meshsmith.export.images import linear_to_srgb
from meshsmith.export.tangents import vertex_tangents
from meshsmith.pipeline.field import GridField
from meshsmith.render.bake import dilate, rasterize_uv

#: ``photo(points (n, 3), normals (n, 3)) -> (linear rgb (n, 3), weight (n,))`` in the
#: field frame; the weight (0-1) is how far the photo's colour replaces the field's.
PhotoColours = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
#: Smallest tangent-space z of a baked normal: the field's normal may face away from a
#: coarse triangle; clamping keeps the map from turning the surface inside out.
MIN_NORMAL_Z = 0.05
MATERIAL_NAME = "meshsmith_generated"
#: A face whose UV area is this many times its share by 3D area (relative to the
#: mesh's median) is a sliver that xatlas skipped and `unwrap` placed with corners
#: in different charts: drawn into the atlas it would paint over real charts, so it
#: is left out of the rasterisation (its own texels hardly show: it has no area).
SLIVER_UV_RATIO = 25.0


def bake_material(
    mesh: trimesh.Trimesh,
    field: GridField,
    resolution: int,
    to_field: np.ndarray,
    photo: PhotoColours | None = None,
) -> trimesh.visual.material.PBRMaterial:
    """Bake the field's appearance into the PBR maps of `mesh`'s UV atlas.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        With TextureVisuals UVs and the vertex normals the exporters will write.
    field : GridField
        The latent's field in the normalised frame.
    resolution : int
        Side of each map in texels.
    to_field : (4, 4) float
        Similarity (uniform scale + translation) from `mesh`'s frame to the field's.
    photo : callable or None
        Colours projected from an input photo, blended over the field's albedo.

    Returns
    -------
    trimesh.visual.material.PBRMaterial
        baseColor (sRGB RGB), metallicRoughness and normal textures, factors 1.
    """
    atlas = _without_slivers(mesh)
    position, normal, mask = rasterize_uv(atlas, resolution)
    tangent, bitangent = _tangent_frames(mesh, atlas.faces, resolution)
    points = trimesh.transform_points(position[mask], to_field)
    normals = normal[mask]
    values, gradient = field.sample(points)

    albedo = np.clip(values[:, 1:4], 0.0, 1.0)
    if photo is not None:
        colours, weight = photo(points, normals)
        weight = np.clip(np.asarray(weight, dtype=np.float32), 0.0, 1.0)[:, None]
        albedo = weight * np.asarray(colours, dtype=np.float32) + (1.0 - weight) * albedo
    base = linear_to_srgb(albedo)  # (n, 3) uint8
    rough_metal = np.column_stack(
        [np.full(len(values), 255.0), 255.0 * values[:, 4], 255.0 * values[:, 5]]
    )
    tangent_normal = _tangent_space(gradient, normals, tangent[mask], bitangent[mask])
    texels = np.concatenate(
        [base, _to_bytes(rough_metal), _to_bytes(127.5 * (tangent_normal + 1.0))], axis=1
    )
    image = np.zeros((*mask.shape, texels.shape[1]), dtype=np.uint8)
    image[mask] = texels
    # Texels off the atlas take their nearest chart texel's value, so bilinear
    # filtering and mip-maps never mix in an unrelated colour.
    maps = dilate(image, mask, pixels=max(mask.shape))
    return trimesh.visual.material.PBRMaterial(
        name=MATERIAL_NAME,
        baseColorTexture=Image.fromarray(np.ascontiguousarray(maps[..., 0:3])),
        metallicRoughnessTexture=Image.fromarray(np.ascontiguousarray(maps[..., 3:6])),
        normalTexture=Image.fromarray(np.ascontiguousarray(maps[..., 6:9])),
        baseColorFactor=[255, 255, 255, 255],
        metallicFactor=1.0,
        roughnessFactor=1.0,
    )


def _without_slivers(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """`mesh` without its UV slivers (see `SLIVER_UV_RATIO`), same vertices and normals."""
    uv = np.asarray(mesh.visual.uv, dtype=np.float64)[mesh.faces]  # (m, 3, 2)
    e1, e2 = uv[:, 1] - uv[:, 0], uv[:, 2] - uv[:, 0]
    uv_area = 0.5 * np.abs(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0])
    ratio = uv_area / np.maximum(mesh.area_faces, 1e-300)
    typical = np.median(ratio[uv_area > 0]) if np.any(uv_area > 0) else 0.0
    keep = ~((uv_area > 0) & (ratio > SLIVER_UV_RATIO * typical))
    return trimesh.Trimesh(
        vertices=mesh.vertices,
        faces=mesh.faces[keep],
        vertex_normals=mesh.vertex_normals,
        visual=trimesh.visual.TextureVisuals(uv=mesh.visual.uv),
        process=False,
    )


def _tangent_frames(
    mesh: trimesh.Trimesh, faces: np.ndarray, resolution: int
) -> tuple[np.ndarray, np.ndarray]:
    """Interpolated tangent and bitangent ``(H, W, 3)`` under each texel of `faces`.

    Tangents are computed on the whole `mesh`, as the exporters compute them.
    `rasterize_uv` interpolates a mesh's vertices linearly and its normals with
    normalisation; a carrier mesh whose "vertices" are the tangents and whose
    "normals" are the bitangents gets both from one more pass.
    """
    normals = np.asarray(mesh.vertex_normals, dtype=np.float64)
    uv = np.asarray(mesh.visual.uv, dtype=np.float64)
    tangents = vertex_tangents(np.asarray(mesh.vertices), mesh.faces, normals, uv)
    bitangents = np.cross(normals, tangents[:, :3]) * tangents[:, 3:]
    carrier = trimesh.Trimesh(
        vertices=tangents[:, :3],
        faces=faces,
        vertex_normals=bitangents,
        visual=trimesh.visual.TextureVisuals(uv=uv),
        process=False,
    )
    tangent, bitangent, _ = rasterize_uv(carrier, resolution)
    return tangent, bitangent


def _tangent_space(
    gradient: np.ndarray, normal: np.ndarray, tangent: np.ndarray, bitangent: np.ndarray
) -> np.ndarray:
    """The field's unit normal in each texel's tangent frame, ``(n, 3)`` in [-1, 1].

    The frame is built as a glTF viewer builds it: tangent made orthogonal to the
    normal, bitangent ``cross(normal, tangent)`` with the interpolated handedness.
    Where the field has no usable gradient the mesh normal ``(0, 0, 1)`` is kept.
    All inputs are ``(n, 3)`` float32; so is the arithmetic (a texel holds 8 bits).
    """
    t = _unit(tangent - normal * _dot(normal, tangent)[:, None])
    b = _cross(normal, t)
    b *= np.where(_dot(b, bitangent) < 0.0, -1.0, 1.0).astype(b.dtype)[:, None]
    length = np.sqrt(_dot(gradient, gradient))[:, None]
    field_normal = np.where(length > 1e-8, gradient / np.maximum(length, 1e-12), normal)
    local = np.column_stack(
        [
            _dot(field_normal, t),
            _dot(field_normal, b),
            np.maximum(_dot(field_normal, normal), MIN_NORMAL_Z),
        ]
    )
    return _unit(local)


def _to_bytes(values: np.ndarray) -> np.ndarray:
    """Values in [0, 255] rounded to uint8."""
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise dot products ``(n,)`` of ``(n, 3)`` arrays."""
    return np.einsum("ij,ij->i", a, b)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.sqrt(_dot(v, v)), 1e-12)[:, None]


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of ``(n, 3)`` arrays (np.cross's temporaries cost 3x more)."""
    out = np.empty_like(a)
    out[:, 0] = a[:, 1] * b[:, 2] - a[:, 2] * b[:, 1]
    out[:, 1] = a[:, 2] * b[:, 0] - a[:, 0] * b[:, 2]
    out[:, 2] = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    return out
