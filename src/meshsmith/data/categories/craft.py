"""Craft: boat, airplane, rocket. Boats and airplanes face +X."""

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
    ellipsoid,
    extrude_plan,
    extrude_side,
    lathe,
    rod,
    rounded_box,
    sphere,
    union,
)


def _hull_points(length: float, beam: float, depth: float, bow: float) -> np.ndarray:
    """Points of a boat hull: keel, chine and gunwale per station, narrowing to a bow at +x."""
    pts = []
    for t in np.linspace(0.0, 1.0, 9):
        x = -length / 2 + t * length
        taper = 1.0 if t < 1 - bow else max(0.0, (1 - t) / bow) ** 0.8
        w = beam / 2 * (0.85 + 0.15 * np.sin(np.pi * min(t / (1 - bow), 1.0))) * taper
        keel_y = depth * 0.35 * max(0.0, (t - (1 - bow)) / bow) ** 1.5
        pts += [
            (x, keel_y, 0.0),
            (x, depth * 0.35 + keel_y * 0.5, w * 0.85),
            (x, depth * 0.35 + keel_y * 0.5, -w * 0.85),
            (x, depth, w + 1e-3),
            (x, depth, -w - 1e-3),
        ]
    return np.array(pts)


def make_boat(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A boat: rowing boat with thwarts, motorboat with a cabin, or sailboat with mast and sail.

    Parameters: ``kind`` (rowboat, motorboat, sailboat), ``length``, ``beam_ratio``,
    ``hull_material``, ``deck_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("rowboat", "motorboat", "sailboat"))
    length = p.uniform(
        "length", *{"rowboat": (2.5, 4.0), "motorboat": (5.0, 9.0), "sailboat": (6.0, 11.0)}[kind]
    )
    beam = length * p.uniform("beam_ratio", 0.3, 0.4)
    hull_mat = p.material(
        "hull_material",
        M.WOODS[:4] + M.names("paint", ("white", "red", "blue", "green", "navy", "yellow")),
    )
    deck_mat = p.material("deck_material", ("oak", "pine", "walnut", "white paint"))
    depth = length * (0.16 if kind == "rowboat" else 0.14)
    hull = convex_hull(_hull_points(length, beam, depth, 0.3))
    parts = []
    features: list[str] = []
    counts: dict[str, int] = {}
    if kind == "rowboat":
        inner = convex_hull(_hull_points(length * 0.94, beam * 0.88, depth, 0.3)).translate(
            (0.0, depth * 0.12, 0.0)
        )
        hull = difference(hull, [inner])
        thwarts = [box((0.25, 0.04, beam * 0.9), (x * length, depth * 0.7, 0)) for x in (-0.2, 0.1)]
        oars = [
            rod(
                (-0.1 * length, depth * 0.78, sz * beam * 0.2),
                (0.35 * length, depth * 0.78, sz * beam * 0.35),
                0.025,
                segments=8,
            )
            for sz in (-1, 1)
        ]
        parts += [
            Part("hull", hull, hull_mat),
            Part("seats", union(thwarts), deck_mat),
            Part("oars", union(oars), M.get("pine")),
        ]
        counts = {"seat": 2, "oar": 2}
    else:
        # The top slice of the hull becomes the deck, so the deck is a visible surface of its own.
        deck = hull.trim_by_plane((0, 1, 0), depth * 0.9)
        hull = hull.trim_by_plane((0, -1, 0), -depth * 0.93)
        parts += [Part("hull", hull, hull_mat), Part("deck", deck, deck_mat)]
        if kind == "motorboat":
            cabin = rounded_box(
                (length * 0.35, depth * 0.9, beam * 0.6),
                0.08,
                (-length * 0.05, depth + depth * 0.4, 0),
            )
            screen = box((0.08, depth * 0.5, beam * 0.55), (length * 0.125, depth * 1.6, 0))
            parts += [
                Part("cabin", cabin, M.get("white paint")),
                Part("windshield", screen, M.get("blue glass")),
            ]
            features.append("with a cabin")
        else:
            mast_h = length * 1.2
            mast = cylinder(0.06, mast_h, (length * 0.08, depth * 0.8, 0), 0.04, 10)
            boom = rod(
                (length * 0.08, depth + 0.6, 0), (-length * 0.35, depth + 0.6, 0), 0.05, segments=8
            )
            sail = extrude_side(
                np.array(
                    [
                        [length * 0.08, depth + 0.7],
                        [-length * 0.33, depth + 0.7],
                        [length * 0.08, depth + mast_h * 0.95],
                    ]
                ),
                0.02,
            )
            parts += [
                Part(
                    "mast",
                    union([mast, boom]),
                    M.get("aluminium") if hull_mat.family != "wood" else M.get("oak"),
                ),
                Part("sail", sail, M.get("white fabric")),
            ]
            features.append("with a white sail")
            counts = {"mast": 1}
    nouns = {
        "rowboat": ("rowing boat", "dinghy"),
        "motorboat": ("motorboat", "speedboat"),
        "sailboat": ("sailboat", "sailing yacht"),
    }[kind]
    traits = Traits(
        primary="hull",
        counts=counts,
        features=tuple(features),
        styles=(),
        accents=("sail",) if kind == "sailboat" else (),
        nouns=nouns,
    )
    return Shape("boat", None, p.done(), parts, traits)


def _fuselage_radius(t: np.ndarray, radius: float) -> np.ndarray:
    """Fuselage radius at fraction ``t`` of its length from the tail (0) to the nose (1)."""
    tail = 0.35 + 0.65 * np.sin(np.clip(t / 0.7, 0, 1) * np.pi / 2) ** 0.6
    nose = np.sqrt(np.clip(1 - ((t - 0.7) / 0.3) ** 2, 0.0, 1.0)) * 0.98 + 0.02
    return radius * np.where(t < 0.7, tail, nose)


def _fuselage(length: float, radius: float) -> Manifold:
    """Streamlined body of revolution along +x from x = -length/2 (tail) to +length/2 (nose)."""
    t = np.linspace(0.0, 1.0, 17)
    prof = np.vstack(
        [[0.0, 0.0], np.column_stack([_fuselage_radius(t, radius), t * length]), [0.0, length]]
    )
    # lathe builds along +Y; turn +Y onto +X.
    return lathe(prof, 24).rotate((0.0, 0.0, -90.0)).translate((-length / 2, 0.0, 0.0))


def _wing(
    span: float, root: float, tip: float, sweep: float, thick: float, x: float, y: float
) -> Manifold:
    """Both wings as one swept trapezoid plan (x forward, z span), ``thick`` high."""
    half = span / 2
    plan = np.array(
        [[root / 2, 0.0], [-root / 2, 0.0], [-tip / 2 - sweep, half], [tip / 2 - sweep, half]]
    )
    one = extrude_plan(plan, thick, (x, y, 0.0), 1.0)
    return union([one, one.mirror((0.0, 0.0, 1.0))])


def make_airplane(rng: np.random.Generator, **overrides: Any) -> Shape:
    """An airplane on its landing gear: propeller light aircraft or jet airliner.

    Parameters: ``kind`` (light, jet), ``length``, ``span_ratio``, ``engines`` (2 or 4 for jets),
    ``paint``, ``trim``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("light", "jet"))
    length = p.uniform("length", *{"light": (7.0, 11.0), "jet": (25.0, 45.0)}[kind])
    span = length * p.uniform("span_ratio", 0.9, 1.3)
    engines = p.choice("engines", (1,) if kind == "light" else (2, 4), None)
    paint = p.material(
        "paint", M.names("paint", ("white", "white", "red", "yellow", "blue", "grey", "orange"))
    )
    trim = p.material(
        "trim", M.names("paint", ("red", "blue", "navy", "black", "yellow", "green", "orange"))
    )
    radius = length * (0.065 if kind == "jet" else 0.08)
    gear_h = radius * (1.1 if kind == "jet" else 1.3)
    cy = gear_h + radius
    body = _fuselage(length, radius).translate((0, cy, 0))
    thick = radius * 0.25
    wing_y = cy - radius * 0.55
    wings = _wing(
        span,
        length * 0.18,
        length * 0.07,
        length * (0.12 if kind == "jet" else 0.02),
        thick,
        length * 0.05,
        wing_y,
    )
    h_tail = _wing(
        span * 0.35, length * 0.1, length * 0.05, length * 0.04, thick * 0.7, -length * 0.42, cy
    )
    fin = extrude_side(
        np.array(
            [
                [-length * 0.5, 0.0],
                [-length * 0.33, 0.0],
                [-length * 0.44, radius * 2.8],
                [-length * 0.5, radius * 2.8],
            ]
        ),
        thick * 0.8,
        (0, cy + radius * 0.3, 0),
    )
    parts = [
        Part("fuselage", union([body, h_tail]), paint),
        Part("wings", wings, paint),
        Part("tail fin", fin, trim),
    ]
    gear = []
    wheel_r = gear_h * 0.28
    # Nose strut into the fuselage, main struts into the wing roots.
    for x, z, top in (
        (length * 0.33, 0.0, cy - radius * 0.5),
        (0.0, radius * 1.2, wing_y + thick / 2),
        (0.0, -radius * 1.2, wing_y + thick / 2),
    ):
        gear.append(rod((x, wheel_r, z), (x, top, z), radius * 0.08, segments=8))
        gear.append(
            rod(
                (x, wheel_r, z - wheel_r * 0.6),
                (x, wheel_r, z + wheel_r * 0.6),
                wheel_r,
                segments=16,
            )
        )
    parts.append(Part("landing gear", union(gear), M.get("rubber")))
    counts: dict[str, int] = {}
    if kind == "light":
        nose = length / 2
        hub = sphere(radius * 0.35, (nose, cy, 0), 12)
        prop = union(
            [
                hub,
                *[
                    box((0.06, radius * 3.2, 0.15), (0, 0, 0))
                    .rotate((a, 0, 0))
                    .translate((nose + 0.05, cy, 0))
                    for a in (20.0, 110.0)
                ],
            ]
        )
        canopy = ellipsoid(
            (radius * 1.2, radius * 0.7, radius * 0.7), (length * 0.15, cy + radius * 0.55, 0), 16
        )
        parts += [
            Part("propeller", prop, M.get("black plastic")),
            Part("windows", canopy, M.get("blue glass")),
        ]
        features = ("with a propeller",)
    else:
        pods = []
        zs = [span * 0.18, -span * 0.18] + ([span * 0.33, -span * 0.33] if engines == 4 else [])
        for z in zs:
            ex = length * 0.1 + length * 0.12 * abs(z) / (span / 2) * -1.0
            pods.append(
                rod(
                    (ex - radius * 1.6, wing_y - radius * 0.45, z),
                    (ex + radius * 1.2, wing_y - radius * 0.45, z),
                    radius * 0.38,
                    segments=16,
                )
            )
            pods.append(
                box((radius * 1.0, radius * 0.5, radius * 0.15), (ex, wing_y - radius * 0.1, z))
            )
        parts.append(
            Part(
                "engines",
                union(pods),
                M.get("grey paint") if paint.name != "grey paint" else M.get("white paint"),
            )
        )
        counts["engine"] = engines
        features = ()
        xs = np.linspace(-length * 0.3, length * 0.35, 14)
        rs = _fuselage_radius(xs / length + 0.5, radius)
        windows = [
            sphere(radius * 0.09, (x, cy + r * 0.35, sz * r * 0.92), 6)
            for x, r in zip(xs, rs, strict=True)
            for sz in (-1, 1)
        ]
        parts.append(Part("windows", union(windows), M.get("blue glass")))
    nouns = {
        "light": ("light aircraft", "propeller plane", "small plane"),
        "jet": ("airliner", "jet plane", "passenger jet"),
    }[kind]
    traits = Traits(
        primary="fuselage",
        counts=counts,
        features=features,
        styles=(),
        accents=("tail fin",) if trim.name != paint.name else (),
        nouns=nouns + ("aeroplane",),
    )
    return Shape("airplane", None, p.done(), parts, traits)


def make_rocket(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A rocket standing on its fins: body, nose cone, stage bands, fins, nozzle, portholes.

    Parameters: ``height``, ``radius_ratio``, ``fins`` (3-4), ``nose`` (cone, ogive),
    ``boosters`` (0, 2), ``windows`` (0-3), ``paint``, ``trim``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 8.0, 40.0)
    radius = height * p.uniform("radius_ratio", 0.05, 0.09)
    fins = p.integer("fins", 3, 4)
    nose = p.choice("nose", ("cone", "ogive"))
    boosters = p.choice("boosters", (0, 2))
    n_win = p.integer("windows", 0, 3)
    paint = p.material(
        "paint",
        M.names("paint", ("white", "white", "grey", "red", "light blue", "yellow"))
        + ("aluminium",),
    )
    trim = p.material("trim", M.names("paint", ("red", "black", "blue", "orange", "navy", "green")))
    fin_h = height * 0.18
    y0 = fin_h * 0.35
    body_h = height * 0.72 - y0
    body = cylinder(radius, body_h, (0, y0, 0), segments=32)
    nose_h = height - y0 - body_h
    t = np.linspace(0, 1, 10)
    prof_r = (
        radius * (1 - t) if nose == "cone" else radius * np.sqrt(np.clip(1 - t**2, 0, 1)) ** 0.9
    )
    nose_solid = lathe(
        np.vstack([[0, 0], np.column_stack([prof_r, t * nose_h]), [0, nose_h]]),
        32,
        (0, y0 + body_h - 0.01, 0),
    )
    bands = [
        cylinder(radius * 1.01, height * 0.03, (0, y0 + body_h * f, 0), segments=32)
        for f in (0.3, 0.75)
    ]
    fin_solids = []
    for k in range(fins):
        a = 360.0 * k / fins
        outline = np.array(
            [
                [radius * 0.6, y0 + fin_h * 1.3],
                [radius * 0.6, y0 - 0.01],
                [radius * 2.2, 0.0],
                [radius * 2.2, y0 + fin_h * 0.25],
            ]
        )
        fin_solids.append(extrude_side(outline, radius * 0.12).rotate((0, a, 0)))
    nozzle = cylinder(radius * 0.45, y0 * 0.9, (0, y0 * 0.1 + 0.01, 0), radius * 0.7, 24)
    nozzle = union([nozzle, cylinder(radius * 0.5, y0 * 0.2, (0, y0 * 0.95, 0), segments=24)])
    parts = [
        Part("body", union([body, nose_solid]), paint),
        Part("fins", union(fin_solids + bands), trim),
        Part("nozzle", nozzle, M.get("iron")),
    ]
    counts = {"fin": fins}
    features: list[str] = []
    if boosters:
        bs = []
        for sx in (-1, 1):
            bx = sx * radius * 1.45
            bs.append(cylinder(radius * 0.45, body_h * 0.55, (bx, y0, 0), segments=20))
            bs.append(cylinder(radius * 0.45, radius * 1.2, (bx, y0 + body_h * 0.55, 0), 0.0, 20))
            bs.append(
                box(
                    (radius * 0.8, radius * 0.4, radius * 0.2),
                    (sx * radius * 1.0, y0 + body_h * 0.45, 0),
                )
            )
        parts.append(
            Part(
                "boosters",
                union(bs),
                M.get("white paint") if paint.name != "white paint" else M.get("grey paint"),
            )
        )
        features.append("with two side boosters")
    if n_win:
        ports = [
            rod(
                (0, y0 + body_h * (0.55 + 0.1 * i), radius - 0.05),
                (0, y0 + body_h * (0.55 + 0.1 * i), radius + 0.04),
                radius * 0.16,
                segments=16,
            )
            for i in range(n_win)
        ]
        parts.append(Part("portholes", union(ports), M.get("blue glass")))
        counts["porthole"] = n_win
    nouns = ("space rocket", "spaceship", "launch vehicle")
    traits = Traits(
        primary="body",
        counts=counts,
        features=tuple(features),
        styles=("retro",) if nose == "ogive" and not boosters else ("sci-fi",),
        accents=("fins",),
        nouns=nouns,
    )
    return Shape("rocket", None, p.done(), parts, traits)
