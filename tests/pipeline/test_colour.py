"""Tinting an asset's baseColor map towards the recalled mean albedo."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from PIL import Image

from meshsmith.colorspace import srgb_to_linear
from meshsmith.geometry.uv import unwrap
from meshsmith.pipeline.colour import MAX_GAIN, match_albedo, surface_albedo


def textured_box(image: Image.Image) -> trimesh.Trimesh:
    mesh = unwrap(trimesh.creation.box(extents=(0.5, 0.5, 0.5)).subdivide(), resolution=128).mesh
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=image)
    mesh.visual = trimesh.visual.TextureVisuals(uv=mesh.visual.uv, material=material)
    return mesh


def test_surface_albedo_reads_the_map_in_linear_light():
    mesh = textured_box(Image.new("RGB", (128, 128), (188, 128, 64)))
    expected = srgb_to_linear(np.array([188, 128, 64]) / 255.0)
    assert surface_albedo(mesh, mesh.visual.material.baseColorTexture) == pytest.approx(
        expected, abs=1e-6
    )


def test_the_map_is_tinted_to_the_target_mean_and_keeps_its_variation():
    # Left half darker than the right: a trunk and a crown.
    pixels = np.full((128, 128, 3), 150, dtype=np.uint8)
    pixels[:, :64] = 70
    mesh = textured_box(Image.fromarray(pixels))
    before = np.asarray(mesh.visual.material.baseColorTexture, dtype=np.float64)
    target = (0.05, 0.25, 0.04)
    gain = match_albedo(mesh, target)
    assert (gain >= 1 / MAX_GAIN).all() and (gain <= MAX_GAIN).all()
    after = surface_albedo(mesh, mesh.visual.material.baseColorTexture)
    assert after == pytest.approx(target, rel=0.03)
    # Dark texels stay darker than bright ones in every channel.
    tinted = srgb_to_linear(np.asarray(mesh.visual.material.baseColorTexture) / 255.0)
    assert (tinted[:, :64].mean(axis=(0, 1)) < tinted[:, 64:].mean(axis=(0, 1))).all()
    assert not np.array_equal(before, np.asarray(mesh.visual.material.baseColorTexture))


def test_the_gain_is_limited():
    mesh = textured_box(Image.new("RGB", (64, 64), (128, 128, 128)))
    grey = srgb_to_linear(np.array([128 / 255.0]))[0]
    gain = match_albedo(mesh, (1.0, 0.0, grey))
    assert gain == pytest.approx([MAX_GAIN, 1 / MAX_GAIN, 1.0], rel=1e-6)
    after = surface_albedo(mesh, mesh.visual.material.baseColorTexture)
    assert after[1] == pytest.approx(grey / MAX_GAIN, rel=0.05)
    assert after[2] == pytest.approx(grey, rel=0.01)
