"""The material library: named PBR materials with caption words and a texture recipe.

Colours are linear RGB (glTF's baseColorFactor convention). `variation` names the
procedural recipe in `meshsmith.data.textures` ("grain", "noise", "wear", "none") and
`strength` its amplitude. `words` are the adjectives a caption may use for the material
("oak", "wooden"); every one of them must be true of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from meshsmith.data.colors import COLOUR_NAMES, srgb8_to_linear
from meshsmith.errors import InputError

FAMILIES = (
    "wood",
    "metal",
    "plastic",
    "paint",
    "fabric",
    "leather",
    "stone",
    "ceramic",
    "glass",
    "rubber",
    "wax",
    "organic",
)


@dataclass(frozen=True)
class Material:
    """A PBR metallic-roughness material.

    Attributes
    ----------
    name : str
        Library name, e.g. "oak", "red plastic".
    family : str
        One of `FAMILIES`.
    color : (3,) float
        Base colour, linear RGB in [0, 1].
    roughness, metallic : float
        glTF factors in [0, 1].
    variation : str
        Texture recipe: "grain", "noise", "wear" or "none".
    strength : float
        Amplitude of the variation (0 keeps the flat colour).
    words : tuple of str
        Caption adjectives true of this material (may be empty).
    """

    name: str
    family: str
    color: tuple[float, float, float]
    roughness: float
    metallic: float
    variation: str = "noise"
    strength: float = 0.1
    words: tuple[str, ...] = ()


def _m(
    name: str,
    family: str,
    srgb: tuple[int, int, int],
    rough: float,
    metal: float,
    variation: str,
    strength: float,
    words: tuple[str, ...],
) -> Material:
    return Material(name, family, srgb8_to_linear(srgb), rough, metal, variation, strength, words)


_BASE: list[Material] = [
    _m("oak", "wood", (176, 132, 82), 0.6, 0.0, "grain", 0.35, ("oak", "wooden", "wood")),
    _m("pine", "wood", (222, 184, 128), 0.65, 0.0, "grain", 0.3, ("pine", "wooden", "wood")),
    _m("walnut", "wood", (98, 62, 38), 0.55, 0.0, "grain", 0.35, ("walnut", "wooden", "wood")),
    _m("cherry", "wood", (150, 78, 48), 0.5, 0.0, "grain", 0.3, ("cherry", "wooden", "wood")),
    _m("birch", "wood", (230, 210, 168), 0.6, 0.0, "grain", 0.25, ("birch", "wooden", "wood")),
    _m(
        "weathered wood",
        "wood",
        (135, 120, 100),
        0.85,
        0.0,
        "grain",
        0.4,
        ("weathered", "wooden", "wood"),
    ),
    _m("steel", "metal", (160, 164, 170), 0.35, 1.0, "noise", 0.08, ("steel", "metal")),
    _m("iron", "metal", (88, 90, 94), 0.6, 1.0, "wear", 0.25, ("iron", "metal")),
    _m("brass", "metal", (205, 168, 70), 0.3, 1.0, "wear", 0.15, ("brass", "metal")),
    _m("copper", "metal", (186, 112, 72), 0.35, 1.0, "wear", 0.2, ("copper", "metal")),
    _m("gold", "metal", (230, 186, 78), 0.25, 1.0, "noise", 0.06, ("gold", "golden", "metal")),
    _m("aluminium", "metal", (200, 203, 208), 0.4, 1.0, "noise", 0.06, ("aluminium", "metal")),
    _m("chrome", "metal", (222, 222, 226), 0.1, 1.0, "none", 0.0, ("chrome", "metal", "shiny")),
    _m("bronze", "metal", (140, 104, 58), 0.45, 1.0, "wear", 0.2, ("bronze", "metal")),
    _m("granite", "stone", (128, 126, 122), 0.8, 0.0, "noise", 0.3, ("granite", "stone")),
    _m("sandstone", "stone", (200, 170, 126), 0.9, 0.0, "noise", 0.25, ("sandstone", "stone")),
    _m("slate", "stone", (72, 76, 82), 0.75, 0.0, "noise", 0.2, ("slate", "stone")),
    _m("marble", "stone", (236, 234, 228), 0.3, 0.0, "noise", 0.12, ("marble", "stone")),
    _m("basalt", "stone", (52, 52, 54), 0.85, 0.0, "noise", 0.25, ("basalt", "stone")),
    _m("brick", "stone", (160, 72, 52), 0.9, 0.0, "noise", 0.25, ("brick",)),
    _m("porcelain", "ceramic", (242, 242, 238), 0.15, 0.0, "none", 0.0, ("porcelain", "ceramic")),
    _m("terracotta", "ceramic", (196, 104, 66), 0.85, 0.0, "noise", 0.15, ("terracotta", "clay")),
    _m("clear glass", "glass", (200, 226, 232), 0.05, 0.0, "none", 0.0, ("glass",)),
    _m("green glass", "glass", (60, 130, 70), 0.05, 0.0, "none", 0.0, ("glass",)),
    _m("amber glass", "glass", (205, 125, 25), 0.05, 0.0, "none", 0.0, ("glass",)),
    _m("blue glass", "glass", (60, 100, 170), 0.05, 0.0, "none", 0.0, ("glass",)),
    _m("rubber", "rubber", (30, 30, 32), 0.9, 0.0, "noise", 0.05, ("rubber",)),
    _m("wax", "wax", (240, 232, 210), 0.5, 0.0, "noise", 0.05, ("wax",)),
    _m("red wax", "wax", (170, 30, 36), 0.5, 0.0, "noise", 0.05, ("wax",)),
    _m("leaves", "organic", (62, 128, 46), 0.8, 0.0, "noise", 0.3, ()),
    _m("autumn leaves", "organic", (210, 110, 30), 0.8, 0.0, "noise", 0.3, ()),
    _m("dark leaves", "organic", (34, 84, 40), 0.8, 0.0, "noise", 0.3, ()),
    _m("needles", "organic", (30, 80, 50), 0.85, 0.0, "noise", 0.3, ()),
    _m("bark", "organic", (96, 70, 48), 0.9, 0.0, "grain", 0.4, ()),
    _m("cactus", "organic", (70, 130, 70), 0.6, 0.0, "noise", 0.2, ()),
    _m("mushroom stem", "organic", (236, 226, 200), 0.7, 0.0, "noise", 0.1, ()),
    _m("red cap", "organic", (196, 36, 30), 0.5, 0.0, "noise", 0.15, ()),
    _m("brown cap", "organic", (140, 90, 50), 0.6, 0.0, "noise", 0.2, ()),
    _m("tan cap", "organic", (210, 170, 110), 0.6, 0.0, "noise", 0.2, ()),
    _m("thatch", "organic", (200, 170, 90), 0.95, 0.0, "grain", 0.35, ("thatched",)),
]

#: Colours offered for plastic, paint, fabric, leather and ceramic glaze.
PALETTE: tuple[str, ...] = (
    "red",
    "blue",
    "green",
    "yellow",
    "orange",
    "white",
    "black",
    "grey",
    "teal",
    "navy",
    "pink",
    "purple",
    "light blue",
    "dark green",
    "cream",
    "burgundy",
    "beige",
    "turquoise",
    "brown",
    "tan",
)

_FINISH = {
    # family: (roughness, metallic, variation, strength, words)
    "plastic": (0.4, 0.0, "noise", 0.04, ("plastic",)),
    "paint": (0.5, 0.0, "noise", 0.05, ("painted",)),
    "fabric": (0.92, 0.0, "noise", 0.12, ("fabric",)),
    "leather": (0.55, 0.0, "noise", 0.1, ("leather",)),
    "ceramic": (0.2, 0.0, "noise", 0.03, ("ceramic",)),
    "metal": (0.45, 0.0, "wear", 0.1, ("painted", "metal")),
}


def _coloured(colour: str, family: str) -> Material:
    rough, metal, variation, strength, words = _FINISH[family]
    suffix = "painted metal" if family == "metal" else family
    return _m(
        f"{colour} {suffix}", family, COLOUR_NAMES[colour], rough, metal, variation, strength, words
    )


LIBRARY: dict[str, Material] = {m.name: m for m in _BASE}
for _family in _FINISH:
    for _colour in PALETTE:
        _mat = _coloured(_colour, _family)
        LIBRARY[_mat.name] = _mat

WOODS = ("oak", "pine", "walnut", "cherry", "birch", "weathered wood")
METALS = ("steel", "iron", "brass", "copper", "gold", "aluminium", "chrome", "bronze")
STONES = ("granite", "sandstone", "slate", "marble", "basalt")
GLASSES = ("clear glass", "green glass", "amber glass", "blue glass")


def names(family: str, colours: Sequence[str] = PALETTE) -> tuple[str, ...]:
    """Library names of ``family`` in each of ``colours`` ("red plastic", "navy fabric", ...)."""
    suffix = "painted metal" if family == "metal" else family
    return tuple(f"{c} {suffix}" for c in colours)


def get(name: str) -> Material:
    """Library material by name; raises `InputError` for an unknown name."""
    try:
        return LIBRARY[name]
    except KeyError:
        raise InputError(
            f"unknown material {name!r}; see meshsmith.data.materials.LIBRARY"
        ) from None


def tinted(material: Material, factor: float) -> Material:
    """``material`` with its colour scaled by ``factor`` (a slightly darker/lighter variant)."""
    color = tuple(float(np.clip(c * factor, 0.0, 1.0)) for c in material.color)
    return replace(material, color=color)
