"""Tinting an asset's baseColor map towards the recalled mean albedo."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from PIL import Image

from meshsmith.colorspace import srgb_to_linear
from meshsmith.geometry.uv import unwrap
from meshsmith.pipeline.colour import (
    MATCH_SHARE,
    MAX_GAIN,
    colour_share,
    follow_colour,
    match_albedo,
    prompt_albedo,
    surface_albedo,
)


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


@pytest.mark.parametrize(
    ("prompt", "word"),
    [
        ("a red plastic chair", "red"),
        ("A Light Blue mug", "light blue"),  # the longer word wins over "blue"
        ("a rusty iron sword", "rusty"),  # the first word in the prompt wins
        ("an oak stool", "oak"),
        ("a dark green sofa with red legs", "dark green"),
        ("an iron anvil", "iron"),
    ],
)
def test_prompt_albedo_reads_the_first_colour_or_material_word(prompt, word):
    from meshsmith.data.colors import COLOUR_NAMES, srgb8_to_linear
    from meshsmith.data.materials import LIBRARY

    expected = COLOUR_NAMES.get(word) or {"rusty": (139, 64, 30)}.get(word)
    albedo = srgb8_to_linear(expected) if expected else LIBRARY[word].color
    assert prompt_albedo(prompt) == pytest.approx(albedo)


@pytest.mark.parametrize(
    "prompt", ["a chair", "a reddish chair", "a bored cat", "a tall pine tree", "", None]
)
def test_prompts_without_a_colour_word_name_none(prompt):
    assert prompt_albedo(prompt) is None


def test_a_named_colour_missing_from_the_surface_recolours_it_and_keeps_the_shading():
    # A cream asset with a shaded half; the prompt says red.
    pixels = np.full((128, 128, 3), (240, 228, 196), dtype=np.uint8)
    pixels[:, :64] = (180, 170, 146)
    mesh = textured_box(Image.fromarray(pixels))
    red = prompt_albedo("a red chair")
    assert colour_share(mesh, red) == 0.0
    assert follow_colour(mesh, red)
    image = mesh.visual.material.baseColorTexture
    assert surface_albedo(mesh, image) == pytest.approx(red, rel=0.05, abs=0.003)
    assert colour_share(mesh, red) > 0.9
    linear = srgb_to_linear(np.asarray(image) / 255.0)
    shaded, lit = linear[:, :64].mean(axis=(0, 1)), linear[:, 64:].mean(axis=(0, 1))
    ratio = (lit / shaded)[0]  # the shading survives: the lit half stays brighter
    assert ratio == pytest.approx(srgb_to_linear(240 / 255) / srgb_to_linear(180 / 255), rel=0.1)


def test_an_asset_that_has_the_named_colour_on_enough_of_it_is_left_alone():
    pixels = np.full((64, 64, 3), (30, 30, 30), dtype=np.uint8)
    pixels[:, :32] = (200, 32, 36)  # a red chair with black legs
    mesh = textured_box(Image.fromarray(pixels))
    before = np.asarray(mesh.visual.material.baseColorTexture).copy()
    assert colour_share(mesh, prompt_albedo("a red chair")) >= MATCH_SHARE
    assert not follow_colour(mesh, prompt_albedo("a red chair"))
    assert np.array_equal(np.asarray(mesh.visual.material.baseColorTexture), before)
    assert follow_colour(mesh, prompt_albedo("a blue chair"))  # but it is not blue
