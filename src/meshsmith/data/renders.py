"""A shape's dataset views: RGB(A), mask, depth, normals and a sketch per random camera.

One light rig and one background per shape (its "photo session"), all K views
rendered in one batch from a single upload; sketches are drawn from the same
batch's depth and normal buffers, so a sketch and its RGB view share the camera.

Stored per shape (paths relative to the shape folder):

- ``view-XX.png``: sRGB RGBA when the background is transparent (alpha 0 off the
  object), sRGB RGB on a plain background colour.
- ``sketch-XX.png``: (H, W) 8-bit grey, black lines (0) on white (255).
- ``views.npz``: ``mask`` (K, H, W) bool; ``depth`` (K, H, W) float16 metres along
  the viewing axis (OpenCV z), 0 off the object; ``normals`` (K, H, W, 3) float16
  unit world-space normals, 0 off the object; ``K`` (K, 3, 3) float64 intrinsics in
  pixels; ``extrinsics_cv`` (K, 4, 4) float64 world->camera in the OpenCV convention
  (x right, y down, z forward), world in metres as in the GLB. The OpenGL matrix is
  ``diag(1, -1, -1, 1) @ extrinsics_cv``; see `meshsmith.render.camera`.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np
import trimesh

from meshsmith.data.files import npz_bytes, png_bytes
from meshsmith.render.camera import random_cameras
from meshsmith.render.lights import random_rig
from meshsmith.render.renderer import default_renderer
from meshsmith.render.sketch import sketch_from_buffers

#: Share of shapes rendered on a transparent background (the rest on a plain colour).
TRANSPARENT_SHARE = 0.5
SKETCH_WIDTH = (1.0, 2.0)
SKETCH_JITTER = (0.0, 1.5)


@dataclass(frozen=True)
class RenderedViews:
    """Encoded files of one shape's views and how they were lit.

    Attributes
    ----------
    files : dict of str to bytes
        File name (``view-00.png``, ``sketch-00.png``, ``views.npz``) -> contents.
    light : str
        Light preset the rig was drawn from (studio, sunset, overcast, night).
    background : str
        ``"transparent"`` or ``"#rrggbb"`` (sRGB).
    """

    files: dict[str, bytes]
    light: str
    background: str

    @property
    def views(self) -> list[str]:
        return sorted(name for name in self.files if name.startswith("view-"))

    @property
    def sketches(self) -> list[str]:
        return sorted(name for name in self.files if name.startswith("sketch-"))


def random_background(rng: np.random.Generator) -> str:
    """``"transparent"`` or a random plain sRGB colour as ``"#rrggbb"``."""
    if rng.random() < TRANSPARENT_SHARE:
        return "transparent"
    hue, saturation, value = rng.random(), rng.uniform(0.0, 0.6), rng.uniform(0.25, 1.0)
    rgb = colorsys.hsv_to_rgb(hue, saturation, value)
    return "#" + "".join(f"{round(255 * c):02x}" for c in rgb)


def render_shape_views(
    asset: trimesh.Scene | trimesh.Trimesh, count: int, size: int, rng: np.random.Generator
) -> RenderedViews:
    """Render `count` random views of `asset` (metres) at `size` × `size` pixels."""
    cameras = random_cameras(asset, count, rng, size=size)
    rig = random_rig(rng)
    background = random_background(rng)
    renderer = default_renderer()
    gpu = renderer.upload(asset)
    try:
        batch = renderer.render(gpu, cameras, light=rig, background=background)
    finally:
        gpu.release()
    files: dict[str, bytes] = {}
    channels = 4 if background == "transparent" else 3
    for i in range(count):
        files[f"view-{i:02d}.png"] = png_bytes(batch.rgba[i, ..., :channels])
    for i in range(count):
        sketch = sketch_from_buffers(
            batch.depth[i],
            batch.normals[i],
            batch.mask[i],
            width=rng.uniform(*SKETCH_WIDTH),
            jitter=rng.uniform(*SKETCH_JITTER),
            seed=rng,
        )
        files[f"sketch-{i:02d}.png"] = png_bytes(sketch)
    files["views.npz"] = npz_bytes(
        {
            "mask": batch.mask,
            "depth": batch.depth.astype(np.float16),
            "normals": batch.normals.astype(np.float16),
            "K": batch.K,
            "extrinsics_cv": batch.extrinsics_cv,
        }
    )
    return RenderedViews(files, rig.name, background)
