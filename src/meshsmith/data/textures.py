"""Procedural texture variation of library materials: wood grain, noise, wear.

The same recipe serves two uses: per-point albedo/roughness/metallic for surface samples
(3-D positions in metres, a solid texture) and small tileable images for assets
(2-D coordinates in metres on a periodic tile). Colours stay linear RGB here; images are
encoded to sRGB only when baked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from meshsmith.data.colors import linear_to_srgb8
from meshsmith.data.materials import Material
from meshsmith.data.noise import ValueNoise
from meshsmith.errors import InputError

#: Feature frequencies in cycles per metre.
_RING_FREQ = 28.0
_NOISE_FREQ = 9.0
_WEAR_FREQ = 6.0


@dataclass(frozen=True)
class TextureSample:
    """Material values at points: ``albedo`` (n, 3) linear RGB, ``roughness``, ``metallic`` (n,)."""

    albedo: np.ndarray
    roughness: np.ndarray
    metallic: np.ndarray


class _Field:
    """Noise evaluated in metres, optionally periodic over a square tile of side ``tile``."""

    def __init__(self, rng: np.random.Generator, tile: float | None) -> None:
        self.noise = ValueNoise(rng)
        self.tile = tile

    def fbm(self, coords: np.ndarray, freq: float | np.ndarray, octaves: int = 4) -> np.ndarray:
        f = np.broadcast_to(np.asarray(freq, dtype=float), (coords.shape[1],))
        if self.tile is None:
            return self.noise.fbm(coords * f, octaves)
        # A tile needs a whole number of lattice cells; one count for all axes keeps the wrap exact.
        cells = max(1, int(round(float(f.max()) * self.tile)))
        return self.noise.fbm(coords * (cells / self.tile), octaves, period=cells)

    def freq(self, f: float) -> float:
        """``f`` rounded so that a whole number of cycles fits on the tile."""
        if self.tile is None:
            return f
        return max(1, round(f * self.tile)) / self.tile


def material_texture(
    material: Material, coords: np.ndarray, rng: np.random.Generator, tile: float | None = None
) -> TextureSample:
    """Evaluate the material's procedural variation at ``coords``.

    Parameters
    ----------
    material : Material
        Library material; its ``variation`` and ``strength`` pick the recipe.
    coords : (n, 3) or (n, 2) float
        Positions in metres (solid texture) or tile coordinates in metres.
    rng : numpy.random.Generator
        Seeds the noise, so one generator state gives one texture.
    tile : float, optional
        Side of a square tile in metres; makes 2-D output wrap seamlessly.

    Returns
    -------
    TextureSample
    """
    p = np.asarray(coords, dtype=float)
    if p.ndim != 2 or p.shape[1] not in (2, 3):
        raise InputError("texture coordinates must be an (n, 2) or (n, 3) array")
    field = _Field(rng, tile)
    n = len(p)
    base = np.asarray(material.color, dtype=float)
    shade = np.ones(n)
    rough = np.full(n, material.roughness)
    s = material.strength
    if material.variation == "grain":
        shade, rough = _grain(field, p, s, rough)
    elif material.variation == "noise":
        shade = 1.0 + 2.0 * s * (field.fbm(p, _NOISE_FREQ) - 0.5)
        rough = rough + 0.3 * s * (field.fbm(p, _NOISE_FREQ * 2.0) - 0.5)
    elif material.variation == "wear":
        shade, rough, worn = _wear(field, p, s, rough)
        albedo = base[None, :] * shade[:, None]
        albedo = albedo * (1.0 - worn[:, None]) + _worn_colour(material)[None, :] * worn[:, None]
        return _finish(albedo, rough, material)
    albedo = base[None, :] * shade[:, None]
    return _finish(albedo, rough, material)


def _grain(
    field: _Field, p: np.ndarray, s: float, rough: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Growth rings around the x axis (planks run along x), warped, plus fine fibres."""
    across = np.linalg.norm(p[:, 1:], axis=1) if p.shape[1] == 3 else p[:, 1]
    stretch = np.array([1.5] + [6.0] * (p.shape[1] - 1))
    warp = field.fbm(p, stretch, octaves=3)
    ring = np.mod(across * field.freq(_RING_FREQ) + 2.0 * warp, 1.0)
    late_wood = ring**4
    fibres = field.fbm(p, np.array([4.0] + [90.0] * (p.shape[1] - 1)), octaves=2)
    shade = 1.0 - s * (0.7 * late_wood + 0.6 * (fibres - 0.5)) + 0.15 * s
    return shade, rough + 0.1 * s * late_wood


def _wear(
    field: _Field, p: np.ndarray, s: float, rough: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grime noise plus chipped patches where a second noise passes a threshold."""
    grime = field.fbm(p, _WEAR_FREQ)
    chips = field.fbm(p, _WEAR_FREQ * 3.0, octaves=3)
    # Stronger wear lowers the threshold, so chips grow in number, not only in contrast.
    worn = np.clip((chips - (0.85 - 0.5 * s)) / 0.04, 0.0, 1.0)
    shade = 1.0 - s * (grime - 0.5) * 1.5
    return shade, rough + 0.25 * worn, worn


def _worn_colour(material: Material) -> np.ndarray:
    """What shows through wear: dull grey primer under paint, darker patina on bare metal."""
    if material.metallic >= 0.5:
        return np.asarray(material.color) * 0.55
    return np.array([0.32, 0.31, 0.29])


def _finish(albedo: np.ndarray, rough: np.ndarray, material: Material) -> TextureSample:
    n = len(albedo)
    return TextureSample(
        albedo=np.clip(albedo, 0.0, 1.0),
        roughness=np.clip(rough, 0.02, 1.0),
        metallic=np.full(n, material.metallic),
    )


def bake_tile(
    material: Material, rng: np.random.Generator, size: int = 128, tile: float = 0.5
) -> tuple[Image.Image, Image.Image]:
    """Bake a seamless square texture tile of the material.

    Parameters
    ----------
    size : int
        Image side in pixels.
    tile : float
        Tile side in metres (texture repeats every ``tile`` metres).

    Returns
    -------
    base_color : PIL.Image.Image
        RGB, sRGB-encoded.
    metallic_roughness : PIL.Image.Image
        RGB with G = roughness and B = metallic (glTF layout), linear.
    """
    u = (np.arange(size) + 0.5) / size * tile
    uu, vv = np.meshgrid(u, u, indexing="xy")
    sample = material_texture(material, np.column_stack([uu.ravel(), vv.ravel()]), rng, tile=tile)
    color = linear_to_srgb8(sample.albedo).reshape(size, size, 3)
    mr = np.zeros((size * size, 3), dtype=np.uint8)
    mr[:, 1] = np.round(sample.roughness * 255).astype(np.uint8)
    mr[:, 2] = np.round(sample.metallic * 255).astype(np.uint8)
    return Image.fromarray(color, "RGB"), Image.fromarray(mr.reshape(size, size, 3), "RGB")
