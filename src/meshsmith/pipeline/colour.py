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

A prompt that names a colour or a material ("a red plastic chair", "a rusty iron
sword", "an oak stool") overrules the recall: the text prior matches shapes by
their words as a whole, and a chair recalled for "red plastic" may be a cream
one. `prompt_albedo` reads the first such word. `follow_colour` leaves the map
alone if enough of the surface already has that colour (`MATCH_SHARE`), and
else recolours it: every texel takes the named colour at its own relative
brightness, so shading and patterns stay and the colour is the prompt's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import trimesh
from PIL import Image

from meshsmith.colorspace import linear_to_srgb, srgb_to_linear

#: Surface points the asset's mean albedo is measured on.
SAMPLES = 20_000
#: Largest factor a channel is scaled by (or its inverse, the smallest).
MAX_GAIN = 4.0
#: A texel "has" a named colour within this CIELAB distance (CIE76) of it ...
MATCH_DELTA_E = 20.0
#: ... and an asset has it when this share of its surface does; else it is recoloured.
MATCH_SHARE = 0.3
_SEED = 0
#: Rec. 709 luminance weights of linear RGB.
_LUMA = np.array([0.2126, 0.7152, 0.0722])
#: Colour words of prompts beyond the caption colours and the material library's names.
_EXTRA_WORDS = {"rusty": (139, 64, 30), "rust": (139, 64, 30), "golden": (205, 165, 60)}


@functools.cache
def _vocabulary() -> list[tuple[re.Pattern, tuple[float, float, float]]]:
    """(whole-word pattern, linear albedo) of every colour and material word, longest first
    so that "light blue" is found before "blue" and "clear glass" before "glass"."""
    from meshsmith.data.colors import COLOUR_NAMES, srgb8_to_linear
    from meshsmith.data.materials import LIBRARY

    words = {name: (srgb8_to_linear(rgb), "") for name, rgb in COLOUR_NAMES.items()}
    words.update({name: (srgb8_to_linear(rgb), "") for name, rgb in _EXTRA_WORDS.items()})
    for name, material in LIBRARY.items():  # "oak", "iron", "marble"; not "red plastic"
        if name not in words and not any(name.startswith(f"{c} ") for c in COLOUR_NAMES):
            # A wood named for its tree is no material in "a pine tree".
            words[name] = (tuple(float(c) for c in material.color), r"(?!\s+trees?\b)")
    ordered = sorted(words, key=len, reverse=True)
    return [
        (re.compile(rf"\b{re.escape(w)}\b{words[w][1]}", re.IGNORECASE), words[w][0])
        for w in ordered
    ]


def prompt_albedo(prompt: str | None) -> tuple[float, float, float] | None:
    """Linear albedo of the first colour or material word in `prompt` (None if none).

    Colour words are the captions' (`meshsmith.data.colors.COLOUR_NAMES`) plus "rusty"
    and "golden"; material words are the material library's names ("oak", "iron",
    "marble", "terracotta"). Where two overlap ("dark green" holds "green"), the
    longer one counts.
    """
    if not prompt:
        return None
    found: list[tuple[int, int, tuple[float, float, float]]] = []
    for pattern, albedo in _vocabulary():
        match = pattern.search(prompt)
        if match:
            found.append((match.start(), -len(match.group()), albedo))
    return min(found)[2] if found else None


def surface_texels(mesh: trimesh.Trimesh, image: Image.Image) -> np.ndarray:
    """Linear albedo ``(SAMPLES, 3)`` at area-uniform points of `mesh`'s surface, read
    from its UV map `image`."""
    points, faces = trimesh.sample.sample_surface(mesh, SAMPLES, seed=_SEED)
    corners = mesh.triangles[faces]
    weights = trimesh.triangles.points_to_barycentric(corners, points)
    uv = np.einsum("nk,nkj->nj", weights, mesh.visual.uv[mesh.faces[faces]])
    rgb = trimesh.visual.color.uv_to_color(uv, image)[:, :3]
    return srgb_to_linear(rgb / 255.0)


def surface_albedo(mesh: trimesh.Trimesh, image: Image.Image) -> np.ndarray:
    """Mean linear albedo ``(3,)`` over `mesh`'s surface, read from its UV map `image`."""
    return surface_texels(mesh, image).mean(axis=0)


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


def colour_share(mesh: trimesh.Trimesh, target: Sequence[float]) -> float:
    """Share of `mesh`'s surface (area-weighted samples of its baseColor map) within
    `MATCH_DELTA_E` (CIE76) of linear albedo `target`."""
    image = mesh.visual.material.baseColorTexture.convert("RGB")
    return _share(surface_texels(mesh, image), target)


def follow_colour(mesh: trimesh.Trimesh, target: Sequence[float]) -> bool:
    """Give textured `mesh` the prompt's named colour `target` (linear albedo) unless at
    least `MATCH_SHARE` of its surface already has it (a red chair with black legs stays
    as it is): then every texel becomes `target` scaled by its luminance over the
    surface's mean luminance. Returns whether the map was recoloured."""
    material = mesh.visual.material
    image = material.baseColorTexture.convert("RGB")
    texels = surface_texels(mesh, image)
    if _share(texels, target) >= MATCH_SHARE:
        return False
    linear = srgb_to_linear(np.asarray(image, dtype=np.float64) / 255.0)
    relative = (linear @ _LUMA) / max(float(texels.mean(axis=0) @ _LUMA), 1e-4)
    colour = np.clip(relative[..., None] * np.asarray(target, dtype=np.float64), 0.0, 1.0)
    pixels = np.round(linear_to_srgb(colour) * 255.0).astype(np.uint8)
    material.baseColorTexture = Image.fromarray(pixels, "RGB")
    return True


def _share(texels: np.ndarray, target: Sequence[float]) -> float:
    from meshsmith.data.colors import linear_to_lab

    distance = np.linalg.norm(linear_to_lab(texels) - linear_to_lab(np.asarray(target)), axis=1)
    return float(np.mean(distance < MATCH_DELTA_E))
