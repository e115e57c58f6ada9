"""Texture-baking support: the surface point under every texel of a UV atlas."""

from __future__ import annotations

import moderngl
import numpy as np
import trimesh
from scipy import ndimage

from meshsmith.errors import InputError, RenderError
from meshsmith.render.context import get_context
from meshsmith.render.gpu_mesh import VERTEX_DTYPE, VERTEX_FORMAT
from meshsmith.render.shaders import UV_FRAGMENT, UV_VERTEX


def _resolution(resolution: int | tuple[int, int]) -> tuple[int, int]:
    width, height = (
        (resolution, resolution) if isinstance(resolution, int | np.integer) else resolution
    )
    if not (1 <= width <= 16384 and 1 <= height <= 16384):
        raise InputError(f"texture resolution must be within 1..16384, got {width}x{height}")
    return int(width), int(height)


def rasterize_uv(
    mesh: trimesh.Trimesh,
    resolution: int | tuple[int, int],
    *,
    ctx: moderngl.Context | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rasterise the UV atlas: the 3D point and normal under each texel centre.

    Every triangle is drawn at its UV coordinates; the position and normal are
    interpolated across it. Row 0 is the top of the texture image (trimesh's
    v = 1), so the arrays line up with the PIL image a material would use.
    Where UV islands overlap, the triangle drawn last wins.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        With TextureVisuals UVs (one per vertex).
    resolution : int or (width, height)
        Texture size in texels.
    ctx : moderngl.Context, optional
        Defaults to the calling thread's shared context.

    Returns
    -------
    position : (H, W, 3) float32
        Mesh-frame coordinates (metres); 0 where no triangle covers the texel.
    normal : (H, W, 3) float32
        Unit interpolated vertex normals (``mesh.vertex_normals``, as exported);
        0 off the atlas.
    mask : (H, W) bool
        Texels whose centre a triangle covers.
    """
    uv = getattr(mesh.visual, "uv", None)
    if uv is None or len(uv) != len(mesh.vertices):
        raise InputError("the mesh has no UV coordinates; unwrap it before baking")
    if len(mesh.faces) == 0:
        raise InputError("the mesh has no triangles to bake")
    width, height = _resolution(resolution)
    ctx = ctx or get_context()

    corners = mesh.faces.ravel()
    vertices = np.zeros(len(corners), dtype=VERTEX_DTYPE)
    vertices["position"] = mesh.vertices[corners]
    vertices["normal"] = mesh.vertex_normals[corners]
    vertices["uv"] = np.asarray(uv, dtype=np.float64)[corners]

    try:
        program = ctx.program(vertex_shader=UV_VERTEX, fragment_shader=UV_FRAGMENT)
    except moderngl.Error as exc:
        raise RenderError(f"shader compilation failed: {exc}") from exc
    buffer = ctx.buffer(vertices.tobytes())
    vao = ctx.vertex_array(program, [(buffer, *VERTEX_FORMAT)], skip_errors=True)
    targets = [ctx.renderbuffer((width, height), 4, dtype="f4") for _ in range(2)]
    fbo = ctx.framebuffer(targets)
    try:
        ctx.disable(moderngl.DEPTH_TEST | moderngl.CULL_FACE | moderngl.BLEND)
        fbo.clear(0.0, 0.0, 0.0, 0.0)
        fbo.use()
        vao.render(moderngl.TRIANGLES)
        out = np.empty((2, height, width, 4), dtype=np.float32)
        for i in range(2):
            fbo.read_into(out[i], components=4, attachment=i, dtype="f4")
    finally:
        for obj in (fbo, *targets, vao, buffer, program):
            obj.release()
    mask = out[0, ..., 3] > 0.0
    return out[0, ..., :3], out[1, ..., :3], mask


def dilate(image: np.ndarray, mask: np.ndarray, pixels: int) -> np.ndarray:
    """Grow texels across seams: copy each masked texel to nearby unmasked ones.

    Every unmasked texel within `pixels` (Euclidean) of a masked one takes the
    value of its nearest masked texel, so bilinear filtering and mipmaps do not
    bleed background colour into the surface at UV seams.

    Parameters
    ----------
    image : (H, W) or (H, W, C) array
    mask : (H, W) bool
        Texels holding valid values.
    pixels : int
        Margin to fill, in texels.

    Returns
    -------
    dilated : same shape and dtype as `image`
        Texels farther than `pixels` from the mask are left unchanged.
    """
    image = np.asarray(image)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != image.shape[:2]:
        raise InputError(f"mask shape {mask.shape} does not match image shape {image.shape[:2]}")
    out = image.copy()
    if pixels <= 0 or not mask.any() or mask.all():
        return out
    dist, (rows, cols) = ndimage.distance_transform_edt(~mask, return_indices=True)
    fill = (dist > 0) & (dist <= pixels)
    out[fill] = image[rows[fill], cols[fill]]
    return out
