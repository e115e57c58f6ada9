"""Vertex buffers and textures of a mesh or scene, uploaded once and drawn many times."""

from __future__ import annotations

from dataclasses import dataclass, field

import moderngl
import numpy as np
import trimesh
from PIL import Image

from meshsmith.render.materials import MaterialData, material_of
from meshsmith.render.parts import mesh_parts

# Faces meeting at a vertex at more than this angle get separate normals (a hard edge).
CREASE_ANGLE = 40.0
# Above this many faces around one vertex, pairwise grouping costs too much: compare
# each face with the vertex's mean normal instead.
_MAX_PAIRWISE_DEGREE = 64

VERTEX_DTYPE = np.dtype(
    [("position", "<f4", 3), ("normal", "<f4", 3), ("uv", "<f4", 2), ("color", "u1", 4)]
)
VERTEX_FORMAT = ("3f 3f 2f 4f1", "in_position", "in_normal", "in_uv", "in_color")

GL_SRGB8_ALPHA8 = 0x8C43


def corner_normals(mesh: trimesh.Trimesh, crease_angle: float = CREASE_ANGLE) -> np.ndarray:
    """Smooth normals that stay sharp across creases (like Blender's auto smooth).

    Each face corner averages the area-weighted normals of the faces around its
    vertex whose normals are within `crease_angle` degrees of its own face's.
    Vertices are grouped by position, so UV seams (split vertices) stay smooth.

    Returns
    -------
    normals : (n_faces, 3, 3) float64
        Unit normal of every face corner (faces without area give zeros).
    """
    faces = mesh.faces
    face_normals = np.asarray(mesh.face_normals, dtype=np.float64)
    weighted = face_normals * np.asarray(mesh.area_faces)[:, None]
    cos_limit = np.cos(np.radians(crease_angle))
    n_corners = faces.size
    _, welded = np.unique(mesh.vertices, axis=0, return_inverse=True)
    corner_vertex = welded.reshape(-1)[faces.ravel()]
    corner_face = np.repeat(np.arange(len(faces)), 3)

    order = np.argsort(corner_vertex, kind="stable")
    sorted_vertex = corner_vertex[order]
    sorted_face = corner_face[order]
    starts = np.flatnonzero(np.r_[True, sorted_vertex[1:] != sorted_vertex[:-1]])
    counts = np.diff(np.r_[starts, n_corners])
    group = np.repeat(np.arange(len(starts)), counts)
    degree = counts[group]

    acc = np.zeros((n_corners, 3))
    small = degree <= _MAX_PAIRWISE_DEGREE
    if small.any():
        rows = np.flatnonzero(small)
        reps = degree[rows]
        i_idx = np.repeat(rows, reps)
        offsets = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        j_idx = starts[group[i_idx]] + offsets
        fi, fj = sorted_face[i_idx], sorted_face[j_idx]
        keep = np.einsum("ij,ij->i", face_normals[fi], face_normals[fj]) >= cos_limit
        for axis in range(3):
            acc[:, axis] = np.bincount(
                i_idx[keep], weights=weighted[fj[keep], axis], minlength=n_corners
            )
    if (~small).any():
        rows = np.flatnonzero(~small)
        vertex_sum = np.stack(
            [np.bincount(group, weights=weighted[sorted_face, axis]) for axis in range(3)], axis=1
        )
        vn = vertex_sum[group[rows]]
        vn /= np.maximum(np.linalg.norm(vn, axis=1), 1e-12)[:, None]
        fn = face_normals[sorted_face[rows]]
        agree = np.einsum("ij,ij->i", vn, fn) >= cos_limit
        acc[rows] = np.where(agree[:, None], vn, fn)

    norm = np.linalg.norm(acc, axis=1)
    fallback = norm < 1e-12
    acc[fallback] = face_normals[sorted_face[fallback]]
    norm[fallback] = np.linalg.norm(acc[fallback], axis=1)
    acc /= np.maximum(norm, 1e-12)[:, None]
    normals = np.empty_like(acc)
    normals[order] = acc
    return normals.reshape(-1, 3, 3)


@dataclass
class PartArrays:
    """One part's unindexed vertex data in world space, ready to upload.

    Attributes
    ----------
    vertices : (3 * n_faces,) VERTEX_DTYPE
        Position (world, metres), unit normal (world), uv (trimesh convention,
        origin bottom-left), sRGB colour (white when the mesh has none).
    material : MaterialData
    has_color : bool
        Whether the colours come from the mesh (ColorVisuals) and should be used.
    front_face : {"cw", "ccw"} or None
        Winding of outward faces on screen, for back-face culling, when the part
        is a closed, outward-oriented volume; None when its back may show.
    """

    vertices: np.ndarray
    material: MaterialData
    has_color: bool
    front_face: str | None = None


def culling_front_face(mesh: trimesh.Trimesh, transform: np.ndarray) -> str | None:
    """Screen winding of `mesh`'s outward faces, or None when culling would be wrong.

    Culling is safe for a closed volume with outward normals (checked after
    welding UV seams by position). The renderer's projection flips Y, so outward
    counter-clockwise triangles appear clockwise, unless `transform` mirrors.
    """
    welded = trimesh.Trimesh(mesh.vertices, mesh.faces, process=True)
    if not welded.is_volume:
        return None
    return "cw" if np.linalg.det(transform[:3, :3]) > 0 else "ccw"


def part_arrays(mesh: trimesh.Trimesh, transform: np.ndarray) -> PartArrays:
    """Unindex one mesh and place it in the world with `transform` ((4, 4) float)."""
    material, uv, colors = material_of(mesh)
    faces = mesh.faces
    out = np.empty(faces.size, dtype=VERTEX_DTYPE)
    out["position"] = trimesh.transform_points(mesh.vertices[faces.ravel()], transform)
    normals = corner_normals(mesh).reshape(-1, 3)
    # Normals transform by the inverse transpose so that non-uniform scale keeps them normal.
    normals = normals @ np.linalg.inv(transform[:3, :3])
    norm = np.linalg.norm(normals, axis=1, keepdims=True)
    out["normal"] = normals / np.maximum(norm, 1e-12)
    out["uv"] = 0.0 if uv is None else uv[faces.ravel()]
    out["color"] = 255 if colors is None else colors.reshape(-1, 4)
    front_face = culling_front_face(mesh, transform)
    return PartArrays(out, material, colors is not None, front_face)


def scene_arrays(obj: trimesh.Trimesh | trimesh.Scene) -> list[PartArrays]:
    """`part_arrays` for every part of a mesh or scene."""
    return [part_arrays(mesh, transform) for mesh, transform in mesh_parts(obj)]


def _texture(ctx: moderngl.Context, image: Image.Image, srgb: bool) -> moderngl.Texture:
    image = image.convert("RGBA")
    limit = ctx.info["GL_MAX_TEXTURE_SIZE"]
    if max(image.size) > limit:
        image.thumbnail((limit, limit))
    tex = ctx.texture(
        image.size, 4, image.tobytes(), internal_format=GL_SRGB8_ALPHA8 if srgb else None
    )
    tex.build_mipmaps()
    tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
    tex.repeat_x = tex.repeat_y = True
    return tex


# (MaterialData attribute, sampler uniform, texture unit, sRGB-encoded)
TEXTURE_SLOTS = (
    ("base_color_texture", "u_base_color_tex", 0, True),
    ("metallic_roughness_texture", "u_mr_tex", 1, False),
    ("normal_texture", "u_normal_tex", 2, False),
    ("occlusion_texture", "u_occlusion_tex", 3, False),
    ("emissive_texture", "u_emissive_tex", 4, True),
)


@dataclass
class GpuPart:
    """A part on the GPU: its vertex buffer, textures and material factors."""

    buffer: moderngl.Buffer
    vertex_count: int
    material: MaterialData
    has_color: bool
    front_face: str | None
    textures: dict[int, moderngl.Texture]
    # Keyed by id(program); the program is kept alive alongside so that its id
    # cannot be reused by another program while the entry exists.
    vaos: dict[int, tuple[moderngl.Program, moderngl.VertexArray]] = field(default_factory=dict)

    def vao(self, ctx: moderngl.Context, program: moderngl.Program) -> moderngl.VertexArray:
        """The vertex array binding this part's buffer to `program`, made once."""
        key = id(program)
        if key not in self.vaos:
            vao = ctx.vertex_array(program, [(self.buffer, *VERTEX_FORMAT)], skip_errors=True)
            self.vaos[key] = (program, vao)
        return self.vaos[key][1]


class GpuMesh:
    """A mesh or scene uploaded to one OpenGL context.

    Parameters
    ----------
    ctx : moderngl.Context
    obj : trimesh.Trimesh or trimesh.Scene
        Drawn in world space (scene transforms applied), one draw per part.

    Attributes
    ----------
    parts : list of GpuPart
    bounds : (2, 3) float64
        World-space bounding box of every vertex.
    """

    def __init__(self, ctx: moderngl.Context, obj: trimesh.Trimesh | trimesh.Scene):
        self.ctx = ctx
        self.parts: list[GpuPart] = []
        arrays = scene_arrays(obj)
        positions = np.concatenate([a.vertices["position"] for a in arrays])
        self.bounds = np.array([positions.min(axis=0), positions.max(axis=0)], dtype=np.float64)
        for part in arrays:
            textures = {}
            for attr, _, unit, srgb in TEXTURE_SLOTS:
                image = getattr(part.material, attr)
                if image is not None:
                    textures[unit] = _texture(ctx, image, srgb)
            self.parts.append(
                GpuPart(
                    buffer=ctx.buffer(part.vertices.tobytes()),
                    vertex_count=len(part.vertices),
                    material=part.material,
                    has_color=part.has_color,
                    front_face=part.front_face,
                    textures=textures,
                )
            )

    @property
    def bounding_sphere(self) -> tuple[np.ndarray, float]:
        """Centre `(3,) float64` and radius of a sphere around the bounding box."""
        centre = self.bounds.mean(axis=0)
        return centre, max(float(np.linalg.norm(self.bounds[1] - centre)), 1e-6)

    @property
    def face_count(self) -> int:
        """Triangles drawn per view."""
        return sum(p.vertex_count for p in self.parts) // 3

    def release(self) -> None:
        """Free the GPU buffers and textures now rather than at garbage collection."""
        for part in self.parts:
            for _, vao in part.vaos.values():
                vao.release()
            for tex in part.textures.values():
                tex.release()
            part.buffer.release()
        self.parts = []
