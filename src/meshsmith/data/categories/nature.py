"""Nature: tree, pine, bush, rock, mushroom, cactus."""

from __future__ import annotations

from typing import Any

import numpy as np
from manifold3d import Manifold

from meshsmith.data import materials as M
from meshsmith.data.noise import ValueNoise
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import convex_hull, cylinder, ellipsoid, lathe, sphere, tube, union


def lumpy(
    solid: Manifold, rng: np.random.Generator, centre: np.ndarray, amount: float, freq: float
) -> Manifold:
    """Push vertices radially from ``centre`` by ``amount`` times smooth noise (organic blobs)."""
    noise = ValueNoise(rng)

    def f(v: np.ndarray) -> np.ndarray:
        d = v - centre
        r = np.linalg.norm(d, axis=1, keepdims=True)
        n = noise.fbm(v * freq, octaves=2)[:, None] - 0.5
        return v + d / np.maximum(r, 1e-9) * amount * n

    return solid.warp_batch(f)


def _canopy(
    rng: np.random.Generator, centres: np.ndarray, radii: np.ndarray, segments: int, rough: float
) -> Manifold:
    blobs = []
    for c, r in zip(centres, radii, strict=True):
        s = sphere(r, tuple(c), segments)
        blobs.append(lumpy(s, rng, c, r * rough, 2.5 / r) if rough > 0 else s)
    return union(blobs)


def make_tree(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A broadleaf tree: leaning tapered trunk, a few branches, a canopy of leaf blobs.

    Parameters: ``height``, ``canopy`` (round, cloud, low-poly), ``branches`` (2-4),
    ``trunk_ratio``, ``foliage``, ``bark``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 3.0, 9.0)
    canopy = p.choice("canopy", ("round", "cloud", "low-poly"))
    branches = p.integer("branches", 2, 4)
    trunk_ratio = p.uniform("trunk_ratio", 0.35, 0.55)
    foliage = p.material("foliage", ("leaves", "leaves", "dark leaves", "autumn leaves"))
    bark = p.material("bark", ("bark",))
    lean = p.rng.normal(0.0, 0.03, 2) * height
    trunk_top = height * trunk_ratio
    s = np.linspace(0, 1, 8)
    trunk_path = np.column_stack([lean[0] * s**2, trunk_top * 1.15 * s, lean[1] * s**2])
    r0 = height * 0.035
    trunk = tube(trunk_path, r0 * (1 - 0.55 * s) + r0 * 0.25 * np.exp(-s * 12), 12)
    crown_c = np.array([lean[0], trunk_top + (height - trunk_top) * 0.5, lean[1]])
    crown_r = (height - trunk_top) * 0.5
    limbs, centres, radii = [trunk], [crown_c + np.array([0, crown_r * 0.15, 0])], [crown_r * 0.75]
    for i in range(branches):
        a = 2 * np.pi * (i / branches) + p.rng.uniform(-0.4, 0.4)
        start = np.array([lean[0] * 0.5, trunk_top * p.rng.uniform(0.75, 1.0), lean[1] * 0.5])
        end = crown_c + crown_r * 0.6 * np.array([np.cos(a), p.rng.uniform(-0.3, 0.2), np.sin(a)])
        limb_path = (
            start
            + (end - start) * s[:, None]
            + np.array([0, 1, 0]) * (np.sin(np.pi * s) * crown_r * 0.1)[:, None]
        )
        limbs.append(tube(limb_path, r0 * 0.45 * (1 - 0.6 * s), 8))
        centres.append(end)
        radii.append(crown_r * p.rng.uniform(0.45, 0.6))
    if canopy == "cloud":
        for _ in range(3):
            d = p.rng.normal(0, 1, 3)
            centres.append(crown_c + crown_r * 0.5 * d / np.linalg.norm(d))
            radii.append(crown_r * 0.45)
    segs = 6 if canopy == "low-poly" else 20
    leaves = _canopy(
        p.rng, np.array(centres), np.array(radii), segs, 0.0 if canopy == "low-poly" else 0.35
    )
    parts = [Part("trunk", union(limbs), bark), Part("canopy", leaves, foliage)]
    styles = ("low-poly", "stylised") if canopy == "low-poly" else ("stylised",)
    nouns = (
        ("oak tree", "deciduous tree")
        if foliage.name != "autumn leaves"
        else ("autumn tree", "maple tree")
    )
    traits = Traits(
        primary="canopy",
        counts={},
        features=("with a leafy canopy",),
        styles=styles,
        accents=(),
        nouns=nouns,
    )
    return Shape("tree", None, p.done(), parts, traits)


def make_pine(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A conifer: straight trunk and 3-7 stacked cone tiers of needles.

    Parameters: ``height``, ``tiers`` (3-7), ``width_ratio``, ``segments`` (6-24).
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 3.0, 12.0)
    tiers = p.integer("tiers", 3, 7)
    width = p.uniform("width_ratio", 0.3, 0.5) * height
    segs = p.choice("segments", (6, 8, 16, 24))
    needles = p.material("foliage", ("needles", "dark leaves"))
    trunk_h = height * 0.2
    trunk = cylinder(height * 0.03, trunk_h + height * 0.1, (0, 0, 0), height * 0.02, 10)
    cones = []
    span = height - trunk_h
    for i in range(tiers):
        f = i / tiers
        y0 = trunk_h + span * f * 0.85
        r = width / 2 * (1 - f * 0.75)
        h = span * (1.0 - f * 0.85) * 0.5 + span / tiers * 0.6
        h = min(h, height - y0)
        cones.append(cylinder(r, h, (0, y0, 0), 0.0, segs))
    parts = [Part("trunk", trunk, M.get("bark")), Part("foliage", union(cones), needles)]
    styles = ("low-poly", "stylised") if segs <= 8 else ("stylised",)
    traits = Traits(
        primary="foliage",
        counts={"tier": tiers},
        features=(),
        styles=styles,
        accents=(),
        nouns=("pine tree", "fir tree", "conifer", "evergreen tree"),
    )
    return Shape("pine", None, p.done(), parts, traits)


def make_bush(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A bush: cluster of leafy blobs on the ground, optional flowers or berries.

    Parameters: ``height``, ``blobs`` (3-7), ``spread``, ``flowers``, ``foliage``,
    ``flower_colour``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 0.4, 1.5)
    blobs = p.integer("blobs", 3, 7)
    spread = p.uniform("spread", 1.0, 1.8)
    flowers = p.flag("flowers", 0.4)
    foliage = p.material("foliage", ("leaves", "dark leaves"))
    flower_mat = p.material(
        "flower_colour", M.names("plastic", ("red", "pink", "white", "yellow", "purple"))
    )
    r = height * 0.45
    centres, radii = [np.array([0, r * 0.95, 0])], [r]
    for i in range(blobs - 1):
        a = 2 * np.pi * i / (blobs - 1) + p.rng.uniform(-0.3, 0.3)
        d = r * spread * 0.6
        rr = r * p.rng.uniform(0.55, 0.8)
        centres.append(np.array([d * np.cos(a), rr * 0.85, d * np.sin(a)]))
        radii.append(rr)
    body = _canopy(p.rng, np.array(centres), np.array(radii), 16, 0.3)
    parts = [Part("foliage", body, foliage)]
    features: tuple[str, ...] = ()
    if flowers:
        dots = []
        for c, rr in zip(centres, radii, strict=True):
            for _ in range(4):
                d = p.rng.normal(0, 1, 3)
                d[1] = abs(d[1]) + 0.3
                d /= np.linalg.norm(d)
                dots.append(sphere(rr * 0.12, tuple(c + d * rr * 0.92), 8))
        parts.append(Part("flowers", union(dots), flower_mat))
        features = ("with flowers",)
    traits = Traits(
        primary="foliage",
        counts={},
        features=features,
        styles=("stylised",),
        accents=("flowers",) if flowers else (),
        nouns=("shrub", "hedge plant"),
    )
    return Shape("bush", None, p.done(), parts, traits)


def make_rock(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A rock or boulder: faceted convex hull or smooth lumpy stone, flat-bottomed.

    Parameters: ``size``, ``flatness``, ``style`` (faceted, smooth), ``points`` (8-30),
    ``material``.
    """
    p = ParamDraw(rng, overrides)
    size = p.uniform("size", 0.2, 2.0)
    flat = p.uniform("flatness", 0.45, 0.9)
    style = p.choice("style", ("faceted", "smooth"))
    n = p.integer("points", 8, 30)
    mat = p.material("material", M.STONES + ("sandstone", "granite"))
    d = p.rng.normal(0, 1, (n, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    radii = np.array([size / 2, size / 2 * flat, size / 2 * p.rng.uniform(0.6, 1.0)])
    pts = d * radii * p.rng.uniform(0.8, 1.0, (n, 1))
    solid = convex_hull(pts)
    if style == "smooth":
        solid = lumpy(
            solid.refine_to_length(size / 10), p.rng, np.zeros(3), size * 0.12, 3.0 / size
        )
    lo = solid.bounding_box()[1]
    solid = solid.trim_by_plane((0.0, 1.0, 0.0), lo + size * flat * 0.12)
    nouns = ("boulder",) if size > 1.0 else ("stone", "pebble") if size < 0.35 else ("stone",)
    traits = Traits(
        primary="rock",
        counts={},
        features=(),
        styles=("low-poly",) if style == "faceted" else (),
        accents=(),
        nouns=nouns,
    )
    return Shape("rock", None, p.done(), [Part("rock", solid, mat)], traits)


def _one_mushroom(
    height: float, cap_r: float, cap: str, spots: bool, at: np.ndarray, tilt: float
) -> tuple[Manifold, Manifold, Manifold | None]:
    """Stem, cap and optional spots (sunk into the cap) of one mushroom standing at ``at``."""
    stem_r = cap_r * 0.28
    stem = lathe(
        np.array(
            [
                [0, 0],
                [stem_r * 1.3, 0],
                [stem_r * 1.1, height * 0.3],
                [stem_r * 0.9, height],
                [0, height],
            ]
        ),
        20,
    )
    a = np.linspace(0, np.pi / 2, 9)
    rise = {
        "dome": cap_r * 0.75 * np.sin(a),
        "cone": cap_r * 1.1 * np.sin(a) ** 1.6,
        "flat": cap_r * 0.35 * np.sin(a) ** 0.6,
    }[cap]
    top = np.column_stack([cap_r * np.cos(a), rise])
    base_y = height * 0.95
    cap_solid = lathe(
        np.vstack([[0, -cap_r * 0.12], [cap_r * 0.95, -cap_r * 0.05], top]), 28, (0, base_y, 0)
    )
    dots = None
    if spots:
        # The cap's top surface height at radius 0.6 * cap_r, read off its own profile.
        y = base_y + float(np.interp(cap_r * 0.6, top[::-1, 0], top[::-1, 1]))
        ring = [
            sphere(cap_r * 0.09, (cap_r * 0.6 * np.cos(t), y, cap_r * 0.6 * np.sin(t)), 8)
            for t in np.arange(7) * 2 * np.pi / 7
        ]
        dots = union([*ring, sphere(cap_r * 0.1, (0, base_y + float(top[-1, 1]), 0), 8)])

    def place(solid: Manifold) -> Manifold:
        return solid.rotate((tilt, 0, 0)).translate(tuple(at))

    return place(stem), place(cap_solid), None if dots is None else place(dots)


def make_mushroom(rng: np.random.Generator, **overrides: Any) -> Shape:
    """One mushroom or a cluster of 2-3 on a mossy mound; dome, cone or flat caps, optional spots.

    Parameters: ``count`` (1-3), ``height``, ``cap`` (dome, cone, flat), ``spots``, ``cap_colour``.
    """
    p = ParamDraw(rng, overrides)
    count = p.integer("count", 1, 3)
    height = p.uniform("height", 0.05, 0.2)
    cap = p.choice("cap", ("dome", "cone", "flat"))
    spots = p.flag("spots", 0.4)
    cap_mat = p.material("cap_colour", ("red cap", "brown cap", "tan cap"))
    stems, caps, dots = [], [], []
    for i in range(count):
        f = 1.0 if i == 0 else p.rng.uniform(0.5, 0.8)
        a = 2 * np.pi * i / max(count, 1) + 0.6
        at = np.zeros(3) if i == 0 else np.array([np.cos(a), 0, np.sin(a)]) * height * 0.45
        st, cp, dt = _one_mushroom(
            height * f, height * 0.45 * f, cap, spots, at, 0.0 if i == 0 else p.rng.uniform(-12, 12)
        )
        stems.append(st)
        caps.append(cp)
        dots += [dt] if dt is not None else []
    parts = [Part("stem", union(stems), M.get("mushroom stem")), Part("cap", union(caps), cap_mat)]
    if count > 1:
        parts.append(
            Part(
                "ground",
                ellipsoid((height * 0.75, height * 0.12, height * 0.75), (0, 0.0, 0), 16),
                M.get("dark leaves"),
            )
        )
    features: tuple[str, ...] = ()
    if spots:
        parts.append(Part("spots", union(dots), M.get("white plastic")))
        features = ("with white spots",)
    counts = {"mushroom": count} if count > 1 else {}
    nouns = (
        ("toadstool", "fly agaric")
        if spots and cap_mat.name == "red cap"
        else ("toadstool",)
        if cap_mat.name == "red cap"
        else ("fungus",)
    )
    traits = Traits(
        primary="cap",
        counts=counts,
        features=features,
        styles=("stylised",),
        accents=(),
        nouns=nouns,
    )
    return Shape("mushroom", None, p.done(), parts, traits)


def _ribbed(solid: Manifold, ribs: int, depth: float) -> Manifold:
    """Modulate the radius around the vertical axis with ``ribs`` grooves."""

    def f(v: np.ndarray) -> np.ndarray:
        out = v.copy()
        theta = np.arctan2(v[:, 2], v[:, 0])
        scale = 1.0 - depth * (0.5 - 0.5 * np.cos(ribs * theta))
        out[:, 0] *= scale
        out[:, 2] *= scale
        return out

    return solid.warp_batch(f)


def make_cactus(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A cactus: saguaro with arms, round barrel cactus, or a small potted one.

    Parameters: ``kind`` (saguaro, barrel, potted), ``height``, ``arms`` (0-4), ``ribs`` (8-16),
    ``pot_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("saguaro", "barrel", "potted"))
    height = p.uniform(
        "height", *{"saguaro": (1.5, 5.0), "barrel": (0.3, 0.8), "potted": (0.2, 0.45)}[kind]
    )
    arms = p.integer("arms", 0, 4) if kind != "barrel" else p.integer("arms", 0, 0)
    ribs = p.integer("ribs", 8, 16)
    pot_mat = p.material(
        "pot_material", ("terracotta", "white ceramic", "blue ceramic", "green ceramic")
    )
    green = M.get("cactus")
    y0 = 0.0
    parts = []
    if kind == "potted":
        pot_h = height * 0.35
        prof = np.array(
            [
                [0, 0],
                [pot_h * 0.55, 0],
                [pot_h * 0.75, pot_h],
                [pot_h * 0.82, pot_h],
                [pot_h * 0.82, pot_h * 1.15],
                [0, pot_h * 1.15],
            ]
        )
        parts.append(Part("pot", lathe(prof, 32), pot_mat))
        y0 = pot_h * 1.1
        height -= y0
    if kind == "barrel":
        r = height * 0.45
        body = ellipsoid((r, height / 2, r), (0, height / 2 - height * 0.05, 0), 32)
        body = _ribbed(body.refine_to_length(r / 6), ribs, 0.12)
    else:
        r = height * (0.09 if kind == "saguaro" else 0.18)
        a = np.linspace(0.0, np.pi / 2, 9)
        dome = np.column_stack([r * np.cos(a), height - r + r * np.sin(a)])
        side = np.column_stack([np.full(6, r), np.linspace(0.0, height - r, 6, endpoint=False)])
        body = _ribbed(lathe(np.vstack([[0.0, 0.0], side, dome]), 48, (0, y0, 0)), ribs, 0.1)
    limbs = []
    for i in range(arms):
        a = 2 * np.pi * i / max(arms, 1) + 0.4
        side = np.array([np.cos(a), 0, np.sin(a)])
        ya = y0 + height * p.rng.uniform(0.3, 0.55)
        reach = r * p.rng.uniform(1.6, 2.4)
        rise = height * p.rng.uniform(0.2, 0.35)
        s = np.linspace(0, 1, 9)
        path = (
            np.array([0, ya, 0])
            + side * (reach * np.sin(s * np.pi / 2))[:, None]
            + np.array([0, 1, 0]) * (rise * (1 - np.cos(s * np.pi / 2)))[:, None]
        )
        path = np.vstack([path, path[-1] + np.array([0, rise * 0.6, 0])])
        limbs.append(tube(path, r * 0.6, 16))
        limbs.append(sphere(r * 0.6, tuple(path[-1] + np.array([0.0, r * 0.06, 0.0])), 16))
    parts.insert(0, Part("body", union([body, *limbs]), green))
    counts = {"arm": arms} if arms else {}
    nouns = {
        "saguaro": ("saguaro",),
        "barrel": ("barrel cactus",),
        "potted": ("potted cactus", "houseplant", "succulent"),
    }[kind]
    traits = Traits(
        primary="body",
        counts=counts,
        features=("in a pot",) if kind == "potted" else (),
        styles=("stylised",),
        accents=("pot",) if kind == "potted" else (),
        nouns=nouns,
    )
    return Shape("cactus", None, p.done(), parts, traits)
