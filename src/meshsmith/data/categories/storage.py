"""Storage furniture: bookshelf, cabinet, wardrobe; door and drawer fronts shared with desks."""

from __future__ import annotations

from typing import Any

import numpy as np
from manifold3d import Manifold

from meshsmith.data import materials as M
from meshsmith.data.materials import Material
from meshsmith.data.params import ParamDraw
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import box, cylinder, slab, sphere, union

HANDLE_METALS = ("steel", "brass", "chrome", "iron", "black painted metal")
BODY_FINISHES = M.WOODS + M.names(
    "paint", ("white", "black", "grey", "navy", "dark green", "light blue", "cream", "red")
)


def fronts(
    width: float, y0: float, y1: float, z: float, rows: int, cols: int, gap: float = 0.006
) -> list[tuple[float, float, float, float]]:
    """(x, y, w, h) centres and sizes of a grid of door or drawer fronts on a face."""
    w = (width - gap * (cols + 1)) / cols
    h = (y1 - y0 - gap * (rows + 1)) / rows
    return [
        (-width / 2 + gap + w / 2 + c * (w + gap), y0 + gap + h / 2 + r * (h + gap), w, h)
        for r in range(rows)
        for c in range(cols)
    ]


def front_solids(
    fronts: list[tuple[float, float, float, float]], z: float, handle: str, vertical: bool
) -> tuple[list[Manifold], list[Manifold]]:
    """Front panels proud of a face at ``z`` and a handle on each (knob or bar)."""
    panels, handles = [], []
    for i, (x, y, w, h) in enumerate(fronts):
        panels.append(box((w, h, 0.03), (x, y, z + 0.005)))
        hz = z + 0.02
        if vertical:
            side = 1 if i % 2 == 0 else -1
            hx, hy = x + side * (w / 2 - 0.05), y
        else:
            hx, hy = x, y + h * 0.15
        if handle == "knob":
            handles.append(sphere(0.016, (hx, hy, hz + 0.012), 12))
        elif vertical:
            handles.append(box((0.015, min(0.25, h * 0.4), 0.03), (hx, hy, hz + 0.01)))
        else:
            handles.append(box((min(0.2, w * 0.45), 0.015, 0.03), (hx, hy, hz + 0.01)))
    return panels, handles


def make_bookshelf(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A bookshelf: two sides, top, bottom, ``shelves`` storage levels, optional back and books.

    Parameters: ``height``, ``width``, ``depth``, ``shelves`` (2-7), ``back``, ``books``,
    ``material``, ``book_colour``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 0.8, 2.1)
    width = p.uniform("width", 0.6, 1.2)
    depth = p.uniform("depth", 0.25, 0.38)
    max_levels = int(np.clip(height / 0.3, 2, 7))
    shelves = p.integer("shelves", 2, max_levels, valid=(2, 7))
    back = p.flag("back", 0.7)
    books = p.flag("books", 0.6)
    body = p.material("material", BODY_FINISHES)
    book_mat = p.material(
        "book_colour",
        M.names("paint", ("red", "blue", "green", "burgundy", "navy", "cream", "orange")),
    )
    t = 0.022
    base_h = 0.06
    sides = [slab((t, height, depth), (sx * (width / 2 - t / 2), 0, 0)) for sx in (-1, 1)]
    level_h = (height - base_h - t) / shelves
    boards = [
        box((width - t, t, depth - 0.005), (0, base_h + i * level_h + t / 2, 0))
        for i in range(shelves + 1)
    ]
    solids = sides + boards + [slab((width - t, base_h, 0.02), (0, 0, depth / 2 - 0.02))]
    if back:
        solids.append(box((width - t, height - 0.01, 0.01), (0, height / 2, -depth / 2 + 0.005)))
    parts = [Part("frame", union(solids), body)]
    features: list[str] = ["with a back panel"] if back else ["open-backed"]
    if books:
        brng = np.random.default_rng([int(shelves), int(height * 1000), int(width * 1000)])
        vols = []
        inner = width - 2 * t
        for i in range(shelves):
            y0 = base_h + i * level_h + t
            x = -inner / 2 + 0.01
            fill = brng.uniform(0.3, 0.9) * inner
            while x < -inner / 2 + fill:
                w = brng.uniform(0.02, 0.045)
                h = min(level_h - t - 0.02, brng.uniform(0.16, 0.26))
                d = min(depth - 0.03, brng.uniform(0.14, 0.2))
                vols.append(
                    box((w, h, d), (x + w / 2, y0 + h / 2 - 0.002, -depth / 2 + 0.015 + d / 2))
                )
                x += w + 0.002
        parts.append(Part("books", union(vols), book_mat))
        features.append("filled with books")
    traits = Traits(
        primary="frame",
        counts={"shelf": shelves},
        features=tuple(features),
        styles=(),
        accents=(),
        nouns=("bookcase", "shelving unit"),
    )
    return Shape("bookshelf", None, p.done(), parts, traits)


def _storage(
    height: float,
    width: float,
    depth: float,
    doors: int,
    drawers: int,
    body: Material,
    metal: Material,
    handle: str,
    feet: str,
) -> tuple[list[Part], list[str]]:
    """Carcass with doors above (side by side) and drawers below (stacked), on feet or a plinth."""
    foot_h = 0.08 if feet == "legs" else 0.0
    carcass = slab((width, height - foot_h, depth), (0, foot_h, 0))
    solids = [carcass]
    if feet == "plinth":
        solids[0] = union(
            [
                slab((width, height - 0.07, depth), (0, 0.07, 0)),
                slab((width - 0.04, 0.075, depth - 0.04), (0, 0, -0.01)),
            ]
        )
    y0 = foot_h + (0.07 if feet == "plinth" else 0.0)
    drawer_h = min(0.18, (height - y0) * 0.3) * drawers if doors else (height - y0 - 0.02)
    fronts_d = fronts(width, y0, y0 + drawer_h, 0, drawers, 1) if drawers else []
    fronts_o = (
        fronts(width, y0 + drawer_h if drawers else y0, height - 0.02, 0, 1, doors) if doors else []
    )
    z = depth / 2
    pd, hd = front_solids(fronts_d, z, handle, vertical=False)
    po, ho = front_solids(fronts_o, z, handle, vertical=True)
    parts = [Part("body", union(solids + pd + po), body), Part("handles", union(hd + ho), metal)]
    if feet == "legs":
        fx, fz = width / 2 - 0.04, depth / 2 - 0.04
        parts.append(
            Part(
                "legs",
                union(
                    [
                        cylinder(0.022, foot_h + 0.01, (sx * fx, 0, sz * fz), 0.016, 10)
                        for sx in (-1, 1)
                        for sz in (-1, 1)
                    ]
                ),
                metal if metal.family == "metal" else body,
            )
        )
    return parts, ["on legs"] if feet == "legs" else []


def make_cabinet(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A cabinet or chest of drawers: doors and/or drawers with handles.

    Parameters: ``layout`` (doors, drawers, mixed), ``height``, ``width``, ``depth``,
    ``doors`` (1-2), ``drawers`` (1-5), ``handle`` (knob, bar), ``feet`` (legs, plinth),
    ``material``, ``handle_material``.
    """
    p = ParamDraw(rng, overrides)
    layout = p.choice("layout", ("doors", "drawers", "mixed"))
    height = p.uniform("height", 0.6, 1.25)
    width = p.uniform("width", 0.5, 1.2)
    depth = p.uniform("depth", 0.35, 0.5)
    doors = p.integer("doors", 1, 2) if layout != "drawers" else p.integer("doors", 0, 0)
    drawers = p.integer("drawers", *{"doors": (0, 0), "drawers": (3, 5), "mixed": (1, 2)}[layout])
    handle = p.choice("handle", ("knob", "bar"))
    feet = p.choice("feet", ("legs", "plinth"))
    body = p.material("material", BODY_FINISHES)
    metal = p.material("handle_material", HANDLE_METALS)
    parts, feat = _storage(height, width, depth, doors, drawers, body, metal, handle, feet)
    counts = {k: v for k, v in (("door", doors), ("drawer", drawers)) if v}
    nouns = ("chest of drawers", "dresser") if layout == "drawers" else ("cupboard",)
    traits = Traits(
        primary="body",
        counts=counts,
        features=tuple(feat),
        styles=(),
        accents=("handles",) if handle == "bar" else (),
        nouns=nouns,
    )
    return Shape("cabinet", None, p.done(), parts, traits)


def make_wardrobe(rng: np.random.Generator, **overrides: Any) -> Shape:
    """A tall wardrobe: 2-3 doors, optional drawers below, cornice on top.

    Parameters: ``height``, ``width``, ``depth``, ``doors`` (2-3), ``drawers`` (0-2),
    ``handle``, ``feet``, ``material``, ``handle_material``.
    """
    p = ParamDraw(rng, overrides)
    height = p.uniform("height", 1.7, 2.2)
    width = p.uniform("width", 0.9, 1.6)
    depth = p.uniform("depth", 0.5, 0.62)
    doors = p.integer("doors", 2, 3)
    drawers = p.integer("drawers", 0, 2)
    handle = p.choice("handle", ("knob", "bar"))
    feet = p.choice("feet", ("legs", "plinth"))
    body = p.material("material", BODY_FINISHES)
    metal = p.material("handle_material", HANDLE_METALS)
    parts, feat = _storage(height, width, depth, doors, drawers, body, metal, handle, feet)
    cornice = slab((width + 0.04, 0.05, depth + 0.03), (0, height - 0.01, 0.0))
    parts[0] = Part("body", union([parts[0].manifold, cornice]), body)
    counts = {k: v for k, v in (("door", doors), ("drawer", drawers)) if v}
    traits = Traits(
        primary="body",
        counts=counts,
        features=tuple(feat),
        styles=(),
        accents=(),
        nouns=("armoire", "closet"),
    )
    return Shape("wardrobe", None, p.done(), parts, traits)
