"""Renderer throughput: views per second on a warm context."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from meshsmith.errors import InputError
from meshsmith.render.camera import orbit_cameras
from meshsmith.render.context import renderer_name
from meshsmith.render.renderer import Renderer


def benchmark_mesh(faces: int = 10_000, texture_size: int = 512) -> trimesh.Trimesh:
    """A UV sphere of about `faces` triangles with a textured PBR material."""
    # trimesh's UV sphere with count (n, n) has about 4 n^2 faces.
    count = max(4, round(math.sqrt(faces / 4.0)))
    mesh = min(
        (trimesh.creation.uv_sphere(radius=0.5, count=[n, n]) for n in range(count - 2, count + 3)),
        key=lambda m: abs(len(m.faces) - faces),
    )
    x, y, z = mesh.vertices.T / 0.5
    uv = np.c_[0.5 + np.arctan2(x, z) / (2 * np.pi), 0.5 + np.arcsin(np.clip(y, -1, 1)) / np.pi]
    rows, cols = np.indices((texture_size, texture_size))
    checker = ((rows // 32 + cols // 32) % 2).astype(np.uint8)
    image = np.stack([200 * checker + 40, 120 + 0 * checker, 220 - 180 * checker], axis=-1)
    mesh.visual = trimesh.visual.TextureVisuals(
        uv=uv,
        material=PBRMaterial(
            baseColorTexture=Image.fromarray(image.astype(np.uint8)),
            metallicFactor=0.0,
            roughnessFactor=0.5,
        ),
    )
    return mesh


def benchmark_render(
    faces: int = 10_000,
    sizes: Sequence[int] = (256, 512),
    views: int = 32,
    repeats: int = 3,
    shadows: bool = True,
) -> dict:
    """Measure renders per second of one textured mesh.

    The mesh is uploaded once and every size renders once untimed (warm context,
    targets allocated); then `views` orbit views are timed, full outputs (RGBA,
    mask, depth, normals read back) and RGBA only, each the best of `repeats`
    runs (other processes on the machine only ever slow a run down).

    Returns
    -------
    dict
        ``{"renderer": GL renderer string, "faces": int, "views": int,
        "shadows": bool, "sizes": {size: {"full_views_per_s": float, "rgba_views_per_s": float,
        "full_ms_per_view": float, "rgba_ms_per_view": float}}}``
    """
    if views < 1 or repeats < 1:
        raise InputError(f"views and repeats must be at least 1, got {views}, {repeats}")
    mesh = benchmark_mesh(faces)
    renderer = Renderer()
    gpu = renderer.upload(mesh)
    result: dict = {
        "renderer": renderer_name(renderer.ctx),
        "faces": gpu.face_count,
        "views": views,
        "shadows": shadows,
        "sizes": {},
    }
    try:
        for size in sizes:
            cameras = orbit_cameras(mesh, views, size=size)
            renderer.render(gpu, cameras[:1], shadows=shadows)
            timings = {"full": math.inf, "rgba": math.inf}
            for _ in range(repeats):
                for label, geometry in (("full", True), ("rgba", False)):
                    start = time.perf_counter()
                    batch = renderer.render(gpu, cameras, geometry=geometry, shadows=shadows)
                    if geometry:
                        batch.mask  # noqa: B018 - the mask is part of the outputs being timed
                    timings[label] = min(timings[label], time.perf_counter() - start)
            result["sizes"][int(size)] = {
                "full_views_per_s": views / timings["full"],
                "rgba_views_per_s": views / timings["rgba"],
                "full_ms_per_view": 1000 * timings["full"] / views,
                "rgba_ms_per_view": 1000 * timings["rgba"] / views,
            }
    finally:
        gpu.release()
        renderer.release()
    return result
