"""Machines: drone, robot."""

from __future__ import annotations

from typing import Any

import numpy as np

from meshsmith.data import materials as M
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import box, cylinder, ellipsoid, rod, rounded_box, sphere, union

_SHELLS = M.names(
    "plastic", ("white", "black", "grey", "red", "yellow", "orange", "blue", "teal", "green")
)


def make_drone(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A multirotor drone on landing skids: body, 4/6/8 arms with motors and two-blade props.

    Parameters: ``rotors`` (4, 6, 8), ``span``, ``camera``, ``body_material``, ``prop_material``.
    """
    p = ParamDraw(rng, overrides)
    rotors = p.choice("rotors", (4, 6, 8), (4, 2, 1))
    span = p.uniform("span", 0.25, 1.2)
    camera = p.flag("camera", 0.6)
    body_mat = p.material("body_material", _SHELLS)
    prop_mat = p.material(
        "prop_material", ("black plastic", "grey plastic", "orange plastic", "white plastic")
    )
    s = span
    leg_h = s * 0.12
    body_y = leg_h + s * 0.04
    body = rounded_box((s * 0.3, s * 0.08, s * 0.22), s * 0.02, (0, body_y, 0))
    arm_len = s * 0.5 - s * 0.09
    arms, motors, props = [], [], []
    for k in range(rotors):
        a = 2 * np.pi * (k + 0.5) / rotors
        tip = np.array([arm_len * np.cos(a), body_y + s * 0.02, arm_len * np.sin(a)])
        arms.append(rod((0, body_y, 0), tip, s * 0.012, segments=8))
        motors.append(
            cylinder(s * 0.025, s * 0.04, (tip[0], tip[1] - s * 0.02, tip[2]), segments=12)
        )
        blade_r = min(s * 0.09, arm_len * np.sin(np.pi / rotors) * 0.95)
        blade = box((blade_r * 2, s * 0.004, s * 0.018), (0, 0, 0)).rotate(
            (0, np.degrees(a) * 2.3, 0)
        )
        props.append(
            union(
                [
                    blade.translate((tip[0], tip[1] + s * 0.025, tip[2])),
                    cylinder(
                        s * 0.008, s * 0.012, (tip[0], tip[1] + s * 0.018, tip[2]), segments=8
                    ),
                ]
            )
        )
    skids = []
    for sz in (-1, 1):
        z = sz * s * 0.1
        skids.append(
            rod((-s * 0.14, s * 0.006, z), (s * 0.14, s * 0.006, z), s * 0.006, segments=8)
        )
        for sx in (-1, 1):
            skids.append(
                rod(
                    (sx * s * 0.07, s * 0.006, z),
                    (sx * s * 0.05, body_y, z * 0.6),
                    s * 0.005,
                    segments=6,
                )
            )
    parts = [
        Part("body", union([body, *arms]), body_mat),
        Part(
            "motors",
            union(motors),
            M.get("black plastic") if body_mat.name != "black plastic" else M.get("steel"),
        ),
        Part("propellers", union(props), prop_mat),
        Part(
            "landing skids",
            union(skids),
            M.get("black plastic") if body_mat.name != "black plastic" else M.get("grey plastic"),
        ),
    ]
    features: tuple[str, ...] = ()
    if camera:
        cam = union(
            [
                sphere(s * 0.035, (s * 0.12, body_y - s * 0.05, 0), 12),
                cylinder(s * 0.01, s * 0.03, (s * 0.12, body_y - s * 0.045, 0), segments=8),
            ]
        )
        parts.append(Part("camera", cam, M.get("black plastic")))
        features = ("with a camera",)
    nouns = {4: ("quadcopter", "quadrotor"), 6: ("hexacopter",), 8: ("octocopter",)}[rotors] + (
        "UAV",
    )
    traits = Traits(
        primary="body",
        counts={"rotor": rotors, "propeller": rotors},
        features=features,
        styles=("modern", "sci-fi")
        if body_mat.name in ("white plastic", "black plastic")
        else ("modern",),
        accents=(),
        nouns=nouns,
    )
    return Shape("drone", None, p.done(), parts, traits)


def make_robot(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A toy-like robot: boxy or round torso and head, eyes, antennas, arms, legs or wheels.

    Parameters: ``height``, ``base`` (legs, wheels, tracks), ``head`` (box, dome), ``eyes`` (1-3),
    ``antennas`` (0-2), ``body_material``, ``joint_material``, ``eye_material``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 0.4, 2.0)
    base = p.choice("base", ("legs", "wheels", "tracks"))
    head = p.choice("head", ("box", "dome"))
    eyes = p.integer("eyes", 1, 3)
    antennas = p.integer("antennas", 0, 2)
    body_mat = p.material(
        "body_material",
        _SHELLS
        + ("steel", "aluminium", "brass", "copper")
        + M.names("metal", ("red", "blue", "yellow", "white")),
    )
    joint_mat = p.material("joint_material", ("black plastic", "steel", "chrome", "grey plastic"))
    eye_mat = p.material(
        "eye_material", M.names("plastic", ("light blue", "red", "yellow", "turquoise", "green"))
    )
    u = height / 1.6
    low = 0.55 * u
    counts: dict[str, int] = {"arm": 2, "eye": eyes}
    lower = []
    if base == "legs":
        for sx in (-1, 1):
            lower.append(
                box(
                    (0.14 * u, low - 0.08 * u, 0.16 * u),
                    (sx * 0.14 * u, 0.08 * u + (low - 0.08 * u) / 2, 0),
                )
            )
            lower.append(box((0.2 * u, 0.09 * u, 0.3 * u), (sx * 0.14 * u, 0.045 * u, 0.04 * u)))
        counts["leg"] = 2
    elif base == "wheels":
        lower.append(box((0.34 * u, 0.14 * u, 0.3 * u), (0, low - 0.07 * u, 0)))
        lower.append(cylinder(0.07 * u, low - 0.2 * u, (0, 0.2 * u, 0), segments=12))
        for sx in (-1, 1):
            lower.append(
                rod((sx * 0.16 * u, 0.2 * u, 0), (sx * 0.28 * u, 0.2 * u, 0), 0.2 * u, segments=20)
            )
        lower.append(rod((-0.2 * u, 0.2 * u, 0), (0.2 * u, 0.2 * u, 0), 0.05 * u, segments=10))
        counts["wheel"] = 2
    else:
        for sx in (-1, 1):
            lower.append(
                rounded_box((0.14 * u, 0.26 * u, 0.56 * u), 0.1 * u, (sx * 0.2 * u, 0.13 * u, 0))
            )
        lower.append(
            box(
                (0.4 * u, low - 0.15 * u, 0.22 * u),
                (0, 0.15 * u + (low - 0.15 * u) / 2 + 0.02 * u, 0),
            )
        )
    torso_h = 0.55 * u
    torso = rounded_box((0.5 * u, torso_h, 0.32 * u), 0.04 * u, (0, low + torso_h / 2, 0))
    neck_y = low + torso_h
    head_h = 0.3 * u
    if head == "box":
        head_solid = rounded_box(
            (0.34 * u, head_h, 0.28 * u), 0.04 * u, (0, neck_y + 0.05 * u + head_h / 2, 0)
        )
    else:
        head_solid = ellipsoid(
            (0.2 * u, head_h * 0.6, 0.18 * u), (0, neck_y + 0.05 * u + head_h * 0.4, 0), 24
        )
    neck = cylinder(0.06 * u, 0.08 * u, (0, neck_y - 0.02 * u, 0), segments=12)
    eye_y = neck_y + 0.05 * u + head_h * 0.5
    face_z = 0.14 * u if head == "box" else 0.15 * u
    xs = np.linspace(-0.08 * u, 0.08 * u, eyes) if eyes > 1 else np.zeros(1)
    eye_solids = [
        rod((x, eye_y, face_z - 0.03 * u), (x, eye_y, face_z + 0.025 * u), 0.035 * u, segments=16)
        for x in xs
    ]
    arms = []
    for sx in (-1, 1):
        sh = np.array([sx * 0.28 * u, neck_y - 0.08 * u, 0])
        hand = sh + np.array([sx * 0.06 * u, -0.4 * u, 0.08 * u])
        arms += [
            sphere(0.07 * u, tuple(sh), 12),
            rod(tuple(sh), tuple(hand), 0.045 * u, segments=10),
            sphere(0.065 * u, tuple(hand), 12),
        ]
    ant = []
    for k in range(antennas):
        x = 0.0 if antennas == 1 else (-0.1 * u if k == 0 else 0.1 * u)
        top_y = neck_y + 0.05 * u + head_h * (1.0 if head == "box" else 0.95)
        ant += [
            rod((x, top_y - 0.03 * u, 0), (x * 1.3, top_y + 0.15 * u, 0), 0.008 * u, segments=6),
            sphere(0.025 * u, (x * 1.3, top_y + 0.15 * u, 0), 8),
        ]
    parts = [
        Part("body", union([torso, head_solid, *lower]), body_mat),
        Part("joints", union([neck, *arms, *ant]) if ant else union([neck, *arms]), joint_mat),
        Part("eyes", union(eye_solids), eye_mat),
    ]
    if antennas:
        counts["antenna"] = antennas
    features = {
        "legs": ("walking on two legs",),
        "wheels": ("on wheels",),
        "tracks": ("on caterpillar tracks",),
    }[base]
    traits = Traits(
        primary="body",
        counts=counts,
        features=features,
        styles=("retro", "toy") if head == "box" else ("sci-fi",),
        accents=("eyes",),
        nouns=("android", "automaton") if base == "legs" else ("robot", "bot"),
    )
    return Shape("robot", None, p.done(), parts, traits)
