"""Give an asset the colour of the training shapes its latent was recalled from.

The latent memory starts the flow from a blend of several training shapes'
latents (`meshsmith.models.memory`). The blend keeps their form better than
their colour: where their parts do not line up, the decoded albedo drifts
towards grey ("a tall pine tree" recalls green trees and gets a grey-brown
crown). The memory also stores each shape's mean albedo, and its blend is the
colour the asset should have on average (`Model.recall`).

`match_albedo` scales the baked baseColor map per channel, in linear RGB, so that
its mean over the surface (area-weighted, from `SAMPLES` points) equals that
target. Each channel's gain is limited to ``[1 / MAX_GAIN, MAX_GAIN]``, so a
map is tinted, never flooded with one colour: variation within the asset (a
trunk darker than the crown) is kept. Photos keep the colours projected from
the photo instead (`meshsmith.pipeline.project`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import trimesh
from PIL import Image

from meshsmith.colorspace import linear_to_srgb, srgb_to_linear

#: Surface points the asset's mean albedo is measured on.
SAMPLES = 20_000
#: Largest factor a channel is scaled by (or its inverse, the smallest).
MAX_GAIN = 4.0
_SEED = 0


def surface_albedo(mesh: trimesh.Trimesh, image: Image.Image) -> np.ndarray:
    """Mean linear albedo ``(3,)`` over `mesh`'s surface, read from its UV map `image`."""
    points, faces = trimesh.sample.sample_surface(mesh, SAMPLES, seed=_SEED)
    corners = mesh.triangles[faces]
    weights = trimesh.triangles.points_to_barycentric(corners, points)
    uv = np.einsum("nk,nkj->nj", weights, mesh.visual.uv[mesh.faces[faces]])
    rgb = trimesh.visual.color.uv_to_color(uv, image)[:, :3]
    return srgb_to_linear(rgb / 255.0).mean(axis=0)


def albedo_gain(current: np.ndarray, target: Sequence[float]) -> np.ndarray:
    """Per-channel factors ``(3,)`` that take mean albedo `current` to `target`."""
    target = np.asarray(target, dtype=np.float64)
    gain = target / np.maximum(np.asarray(current, dtype=np.float64), 1e-4)
    return np.clip(gain, 1.0 / MAX_GAIN, MAX_GAIN)


def match_albedo(mesh: trimesh.Trimesh, target: Sequence[float]) -> np.ndarray:
    """Scale the baseColor map of textured `mesh` in place so its surface mean
    approaches linear albedo `target`; returns the gains applied."""
    material = mesh.visual.material
    image = material.baseColorTexture.convert("RGB")
    gain = albedo_gain(surface_albedo(mesh, image), target)
    # A per-channel factor is a byte-to-byte table per channel (PIL's `point`).
    linear = srgb_to_linear(np.arange(256) / 255.0)
    tables = np.round(linear_to_srgb(linear[None, :] * gain[:, None]) * 255.0)
    material.baseColorTexture = image.point(tables.astype(np.uint8).ravel().tolist())
    return gain
