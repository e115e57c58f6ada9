"""Buildings: house, hut, tower, well."""

from __future__ import annotations

from typing import Any

import numpy as np
from manifold3d import Manifold

from meshsmith.data import materials as M
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import (
    box,
    convex_hull,
    cylinder,
    difference,
    extrude_side,
    lathe,
    rod,
    slab,
    torus,
    union,
)

_WALLS = ("brick", "sandstone", "granite", "weathered wood", "pine") + M.names(
    "paint", ("white", "cream", "light blue", "yellow", "grey", "pink", "beige")
)
_ROOFS = ("slate", "terracotta", "thatch") + M.names(
    "paint", ("red", "dark green", "grey", "navy", "brown")
)


def _gable(width: float, depth: float, rise: float, overhang: float, y0: float) -> Manifold:
    """Pitched roof: a triangular prism along z, ridge parallel to the depth."""
    w = width / 2 + overhang
    tri = np.array([[-w, 0.0], [w, 0.0], [0.0, rise]])
    return extrude_side(tri, depth + 2 * overhang, (0, y0, 0))


def _hip(width: float, depth: float, rise: float, overhang: float, y0: float) -> Manifold:
    """Hipped roof: hull of the eaves rectangle and a shorter ridge."""
    w, d = width / 2 + overhang, depth / 2 + overhang
    ridge = max(d - w, 0.05)
    pts = [(sx * w, y0, sz * d) for sx in (-1, 1) for sz in (-1, 1)] + [
        (0, y0 + rise, -ridge),
        (0, y0 + rise, ridge),
    ]
    return convex_hull(np.array(pts, dtype=float))


def _windows(
    width: float,
    depth: float,
    floors: int,
    storey: float,
    per_side: int,
    size: float,
    door_x: float,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(centre, normal) of windows: a row per floor front and back, one per side wall per floor."""
    out = []
    for f in range(floors):
        y = f * storey + storey * 0.55
        xs = np.linspace(-width / 2, width / 2, per_side + 2)[1:-1]
        for x in xs:
            if f == 0 and abs(x - door_x) < size:
                continue
            out.append((np.array([x, y, depth / 2]), np.array([0.0, 0.0, 1.0])))
            out.append((np.array([x, y, -depth / 2]), np.array([0.0, 0.0, -1.0])))
        for sx in (-1, 1):
            out.append((np.array([sx * width / 2, y, 0.0]), np.array([sx * 1.0, 0.0, 0.0])))
    return out


def _window_solids(
    wins: list[tuple[np.ndarray, np.ndarray]], w: float, h: float
) -> tuple[list[Manifold], list[Manifold]]:
    """Proud frames and glass panes for windows given as (centre, outward normal)."""
    frames, panes = [], []
    for c, n in wins:
        along_x = abs(n[2]) > 0.5
        fw, fd = (w + 0.16, 0.12) if along_x else (0.12, w + 0.16)
        gw, gd = (w, 0.14) if along_x else (0.14, w)
        frames.append(box((fw, h + 0.16, fd), tuple(c + n * 0.03)))
        panes.append(box((gw, h, gd), tuple(c + n * 0.035)))
    return frames, panes


def make_house(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A house: 1-3 storeys, gable/hip/flat roof, door, windows, optional chimney.

    Parameters: ``width``, ``depth``, ``floors`` (1-3), ``roof`` (gable, hip, flat),
    ``pitch``, ``windows_per_row`` (1-4), ``chimney``, ``wall_material``, ``roof_material``,
    ``trim_material``.
    """
    p = ParamDraw(rng, overrides)
    width = p.uniform("width", 6.0, 12.0)
    depth = p.uniform("depth", 5.0, 9.0)
    floors = p.integer("floors", 1, 3)
    roof = p.choice("roof", ("gable", "hip", "flat"), (4, 2, 1))
    pitch = p.uniform("pitch", 0.3, 0.7)
    per_row = p.integer("windows_per_row", 1, 4)
    chimney = p.flag("chimney", 0.5)
    wall = p.material("wall_material", _WALLS)
    roof_mat = p.material("roof_material", _ROOFS if roof != "flat" else ("slate", "grey paint"))
    trim = p.material(
        "trim_material",
        M.names("paint", ("white", "black", "dark green", "navy", "red", "brown"))
        + ("oak", "walnut"),
    )
    storey = 2.9
    wall_h = floors * storey
    base = slab((width + 0.3, 0.3, depth + 0.3), (0, 0, 0))
    walls = slab((width, wall_h, depth), (0, 0.2, 0))
    parts = [Part("walls", union([base, walls]), wall)]
    top = wall_h + 0.2
    rise = pitch * width / 2
    if roof == "gable":
        roof_solid = _gable(width, depth, rise, 0.4, top - 0.05)
        gable_ends = _gable(width, depth, rise - 0.05, -0.001, top - 0.05)
        parts[0] = Part("walls", union([base, walls, gable_ends]), wall)
    elif roof == "hip":
        roof_solid = _hip(width, depth, rise, 0.4, top - 0.05)
    else:
        roof_solid = slab((width + 0.3, 0.3, depth + 0.3), (0, top - 0.05, 0))
        rise = 0.25
    parts.append(Part("roof", roof_solid, roof_mat))
    door_x = float(p.rng.uniform(-0.25, 0.25) * width)
    door = box((1.0, 2.1, 0.12), (door_x, 0.2 + 1.05, depth / 2 + 0.04))
    win_w, win_h = 1.0, 1.2
    wins = _windows(width, depth, floors, storey, per_row, win_w, door_x)
    for w in wins:
        w[0][1] += 0.2
    frames, panes = _window_solids(wins, win_w, win_h)
    parts.append(Part("door", door, trim))
    parts.append(Part("window frames", union(frames), trim))
    parts.append(Part("windows", union(panes), M.get("blue glass")))
    features = ["with a front door"]
    if chimney:
        cx = width * 0.25
        ch = slab((0.7, rise + 1.2 if roof != "flat" else 1.5, 0.7), (cx, top - 0.1, -depth * 0.15))
        parts.append(Part("chimney", ch, M.get("brick")))
        features.append("with a chimney")
    counts = {"storey": floors, "window": len(wins)}
    roof_word = {
        "gable": "with a pitched roof",
        "hip": "with a hipped roof",
        "flat": "with a flat roof",
    }[roof]
    styles = (
        ("cottage",)
        if floors == 1 and roof_mat.name == "thatch"
        else ("modern",)
        if roof == "flat"
        else ()
    )
    nouns = (
        ("cottage", "bungalow")
        if floors == 1
        else ("townhouse", "family home")
        if floors == 3
        else ("family home",)
    )
    traits = Traits(
        primary="walls",
        counts=counts,
        features=(roof_word, *features),
        styles=styles,
        accents=("roof",),
        nouns=nouns,
    )
    return Shape("house", None, p.done(), parts, traits)


def make_hut(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A hut: round or square single room with a conical or pyramid roof and a doorway.

    Parameters: ``plan`` (round, square), ``size``, ``wall_height``, ``roof_height``,
    ``wall_material``, ``roof_material``.
    """
    p = ParamDraw(rng, overrides)
    plan = p.choice("plan", ("round", "square"))
    size = p.uniform("size", 2.5, 5.0)
    wall_h = p.uniform("wall_height", 1.8, 2.4)
    roof_h = p.uniform("roof_height", 1.2, 2.5)
    wall = p.material(
        "wall_material",
        ("weathered wood", "pine", "sandstone", "granite", "terracotta", "cream paint"),
    )
    roof_mat = p.material("roof_material", ("thatch", "thatch", "weathered wood", "slate"))
    segs = 24 if plan == "round" else 4
    phase = 45.0 if plan == "square" else 0.0
    r = size / 2 / (1.0 if plan == "round" else np.cos(np.pi / 4))
    walls = cylinder(r, wall_h, (0, 0, 0), segments=segs).rotate((0, phase, 0))
    roof = cylinder(r * 1.25, roof_h, (0, wall_h - 0.05, 0), 0.0, segs).rotate((0, phase, 0))
    door = box((0.9, 1.7, 0.25), (0, 0.85, size / 2 - 0.05))
    floor_solid = cylinder(r * 1.05, 0.15, (0, 0, 0), segments=segs).rotate((0, phase, 0))
    parts = [
        Part("walls", union([walls, floor_solid]), wall),
        Part("roof", roof, roof_mat),
        Part(
            "door",
            door,
            M.get("weathered wood") if wall.name != "weathered wood" else M.get("walnut"),
        ),
    ]
    roof_word = (
        "with a thatched roof"
        if roof_mat.name == "thatch"
        else "with a conical roof"
        if plan == "round"
        else "with a pyramid roof"
    )
    traits = Traits(
        primary="walls",
        counts={},
        features=(roof_word,),
        styles=("rustic",),
        accents=("roof",),
        nouns=("cabin", "shack") if plan == "square" else ("roundhouse", "cabin"),
    )
    return Shape("hut", None, p.done(), parts, traits)


def _to_wall(angle: float, half: float, plan: str) -> float:
    """Axis-to-wall distance along ``angle``; ``half`` is the radius or the half side."""
    return half if plan == "round" else half / max(abs(np.cos(angle)), abs(np.sin(angle)))


def _facing(angle: float, plan: str) -> float:
    """Direction of the wall's outward normal at ``angle`` (square walls face the four axes)."""
    return angle if plan == "round" else float(np.round(angle / (np.pi / 2)) * (np.pi / 2))


def make_tower(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A tower: round or square stone shaft, battlements or a conical roof, slit windows, door.

    Parameters: ``plan`` (round, square), ``height``, ``radius``, ``top`` (battlements, roof),
    ``merlons`` (6-12), ``windows`` (2-6), ``material``, ``roof_material``.
    """
    p = ParamDraw(rng, overrides)
    plan = p.choice("plan", ("round", "square"))
    height = p.uniform("height", 8.0, 20.0)
    radius = p.uniform("radius", 2.0, 4.0)
    top = p.choice("top", ("battlements", "roof"))
    merlons = p.integer("merlons", 6, 12)
    n_win = p.integer("windows", 2, 6)
    mat = p.material("material", ("granite", "sandstone", "slate", "brick", "basalt"))
    roof_mat = p.material("roof_material", ("slate", "terracotta", "navy paint", "red paint"))
    segs = 32 if plan == "round" else 4
    phase = 45.0 if plan == "square" else 0.0
    r = radius if plan == "round" else radius / np.cos(np.pi / 4)
    shaft = cylinder(r * 1.08, height, (0, 0, 0), r, segs).rotate((0, phase, 0))
    plinth = cylinder(r * 1.2, 0.8, (0, 0, 0), r * 1.15, segs).rotate((0, phase, 0))
    parts_solids = [shaft, plinth]
    features = []
    roof_part = None
    if top == "battlements":
        ring = cylinder(r * 1.12, 1.0, (0, height - 0.2, 0), segments=segs).rotate((0, phase, 0))
        ring = difference(
            ring,
            [cylinder(r * 0.95, 2.0, (0, height + 0.3, 0), segments=segs).rotate((0, phase, 0))],
        )
        teeth = []
        for k in range(merlons):
            a = 2 * np.pi * (k + 0.5) / merlons
            d = _to_wall(a, radius * 1.035, plan)
            teeth.append(
                box((0.7, 0.9, r * 0.3 if plan == "round" else radius * 0.25), (0, 0, 0))
                .rotate((0, -np.degrees(_facing(a, plan)) + 90, 0))
                .translate((d * np.cos(a), height + 1.2, d * np.sin(a)))
            )
        parts_solids += [ring, *teeth]
        features.append("with battlements")
    else:
        roof_part = cylinder(r * 1.3, radius * 1.8, (0, height - 0.1, 0), 0.0, segs).rotate(
            (0, phase, 0)
        )
        features.append("with a conical roof" if plan == "round" else "with a pyramid roof")
    door = box((1.3, 2.4, 0.5), (0, 1.2 + 0.4, radius * 1.06 - 0.1))
    slits = []
    for k in range(n_win):
        a = 2 * np.pi * k / n_win + 0.4
        y = 3.5 + (height - 5.0) * (k + 0.5) / n_win
        half = float(np.interp(y, [0, height], [1.08, 1.0])) * radius
        d = _to_wall(a, half, plan)
        slits.append(
            box((0.35, 1.2, 0.5), (0, 0, 0))
            .rotate((0, -np.degrees(_facing(a, plan)) + 90, 0))
            .translate((d * np.cos(a), y, d * np.sin(a)))
        )
    parts = [
        Part("walls", union(parts_solids), mat),
        Part("door", door, M.get("walnut")),
        Part("windows", union(slits), M.get("basalt") if mat.name != "basalt" else M.get("slate")),
    ]
    if roof_part is not None:
        parts.append(Part("roof", roof_part, roof_mat))
    counts = {"window": n_win}
    if top == "battlements":
        counts["merlon"] = merlons
    traits = Traits(
        primary="walls",
        counts=counts,
        features=tuple(features),
        styles=("medieval",),
        accents=("roof",) if roof_part is not None else (),
        nouns=("castle tower", "keep", "watchtower"),
    )
    return Shape("tower", None, p.done(), parts, traits)


def make_well(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A wishing well: stone ring, two posts, small gabled roof, crank with a bucket.

    Parameters: ``radius``, ``wall_height``, ``roof``, ``material``, ``wood``, ``roof_material``.
    """
    p = ParamDraw(rng, overrides)
    radius = p.uniform("radius", 0.6, 1.1)
    wall_h = p.uniform("wall_height", 0.7, 1.0)
    has_roof = p.flag("roof", 0.75)
    stone = p.material("material", ("granite", "sandstone", "brick", "slate"))
    wood = p.material("wood", ("weathered wood", "oak", "walnut", "pine"))
    roof_mat = p.material("roof_material", ("thatch", "slate", "terracotta", "weathered wood"))
    t = 0.25
    ring = lathe(
        np.array([[radius - t, 0.0], [radius, 0.0], [radius, wall_h], [radius - t, wall_h]]), 32
    )
    water = cylinder(radius - t + 0.01, wall_h * 0.5, (0, 0, 0), segments=32)
    parts = [
        Part("wall", union([ring, torus(radius - t / 2, t * 0.6, (0, wall_h, 0), 32, 8)]), stone),
        Part("water", water, M.get("blue glass")),
    ]
    post_h = wall_h + 1.3
    posts = [slab((0.12, post_h, 0.12), (sx * (radius - t / 2), 0.05, 0)) for sx in (-1, 1)]
    crank = rod(
        (-(radius + 0.05), post_h - 0.5, 0), (radius + 0.25, post_h - 0.5, 0), 0.04, segments=10
    )
    handle = rod(
        (radius + 0.22, post_h - 0.5, 0), (radius + 0.22, post_h - 0.75, 0), 0.03, segments=8
    )
    rope = rod((0, post_h - 0.5, 0), (0, wall_h + 0.35, 0), 0.012, segments=6)
    parts.append(Part("frame", union([*posts, crank, handle, rope]), wood))
    bucket = cylinder(0.13, 0.25, (0, wall_h + 0.12, 0), 0.15, 16)
    parts.append(Part("bucket", bucket, M.get("iron")))
    features = ["with a bucket"]
    if has_roof:
        parts.append(
            Part("roof", _gable(2 * radius * 0.9, 0.9, 0.6, 0.25, post_h - 0.05), roof_mat)
        )
        features.append("with a little roof")
    traits = Traits(
        primary="wall",
        counts={},
        features=tuple(features),
        styles=("rustic", "medieval"),
        accents=("roof",) if has_roof else (),
        nouns=("wishing well", "water well", "stone well"),
    )
    return Shape("well", None, p.done(), parts, traits)
