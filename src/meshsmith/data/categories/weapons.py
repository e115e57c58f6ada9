"""Weapons and tools: sword, axe, hammer, shield, bow.

Long items stand upright (handle or hilt down, +Y up) as in most game-asset previews;
a shield stands on its lower rim facing +Z; a bow stands on its lower limb tip.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manifold3d import CrossSection, Manifold

from meshsmith.data import materials as M
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import (
    box,
    convex_hull,
    cylinder,
    ellipsoid,
    extrude_side,
    rod,
    sphere,
    tube,
    union,
)

_BLADES = ("steel", "iron", "bronze", "gold", "chrome")
_GRIPS = M.names("leather", ("brown", "black", "burgundy", "tan")) + ("walnut", "oak")
_HANDLES = ("oak", "walnut", "pine", "cherry", "weathered wood")


def _wedge(solid: Manifold, x0: float, x1: float, keep: float) -> Manifold:
    """Thin a slab toward +x: z scales from 1 at ``x0`` to ``keep`` at ``x1`` (a cutting edge)."""

    def f(v: np.ndarray) -> np.ndarray:
        s = 1.0 - (1.0 - keep) * np.clip((v[:, 0] - x0) / (x1 - x0), 0.0, 1.0)
        out = v.copy()
        out[:, 2] *= s
        return out

    return solid.warp_batch(f)


def make_sword(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A sword standing hilt-down: bevelled blade, crossguard, wrapped grip, pommel.

    Parameters: ``kind`` (short, long, great), ``length``, ``blade_width``, ``guard``
    (straight, curved, disc), ``pommel`` (ball, disc), ``blade_material``, ``guard_material``,
    ``grip_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("short", "long", "great"))
    length = p.uniform(
        "length", *{"short": (0.55, 0.75), "long": (0.9, 1.2), "great": (1.3, 1.6)}[kind]
    )
    width = p.uniform("blade_width", 0.035, 0.06) * (1.3 if kind == "great" else 1.0)
    guard = p.choice("guard", ("straight", "curved", "disc"))
    pommel = p.choice("pommel", ("ball", "disc"))
    blade_mat = p.material("blade_material", _BLADES)
    guard_mat = p.material("guard_material", ("steel", "brass", "gold", "iron", "bronze"))
    grip_mat = p.material("grip_material", _GRIPS)
    grip_len = {"short": 0.11, "long": 0.2, "great": 0.3}[kind]
    pommel_r = 0.022 + 0.008 * (kind == "great")
    y_grip = pommel_r * 1.4
    y_guard = y_grip + grip_len
    blade_len = length - y_guard - 0.02
    y0 = y_guard + 0.015
    th = width * 0.22
    pts = []
    for y, w in ((y0 - 0.01, width / 2), (y0 + blade_len * 0.82, width / 2 * 0.8)):
        pts += [(-w, y, 0), (w, y, 0), (0, y, th / 2), (0, y, -th / 2)]
    pts.append((0, y0 + blade_len, 0))
    blade = convex_hull(np.array(pts))
    gw = width * 2.6 + 0.05
    if guard == "straight":
        guard_solid = box((gw, 0.025, 0.03), (0, y_guard, 0))
    elif guard == "curved":
        s = np.linspace(-1, 1, 9)
        guard_solid = tube(
            np.column_stack([s * gw / 2, y_guard + 0.03 * s**2, np.zeros_like(s)]), 0.013, 10
        )
    else:
        guard_solid = cylinder(width * 1.1, 0.02, (0, y_guard - 0.01, 0), segments=24)
    grip = cylinder(0.016, grip_len + 0.01, (0, y_grip - 0.005, 0), 0.014, 12)
    pom = (
        sphere(pommel_r, (0, pommel_r, 0), 16)
        if pommel == "ball"
        else rod(
            (0, pommel_r * 1.2, -pommel_r * 0.7),
            (0, pommel_r * 1.2, pommel_r * 0.7),
            pommel_r * 1.2,
            segments=20,
        )
    )
    parts = [
        Part("blade", blade, blade_mat),
        Part("guard", union([guard_solid, pom]), guard_mat),
        Part("grip", grip, grip_mat),
    ]
    nouns = {
        "short": ("short sword", "gladius"),
        "long": ("longsword", "knight's sword"),
        "great": ("greatsword", "two-handed sword"),
    }[kind]
    traits = Traits(
        primary="blade",
        counts={},
        features=("with a leather-wrapped grip",) if grip_mat.family == "leather" else (),
        styles=("medieval", "fantasy"),
        accents=("guard",) if guard_mat.name != blade_mat.name else (),
        nouns=nouns,
    )
    return Shape("sword", None, p.done(), parts, traits)


def make_axe(rng: np.random.Generator, **overrides: Any) -> Shape:
    """An axe standing handle-down: wooden haft, single or double bit head.

    Parameters: ``kind`` (hatchet, felling, battle), ``length``, ``bit`` (single, double),
    ``head_size``, ``handle_material``, ``head_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("hatchet", "felling", "battle"))
    length = p.uniform(
        "length", *{"hatchet": (0.35, 0.45), "felling": (0.7, 0.9), "battle": (0.8, 1.2)}[kind]
    )
    bit = p.choice("bit", ("single", "double") if kind == "battle" else ("single",))
    size = p.uniform("head_size", 0.8, 1.2) * (0.13 if kind == "hatchet" else 0.18)
    handle_mat = p.material("handle_material", _HANDLES)
    head_mat = p.material("head_material", ("steel", "iron", "bronze"))
    haft = cylinder(
        0.016 if kind == "hatchet" else 0.02,
        length,
        (0, 0, 0),
        0.018 if kind == "hatchet" else 0.022,
        12,
    )
    top = length - 0.02
    eye = 0.035
    a = np.linspace(-0.9, 0.9, 9)
    edge = np.column_stack(
        [size + size * 0.25 * (np.cos(a) - 1), top - size * 0.25 + size * 0.55 * np.sin(a)]
    )
    outline = np.vstack(
        [
            [-eye, top - size * 0.25 - 0.03],
            [eye, top - size * 0.25 - 0.025],
            edge,
            [eye, top - size * 0.25 + 0.06],
            [-eye, top - size * 0.25 + 0.06],
        ]
    )
    head = extrude_side(outline, 0.045)
    head = _wedge(head, eye, size, 0.12)
    if bit == "double":
        head = union([head, head.mirror((1, 0, 0))])
    else:
        poll = box((0.03, 0.1, 0.05), (-eye - 0.01, top - size * 0.25 + 0.015, 0))
        head = union([head, poll])
    parts = [Part("handle", haft, handle_mat), Part("head", head, head_mat)]
    nouns = {
        "hatchet": ("hatchet", "hand axe"),
        "felling": ("wood axe", "felling axe"),
        "battle": ("battle axe", "war axe"),
    }[kind]
    features = ("double-bladed",) if bit == "double" else ()
    traits = Traits(
        primary="head",
        counts={},
        features=features,
        styles=("medieval",) if kind == "battle" else ("rustic",),
        accents=("handle",),
        nouns=nouns,
    )
    return Shape("axe", None, p.done(), parts, traits)


def make_hammer(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A hammer standing handle-down: claw hammer, sledgehammer or wooden mallet.

    Parameters: ``kind`` (claw, sledge, mallet), ``length``, ``handle_material``,
    ``head_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("claw", "sledge", "mallet"))
    length = p.uniform(
        "length", *{"claw": (0.28, 0.36), "sledge": (0.7, 0.95), "mallet": (0.28, 0.4)}[kind]
    )
    handle_mat = p.material(
        "handle_material", _HANDLES + M.names("plastic", ("black", "red", "yellow", "orange"))
    )
    head_mat = p.material(
        "head_material",
        ("steel", "iron") if kind != "mallet" else ("oak", "pine", "birch", "rubber"),
    )
    r = {"claw": 0.014, "sledge": 0.02, "mallet": 0.016}[kind]
    handle = cylinder(r, length, (0, 0, 0), r * 0.9, 12)
    top = length
    if kind == "claw":
        face = rod((0, top - 0.012, 0), (0.055, top - 0.012, 0), 0.015, segments=16)
        neck = box((0.04, 0.032, 0.026), (0, top - 0.012, 0))
        s = np.linspace(0, 1, 8)
        claw_path = np.column_stack(
            [-0.015 - 0.075 * s, top - 0.01 - 0.03 * s**2, np.zeros_like(s)]
        )
        claws = [
            tube(claw_path + np.array([0, 0, dz]), 0.012 * (1 - 0.6 * s), 10)
            for dz in (-0.006, 0.006)
        ]
        head = union([face, neck, *claws])
    elif kind == "sledge":
        head = box((0.2, 0.075, 0.075), (0, top - 0.03, 0))
    else:
        head = rod((-0.065, top - 0.035, 0), (0.065, top - 0.035, 0), 0.036, segments=20)
    parts = [Part("handle", handle, handle_mat), Part("head", head, head_mat)]
    nouns = {"claw": ("claw hammer",), "sledge": ("sledgehammer", "sledge"), "mallet": ("mallet",)}[
        kind
    ]
    traits = Traits(
        primary="head", counts={}, features=(), styles=(), accents=("handle",), nouns=nouns
    )
    return Shape("hammer", None, p.done(), parts, traits)


def _shield_outline(kind: str, width: float, height: float) -> np.ndarray:
    """(n, 2) outline in the XY plane, bottom at y = 0, centred on x = 0."""
    if kind == "round":
        a = np.linspace(0, 2 * np.pi, 48, endpoint=False)
        return np.column_stack([width / 2 * np.cos(a), height / 2 + height / 2 * np.sin(a)])
    if kind == "tower":
        return np.array(
            [[-width / 2, 0], [width / 2, 0], [width / 2, height], [-width / 2, height]]
        )
    # Heater and kite: straight top, sides curving to a bottom point.
    top_h = 0.35 if kind == "heater" else 0.25
    t = np.linspace(0, 1, 12)
    right = np.column_stack(
        [
            width / 2 * np.cos(t * np.pi / 2) ** (0.8 if kind == "heater" else 0.6),
            height * (1 - top_h) * (1 - t) ** 0.9,
        ]
    )
    right = right[::-1]
    left = right[::-1] * np.array([-1, 1])
    return np.vstack(
        [right[1:], [[width / 2, height], [-width / 2, height]], left[:-1], [[0.0, 0.0]]]
    )


def make_shield(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A shield standing on its lower edge, face toward +Z, curved, with rim and boss.

    Parameters: ``kind`` (round, heater, kite, tower), ``height``, ``curvature``, ``boss``,
    ``material``, ``rim_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("round", "heater", "kite", "tower"))
    height = p.uniform(
        "height",
        *{"round": (0.5, 0.9), "heater": (0.6, 0.9), "kite": (0.9, 1.3), "tower": (1.0, 1.4)}[kind],
    )
    width = height * {"round": 1.0, "heater": 0.75, "kite": 0.55, "tower": 0.6}[kind]
    curve = p.uniform("curvature", 0.0, 0.6)
    boss = p.flag("boss", 0.8 if kind == "round" else 0.2)
    mat = p.material(
        "material",
        M.WOODS
        + M.names("paint", ("red", "blue", "green", "yellow", "black", "white", "navy", "burgundy"))
        + ("steel", "bronze"),
    )
    rim_mat = p.material("rim_material", ("iron", "steel", "brass", "gold", "bronze"))
    outline = _shield_outline(kind, width, height)
    section = CrossSection([outline])
    band = section - section.offset(-0.025)
    face = CrossSection.extrude(section.offset(-0.004), 0.025).translate((0, 0, -0.0125))
    rim = CrossSection.extrude(band, 0.035).translate((0, 0, -0.0175))
    k = curve * 0.5 / max(width, 1e-6)

    def bend(v: np.ndarray) -> np.ndarray:
        out = v.copy()
        out[:, 2] -= k * v[:, 0] ** 2
        return out

    face = face.refine_to_length(width / 12).warp_batch(bend)
    rim = rim.refine_to_length(width / 12).warp_batch(bend)
    parts = [Part("face", face, mat), Part("rim", rim, rim_mat)]
    features = ["with a metal rim"]
    if boss:
        cy = height / 2 if kind == "round" else height * 0.6
        parts.append(
            Part("boss", ellipsoid((width * 0.12, width * 0.12, 0.05), (0, cy, 0.005), 20), rim_mat)
        )
        features.append("with a central boss")
    nouns = {
        "round": ("round shield", "buckler"),
        "heater": ("heater shield", "knight's shield"),
        "kite": ("kite shield",),
        "tower": ("tower shield",),
    }[kind]
    traits = Traits(
        primary="face",
        counts={},
        features=tuple(features),
        styles=("medieval",) + (("viking",) if kind == "round" and mat.family == "wood" else ()),
        accents=("rim",),
        nouns=nouns,
    )
    return Shape("shield", None, p.done(), parts, traits)


def make_bow(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A bow standing on its lower tip: tapered limbs, thick grip, taut string.

    Parameters: ``kind`` (long, recurve, short), ``length``, ``draw`` (limb bend),
    ``material``, ``grip_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("long", "recurve", "short"))
    length = p.uniform(
        "length", *{"long": (1.5, 1.9), "recurve": (1.2, 1.6), "short": (0.8, 1.1)}[kind]
    )
    bend = p.uniform("draw", 0.08, 0.14)
    mat = p.material(
        "material", ("oak", "walnut", "pine", "cherry", "black plastic", "weathered wood")
    )
    grip_mat = p.material("grip_material", _GRIPS)
    t = np.linspace(-1.0, 1.0, 25)
    x = -bend * length * (1 - t**2)
    if kind == "recurve":
        x += 0.06 * length * np.clip(np.abs(t) - 0.7, 0.0, None) / 0.3 * np.abs(t) ** 2
    y = length / 2 * (1 + t)
    path = np.column_stack([x, y, np.zeros_like(t)])
    radius = 0.012 * (1.0 - 0.55 * np.abs(t)) + 0.004
    limbs = tube(path, radius, 10)
    tip_lo, tip_hi = path[1], path[-2]
    string = rod(tip_lo + np.array([0.0, 0.0, 0.0]), tip_hi, 0.0015, segments=6)
    grip = cylinder(0.02, 0.14, (x[12], length / 2 - 0.07, 0), segments=12)
    parts = [
        Part("limbs", limbs, mat),
        Part("grip", grip, grip_mat),
        Part("string", string, M.get("cream fabric")),
    ]
    nouns = {
        "long": ("longbow",),
        "recurve": ("recurve bow",),
        "short": ("shortbow", "hunting bow"),
    }[kind]
    traits = Traits(
        primary="limbs",
        counts={},
        features=("with a leather grip",) if grip_mat.family == "leather" else (),
        styles=("medieval", "fantasy"),
        accents=(),
        nouns=nouns,
    )
    return Shape("bow", None, p.done(), parts, traits)
