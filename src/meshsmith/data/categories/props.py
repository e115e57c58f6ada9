"""Props: barrel, crate, chest, sign, fence."""

from __future__ import annotations

from typing import Any

import numpy as np

from meshsmith.data import materials as M
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import (
    box,
    cylinder,
    difference,
    extrude_side,
    lathe,
    rod,
    slab,
    sphere,
    union,
)

_DARK_METALS = ("iron", "steel", "bronze", "brass", "black painted metal")


def make_barrel(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A wooden (or steel drum) barrel: bulging staves, metal hoops, inset lid.

    Parameters: ``kind`` (wooden, drum), ``height``, ``radius``, ``bulge``, ``hoops`` (2-4),
    ``material``, ``hoop_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("wooden", "drum"), (3, 1))
    height = p.uniform("height", 0.6, 1.0)
    radius = p.uniform("radius", 0.28, 0.38) * height
    bulge = p.uniform("bulge", 0.08, 0.18) if kind == "wooden" else p.uniform("bulge", 0.0, 0.0)
    hoops = p.integer("hoops", 2, 4)
    mat = p.material(
        "material",
        M.WOODS
        if kind == "wooden"
        else M.names("metal", ("red", "blue", "green", "yellow", "black", "orange")),
    )
    hoop_mat = p.material("hoop_material", _DARK_METALS if kind == "wooden" else (mat.name,))
    t = np.linspace(0.0, 1.0, 13)
    r = radius * (1.0 + bulge * np.sin(np.pi * t))
    y = height * t
    lid = 0.02
    prof = np.vstack(
        [
            [0, lid],
            [r[0] - 0.03, lid],
            [r[0] - 0.03, 0.0],
            np.column_stack([r, y]),
            [r[-1] - 0.03, height],
            [r[-1] - 0.03, height - lid],
            [0, height - lid],
        ]
    )
    body = lathe(prof, 32)
    ys = {2: (0.15, 0.85), 3: (0.1, 0.5, 0.9), 4: (0.08, 0.3, 0.7, 0.92)}[hoops]
    bands = []
    for f in ys:
        rr = float(np.interp(f, t, r))
        bands.append(
            cylinder(
                rr + 0.006,
                0.035 if kind == "wooden" else 0.015,
                (0, height * f - 0.0175, 0),
                segments=32,
            )
        )
    parts = [Part("body", body, mat), Part("hoops", union(bands), hoop_mat)]
    nouns = ("cask", "keg") if kind == "wooden" else ("oil drum", "steel drum")
    traits = Traits(
        primary="body",
        counts={"hoop": hoops},
        features=(),
        styles=("rustic",) if kind == "wooden" else ("industrial",),
        accents=("hoops",) if kind == "wooden" else (),
        nouns=nouns,
    )
    return Shape("barrel", None, p.done(), parts, traits)


def make_crate(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A wooden crate: planked box with proud edge frames and optional diagonal braces.

    Parameters: ``width``, ``height``, ``depth``, ``planks`` (2-6 per side), ``braces``,
    ``material``.
    """
    p = ParamDraw(rng, overrides)
    width = p.uniform("width", 0.35, 0.9)
    height = p.uniform("height", 0.3, 0.8)
    depth = p.uniform("depth", 0.35, 0.8)
    planks = p.integer("planks", 2, 6)
    braces = p.flag("braces", 0.5)
    mat = p.material("material", M.WOODS)
    f = 0.05
    core = box((width - 0.02, height - 0.02, depth - 0.02), (0, height / 2, 0))
    grooves = []
    for i in range(1, planks):
        yy = height * i / planks
        grooves.append(box((width + 0.1, 0.008, depth - 2 * f), (0, yy, 0)))
        grooves.append(box((width - 2 * f, 0.008, depth + 0.1), (0, yy, 0)))
    core = difference(core, grooves)
    edges = []
    for sx in (-1, 1):
        for sz in (-1, 1):
            edges.append(
                box(
                    (f, height, f), (sx * (width / 2 - f / 2), height / 2, sz * (depth / 2 - f / 2))
                )
            )
    for sy in (0, 1):
        yy = f / 2 + sy * (height - f)
        for sz in (-1, 1):
            edges.append(box((width, f, f), (0, yy, sz * (depth / 2 - f / 2))))
        for sx in (-1, 1):
            edges.append(box((f, f, depth), (sx * (width / 2 - f / 2), yy, 0)))
    if braces:
        for sz in (-1, 1):
            length = float(np.hypot(width - 2 * f, height - 2 * f))
            ang = np.degrees(np.arctan2(height - 2 * f, width - 2 * f))
            edges.append(
                box((length, f * 0.9, f * 0.6), (0, 0, 0))
                .rotate((0, 0, ang))
                .translate((0, height / 2, sz * (depth / 2 - f * 0.25)))
            )
    parts = [Part("panels", core, mat), Part("frame", union(edges), M.tinted(mat, 0.85))]
    traits = Traits(
        primary="panels",
        counts={},
        features=("with braces",) if braces else (),
        styles=("rustic",),
        accents=(),
        nouns=("wooden box", "shipping crate"),
    )
    return Shape("crate", None, p.done(), parts, traits)


def make_chest(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A chest: box with a domed or flat lid, metal bands, lock plate, side handles.

    Parameters: ``width``, ``depth``, ``height``, ``lid`` (domed, flat), ``bands`` (0-3),
    ``material``, ``metal_material``.
    """
    p = ParamDraw(rng, overrides)
    width = p.uniform("width", 0.5, 1.1)
    depth = p.uniform("depth", 0.55, 0.7) * width
    height = p.uniform("height", 0.55, 0.75) * depth + 0.1
    lid = p.choice("lid", ("domed", "flat"))
    bands = p.integer("bands", 0, 3)
    mat = p.material("material", M.WOODS + M.names("leather", ("brown", "tan", "black")))
    metal = p.material("metal_material", ("iron", "brass", "gold", "bronze", "steel"))
    base_h = height * 0.65
    base = slab((width, base_h, depth), (0, 0, 0))
    lid_h = height - base_h
    if lid == "domed":
        a = np.linspace(0, np.pi, 17)
        outline = np.column_stack([(depth / 2 + 0.006) * np.cos(a), lid_h * np.sin(a)])
        top = (
            extrude_side(outline, width + 0.012)
            .rotate((0, 90, 0))
            .translate((0, base_h - 0.001, 0))
        )
    else:
        top = slab((width + 0.02, lid_h, depth + 0.02), (0, base_h - 0.001, 0))
    parts = [Part("body", union([base, top]), mat)]
    straps = []
    xs = np.linspace(-width / 2 + 0.1, width / 2 - 0.1, bands) if bands > 1 else np.zeros(bands)
    for x in xs:
        band = box((0.04, base_h, depth + 0.02), (x, base_h / 2, 0))
        if lid == "domed":
            a = np.linspace(0, np.pi, 17)
            outline = np.column_stack(
                [(depth / 2 + 0.012) * np.cos(a), (lid_h + 0.008) * np.sin(a)]
            )
            cap = extrude_side(outline, 0.04).rotate((0, 90, 0)).translate((x, base_h - 0.002, 0))
        else:
            cap = slab((0.04, lid_h + 0.008, depth + 0.034), (x, base_h - 0.002, 0))
        straps += [band, cap]
    lock = box((0.07, 0.09, 0.02), (0, base_h, depth / 2 + 0.005))
    grips = [
        rod(
            (sx * (width / 2 + 0.005), base_h * 0.65, -0.06),
            (sx * (width / 2 + 0.005), base_h * 0.65, 0.06),
            0.012,
            segments=8,
        )
        for sx in (-1, 1)
    ]
    parts.append(Part("metalwork", union(straps + [lock] + grips), metal))
    counts = {"band": bands} if bands else {}
    features = ("with a domed lid",) if lid == "domed" else ("with a flat lid",)
    traits = Traits(
        primary="body",
        counts=counts,
        features=features + ("with a lock",),
        styles=("rustic",) if metal.name == "iron" else (),
        nouns=("treasure chest", "trunk") if lid == "domed" else ("trunk", "storage chest"),
    )
    return Shape("chest", None, p.done(), parts, traits)


def _arrow(length: float, height: float, point: float) -> np.ndarray:
    """(5, 2) side outline of an arrow board pointing +x, its tail at x = 0."""
    return np.array(
        [
            [0, -height / 2],
            [length - point, -height / 2],
            [length, 0],
            [length - point, height / 2],
            [0, height / 2],
        ]
    )


def make_sign(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A sign: a signpost with 1-3 arrow boards, or a notice board on two posts.

    Parameters: ``kind`` (signpost, board), ``height``, ``arrows`` (1-3), ``board_width``,
    ``material``, ``board_material``.
    """
    p = ParamDraw(rng, overrides)
    kind = p.choice("kind", ("signpost", "board"))
    height = p.uniform("height", 1.4, 2.2) if kind == "signpost" else p.uniform("height", 1.0, 1.8)
    arrows = p.integer("arrows", 1, 3) if kind == "signpost" else p.integer("arrows", 0, 0)
    board_w = p.uniform("board_width", 0.5, 1.2)
    post_mat = p.material("material", M.WOODS + ("steel", "green painted metal"))
    board_mat = p.material(
        "board_material",
        M.WOODS + M.names("paint", ("white", "green", "blue", "red", "yellow", "brown")),
    )
    parts = []
    counts: dict[str, int] = {}
    if kind == "signpost":
        post = slab((0.09, height, 0.09), (0, 0, 0))
        boards = []
        for i in range(arrows):
            y = height - 0.15 - i * 0.2
            direction = 1 if i % 2 == 0 else -1
            arrow = extrude_side(_arrow(board_w * (0.8 + 0.1 * i), 0.14, 0.12), 0.03).translate(
                (-0.1, y, 0.055)
            )
            arrow = arrow if direction == 1 else arrow.mirror((1, 0, 0))
            boards.append(arrow.rotate((0, 35.0 * i, 0)))
        parts = [
            Part("post", union([post, sphere(0.06, (0, height, 0), 12)]), post_mat),
            Part("arrows", union(boards), board_mat),
        ]
        counts["arrow"] = arrows
        nouns = ("signpost", "direction sign", "waymarker")
    else:
        bh = board_w * 0.6
        posts = [slab((0.07, height, 0.07), (sx * (board_w / 2 - 0.02), 0, 0)) for sx in (-1, 1)]
        board = box((board_w + 0.05, bh, 0.03), (0, height - bh / 2 - 0.05, 0.045))
        roof = box((board_w + 0.2, 0.03, 0.2), (0, height + 0.01, 0.03))
        parts = [Part("posts", union(posts + [roof]), post_mat), Part("board", board, board_mat)]
        counts["post"] = 2
        nouns = ("notice board", "sign board")
    traits = Traits(
        primary=parts[1].name,
        counts=counts,
        features=(),
        styles=("rustic",) if post_mat.family == "wood" else (),
        accents=(parts[0].name,) if post_mat.name != board_mat.name else (),
        nouns=nouns,
    )
    return Shape("sign", None, p.done(), parts, traits)


def make_fence(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A fence section: posts, horizontal rails and optional pickets.

    Parameters: ``style`` (picket, rail, paling), ``length``, ``height``, ``posts`` (2-5),
    ``rails`` (2-3), ``material``.
    """
    p = ParamDraw(rng, overrides)
    style = p.choice("style", ("picket", "rail", "paling"))
    length = p.uniform("length", 1.5, 3.0)
    height = p.uniform("height", 0.8, 1.5)
    posts = p.integer("posts", 2, 5)
    rails = p.integer("rails", 2, 3)
    mat = p.material(
        "material", M.WOODS + M.names("paint", ("white", "green", "brown", "red")) + ("iron",)
    )
    post_w = 0.08 if mat.family != "metal" else 0.05
    xs = np.linspace(-length / 2, length / 2, posts)
    post_solids = [slab((post_w, height + 0.05, post_w), (x, 0, 0)) for x in xs]
    ys = np.linspace(height * 0.25, height * 0.85, rails)
    rail_solids = [
        box((length + post_w, 0.06 if style == "rail" else 0.045, 0.03), (0, y, post_w / 2 + 0.01))
        for y in ys
    ]
    parts = [Part("posts", union(post_solids), mat), Part("rails", union(rail_solids), mat)]
    counts = {"post": posts, "rail": rails}
    if style in ("picket", "paling"):
        pw = 0.07 if style == "picket" else 0.1
        gap = 0.05 if style == "picket" else 0.015
        n = int(length / (pw + gap))
        xs_p = (
            -length / 2 + (length - n * (pw + gap) + gap) / 2 + pw / 2 + np.arange(n) * (pw + gap)
        )
        top = height * 0.95
        outline = (
            np.array(
                [
                    [-pw / 2, 0.05],
                    [pw / 2, 0.05],
                    [pw / 2, top - pw * 0.6],
                    [0, top],
                    [-pw / 2, top - pw * 0.6],
                ]
            )
            if style == "picket"
            else np.array([[-pw / 2, 0.05], [pw / 2, 0.05], [pw / 2, top], [-pw / 2, top]])
        )
        pickets = [extrude_side(outline, 0.02, (x, 0, post_w / 2 + 0.03)) for x in xs_p]
        parts.append(Part("pickets", union(pickets), mat))
        counts["picket"] = n
    nouns = {
        "picket": ("picket fence",),
        "rail": ("rail fence", "split-rail fence"),
        "paling": ("paling fence", "fence panel"),
    }[style]
    traits = Traits(
        primary="posts",
        counts=counts,
        features=(),
        styles=("rustic",) if mat.family == "wood" and style == "rail" else (),
        accents=(),
        nouns=nouns,
    )
    return Shape("fence", None, p.done(), parts, traits)
