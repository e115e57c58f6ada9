"""Lighting: lamp (floor and table), desk lamp, candle, lantern."""

from __future__ import annotations

from typing import Any

import numpy as np
from manifold3d import Manifold

from meshsmith.data import materials as M
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import box, cylinder, difference, lathe, rod, sphere, torus, union

_SHADES = M.names(
    "fabric", ("white", "cream", "beige", "grey", "navy", "dark green", "burgundy", "light blue")
)
_LAMP_METALS = ("steel", "brass", "chrome", "black painted metal", "copper", "white painted metal")


def _shade(
    radius_bottom: float, radius_top: float, height: float, y0: float, kind: str
) -> Manifold:
    """Lamp shade as a thin shell open at both ends (drum, cone or flared bell)."""
    wall = 0.006
    t = np.linspace(0.0, 1.0, 8 if kind == "bell" else 2)
    flare = (1.0 - t) ** 1.8 if kind == "bell" else 1.0 - t
    outer = np.column_stack([radius_top + (radius_bottom - radius_top) * flare, y0 + height * t])
    inner = outer - np.array([wall, 0.0])
    return lathe(np.vstack([outer, inner[::-1]]), 32)


def make_lamp(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A lamp with a shade: floor lamp or table lamp.

    Parameters: ``kind`` (floor, table), ``height``, ``base`` (disc, tripod, vase),
    ``shade`` (drum, cone, bell), ``shade_radius``, ``base_material``, ``shade_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("floor", "table"))
    height = p.uniform("height", 1.4, 1.8) if kind == "floor" else p.uniform("height", 0.4, 0.7)
    base_kind = p.choice("base", ("disc", "tripod") if kind == "floor" else ("disc", "vase"))
    shade_kind = p.choice("shade", ("drum", "cone", "bell"))
    shade_r = (
        p.uniform("shade_radius", 0.18, 0.26)
        if kind == "floor"
        else p.uniform("shade_radius", 0.12, 0.2)
    )
    base_mat = p.material(
        "base_material",
        _LAMP_METALS + M.WOODS[:3] + ("white ceramic", "blue ceramic", "terracotta"),
    )
    shade_mat = p.material("shade_material", _SHADES)
    shade_h = shade_r * (1.1 if shade_kind == "drum" else 1.0)
    shade_y = height - shade_h
    stem_r = 0.012 if kind == "floor" else 0.01
    counts: dict[str, int] = {}
    if base_kind == "disc":
        base = union(
            [
                cylinder(0.16 if kind == "floor" else 0.09, 0.025, (0, 0, 0), segments=32),
                cylinder(stem_r, shade_y + shade_h * 0.6, (0, 0, 0), segments=12),
            ]
        )
    elif base_kind == "tripod":
        legs = [
            rod((0.3 * np.cos(a), 0, 0.3 * np.sin(a)), (0, height * 0.45, 0), 0.012, segments=8)
            for a in np.arange(3) * 2 * np.pi / 3 + 0.5
        ]
        base = union(
            legs
            + [
                cylinder(
                    stem_r,
                    shade_y + shade_h * 0.6 - height * 0.44,
                    (0, height * 0.44, 0),
                    segments=12,
                )
            ]
        )
        counts["leg"] = 3
    else:
        body_h = shade_y * 0.75
        t = np.linspace(0, 1, 12)
        r = 0.04 + 0.06 * np.sin(np.pi * (0.15 + 0.8 * t))
        prof = np.vstack([[0, 0], np.column_stack([r, body_h * t]), [0, body_h]])
        base = union(
            [
                lathe(prof, 32),
                cylinder(
                    stem_r,
                    shade_y + shade_h * 0.6 - body_h + 0.01,
                    (0, body_h - 0.01, 0),
                    segments=12,
                ),
            ]
        )
    top_r = shade_r * (1.0 if shade_kind == "drum" else 0.6)
    shade = _shade(shade_r, top_r, shade_h, shade_y, shade_kind)
    spokes = [
        rod(
            (0, shade_y + shade_h * 0.6, 0),
            ((top_r - 0.003) * np.cos(a), shade_y + shade_h - 0.003, (top_r - 0.003) * np.sin(a)),
            0.0025,
            segments=6,
        )
        for a in np.arange(3) * 2 * np.pi / 3
    ]
    bulb = sphere(0.03, (0, shade_y + shade_h * 0.6, 0), 12)
    parts = [
        Part("base", base, base_mat),
        Part("shade", union([shade, *spokes]), shade_mat),
        Part("bulb", bulb, M.get("white plastic")),
    ]
    nouns = ("floor lamp", "standing lamp") if kind == "floor" else ("table lamp", "bedside lamp")
    shade_word = {
        "drum": "with a drum shade",
        "cone": "with a conical shade",
        "bell": "with a bell-shaped shade",
    }[shade_kind]
    traits = Traits(
        primary="shade",
        counts=counts,
        features=(shade_word,),
        styles=(),
        accents=("base",),
        nouns=nouns,
    )
    return Shape("lamp", None, p.done(), parts, traits)


def make_desk_lamp(rng: np.random.Generator, **overrides: Any) -> Shape:
    """An articulated desk lamp: weighted base, two arm segments, conical head.

    Parameters: ``lower_arm``, ``upper_arm``, ``lower_angle`` (degrees from vertical),
    ``upper_angle`` (degrees below horizontal), ``head_radius``, ``material``,
    ``joint_material``.
    """
    p = ParamDraw(rng, overrides)
    lower = p.uniform("lower_arm", 0.25, 0.4)
    upper = p.uniform("upper_arm", 0.25, 0.38)
    a1 = np.radians(p.uniform("lower_angle", 5.0, 30.0))
    a2 = np.radians(p.uniform("upper_angle", -15.0, 20.0))
    head_r = p.uniform("head_radius", 0.06, 0.09)
    body = p.material(
        "material",
        M.names("metal", ("black", "white", "red", "yellow", "teal", "grey"))
        + ("steel", "brass", "copper"),
    )
    joint = p.material("joint_material", ("steel", "chrome", "black plastic", "brass"))
    base_r = 0.09
    j0 = np.array([-0.04, 0.05, 0.0])
    j1 = j0 + lower * np.array([np.sin(a1), np.cos(a1), 0.0])
    j2 = j1 + upper * np.array([np.cos(a2), -np.sin(a2), 0.0])
    arms = union([rod(j0, j1, 0.008, segments=8), rod(j1, j2, 0.008, segments=8)])
    base = union(
        [
            cylinder(base_r, 0.03, (0, 0, 0), base_r * 0.9, 32),
            cylinder(0.02, 0.03, (j0[0], 0.02, 0), segments=12),
        ]
    )
    # The head hangs from the arm tip and opens downward and forward.
    axis = np.array([0.5, -0.866, 0.0])
    head_len = head_r * 1.4
    apex = j2 + np.array([0.0, -0.01, 0.0])
    mouth = apex + axis * head_len
    head = difference(
        rod(apex, mouth, 0.02, head_r, segments=24),
        [rod(apex + axis * 0.03, mouth + axis * 0.01, 0.012, head_r - 0.005, segments=24)],
    )
    bulb = union(
        [
            sphere(head_r * 0.33, apex + axis * head_len * 0.7, 12),
            rod(apex + axis * 0.01, apex + axis * head_len * 0.7, 0.007, segments=10),
        ]
    )
    joints = union([sphere(0.018, j0, 12), sphere(0.016, j1, 12), sphere(0.016, j2, 12)])
    parts = [
        Part("base", base, body),
        Part("arm", arms, body),
        Part("head", head, body),
        Part("joints", joints, joint),
        Part("bulb", bulb, M.get("white plastic")),
    ]
    traits = Traits(
        primary="head",
        counts={"arm segment": 2},
        features=("with an adjustable arm",),
        styles=("modern",),
        accents=("joints",) if joint.family != body.family else (),
        nouns=("task lamp", "architect lamp", "reading lamp"),
    )
    return Shape("desk_lamp", None, p.done(), parts, traits)


def make_candle(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A candle, bare or in a holder (dish with handle, or candlestick).

    Parameters: ``height``, ``radius``, ``holder`` (none, dish, candlestick), ``wax``,
    ``holder_material``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 0.06, 0.25)
    radius = p.uniform("radius", 0.012, 0.04)
    holder = p.choice("holder", ("none", "dish", "candlestick"))
    wax = p.material("wax", ("wax", "red wax"))
    metal = p.material(
        "holder_material", ("brass", "steel", "copper", "iron", "white ceramic", "bronze")
    )
    y0 = {"none": 0.0, "dish": 0.012, "candlestick": 0.16}[holder]
    melt = np.array(
        [
            [0, y0],
            [radius, y0],
            [radius, y0 + height],
            [radius * 0.8, y0 + height - radius * 0.15],
            [0, y0 + height - radius * 0.2],
        ]
    )
    candle = lathe(melt, 24)
    wick = rod(
        (0, y0 + height - radius * 0.25, 0), (0.002, y0 + height + 0.015, 0), 0.0015, segments=6
    )
    parts = [Part("candle", candle, wax), Part("wick", wick, M.get("black plastic"))]
    features: tuple[str, ...] = ()
    if holder == "dish":
        dish_r = radius + 0.04
        dish = lathe(
            np.array(
                [
                    [0, 0],
                    [dish_r * 0.8, 0],
                    [dish_r, 0.02],
                    [dish_r - 0.005, 0.021],
                    [dish_r * 0.78, 0.006],
                    [0, 0.006],
                ]
            ),
            32,
        )
        cup = cylinder(radius + 0.006, 0.02, (0, 0.004, 0), segments=24)
        handle = (
            torus(0.018, 0.004, (0, 0, 0), 16, 8)
            .rotate((90.0, 0.0, 0.0))
            .translate((dish_r + 0.012, 0.018, 0))
        )
        parts.append(Part("holder", union([dish, cup, handle]), metal))
        features = ("in a holder with a handle",)
    elif holder == "candlestick":
        prof = np.array(
            [
                [0, 0],
                [0.05, 0],
                [0.05, 0.012],
                [0.02, 0.03],
                [0.012, 0.06],
                [0.018, 0.09],
                [0.011, 0.12],
                [0.011, 0.145],
                [radius + 0.01, 0.15],
                [radius + 0.01, y0 + 0.02],
                [0, y0 + 0.02],
            ]
        )
        parts.append(Part("holder", lathe(prof, 32), metal))
        features = ("on a candlestick",)
    traits = Traits(
        primary="candle",
        counts={},
        features=features,
        styles=(),
        accents=("holder",) if holder != "none" else (),
        nouns=("pillar candle",) if radius > 0.03 and holder == "none" else (),
    )
    return Shape("candle", None, p.done(), parts, traits)


def make_lantern(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A lantern: base, glass body inside a frame of posts, roof, top ring.

    Parameters: ``sides`` (4, 6 or round), ``height``, ``radius``, ``roof`` (pyramid, dome),
    ``frame_material``, ``glass``.
    """
    p = ParamDraw(rng, overrides)
    sides = p.choice("sides", (4, 6, 0))
    height = p.uniform("height", 0.22, 0.45)
    radius = p.uniform("radius", 0.07, 0.13)
    roof = p.choice("roof", ("pyramid", "dome"))
    frame = p.material(
        "frame_material", ("iron", "brass", "copper", "black painted metal", "bronze")
    )
    glass = p.material("glass", M.GLASSES)
    segs = sides if sides else 32
    base_h = 0.03
    body_h = height * 0.6
    phase = 45.0 if sides == 4 else 0.0
    base = cylinder(radius * 1.12, base_h, (0, 0, 0), segments=segs).rotate((0, phase, 0))
    glass_solid = cylinder(
        radius * 0.95, body_h + 0.01, (0, base_h - 0.005, 0), segments=segs
    ).rotate((0, phase, 0))
    top_y = base_h + body_h
    cap = cylinder(radius * 1.1, 0.02, (0, top_y, 0), segments=segs).rotate((0, phase, 0))
    roof_h = height - top_y - 0.05
    if roof == "pyramid":
        roof_solid = cylinder(radius * 1.15, roof_h, (0, top_y + 0.015, 0), 0.015, segs).rotate(
            (0, phase, 0)
        )
    else:
        t = np.linspace(0, np.pi / 2, 9)
        prof = np.vstack(
            [
                [0, 0],
                np.column_stack([radius * 1.12 * np.cos(t), roof_h * np.sin(t)])[:-1],
                [0, roof_h],
            ]
        )
        roof_solid = lathe(prof, segs, (0, top_y + 0.015, 0)).rotate((0, phase, 0))
    ring = (
        torus(0.03, 0.005, (0, 0, 0), 16, 8)
        .rotate((90.0, 0.0, 0.0))
        .translate((0, top_y + roof_h + 0.035, 0))
    )
    neck = cylinder(0.006, 0.03, (0, top_y + roof_h, 0), segments=8)
    n_posts = sides if sides else 3
    angles = (
        np.radians(phase) + np.arange(n_posts) * 2 * np.pi / n_posts
        if sides
        else np.arange(3) * 2 * np.pi / 3
    )
    pr = radius * 0.97 if sides else radius * 0.98
    posts = [
        box((0.012, body_h + 0.02, 0.012), (pr * np.cos(a), base_h + body_h / 2, -pr * np.sin(a)))
        for a in angles
    ]
    parts = [
        Part("frame", union([base, cap, roof_solid, ring, neck, *posts]), frame),
        Part("glass", glass_solid, glass),
    ]
    shape_word = {4: "square", 6: "hexagonal", 0: "round"}[sides]
    traits = Traits(
        primary="frame",
        counts={},
        features=("with a carrying ring", "with glass panes" if sides else "with a glass chimney"),
        styles=(shape_word, "rustic") if frame.name == "iron" else (shape_word,),
        accents=("glass",),
    )
    return Shape("lantern", None, p.done(), parts, traits)
