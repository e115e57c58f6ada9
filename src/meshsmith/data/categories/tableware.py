"""Tableware to drink and eat from: mug, cup, bowl, plate, teapot."""

from __future__ import annotations

from typing import Any

import numpy as np

from meshsmith.data import materials as M
from meshsmith.data.categories.vessels import GLAZES, handle, vessel
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import cylinder, lathe, sphere, tube, union


def make_mug(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A mug: straight or slightly tapered cylinder with one handle.

    Parameters: ``height``, ``radius``, ``taper``, ``material``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 0.08, 0.12)
    radius = p.uniform("radius", 0.035, 0.05)
    taper = p.uniform("taper", 0.85, 1.05)
    mat = p.material("material", GLAZES + ("white painted metal", "steel"))
    ys = np.linspace(0.0, height, 6)
    rs = radius * (taper + (1 - taper) * (1 - ys / height))
    body = union(
        [vessel(rs, ys, 0.004, 0.007), cylinder(rs[0] * 0.96, 0.003, (0, 0, 0), segments=40)]
    )
    r_at = np.interp([height * 0.8, height * 0.25], ys, rs)
    h = handle(r_at[0], r_at[1], height * 0.8, height * 0.25, radius * 0.6 + 0.01, 0.0055)
    parts = [Part("body", body, mat), Part("handle", h, mat)]
    traits = Traits(
        primary="body",
        counts={"handle": 1},
        features=("with a handle",),
        styles=(),
        accents=(),
        nouns=("coffee mug", "cup"),
    )
    return Shape("mug", None, p.done(), parts, traits)


def make_cup(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A teacup: flared bowl on a foot, small handle, optional saucer.

    Parameters: ``height``, ``radius``, ``saucer``, ``material``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 0.05, 0.075)
    radius = p.uniform("radius", 0.04, 0.055)
    saucer = p.flag("saucer", 0.6)
    mat = p.material("material", GLAZES)
    foot_y = 0.004 if saucer else 0.0
    y0 = foot_y + 0.005
    t = np.linspace(0, 1, 8)
    rs = radius * (0.55 + 0.45 * np.sin(t * np.pi / 2) ** 0.8)
    body = vessel(rs, height * t, 0.003, 0.006).translate((0, y0, 0))
    foot = cylinder(radius * 0.45, 0.006, (0, foot_y, 0), radius * 0.5, 32)
    r_at = np.interp([height * 0.85, height * 0.35], height * t, rs)
    h = handle(r_at[0], r_at[1], y0 + height * 0.85, y0 + height * 0.35, radius * 0.45, 0.004)
    parts = [Part("cup", union([body, foot]), mat), Part("handle", h, mat)]
    features: tuple[str, ...] = ("with a handle",)
    if saucer:
        sr = radius * 1.9
        prof = np.array(
            [[0, 0], [sr * 0.5, 0], [sr, 0.012], [sr, 0.016], [sr * 0.5, 0.005], [0, 0.005]]
        )
        parts.append(Part("saucer", lathe(prof, 48), mat))
        features += ("on a saucer",)
    traits = Traits(
        primary="cup",
        counts={},
        features=features,
        styles=(),
        accents=(),
        nouns=("teacup", "coffee cup"),
    )
    return Shape("cup", None, p.done(), parts, traits)


def make_bowl(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A bowl: rounded or conical body on a foot ring.

    Parameters: ``radius``, ``depth_ratio``, ``profile`` (round, conical), ``material``.
    """
    p = ParamDraw(rng, overrides)
    radius = p.uniform("radius", 0.06, 0.16)
    depth = radius * p.uniform("depth_ratio", 0.4, 0.75)
    kind = p.choice("profile", ("round", "conical"))
    mat = p.material("material", GLAZES + M.WOODS[:4] + ("steel", "clear glass"))
    t = np.linspace(0.0, 1.0, 10)
    if kind == "round":
        rs = radius * (0.45 + 0.55 * np.sin(t * np.pi / 2) ** 0.7)
    else:
        rs = radius * (0.45 + 0.55 * t)
    wall = max(0.003, radius * 0.04)
    body = vessel(rs, 0.006 + depth * t, wall, 0.006 + wall)
    foot = cylinder(radius * 0.42, 0.008, (0, 0, 0), radius * 0.45, 40)
    parts = [Part("bowl", union([body, foot]), mat)]
    traits = Traits(
        primary="bowl",
        counts={},
        features=(),
        styles=(),
        accents=(),
        nouns=("dish",) if depth < radius * 0.5 else (),
    )
    return Shape("bowl", None, p.done(), parts, traits)


def make_plate(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A plate: flat well with a sloped rim, optional coloured rim band.

    Parameters: ``radius``, ``rim``, ``material``, ``band_material``.
    """
    p = ParamDraw(rng, overrides)
    radius = p.uniform("radius", 0.09, 0.16)
    rim = p.uniform("rim", 0.15, 0.3)
    band = p.flag("band", 0.4)
    mat = p.material("material", GLAZES + M.WOODS[:3])
    band_mat = p.material(
        "band_material", ("gold", "blue ceramic", "red ceramic", "green ceramic", "navy ceramic")
    )
    h = 0.018 + radius * 0.05
    well = radius * (1 - rim)
    prof = np.array(
        [
            [0, 0],
            [well * 0.8, 0],
            [well, 0.004],
            [radius, h],
            [radius - 0.004, h],
            [well - 0.002, 0.008],
            [0, 0.008],
        ]
    )
    parts = [Part("plate", lathe(prof, 56), mat)]
    features: tuple[str, ...] = ()
    if band:
        parts.append(
            Part(
                "rim band",
                lathe(
                    np.array(
                        [
                            [radius - 0.009, h - 0.001],
                            [radius + 0.0005, h - 0.001],
                            [radius + 0.0005, h + 0.0012],
                            [radius - 0.009, h + 0.0012],
                        ]
                    ),
                    56,
                ),
                band_mat,
            )
        )
        features = ("with a decorated rim",)
    traits = Traits(
        primary="plate",
        counts={},
        features=features,
        styles=(),
        accents=(),
        nouns=("dinner plate",) if radius > 0.12 else ("side plate",),
    )
    return Shape("plate", None, p.done(), parts, traits)


def make_teapot(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A teapot: round body, lid with knob, curved spout and a handle.

    Parameters: ``radius``, ``squash``, ``spout_length``, ``material``, ``knob_material``.
    """
    p = ParamDraw(rng, overrides)
    radius = p.uniform("radius", 0.07, 0.11)
    squash = p.uniform("squash", 0.65, 1.0)
    spout_len = p.uniform("spout_length", 0.8, 1.2)
    mat = p.material("material", GLAZES + ("steel", "copper", "iron"))
    knob_mat = p.material("knob_material", (mat.name, "pine", "walnut", "gold"))
    h = 2 * radius * squash
    t = np.linspace(-np.pi / 2, np.pi / 2, 12)
    prof = np.column_stack([radius * np.cos(t), h / 2 * (1 + np.sin(t))])
    prof[0] = [radius * 0.55, 0.0]
    prof[-1] = [radius * 0.45, h]
    body = lathe(np.vstack([[0, 0], prof, [0, h]]), 40)
    lid = lathe(
        np.array(
            [
                [0, 0],
                [radius * 0.5, 0],
                [radius * 0.5, 0.006],
                [radius * 0.35, radius * 0.18],
                [0, radius * 0.22],
            ]
        ),
        32,
        (0, h - 0.004, 0),
    )
    knob = sphere(radius * 0.12, (0, h + radius * 0.24, 0), 12)
    s = np.linspace(0, 1, 9)
    reach = radius * spout_len
    spout_path = np.column_stack(
        [-(radius * 0.8 + reach * s), h * 0.3 + h * 0.55 * s**1.6 + radius * 0.05, np.zeros_like(s)]
    )
    spout = tube(spout_path, radius * (0.2 - 0.1 * s), 12)
    r_hi, r_lo = np.interp([h * 0.75, h * 0.3], prof[:, 1], prof[:, 0])
    grip = handle(r_hi, r_lo, h * 0.75, h * 0.3, radius * 0.55, radius * 0.08)
    parts = [
        Part("body", union([body, spout, grip]), mat),
        Part("lid", lid, mat),
        Part("knob", knob, knob_mat),
    ]
    traits = Traits(
        primary="body",
        counts={},
        features=("with a spout", "with a lid", "with a handle"),
        styles=(),
        accents=("knob",) if knob_mat.name != mat.name else (),
        nouns=("tea kettle",) if mat.family == "metal" else (),
    )
    return Shape("teapot", None, p.done(), parts, traits)
