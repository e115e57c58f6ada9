"""Headless OpenGL (EGL) renderer: previews, dataset views, sketches and baking.

Modules, in the order data flows through them:

- ``context``: the per-thread EGL context (moderngl, no display needed).
- ``parts``, ``materials``, ``gpu_mesh``: a Trimesh or Scene to GPU buffers and
  metallic-roughness materials.
- ``camera``: intrinsics/extrinsics (OpenGL and OpenCV conventions), orbit and
  random cameras.
- ``lights``, ``shadows``, ``shaders``, ``renderer``, ``views``: deferred PBR
  rendering of RGBA, mask, depth and normals, many views per upload.
- ``sketch``: line drawings from the depth and normal buffers.
- ``bake``: UV-atlas rasterisation and seam dilation for texture baking.
- ``sheet``: contact sheets and turntables (``meshsmith render``).
- ``benchmark``: views per second.

The names below are importable from this package; each loads its module on
first use, so ``import meshsmith.render`` stays cheap.
"""

from importlib import import_module

_EXPORTS = {
    "Camera": "camera",
    "orbit_camera": "camera",
    "orbit_cameras": "camera",
    "random_cameras": "camera",
    "opengl_to_opencv": "camera",
    "opencv_to_opengl": "camera",
    "project_points": "camera",
    "PRESETS": "lights",
    "LightRig": "lights",
    "DirectionalLight": "lights",
    "random_rig": "lights",
    "Renderer": "renderer",
    "default_renderer": "renderer",
    "render_views": "renderer",
    "View": "views",
    "RenderBatch": "views",
    "render_sketches": "sketch",
    "sketch_from_buffers": "sketch",
    "rasterize_uv": "bake",
    "dilate": "bake",
    "render_to_file": "sheet",
    "benchmark_render": "benchmark",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"meshsmith.render.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'meshsmith.render' has no attribute {name!r}")
