"""Material library, colour names and procedural texture variation."""

from __future__ import annotations

import numpy as np
import pytest

from meshsmith.data import materials as M
from meshsmith.data.colors import COLOUR_NAMES, colour_name, srgb8_to_linear
from meshsmith.data.noise import ValueNoise
from meshsmith.data.textures import bake_tile, material_texture
from meshsmith.errors import InputError


def test_every_named_colour_names_itself():
    for name, rgb in COLOUR_NAMES.items():
        assert colour_name(srgb8_to_linear(rgb)) == name


@pytest.mark.parametrize(
    ("srgb", "expected"),
    [
        ((250, 10, 10), "red"),
        ((10, 10, 200), "blue"),
        ((250, 250, 250), "white"),
        ((5, 5, 5), "black"),
        ((120, 80, 40), "brown"),
    ],
)
def test_colour_name_of_unlisted_colours(srgb, expected):
    assert colour_name(srgb8_to_linear(srgb)) == expected


def test_coloured_library_materials_are_named_by_their_colour():
    for colour in M.PALETTE:
        for family in ("plastic", "paint", "fabric", "leather", "ceramic", "metal"):
            material = M.get(M.names(family, (colour,))[0])
            assert material.family == family
            assert colour_name(material.color) == colour


def test_library_is_consistent():
    assert len(M.LIBRARY) > 100
    for material in M.LIBRARY.values():
        assert material.family in M.FAMILIES
        assert all(0.0 <= c <= 1.0 for c in material.color)
        assert 0.0 <= material.roughness <= 1.0 and material.metallic in (0.0, 1.0)
        assert material.variation in ("grain", "noise", "wear", "none")
    with pytest.raises(InputError):
        M.get("unobtainium")


def test_value_noise_is_smooth_bounded_and_periodic():
    noise = ValueNoise(np.random.default_rng(0))
    p = np.random.default_rng(1).random((2000, 3)) * 20
    v = noise.fbm(p)
    assert v.min() >= 0.0 and v.max() <= 1.0 and v.std() > 0.05
    # Lattice points take table values; nearby points take nearby values.
    d = noise(p + 1e-4) - noise(p)
    assert np.abs(d).max() < 1e-2
    grid = np.random.default_rng(2).random((500, 2)) * 4
    np.testing.assert_allclose(
        noise.fbm(grid, period=4), noise.fbm(grid + [4.0, 0.0], period=4), atol=1e-12
    )


@pytest.mark.parametrize("name", ["oak", "iron", "red paint", "granite", "navy fabric", "chrome"])
def test_material_texture_varies_around_the_base_colour(name):
    material = M.get(name)
    pts = np.random.default_rng(3).random((4000, 3))
    tex = material_texture(material, pts, np.random.default_rng(4))
    assert (
        tex.albedo.shape == (4000, 3)
        and tex.roughness.shape == (4000,)
        and tex.metallic.shape == (4000,)
    )
    assert tex.albedo.min() >= 0 and tex.albedo.max() <= 1
    mean = tex.albedo.mean(axis=0)
    np.testing.assert_allclose(mean, material.color, atol=0.08 + 0.05 * max(material.color))
    assert colour_name(mean) == colour_name(material.color) or material.metallic >= 0.5
    np.testing.assert_array_equal(tex.metallic, material.metallic)
    if material.variation == "none":
        assert np.ptp(tex.albedo, axis=0).max() == 0
    else:
        assert np.ptp(tex.albedo, axis=0).max() > 0.01
    again = material_texture(material, pts, np.random.default_rng(4))
    np.testing.assert_array_equal(again.albedo, tex.albedo)


def test_texture_rejects_bad_coordinates():
    with pytest.raises(InputError):
        material_texture(M.get("oak"), np.zeros((10, 4)), np.random.default_rng(0))


def test_baked_tile_is_seamless():
    base, mr = bake_tile(M.get("oak"), np.random.default_rng(0), size=64, tile=0.5)
    assert base.size == (64, 64) and base.mode == "RGB" and mr.mode == "RGB"
    a = np.asarray(base).astype(float)
    # Across the wrap (last column -> first column) the jump is no larger than inside the tile.
    inner = np.abs(np.diff(a, axis=1)).mean()
    wrap = np.abs(a[:, 0] - a[:, -1]).mean()
    assert wrap < 3 * inner + 1.0
    g = np.asarray(mr)[..., 1] / 255.0
    assert abs(g.mean() - M.get("oak").roughness) < 0.1
