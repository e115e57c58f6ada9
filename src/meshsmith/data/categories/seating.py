"""Seating: chair, stool, bench, sofa."""

from __future__ import annotations

from typing import Any

import numpy as np

from meshsmith.data import materials as M
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import box, cylinder, rod, rounded_box, slab, sphere, torus, union

_SEAT_COVERS = M.names("fabric") + M.names(
    "leather", ("black", "brown", "tan", "burgundy", "cream")
)


def _leg_feet(n: int, width: float, depth: float, inset: float) -> list[tuple[float, float]]:
    """(x, z) of leg tops: 4 at the corners, 3 as two front and one back-centre."""
    hx, hz = width / 2 - inset, depth / 2 - inset
    if n == 4:
        return [(-hx, -hz), (hx, -hz), (-hx, hz), (hx, hz)]
    return [(-hx, hz), (hx, hz), (0.0, -hz)]


def make_chair(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A chair: seat, back and legs (or a swivel pedestal), optional armrests.

    Parameters drawn (override by name): ``style`` (classic, modern, rustic, office),
    ``legs`` (3-4), ``seat_height``, ``seat_width``, ``seat_depth``, ``back_height``,
    ``back`` (panel, slats, rails), ``slats`` (2-5), ``armrests``, ``frame_material``,
    ``seat_material``.
    """
    p = ParamDraw(rng, overrides)
    style = p.choice("style", ("classic", "modern", "rustic", "office"), (3, 3, 2, 1.5))
    legs = p.choice("legs", (3, 4), (1, 6))
    seat_h = p.uniform("seat_height", 0.42, 0.5)
    width = p.uniform("seat_width", 0.4, 0.56)
    depth = p.uniform("seat_depth", 0.38, 0.5)
    back_h = p.uniform("back_height", 0.3, 0.55)
    back_kind = p.choice("back", ("panel",) if style == "office" else ("panel", "slats", "rails"))
    slats = p.integer("slats", 2, 5)
    arms = p.flag("armrests", 0.3)
    frame_opts = (
        M.WOODS
        if style in ("classic", "rustic")
        else ("steel", "aluminium", "chrome") + M.names("metal", ("black", "white"))
    )
    frame = p.material("frame_material", frame_opts)
    seat_opts = {
        "classic": M.WOODS + _SEAT_COVERS,
        "modern": M.names("plastic") + _SEAT_COVERS,
        "rustic": M.WOODS,
        "office": _SEAT_COVERS,
    }[style]
    seat_mat = p.material("seat_material", seat_opts)

    thick = {"rustic": 0.065, "classic": 0.045, "modern": 0.03, "office": 0.05}[style]
    seat_t = 0.07 if seat_mat.family in ("fabric", "leather") else 0.035
    seat_y = seat_h - seat_t
    seat = rounded_box((width, seat_t, depth), min(0.02, seat_t / 2.5), (0, seat_y + seat_t / 2, 0))
    post_r = thick / 2
    top = seat_h + back_h
    z_back = -depth / 2 + post_r
    posts = [
        rod(
            (sx * (width / 2 - post_r), seat_y, z_back),
            (sx * (width / 2 - post_r) * 0.97, top, z_back - 0.04),
            post_r,
            segments=10,
        )
        for sx in (-1, 1)
    ]
    panel_t = 0.025
    if style == "office":
        fill = [
            rounded_box(
                (width * 0.95, back_h * 0.8, 0.07), 0.03, (0, top - back_h * 0.4, z_back - 0.02)
            )
        ]
    elif back_kind == "panel":
        fill = [
            box(
                (width - 2 * post_r, back_h * 0.55, panel_t), (0, top - back_h * 0.3, z_back - 0.03)
            )
        ]
    elif back_kind == "slats":
        xs = np.linspace(-(width / 2 - 2.5 * post_r), width / 2 - 2.5 * post_r, slats)
        fill = [box((0.035, back_h, panel_t), (x, seat_h + back_h / 2, z_back - 0.02)) for x in xs]
        fill.append(box((width - post_r, 0.05, panel_t * 1.4), (0, top - 0.03, z_back - 0.038)))
    else:
        ys = np.linspace(seat_h + back_h * 0.3, top - 0.03, slats)
        fill = [
            box(
                (width - post_r, 0.04, panel_t),
                (0, y, z_back - 0.02 - 0.04 * (y - seat_h) / back_h),
            )
            for y in ys
        ]
    parts = [
        Part("seat", seat, seat_mat),
        Part(
            "back",
            union(posts + fill),
            seat_mat if style in ("modern", "office") and back_kind == "panel" else frame,
        ),
    ]

    counts: dict[str, int] = {}
    features = {"panel": (), "slats": ("with a slatted back",), "rails": ("with a ladder back",)}[
        back_kind
    ]
    nouns: tuple[str, ...] = ()
    if style == "office":
        column = cylinder(0.03, seat_y - 0.06, (0, 0.06, 0), segments=16)
        spokes = [
            rod((0, 0.07, 0), (0.3 * np.cos(a), 0.04, 0.3 * np.sin(a)), 0.022, segments=8)
            for a in np.arange(5) * 2 * np.pi / 5
        ]
        wheels = [
            sphere(0.028, (0.3 * np.cos(a), 0.028, 0.3 * np.sin(a)), 12)
            for a in np.arange(5) * 2 * np.pi / 5
        ]
        parts.append(
            Part(
                "base",
                union([column, *spokes, *wheels, cylinder(0.05, 0.04, (0, seat_y - 0.03, 0))]),
                frame,
            )
        )
        features += ("with a swivel base",)
        nouns = ("office chair", "swivel chair")
    else:
        splay = 0.03 if style == "modern" else 0.0
        legs_solid = []
        for x, z in _leg_feet(legs, width, depth, post_r + 0.01):
            foot = (x * (1 + splay * 4), 0.0, z * (1 + splay * 4))
            taper = 0.7 if style == "modern" else 0.85
            legs_solid.append(
                rod(
                    foot,
                    (x, seat_y + seat_t * 0.5, z),
                    post_r * taper,
                    post_r,
                    segments=10 if style != "rustic" else 8,
                )
            )
        parts.append(Part("legs", union(legs_solid), frame))
        counts["leg"] = legs
    if arms:
        arm_y = seat_h + min(0.22, back_h * 0.6)
        arm = []
        for sx in (-1, 1):
            x = sx * (width / 2 - post_r)
            arm.append(box((0.05, 0.03, depth * 0.85), (x, arm_y, -depth * 0.05)))
            arm.append(
                rod(
                    (x, seat_y + 0.01, depth * 0.3),
                    (x, arm_y, depth * 0.3),
                    post_r * 0.8,
                    segments=8,
                )
            )
        parts.append(Part("arms", union(arm), frame))
        features += ("with armrests",)
        nouns += ("armchair",)
    styles = {
        "classic": ("classic",),
        "modern": ("modern", "minimalist"),
        "rustic": ("rustic",),
        "office": ("modern",),
    }[style]
    accents = ("legs",) if frame.family != seat_mat.family and style != "office" else ()
    traits = Traits(
        primary="seat",
        counts=counts,
        features=features,
        styles=styles,
        accents=accents,
        nouns=nouns,
    )
    return Shape("chair", None, p.done(), parts, traits)


def make_stool(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A stool: round or square seat on splayed legs, optional footrest ring.

    Parameters: ``kind`` (low, bar), ``height``, ``seat_shape`` (round, square),
    ``seat_size``, ``legs`` (3-4), ``footrest``, ``frame_material``, ``seat_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("low", "bar"))
    height = p.uniform("height", 0.4, 0.5) if kind == "low" else p.uniform("height", 0.62, 0.8)
    seat_shape = p.choice("seat_shape", ("round", "square"))
    size = p.uniform("seat_size", 0.3, 0.42)
    legs = p.integer("legs", 3, 4)
    footrest = p.flag("footrest", 0.8 if kind == "bar" else 0.0)
    frame = p.material("frame_material", M.WOODS + ("steel", "chrome", "black painted metal"))
    seat_mat = p.material(
        "seat_material",
        M.WOODS + M.names("plastic") + M.names("leather", ("black", "brown", "burgundy", "cream")),
    )
    seat_t = 0.05 if seat_mat.family == "leather" else 0.035
    seat_y = height - seat_t
    if seat_shape == "round":
        seat = cylinder(size / 2, seat_t, (0, seat_y, 0), segments=32)
    else:
        seat = rounded_box((size, seat_t, size), 0.012, (0, seat_y + seat_t / 2, 0))
    leg_r = 0.018 if frame.family == "wood" else 0.012
    r_top = size / 2 - leg_r * 2.2
    r_bot = r_top + 0.05 + 0.08 * height
    angles = np.pi / 4 + np.arange(legs) * 2 * np.pi / legs
    legs_solid = [
        rod(
            (r_bot * np.cos(a), 0.0, r_bot * np.sin(a)),
            (r_top * np.cos(a), seat_y + seat_t / 2, r_top * np.sin(a)),
            leg_r,
            segments=10,
        )
        for a in angles
    ]
    parts = [Part("seat", seat, seat_mat), Part("legs", union(legs_solid), frame)]
    features: tuple[str, ...] = ()
    if footrest:
        y = height * 0.35
        ring_r = r_bot + (r_top - r_bot) * y / (seat_y + seat_t / 2)
        parts.append(
            Part(
                "footrest",
                torus(ring_r, leg_r * 0.8, (0, y, 0), segments=32, minor_segments=8),
                frame,
            )
        )
        features = ("with a footrest",)
    nouns = ("bar stool",) if kind == "bar" else ()
    traits = Traits(
        primary="seat",
        counts={"leg": legs},
        features=features,
        styles=(),
        accents=("legs",) if frame.family != seat_mat.family else (),
        nouns=nouns,
    )
    return Shape("stool", None, p.done(), parts, traits)


def make_bench(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A bench: plank or slatted seat, four legs or two slab ends, optional backrest.

    Parameters: ``length``, ``depth``, ``seat_height``, ``seat`` (plank, slats),
    ``slats`` (3-6), ``support`` (legs, slabs), ``backrest``, ``material``, ``frame_material``.
    """
    p = ParamDraw(rng, overrides)
    length = p.uniform("length", 1.0, 2.0)
    depth = p.uniform("depth", 0.32, 0.5)
    seat_h = p.uniform("seat_height", 0.4, 0.48)
    seat_kind = p.choice("seat", ("plank", "slats"))
    slats = p.integer("slats", 3, 6)
    support = p.choice("support", ("legs", "slabs"))
    backrest = p.flag("backrest", 0.45)
    wood = p.material("material", M.WOODS)
    frame = p.material(
        "frame_material", M.WOODS + ("iron", "black painted metal", "green painted metal")
    )
    t = 0.045
    seat_y = seat_h - t
    if seat_kind == "plank":
        seat = box((length, t, depth), (0, seat_y + t / 2, 0))
    else:
        gap = 0.012
        w = (depth - gap * (slats - 1)) / slats
        zs = -depth / 2 + w / 2 + np.arange(slats) * (w + gap)
        bearers = [
            box((0.05, 0.04, depth), (x, seat_y - 0.015, 0))
            for x in (-length / 2 + 0.12, length / 2 - 0.12)
        ]
        seat = union([box((length, t, w), (0, seat_y + t / 2, z)) for z in zs] + bearers)
    inset = 0.1
    if support == "legs":
        leg = 0.05 if frame.family == "wood" else 0.035
        sup = [
            box(
                (leg, seat_y + 0.01, leg),
                (sx * (length / 2 - inset), (seat_y + 0.01) / 2, sz * (depth / 2 - 0.05)),
            )
            for sx in (-1, 1)
            for sz in (-1, 1)
        ]
        stretchers = [
            box((length - 2 * inset, 0.035, 0.03), (0, 0.12, sz * (depth / 2 - 0.05)))
            for sz in (-1, 1)
        ]
        support_solid = union(sup + stretchers)
    else:
        support_solid = union(
            [
                slab((0.05, seat_y + 0.01, depth * 0.9), (sx * (length / 2 - inset), 0, 0))
                for sx in (-1, 1)
            ]
        )
    parts = [
        Part("seat", seat, wood),
        Part("legs" if support == "legs" else "supports", support_solid, frame),
    ]
    features: list[str] = []
    if backrest:
        back_h = 0.4
        z = -depth / 2 + 0.02
        posts = [
            rod(
                (sx * (length / 2 - inset), seat_y, z),
                (sx * (length / 2 - inset), seat_h + back_h, z - 0.08),
                0.022,
                segments=8,
            )
            for sx in (-1, 1)
        ]
        rails = [
            box((length - 0.05, 0.07, 0.025), (0, seat_h + back_h * f, z - 0.08 * f))
            for f in (0.45, 0.9)
        ]
        parts.append(Part("backrest", union(posts + rails), wood))
        features.append("with a backrest")
    counts = {"slat": slats} if seat_kind == "slats" else {}
    if support == "legs":
        counts["leg"] = 4
    traits = Traits(
        primary="seat",
        counts=counts,
        features=tuple(features),
        styles=("rustic",) if wood.name == "weathered wood" else (),
        accents=(parts[1].name,) if frame.family != wood.family else (),
        nouns=("park bench",) if backrest and seat_kind == "slats" else (),
    )
    return Shape("bench", None, p.done(), parts, traits)


def make_sofa(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A sofa: base, 1-4 seat cushions with matching back cushions, arms, feet.

    Parameters: ``seats`` (1-4), ``seat_width``, ``depth``, ``arms`` (both, none),
    ``arm_style`` (square, rolled), ``feet`` (legs, plinth), ``material``, ``leg_material``.
    """
    p = ParamDraw(rng, overrides)
    seats = p.integer("seats", 1, 4)
    seat_w = p.uniform("seat_width", 0.55, 0.7)
    depth = p.uniform("depth", 0.8, 1.0)
    arms = p.choice("arms", ("both", "none"), (4, 1))
    arm_style = p.choice("arm_style", ("square", "rolled"))
    feet = p.choice("feet", ("legs", "plinth"))
    cover = p.material("material", _SEAT_COVERS)
    leg_mat = p.material("leg_material", M.WOODS + ("chrome", "black painted metal"))
    arm_w = 0.18 if arms == "both" else 0.0
    inner = seats * seat_w
    width = inner + 2 * arm_w
    foot_h = 0.12 if feet == "legs" else 0.0
    base_h = 0.2
    base = rounded_box((width, base_h, depth), 0.03, (0, foot_h + base_h / 2, 0))
    cush_h = 0.14
    cushions = [
        rounded_box(
            (seat_w - 0.01, cush_h, depth - 0.2),
            0.05,
            (-inner / 2 + seat_w * (i + 0.5), foot_h + base_h + cush_h / 2 - 0.02, 0.08),
        )
        for i in range(seats)
    ]
    back_h = 0.45
    back = rounded_box(
        (width, back_h + base_h, 0.2), 0.05, (0, foot_h + (back_h + base_h) / 2, -depth / 2 + 0.1)
    )
    backs = [
        rounded_box(
            (seat_w - 0.02, back_h * 0.8, 0.16),
            0.06,
            (-inner / 2 + seat_w * (i + 0.5), foot_h + base_h + back_h * 0.45, -depth / 2 + 0.24),
        )
        for i in range(seats)
    ]
    body = [base, back]
    if arms == "both":
        arm_h = 0.26
        for sx in (-1, 1):
            x = sx * (width / 2 - arm_w / 2)
            body.append(
                rounded_box(
                    (arm_w, base_h + arm_h, depth), 0.04, (x, foot_h + (base_h + arm_h) / 2, 0)
                )
            )
            if arm_style == "rolled":
                body.append(
                    rod(
                        (x, foot_h + base_h + arm_h - 0.02, -depth / 2 + 0.02),
                        (x, foot_h + base_h + arm_h - 0.02, depth / 2 - 0.02),
                        arm_w * 0.58,
                        segments=20,
                    )
                )
    parts = [Part("frame", union(body), cover), Part("cushions", union(cushions + backs), cover)]
    if feet == "legs":
        fx, fz = width / 2 - 0.06, depth / 2 - 0.06
        parts.append(
            Part(
                "legs",
                union(
                    [
                        cylinder(0.025, foot_h + 0.02, (sx * fx, 0, sz * fz), 0.018, 12)
                        for sx in (-1, 1)
                        for sz in (-1, 1)
                    ]
                ),
                leg_mat,
            )
        )
    nouns = {
        1: ("armchair",) if arms == "both" else ("lounge chair",),
        2: ("loveseat", "two-seater sofa"),
        3: ("three-seater sofa",),
        4: ("four-seater sofa",),
    }[seats]
    features = ("with armrests",) if arms == "both" else ("without arms",)
    if arms == "both" and arm_style == "rolled":
        features += ("with rolled arms",)
    traits = Traits(
        primary="frame",
        counts={"seat cushion": seats},
        features=features,
        styles=("modern",) if arm_style == "square" else ("classic",),
        accents=(),
        nouns=nouns,
    )
    return Shape("sofa", None, p.done(), parts, traits)
