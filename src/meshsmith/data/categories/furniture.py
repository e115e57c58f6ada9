"""Furniture to sit at or lie on: table, desk, bed."""

from __future__ import annotations

from typing import Any

import numpy as np

from meshsmith.data import materials as M
from meshsmith.data.categories.storage import BODY_FINISHES, HANDLE_METALS, front_solids, fronts
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import box, cylinder, ellipsoid, rod, rounded_box, slab, union


def make_table(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A table: dining, coffee or side table; rectangular, round or oval top.

    Parameters: ``kind`` (dining, coffee, side), ``top_shape`` (rectangle, round, oval),
    ``length``, ``width``, ``height``, ``support`` (legs, pedestal, trestle), ``legs`` (3-4),
    ``apron``, ``top_material``, ``leg_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("dining", "coffee", "side"), (3, 2, 1.5))
    top_shape = p.choice("top_shape", ("rectangle", "round", "oval"), (3, 2, 1))
    lo, hi = {"dining": (1.1, 2.0), "coffee": (0.8, 1.3), "side": (0.42, 0.6)}[kind]
    length = p.uniform("length", lo, hi)
    ratio = p.uniform("width_ratio", 0.5, 0.75)
    width = length if top_shape == "round" else length * ratio
    hlo, hhi = {"dining": (0.72, 0.78), "coffee": (0.38, 0.48), "side": (0.5, 0.65)}[kind]
    height = p.uniform("height", hlo, hhi)
    support = p.choice(
        "support", ("legs", "pedestal") if top_shape != "rectangle" else ("legs", "trestle"), (3, 1)
    )
    legs = p.integer("legs", 3, 4) if top_shape != "rectangle" else p.integer("legs", 4, 4)
    apron = p.flag("apron", 0.5)
    top_mat = p.material(
        "top_material", M.WOODS + ("marble", "clear glass", "white paint", "black paint")
    )
    leg_mat = p.material(
        "leg_material", M.WOODS + ("steel", "black painted metal", "brass", "chrome")
    )
    t = 0.02 if top_mat.family == "glass" else 0.035
    top_y = height - t
    if top_shape == "rectangle":
        top = rounded_box((length, t, width), 0.008, (0, top_y + t / 2, 0), 6)
    else:
        top = cylinder(0.5, t, (0, top_y, 0), segments=48).scale((length, 1.0, width))
    leg_r = 0.025 if leg_mat.family == "wood" else 0.016
    parts = [Part("top", top, top_mat)]
    counts: dict[str, int] = {}
    features: list[str] = []
    if support == "legs":
        if top_shape == "rectangle":
            hx, hz = length / 2 - 0.08, width / 2 - 0.07
            feet = [(sx * hx, sz * hz) for sx in (-1, 1) for sz in (-1, 1)]
        else:
            angles = np.pi / 4 + np.arange(legs) * 2 * np.pi / legs
            feet = [(0.36 * length * np.cos(a), 0.36 * width * np.sin(a)) for a in angles]
        solids = [
            rod((x, 0.0, z), (x, top_y + t / 2, z), leg_r * 0.8, leg_r, segments=10)
            for x, z in feet
        ]
        if apron and top_shape == "rectangle":
            solids += [box((2 * hx, 0.08, 0.02), (0, top_y - 0.035, sz * hz)) for sz in (-1, 1)]
            solids += [box((0.02, 0.08, 2 * hz), (sx * hx, top_y - 0.035, 0)) for sx in (-1, 1)]
        parts.append(Part("legs", union(solids), leg_mat))
        counts["leg"] = len(feet)
    elif support == "pedestal":
        col = cylinder(0.05, top_y + 0.01, (0, 0, 0), segments=20)
        foot = cylinder(min(length, width) * 0.3, 0.04, (0, 0, 0), min(length, width) * 0.22, 32)
        parts.append(Part("base", union([col, foot]), leg_mat))
        features.append("on a pedestal base")
    else:
        ends = [
            slab((0.06, top_y + 0.01, width * 0.75), (sx * (length / 2 - 0.2), 0, 0))
            for sx in (-1, 1)
        ]
        feet_bars = [
            slab((0.1, 0.05, width * 0.85), (sx * (length / 2 - 0.2), 0, 0)) for sx in (-1, 1)
        ]
        beam = box((length - 0.4, 0.07, 0.05), (0, 0.25, 0))
        parts.append(Part("trestles", union(ends + feet_bars + [beam]), leg_mat))
        features.append("with trestle legs")
    nouns = {
        "dining": ("dining table",),
        "coffee": ("coffee table",),
        "side": ("side table", "end table"),
    }[kind]
    styles = (
        ("modern",)
        if leg_mat.family == "metal"
        else (("rustic",) if top_mat.name == "weathered wood" else ())
    )
    shape_word = {"rectangle": "rectangular", "round": "round", "oval": "oval"}[top_shape]
    traits = Traits(
        primary="top",
        counts=counts,
        features=tuple(features),
        styles=styles + (shape_word,),
        accents=(parts[1].name,) if leg_mat.name != top_mat.name else (),
        nouns=nouns,
    )
    return Shape("table", None, p.done(), parts, traits)


def make_desk(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A desk: top on one or two drawer pedestals (or legs), with handles.

    Parameters: ``width``, ``depth``, ``height``, ``pedestals`` (0-2), ``drawers`` (per
    pedestal, 2-4), ``handle`` (knob, bar), ``material``, ``handle_material``, ``leg_material``.
    """
    p = ParamDraw(rng, overrides)
    width = p.uniform("width", 1.0, 1.6)
    depth = p.uniform("depth", 0.55, 0.8)
    height = p.uniform("height", 0.72, 0.77)
    pedestals = p.choice("pedestals", (0, 1, 2), (1, 3, 2))
    drawers = p.integer("drawers", 2, 4)
    handle = p.choice("handle", ("knob", "bar"))
    body = p.material("material", BODY_FINISHES)
    metal = p.material("handle_material", HANDLE_METALS)
    leg_mat = p.material("leg_material", ("steel", "black painted metal", "chrome"))
    t = 0.035
    top = box((width, t, depth), (0, height - t / 2, 0))
    ped_w = 0.4
    solids, fronts_all = [top], []
    for i in range(pedestals):
        x = (width / 2 - ped_w / 2) * (1 if i == 0 else -1)
        solids.append(slab((ped_w, height - t + 0.005, depth - 0.04), (x, 0, -0.01)))
        column = fronts(ped_w, 0.05, height - t, 0, drawers, 1)
        fronts_all += [(fx + x, fy, fw, fh) for fx, fy, fw, fh in column]
    panels, handles = front_solids(fronts_all, depth / 2 - 0.03, handle, vertical=False)
    parts = [Part("body", union(solids + panels), body)]
    legs = []
    if pedestals < 2:
        xs = (-width / 2 + 0.05,) if pedestals == 1 else (-width / 2 + 0.05, width / 2 - 0.05)
        legs = [
            slab((0.04, height - t + 0.005, 0.04), (x, 0, sz * (depth / 2 - 0.05)))
            for x in xs
            for sz in (-1, 1)
        ]
        parts.append(Part("legs", union(legs), leg_mat))
    if handles:
        parts.append(Part("handles", union(handles), metal))
    counts = {"drawer": drawers * pedestals} if pedestals else {}
    traits = Traits(
        primary="body",
        counts=counts,
        features=() if pedestals else ("without drawers",),
        styles=("modern",) if pedestals == 0 else (),
        accents=("legs",) if legs else (),
        nouns=("writing desk",) if pedestals == 0 else ("office desk",),
    )
    return Shape("desk", None, p.done(), parts, traits)


def make_bed(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A bed: frame on legs, mattress, headboard, optional footboard, pillows, blanket.

    Parameters: ``size`` (single, double, king), ``length``, ``headboard_height``,
    ``footboard``, ``pillows`` (1-2 per sleeper), ``blanket``, ``frame_material``,
    ``bedding_material``.
    """
    p = ParamDraw(rng, overrides)
    size = p.choice("size", ("single", "double", "king"))
    width = {"single": 0.95, "double": 1.45, "king": 1.85}[size] + p.uniform(
        "width_extra", 0.0, 0.1
    )
    length = p.uniform("length", 2.0, 2.2)
    head_h = p.uniform("headboard_height", 0.8, 1.3)
    footboard = p.flag("footboard", 0.4)
    pillows = p.integer("pillows", 1, 1 if size == "single" else 2)
    blanket = p.flag("blanket", 0.6)
    frame = p.material(
        "frame_material", M.WOODS + M.names("paint", ("white", "black", "grey")) + ("iron",)
    )
    bedding = p.material(
        "bedding_material",
        M.names(
            "fabric", ("white", "cream", "light blue", "grey", "beige", "navy", "pink", "green")
        ),
    )
    rail_y, rail_h = 0.18, 0.2
    rails = box((width, rail_h, length), (0, rail_y + rail_h / 2, 0))
    legs = [
        slab((0.07, rail_y + 0.01, 0.07), (sx * (width / 2 - 0.04), 0, sz * (length / 2 - 0.04)))
        for sx in (-1, 1)
        for sz in (-1, 1)
    ]
    head = box((width + 0.06, head_h, 0.06), (0, head_h / 2, -length / 2 - 0.02))
    frame_solids = [rails, *legs, head]
    features = []
    if footboard:
        frame_solids.append(box((width + 0.06, 0.55, 0.05), (0, 0.275, length / 2 + 0.015)))
        features.append("with a footboard")
    parts = [Part("frame", union(frame_solids), frame)]
    mat_h = 0.22
    mat_y = rail_y + rail_h - 0.05
    mattress = rounded_box((width - 0.04, mat_h, length - 0.04), 0.05, (0, mat_y + mat_h / 2, 0))
    parts.append(
        Part(
            "mattress",
            mattress,
            M.get("white fabric") if bedding.name != "white fabric" else M.get("cream fabric"),
        )
    )
    n = pillows if size == "single" else 2 * pillows - (1 if pillows == 1 else 0)
    n = max(1, min(n, 2))
    pw = (width - 0.1) / n
    top = mat_y + mat_h
    pills = [
        ellipsoid(
            (pw / 2 - 0.03, 0.07, 0.19),
            (-width / 2 + 0.05 + pw * (i + 0.5), top + 0.04, -length / 2 + 0.25),
            16,
        )
        for i in range(n)
    ]
    parts.append(Part("pillows", union(pills), bedding))
    if blanket:
        parts.append(
            Part(
                "blanket",
                box(
                    (width + 0.02, 0.05, length * 0.62),
                    (0, top - 0.01, length / 2 - length * 0.31 - 0.02),
                ),
                bedding,
            )
        )
        features.append("with a blanket")
    nouns = {
        "single": ("single bed",),
        "double": ("double bed",),
        "king": ("king-size bed", "double bed"),
    }[size]
    traits = Traits(
        primary="frame",
        counts={"pillow": n},
        features=("with a headboard", *features),
        styles=(),
        accents=("pillows",),
        nouns=nouns,
    )
    return Shape("bed", None, p.done(), parts, traits)
