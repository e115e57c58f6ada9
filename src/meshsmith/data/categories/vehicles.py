"""Road vehicles: car, truck. Vehicles face +X."""

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
    difference,
    ellipsoid,
    rod,
    rounded_box,
    slab,
    union,
)

_CAR_PAINTS = M.names(
    "paint",
    (
        "red",
        "blue",
        "white",
        "black",
        "grey",
        "yellow",
        "green",
        "orange",
        "navy",
        "teal",
        "burgundy",
        "light blue",
    ),
)


def _wheels(
    xs: list[float], track: float, radius: float, width: float
) -> tuple[list[Manifold], list[Manifold]]:
    """Tyres and hubs for axles at ``xs`` (track = distance between wheel centres)."""
    tyres, hubs = [], []
    for x in xs:
        for sz in (-1, 1):
            z = sz * track / 2
            tyres.append(
                rod((x, radius, z - width / 2), (x, radius, z + width / 2), radius, segments=24)
            )
            hubs.append(
                rod(
                    (x, radius, z + sz * width * 0.45),
                    (x, radius, z + sz * (width / 2 + 0.015)),
                    radius * 0.55,
                    segments=16,
                )
            )
    return tyres, hubs


def _cabin(
    x0: float, x1: float, top0: float, top1: float, y0: float, y1: float, w0: float, w1: float
) -> Manifold:
    """Cabin: hull of its floor (x0..x1, width w0, at y0) and roof (top0..top1, w1, at y1)."""
    pts = [(x, y0, sz * w0 / 2) for x in (x0, x1) for sz in (-1, 1)] + [
        (x, y1, sz * w1 / 2) for x in (top0, top1) for sz in (-1, 1)
    ]
    return convex_hull(np.array(pts, dtype=float))


def make_car(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A car: body, glass cabin with a painted roof, four wheels, lights and bumpers.

    Parameters: ``style`` (sedan, hatchback, suv, coupe), ``length``, ``width``,
    ``wheel_radius``, ``paint``.
    """
    p = ParamDraw(rng, overrides)
    style = p.choice("style", ("sedan", "hatchback", "suv", "coupe"))
    length = p.uniform(
        "length",
        *{"sedan": (4.3, 5.0), "hatchback": (3.6, 4.3), "suv": (4.4, 5.0), "coupe": (4.0, 4.7)}[
            style
        ],
    )
    width = p.uniform("width", 1.65, 1.95)
    wr = p.uniform("wheel_radius", 0.3, 0.36) * (1.12 if style == "suv" else 1.0)
    paint = p.material("paint", _CAR_PAINTS)
    clear = wr * 0.75
    body_h = {"sedan": 0.6, "hatchback": 0.62, "suv": 0.85, "coupe": 0.5}[style]
    body = rounded_box((length, body_h, width), 0.12, (0, clear + body_h / 2, 0))
    cab_h = {"sedan": 0.5, "hatchback": 0.55, "suv": 0.65, "coupe": 0.42}[style]
    x0, x1, t0, t1 = {
        "sedan": (-0.28, 0.2, -0.18, 0.05),
        "hatchback": (-0.47, 0.18, -0.45, 0.0),
        "suv": (-0.47, 0.22, -0.46, 0.08),
        "coupe": (-0.3, 0.18, -0.15, 0.0),
    }[style]
    y0 = clear + body_h - 0.02
    glass = _cabin(
        x0 * length,
        x1 * length,
        t0 * length,
        t1 * length,
        y0,
        y0 + cab_h,
        width * 0.92,
        width * 0.8,
    )
    roof = _cabin(
        (t0 * length) - 0.02,
        t1 * length + 0.02,
        t0 * length + 0.05,
        t1 * length - 0.05,
        y0 + cab_h - 0.03,
        y0 + cab_h + 0.05,
        width * 0.82,
        width * 0.76,
    )
    wb = length * 0.62
    tyres, hubs = _wheels([-wb / 2, wb / 2], width - 0.22, wr, 0.22)
    lights_f = [
        box((0.08, 0.12, 0.3), (length / 2 - 0.03, clear + body_h * 0.65, sz * (width / 2 - 0.25)))
        for sz in (-1, 1)
    ]
    lights_r = [
        box((0.08, 0.1, 0.35), (-length / 2 + 0.03, clear + body_h * 0.7, sz * (width / 2 - 0.25)))
        for sz in (-1, 1)
    ]
    bumpers = [
        box((0.12, 0.16, width * 0.96), (sx * (length / 2 - 0.02), clear + 0.08, 0))
        for sx in (-1, 1)
    ]
    parts = [
        Part("body", union([body, roof]), paint),
        Part("windows", glass, M.get("blue glass")),
        Part("wheels", union(tyres), M.get("rubber")),
        Part("hubcaps", union(hubs), M.get("chrome")),
        Part("headlights", union(lights_f), M.get("cream plastic")),
        Part("taillights", union(lights_r), M.get("red plastic")),
        Part("bumpers", union(bumpers), M.get("black plastic")),
    ]
    nouns = {
        "sedan": ("sedan", "saloon car"),
        "hatchback": ("hatchback",),
        "suv": ("SUV", "off-road vehicle"),
        "coupe": ("coupe", "sports car"),
    }[style]
    traits = Traits(
        primary="body",
        counts={"wheel": 4},
        features=(),
        styles=("modern",),
        accents=(),
        nouns=nouns + ("automobile",),
    )
    return Shape("car", None, p.done(), parts, traits)


def make_truck(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A truck: cab, chassis and a box, flatbed, tanker or dump body, on 2-3 axles.

    Parameters: ``body`` (box, flatbed, tanker, dump), ``length``, ``axles`` (2-3),
    ``cab_paint``, ``body_paint``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("body", ("box", "flatbed", "tanker", "dump"))
    length = p.uniform("length", 5.5, 9.0)
    axles = p.integer("axles", 2, 3)
    cab_paint = p.material("cab_paint", _CAR_PAINTS)
    body_paint = p.material(
        "body_paint",
        M.names("paint", ("white", "grey", "red", "blue", "yellow", "orange", "green"))
        + ("aluminium", "steel"),
    )
    width = 2.4
    wr = 0.5
    frame_y = wr + 0.1
    chassis = box((length, 0.3, width * 0.7), (0, frame_y, 0))
    cab_len = 2.1
    cab_x = length / 2 - cab_len / 2
    cab = rounded_box((cab_len, 2.2, width), 0.15, (cab_x, frame_y + 1.15, 0))
    windshield = box((0.1, 0.8, width * 0.85), (length / 2 + 0.01, frame_y + 1.75, 0))
    side_windows = box((0.9, 0.6, width + 0.04), (cab_x + 0.3, frame_y + 1.75, 0))
    bed_len = length - cab_len - 0.2
    bed_x = -length / 2 + bed_len / 2
    bed_y = frame_y + 0.12
    if kind == "box":
        cargo = slab((bed_len, 2.6, width), (bed_x, bed_y, 0))
    elif kind == "flatbed":
        cargo = union(
            [
                slab((bed_len, 0.2, width), (bed_x, bed_y, 0)),
                slab((0.1, 1.0, width), (bed_x + bed_len / 2 - 0.05, bed_y, 0)),
            ]
        )
    elif kind == "tanker":
        tank = rod(
            (bed_x - bed_len / 2 + 0.1, bed_y + 1.1, 0),
            (bed_x + bed_len / 2 - 0.1, bed_y + 1.1, 0),
            1.05,
            segments=28,
        )
        caps = [
            ellipsoid((0.3, 1.05, 1.05), (bed_x + sx * (bed_len / 2 - 0.1), bed_y + 1.1, 0), 24)
            for sx in (-1, 1)
        ]
        saddles = [
            slab((0.3, 0.4, width * 0.7), (bed_x + sx * bed_len * 0.3, bed_y - 0.05, 0))
            for sx in (-1, 1)
        ]
        cargo = union([tank, *caps, *saddles])
    else:
        cargo = difference(
            slab((bed_len, 1.2, width), (bed_x, bed_y, 0)),
            [slab((bed_len - 0.2, 1.2, width - 0.2), (bed_x, bed_y + 0.15, 0))],
        )
    gap = (length - 3.2) / max(axles - 1, 1)
    xs = [length / 2 - 1.2] + [length / 2 - 1.2 - 2.0 - i * min(1.4, gap) for i in range(axles - 1)]
    tyres, hubs = _wheels(xs, width - 0.3, wr, 0.35)
    axle_rods = [
        rod((x, wr, -(width - 0.3) / 2), (x, wr, (width - 0.3) / 2), 0.09, segments=10) for x in xs
    ]
    parts = [
        Part("cab", union([cab, chassis, *axle_rods]), cab_paint),
        Part("windows", union([windshield, side_windows]), M.get("blue glass")),
        Part("cargo", cargo, body_paint),
        Part("wheels", union(tyres), M.get("rubber")),
        Part("hubcaps", union(hubs), M.get("steel")),
    ]
    nouns = {
        "box": ("box truck", "lorry", "delivery truck"),
        "flatbed": ("flatbed truck", "lorry"),
        "tanker": ("tanker truck", "tanker"),
        "dump": ("dump truck", "tipper truck"),
    }[kind]
    traits = Traits(
        primary="cab",
        counts={"wheel": 2 * axles, "axle": axles},
        features=(),
        styles=("industrial",),
        accents=("cargo",) if body_paint.name != cab_paint.name else (),
        nouns=nouns,
    )
    return Shape("truck", None, p.done(), parts, traits)
