"""Line drawings from silhouettes and depth/normal discontinuities.

Edges are found on the renderer's depth and normal buffers:

- silhouette: object pixels next to background;
- occluding contours and ridges: the Laplacian of *inverse* depth, which is
  exactly zero on planes (1/z is affine in screen space for a plane), strongly
  negative on the near side of a depth jump;
- creases: neighbouring normals more than `crease_angle` apart.

Strokes are drawn from the distance to the nearest edge pixel, so `width` is in
pixels and lines are anti-aliased; `jitter` wobbles that distance field with a
smooth seeded displacement for a hand-drawn look.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import trimesh
from scipy import ndimage

from meshsmith.errors import InputError
from meshsmith.render.camera import Camera
from meshsmith.render.gpu_mesh import GpuMesh
from meshsmith.render.renderer import Renderer, default_renderer

# Relative size of an inverse-depth second difference that counts as an edge.
DEPTH_EDGE_THRESHOLD = 0.02
CREASE_ANGLE = 35.0
# Displacement noise has this many control points across the longer image side.
_JITTER_GRID = 8


def edge_map(
    depth: np.ndarray,
    normals: np.ndarray,
    mask: np.ndarray,
    *,
    depth_threshold: float = DEPTH_EDGE_THRESHOLD,
    crease_angle: float = CREASE_ANGLE,
) -> np.ndarray:
    """Pixels on silhouettes, occluding contours and creases.

    Parameters
    ----------
    depth : (H, W) float
        Metric depth, any value off the mask.
    normals : (H, W, 3) float
        Unit normals.
    mask : (H, W) bool

    Returns
    -------
    edges : (H, W) bool
    """
    padded = np.pad(mask, 1, constant_values=False)
    interior = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    edges = mask & ~interior

    inv = np.where(mask, 1.0 / np.where(mask, depth, 1.0), 0.0)
    lap = np.zeros_like(inv)
    lap[:, 1:-1] = np.minimum(lap[:, 1:-1], inv[:, :-2] - 2 * inv[:, 1:-1] + inv[:, 2:])
    lap[1:-1, :] = np.minimum(lap[1:-1, :], inv[:-2, :] - 2 * inv[1:-1, :] + inv[2:, :])
    edges |= interior & (lap < -depth_threshold * inv)

    cos_limit = np.cos(np.radians(crease_angle))
    right = np.einsum("ijk,ijk->ij", normals[:, :-1], normals[:, 1:]) < cos_limit
    down = np.einsum("ijk,ijk->ij", normals[:-1], normals[1:]) < cos_limit
    crease = np.zeros_like(mask)
    crease[:, :-1] |= right & mask[:, :-1] & mask[:, 1:]
    crease[:-1] |= down & mask[:-1] & mask[1:]
    return edges | crease


def _smooth_noise(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Smooth random field of unit standard deviation, `shape` (H, W)."""
    h, w = shape
    step = max(h, w) / _JITTER_GRID
    coarse = rng.standard_normal((int(np.ceil(h / step)) + 3, int(np.ceil(w / step)) + 3))
    rows = np.arange(h) / step + 1.0
    cols = np.arange(w) / step + 1.0
    return ndimage.map_coordinates(coarse, np.meshgrid(rows, cols, indexing="ij"), order=3)


def stroke(
    edges: np.ndarray,
    *,
    width: float = 1.5,
    jitter: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Draw `edges` as black lines on white.

    Parameters
    ----------
    edges : (H, W) bool
    width : float
        Stroke width in pixels.
    jitter : float
        Wobble amplitude in pixels (0 for clean lines); the stroke width varies
        by up to ±30 % along the lines too.
    seed : int or numpy.random.Generator
        Seeds the wobble; the same seed gives the same drawing.

    Returns
    -------
    image : (H, W) uint8
        255 white paper, 0 full ink.
    """
    if width <= 0:
        raise InputError(f"stroke width must be positive, got {width}")
    if not edges.any():
        return np.full(edges.shape, 255, dtype=np.uint8)
    dist = ndimage.distance_transform_edt(~edges)
    half = np.full(edges.shape, width / 2.0)
    if jitter > 0:
        rng = np.random.default_rng(seed)
        dy, dx, dw = (_smooth_noise(edges.shape, rng) for _ in range(3))
        rows, cols = np.indices(edges.shape, dtype=np.float64)
        dist = ndimage.map_coordinates(
            dist, [rows + jitter * dy, cols + jitter * dx], order=1, mode="nearest"
        )
        half *= 1.0 + 0.3 * np.clip(dw, -1.0, 1.0)
    ink = np.clip(half + 0.5 - dist, 0.0, 1.0)
    return np.round(255.0 * (1.0 - ink)).astype(np.uint8)


def sketch_from_buffers(
    depth: np.ndarray,
    normals: np.ndarray,
    mask: np.ndarray,
    *,
    width: float = 1.5,
    jitter: float = 0.0,
    seed: int | np.random.Generator | None = None,
) -> np.ndarray:
    """Line drawing of one view from its depth, normals and mask; `(H, W) uint8`."""
    return stroke(edge_map(depth, normals, mask), width=width, jitter=jitter, seed=seed)


def render_sketches(
    mesh: GpuMesh | trimesh.Trimesh | trimesh.Scene,
    cameras: Sequence[Camera],
    *,
    width: float = 1.5,
    jitter: float = 0.0,
    seed: int | np.random.Generator | None = None,
    renderer: Renderer | None = None,
) -> np.ndarray:
    """Line drawings of `mesh` from every camera.

    Returns
    -------
    sketches : (n, H, W) uint8
        Black (0) lines on white (255).
    """
    renderer = renderer or default_renderer()
    batch = renderer.render(mesh, cameras, geometry=True)
    rng = np.random.default_rng(seed)
    return np.stack(
        [
            sketch_from_buffers(
                batch.depth[i],
                batch.normals[i],
                batch.mask[i],
                width=width,
                jitter=jitter,
                seed=rng,
            )
            for i in range(len(batch))
        ]
    )
