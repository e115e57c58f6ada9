"""Flatten a mesh or scene into named parts with plain PBR materials, for the writers.

Every exporter starts here so that all formats see the same geometry: world-space
vertices (scene transforms baked in), unit vertex normals, UVs (origin bottom-left, as
trimesh stores them), sRGB vertex colours and one `Material` per part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import trimesh
from PIL import Image
from scipy import sparse

from meshsmith.errors import InvalidMeshError

# Coincident vertices (UV seams) whose normals differ by less than this are
# averaged, so seams do not show in shading; larger angles are kept as hard edges.
CREASE_ANGLE_DEG = 60.0


@dataclass
class Material:
    """A glTF-style metallic-roughness material.

    Factors follow glTF: `base_color` is a linear RGBA multiplier in [0, 1];
    `metallic` and `roughness` multiply the B and G channels of
    `metallic_roughness_texture`. Textures are PIL images: base colour in sRGB
    (RGB or RGBA), the others raw data in RGB.
    """

    name: str
    base_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    metallic: float = 0.0
    roughness: float = 0.5
    emissive: tuple[float, float, float] = (0.0, 0.0, 0.0)
    base_color_texture: Image.Image | None = None
    metallic_roughness_texture: Image.Image | None = None
    normal_texture: Image.Image | None = None
    emissive_texture: Image.Image | None = None
    occlusion_texture: Image.Image | None = None
    alpha_mode: str = "OPAQUE"
    alpha_cutoff: float | None = None
    double_sided: bool = False

    @property
    def has_textures(self) -> bool:
        return any(image is not None for _, image in self.textures())

    def textures(self) -> list[tuple[str, Image.Image | None]]:
        """(slot, image) pairs in a fixed order; slot names are glTF's."""
        return [
            ("baseColor", self.base_color_texture),
            ("metallicRoughness", self.metallic_roughness_texture),
            ("normal", self.normal_texture),
            ("emissive", self.emissive_texture),
            ("occlusion", self.occlusion_texture),
        ]


@dataclass
class Part:
    """One mesh of the asset in world space.

    Attributes
    ----------
    name : str
        Safe identifier: letters, digits, `_`, `-`, `.`.
    vertices : (n, 3) float64
    faces : (m, 3) int64
    normals : (n, 3) float64, unit length
    uv : (n, 2) float64 or None
        Texture coordinates, origin at the bottom-left of the image.
    colors : (n, 4) uint8 or None
        sRGB vertex colours.
    material : Material
    """

    name: str
    vertices: np.ndarray
    faces: np.ndarray
    normals: np.ndarray
    uv: np.ndarray | None
    colors: np.ndarray | None
    material: Material


def safe_name(text: str | None, fallback: str) -> str:
    """A name that is safe inside any file format: no spaces, quotes or newlines."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(text or "")).strip("_.")
    return cleaned[:64] or fallback


def collect_parts(obj: trimesh.Trimesh | trimesh.Scene) -> list[Part]:
    """Flatten `obj` into parts, one per scene node that holds a triangle mesh.

    Raises
    ------
    InvalidMeshError
        No triangles at all, or non-finite vertices, normals or UVs.
    """
    if isinstance(obj, trimesh.Trimesh):
        named = [(obj.metadata.get("name") if obj.metadata else None, obj, None)]
    elif isinstance(obj, trimesh.Scene):
        named = []
        for node in obj.graph.nodes_geometry:
            transform, geometry_name = obj.graph[node]
            geometry = obj.geometry[geometry_name]
            if isinstance(geometry, trimesh.Trimesh):
                named.append((node, geometry, transform))
    else:
        raise InvalidMeshError(f"cannot export a {type(obj).__name__}; expected a mesh or scene")

    parts: list[Part] = []
    used: set[str] = set()
    materials: dict[int, Material] = {}
    for index, (name, mesh, transform) in enumerate(named):
        if len(mesh.faces) == 0:
            continue
        part_name = _unique(safe_name(name, f"part_{index}"), used)
        parts.append(_to_part(part_name, mesh, transform, materials))
    if not parts:
        raise InvalidMeshError("nothing to export: the mesh has no triangles")
    return parts


def _unique(name: str, used: set[str]) -> str:
    candidate, counter = name, 1
    while candidate in used:
        candidate = f"{name}_{counter}"
        counter += 1
    used.add(candidate)
    return candidate


def _to_part(
    name: str, mesh: trimesh.Trimesh, transform: np.ndarray | None, cache: dict[int, Material]
) -> Part:
    visual = mesh.visual
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if not np.isfinite(vertices).all():
        raise InvalidMeshError(f"part '{name}' has NaN or infinite vertex coordinates")
    if faces.min() < 0 or faces.max() >= len(vertices):
        raise InvalidMeshError(f"part '{name}' has faces that point at missing vertices")
    normals = np.asarray(mesh.vertex_normals, dtype=np.float64)
    uv = colors = None
    material = None
    if isinstance(visual, trimesh.visual.TextureVisuals):
        if visual.uv is not None and len(visual.uv) == len(vertices):
            uv = np.asarray(visual.uv, dtype=np.float64)[:, :2]
        if visual.material is not None:
            material = cache.get(id(visual.material))
            if material is None:
                material = _convert_material(visual.material, f"material_{len(cache)}")
                cache[id(visual.material)] = material
        attribute = visual.vertex_attributes.get("color")
        if attribute is not None and len(attribute) == len(vertices):
            colors = trimesh.visual.color.to_rgba(attribute)
    elif isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind is not None:
        if visual.kind == "face":
            # Exact per-face colours need their own vertices: averaging would blur them.
            face_colors = np.asarray(visual.face_colors, dtype=np.uint8)
            vertices, normals = vertices[faces].reshape(-1, 3), normals[faces].reshape(-1, 3)
            colors = np.repeat(face_colors, 3, axis=0)
            faces = np.arange(len(vertices), dtype=np.int64).reshape(-1, 3)
        else:
            colors = np.asarray(visual.vertex_colors, dtype=np.uint8)

    if transform is not None and not np.allclose(transform, np.eye(4)):
        vertices = trimesh.transform_points(vertices, transform)
        normals = normals @ np.linalg.inv(transform[:3, :3])
        if np.linalg.det(transform[:3, :3]) < 0:
            faces = faces[:, ::-1]

    if not np.isfinite(vertices).all():
        raise InvalidMeshError(f"part '{name}' has coordinates too large to transform")
    if uv is not None and not np.isfinite(uv).all():
        raise InvalidMeshError(f"part '{name}' has NaN or infinite texture coordinates")
    normals = weld_seam_normals(vertices, faces, normals)

    if material is None:
        material = cache.get(-1) or Material(name="default", roughness=0.8)
        cache[-1] = material
    elif uv is None and material.has_textures:
        # Textures cannot be mapped without UVs; keep the factors only.
        material = replace(
            material,
            base_color_texture=None,
            metallic_roughness_texture=None,
            normal_texture=None,
            emissive_texture=None,
            occlusion_texture=None,
        )
    return Part(name, vertices, faces, normals, uv, colors, material)


def weld_seam_normals(
    vertices: np.ndarray,
    faces: np.ndarray,
    normals: np.ndarray,
    crease_angle_deg: float = CREASE_ANGLE_DEG,
) -> np.ndarray:
    """Unit vertex normals, averaged across coincident vertices that are not creases.

    Parameters
    ----------
    vertices : (n, 3) float
    faces : (m, 3) int
    normals : (n, 3) float
        Candidate normals, any length; zero or non-finite ones are replaced by the
        area-weighted normal of the adjacent faces (or +Y for isolated vertices).

    Returns
    -------
    normals : (n, 3) float64, unit length
    """
    normals = np.array(normals, dtype=np.float64)
    length = np.linalg.norm(normals, axis=1)
    bad = ~np.isfinite(length) | (length < 1e-12)
    if bad.any():
        triangles = vertices[faces]
        face_normals = np.cross(
            triangles[:, 1] - triangles[:, 0], triangles[:, 2] - triangles[:, 0]
        )
        accumulated = np.zeros_like(vertices)
        for corner in range(3):
            np.add.at(accumulated, faces[:, corner], face_normals)
        normals[bad] = accumulated[bad]
    normals = _unit(normals)

    _, group = np.unique(vertices, axis=0, return_inverse=True)
    group = group.reshape(-1)
    n = len(vertices)
    if len(np.unique(group)) < n:
        membership = sparse.csr_matrix((np.ones(n), (group, np.arange(n))))
        pairs = (membership.T @ membership).tocoo()
        dots = np.einsum("ij,ij->i", normals[pairs.row], normals[pairs.col])
        keep = dots >= np.cos(np.radians(crease_angle_deg))
        close = sparse.csr_matrix(
            (np.ones(int(keep.sum())), (pairs.row[keep], pairs.col[keep])), shape=(n, n)
        )
        normals = _unit(close @ normals)
    return normals


def _unit(vectors: np.ndarray) -> np.ndarray:
    length = np.linalg.norm(vectors, axis=1, keepdims=True)
    fallback = np.tile([0.0, 1.0, 0.0], (len(vectors), 1))
    return np.where(length > 1e-12, vectors / np.maximum(length, 1e-300), fallback)


def _convert_material(source: trimesh.visual.material.Material, fallback: str) -> Material:
    """A trimesh material as a `Material`; glTF defaults apply to unset PBR factors."""
    if isinstance(source, trimesh.visual.material.MultiMaterial):
        source = source.materials[0] if source.materials else None
    if isinstance(source, trimesh.visual.material.SimpleMaterial):
        pbr = source.to_pbr()
        pbr.metallicFactor = 0.0
        source = pbr
    if not isinstance(source, trimesh.visual.material.PBRMaterial):
        return Material(name=fallback)

    factor = source.baseColorFactor
    base_color = (1.0, 1.0, 1.0, 1.0)
    if factor is not None:
        base_color = tuple(float(v) / 255.0 for v in np.asarray(factor).reshape(4))
    base_texture = _rgb_or_rgba(source.baseColorTexture)
    alpha_mode = source.alphaMode
    if alpha_mode is None:
        translucent = base_color[3] < 1.0 or (
            base_texture is not None
            and base_texture.mode == "RGBA"
            and base_texture.getchannel("A").getextrema()[0] < 255
        )
        alpha_mode = "BLEND" if translucent else "OPAQUE"
    if base_texture is not None and alpha_mode == "OPAQUE" and base_texture.mode == "RGBA":
        base_texture = base_texture.convert("RGB")
    emissive = source.emissiveFactor
    if emissive is None and source.emissiveTexture is not None:
        # glTF's default factor is black, which would hide the texture entirely.
        emissive = (1.0, 1.0, 1.0)
    return Material(
        name=safe_name(source.name, fallback),
        base_color=base_color,
        metallic=_unit_interval(source.metallicFactor),
        roughness=_unit_interval(source.roughnessFactor),
        emissive=(0.0, 0.0, 0.0)
        if emissive is None
        else tuple(_unit_interval(v) for v in emissive),
        base_color_texture=base_texture,
        metallic_roughness_texture=_rgb(source.metallicRoughnessTexture),
        normal_texture=_rgb(source.normalTexture),
        emissive_texture=_rgb(source.emissiveTexture),
        occlusion_texture=_rgb(source.occlusionTexture),
        alpha_mode=alpha_mode,
        alpha_cutoff=source.alphaCutoff if alpha_mode == "MASK" else None,
        double_sided=bool(source.doubleSided),
    )


def _unit_interval(value: float | None) -> float:
    """A glTF factor: None means glTF's default of 1; values are clipped to [0, 1]."""
    if value is None or not np.isfinite(value):
        return 1.0
    return float(min(max(value, 0.0), 1.0))


def _rgb(image: Image.Image | None) -> Image.Image | None:
    if image is None:
        return None
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: keep the top 8 bits rather than clipping at 255.
        image = Image.fromarray((np.asarray(image, dtype=np.uint32) >> 8).astype(np.uint8))
    return image if image.mode == "RGB" else image.convert("RGB")


def _rgb_or_rgba(image: Image.Image | None) -> Image.Image | None:
    if image is None:
        return None
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return _rgb(image)
