"""Containers: bottle, vase, jar."""

from __future__ import annotations

from typing import Any

import numpy as np

from meshsmith.data import materials as M
from meshsmith.data.categories.vessels import GLAZES, handle, vessel
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import cylinder, lathe, union


def _bottle_profile(kind: str, height: float, radius: float) -> np.ndarray:
    """(n, 2) outer (radius, height) profile of a closed bottle from foot to lip."""
    neck_r = {"wine": 0.28, "beer": 0.3, "water": 0.38, "flask": 0.25}[kind] * radius
    body_f = {"wine": 0.6, "beer": 0.55, "water": 0.72, "flask": 0.35}[kind]
    yb = height * body_f
    ys_shoulder = yb + (height - yb) * np.linspace(0.0, 0.5, 6)[1:]
    s = np.linspace(0.0, 1.0, 6)[1:]
    rs_shoulder = neck_r + (radius - neck_r) * np.cos(s * np.pi / 2) ** (
        0.6 if kind != "flask" else 1.0
    )
    prof = [[0, 0], [radius * 0.96, 0], [radius, 0.006], [radius, yb]]
    prof += list(zip(rs_shoulder, ys_shoulder, strict=True))
    prof += [
        [neck_r, height - 0.012],
        [neck_r * 1.2, height - 0.01],
        [neck_r * 1.2, height],
        [0, height],
    ]
    return np.asarray(prof, dtype=float)


def make_bottle(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A bottle (wine, beer, water, flask) with a cap or cork and an optional label.

    Parameters: ``kind``, ``height``, ``radius``, ``label``, ``material``, ``cap_material``,
    ``label_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("wine", "beer", "water", "flask"))
    height = p.uniform(
        "height",
        *{"wine": (0.28, 0.34), "beer": (0.2, 0.25), "water": (0.18, 0.3), "flask": (0.12, 0.2)}[
            kind
        ],
    )
    radius = p.uniform(
        "radius",
        *{
            "wine": (0.036, 0.042),
            "beer": (0.028, 0.033),
            "water": (0.03, 0.045),
            "flask": (0.035, 0.055),
        }[kind],
    )
    label = p.flag("label", 0.6 if kind != "flask" else 0.0)
    glass_opts = {
        "wine": ("green glass", "amber glass", "clear glass"),
        "beer": ("amber glass", "green glass"),
        "water": ("clear glass", "blue glass")
        + M.names("plastic", ("light blue", "white", "blue")),
        "flask": M.GLASSES,
    }[kind]
    mat = p.material("material", glass_opts)
    cap = p.material(
        "cap_material", ("gold", "steel", "red plastic", "black plastic", "white plastic", "pine")
    )
    label_mat = p.material(
        "label_material", M.names("paint", ("white", "cream", "red", "blue", "black", "yellow"))
    )
    prof = _bottle_profile(kind, height, radius)
    neck_r = prof[-3, 0]
    parts = [Part("bottle", lathe(prof, 32), mat)]
    cap_h = 0.025 if cap.family == "wood" else 0.018
    parts.append(
        Part(
            "cork" if cap.family == "wood" else "cap",
            cylinder(neck_r * 1.3, cap_h, (0, height - cap_h * 0.6, 0), segments=20),
            cap,
        )
    )
    features: tuple[str, ...] = ()
    if label:
        yb = height * {"wine": 0.6, "beer": 0.55, "water": 0.72, "flask": 0.35}[kind]
        parts.append(
            Part(
                "label",
                cylinder(radius + 0.0008, yb * 0.45, (0, yb * 0.3, 0), segments=32),
                label_mat,
            )
        )
        features = ("with a label",)
    nouns = {
        "wine": ("wine bottle",),
        "beer": ("beer bottle",),
        "water": ("water bottle",),
        "flask": ("potion bottle", "flask"),
    }[kind]
    traits = Traits(
        primary="bottle",
        counts={},
        features=features + (("with a cork",) if cap.family == "wood" else ("with a cap",)),
        styles=(),
        accents=(),
        nouns=nouns,
    )
    return Shape("bottle", None, p.done(), parts, traits)


def make_vase(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A vase: amphora, cylinder, bulb or trumpet profile, hollow, optional handles.

    Parameters: ``style``, ``height``, ``radius``, ``handles`` (0 or 2), ``material``.
    """
    p = ParamDraw(rng, overrides)
    style = p.choice("style", ("amphora", "cylinder", "bulb", "trumpet"))
    height = p.uniform("height", 0.15, 0.5)
    radius = p.uniform("radius", 0.22, 0.38) * height
    handles = p.choice("handles", (0, 2) if style == "amphora" else (0,))
    mat = p.material("material", GLAZES + M.GLASSES + ("bronze", "marble"))
    t = np.linspace(0.0, 1.0, 14)
    if style == "amphora":
        r = np.maximum(
            0.45 + 0.55 * np.sin(np.pi * np.clip(t / 0.8, 0, 1)) ** 0.9, 0.3
        ) + 0.3 * np.clip((t - 0.85) / 0.15, 0, 1)
    elif style == "cylinder":
        r = np.ones_like(t) * 0.8 + 0.05 * t
    elif style == "bulb":
        r = np.where(
            t < 0.7,
            0.35 + 0.65 * np.sin(np.pi * np.clip(t / 0.7, 0.0, 1.0)) ** 0.8,
            0.25 + 0.1 * (t - 0.7) / 0.3,
        )
    else:
        r = 0.42 + 0.58 * t**2.2 + 0.12 * np.clip(1.0 - t / 0.08, 0.0, 1.0)
    rs, ys = radius * r, height * t
    body = vessel(rs, ys, max(0.004, radius * 0.05), radius * 0.1)
    parts = [Part("vase", body, mat)]
    features: tuple[str, ...] = ()
    if handles:
        r_hi, r_lo = np.interp([height * 0.86, height * 0.55], ys, rs)
        hs = [
            handle(r_hi, r_lo, height * 0.86, height * 0.55, radius * 0.35, radius * 0.06, angle)
            for angle in (0.0, 180.0)
        ]
        parts.append(Part("handles", union(hs), mat))
        features = ("with two handles",)
    style_words = {
        "amphora": ("classical",),
        "cylinder": ("modern", "minimalist"),
        "bulb": (),
        "trumpet": ("modern",),
    }[style]
    traits = Traits(
        primary="vase",
        counts={"handle": handles} if handles else {},
        features=features,
        styles=style_words,
        accents=(),
        nouns=("amphora",) if style == "amphora" else ("flower vase",),
    )
    return Shape("vase", None, p.done(), parts, traits)


def make_jar(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A jar with a screw lid and an optional label.

    Parameters: ``height``, ``radius``, ``label``, ``material``, ``lid_material``,
    ``label_material``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 0.08, 0.25)
    radius = p.uniform("radius", 0.035, 0.08)
    label = p.flag("label", 0.5)
    mat = p.material(
        "material",
        (
            "clear glass",
            "green glass",
            "amber glass",
            "terracotta",
            "white ceramic",
            "blue ceramic",
        ),
    )
    lid_mat = p.material(
        "lid_material",
        ("gold", "steel", "red painted metal", "white painted metal", "pine", "walnut", "birch"),
    )
    label_mat = p.material("label_material", M.names("paint", ("white", "cream", "red", "yellow")))
    neck_r = radius * 0.85
    shoulder = height * 0.85
    a = np.linspace(0, np.pi / 2, 5)
    prof = (
        [[0, 0], [radius * 0.95, 0], [radius, 0.006]]
        + [
            [neck_r + (radius - neck_r) * np.cos(x), shoulder + (height * 0.1) * np.sin(x)]
            for x in a
        ]
        + [[neck_r, height], [0, height]]
    )
    parts = [Part("jar", lathe(np.asarray(prof), 40), mat)]
    lid_h = max(0.015, height * 0.1)
    parts.append(
        Part(
            "lid",
            cylinder(neck_r + 0.004, lid_h, (0, height - lid_h * 0.6, 0), segments=40),
            lid_mat,
        )
    )
    features: tuple[str, ...] = ("with a lid",)
    if label:
        parts.append(
            Part(
                "label",
                cylinder(radius + 0.0008, shoulder * 0.5, (0, shoulder * 0.2, 0), segments=40),
                label_mat,
            )
        )
        features += ("with a label",)
    traits = Traits(
        primary="jar",
        counts={},
        features=features,
        styles=(),
        accents=("lid",),
        nouns=("pot",) if mat.family == "ceramic" else (),
    )
    return Shape("jar", None, p.done(), parts, traits)
