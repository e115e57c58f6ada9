"""Every procedural category, by id, and the seeded entry point `generate`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from meshsmith.data.captions import captions_for
from meshsmith.data.categories import (
    buildings,
    containers,
    craft,
    furniture,
    lighting,
    machines,
    nature,
    props,
    seating,
    storage,
    tableware,
    vehicles,
    weapons,
)
from meshsmith.data.shape import Shape
from meshsmith.errors import InputError


@dataclass(frozen=True)
class CategorySpec:
    """A category: its generator, family and plausible size.

    ``size_range`` bounds the largest bounding-box extent in metres; every generated
    shape lies inside it and captions' size words ("small", "tall") are relative to it.
    """

    make: Callable[..., Shape]
    family: str
    size_range: tuple[float, float]


SPECS: dict[str, CategorySpec] = {
    "chair": CategorySpec(seating.make_chair, "furniture", (0.7, 1.15)),
    "stool": CategorySpec(seating.make_stool, "furniture", (0.38, 0.85)),
    "bench": CategorySpec(seating.make_bench, "furniture", (1.0, 2.05)),
    "sofa": CategorySpec(seating.make_sofa, "furniture", (0.8, 3.2)),
    "table": CategorySpec(furniture.make_table, "furniture", (0.42, 2.0)),
    "desk": CategorySpec(furniture.make_desk, "furniture", (1.0, 1.6)),
    "bed": CategorySpec(furniture.make_bed, "furniture", (2.0, 2.3)),
    "bookshelf": CategorySpec(storage.make_bookshelf, "furniture", (0.6, 2.1)),
    "cabinet": CategorySpec(storage.make_cabinet, "furniture", (0.5, 1.25)),
    "wardrobe": CategorySpec(storage.make_wardrobe, "furniture", (1.7, 2.25)),
    "lamp": CategorySpec(lighting.make_lamp, "lighting", (0.4, 1.85)),
    "desk_lamp": CategorySpec(lighting.make_desk_lamp, "lighting", (0.3, 0.8)),
    "candle": CategorySpec(lighting.make_candle, "lighting", (0.06, 0.45)),
    "lantern": CategorySpec(lighting.make_lantern, "lighting", (0.2, 0.5)),
    "mug": CategorySpec(tableware.make_mug, "tableware", (0.09, 0.16)),
    "cup": CategorySpec(tableware.make_cup, "tableware", (0.08, 0.22)),
    "bowl": CategorySpec(tableware.make_bowl, "tableware", (0.12, 0.33)),
    "plate": CategorySpec(tableware.make_plate, "tableware", (0.18, 0.33)),
    "bottle": CategorySpec(containers.make_bottle, "tableware", (0.12, 0.36)),
    "vase": CategorySpec(containers.make_vase, "tableware", (0.15, 0.5)),
    "teapot": CategorySpec(tableware.make_teapot, "tableware", (0.15, 0.4)),
    "jar": CategorySpec(containers.make_jar, "tableware", (0.08, 0.26)),
    "barrel": CategorySpec(props.make_barrel, "props", (0.6, 1.0)),
    "crate": CategorySpec(props.make_crate, "props", (0.35, 0.9)),
    "chest": CategorySpec(props.make_chest, "props", (0.5, 1.15)),
    "sign": CategorySpec(props.make_sign, "props", (1.0, 2.3)),
    "fence": CategorySpec(props.make_fence, "props", (1.5, 3.1)),
    "sword": CategorySpec(weapons.make_sword, "weapons", (0.5, 1.6)),
    "axe": CategorySpec(weapons.make_axe, "weapons", (0.35, 1.25)),
    "hammer": CategorySpec(weapons.make_hammer, "weapons", (0.28, 1.0)),
    "shield": CategorySpec(weapons.make_shield, "weapons", (0.5, 1.45)),
    "bow": CategorySpec(weapons.make_bow, "weapons", (0.8, 1.95)),
    "tree": CategorySpec(nature.make_tree, "nature", (2.8, 9.5)),
    "pine": CategorySpec(nature.make_pine, "nature", (2.8, 12.2)),
    "bush": CategorySpec(nature.make_bush, "nature", (0.45, 3.0)),
    "rock": CategorySpec(nature.make_rock, "nature", (0.12, 2.1)),
    "mushroom": CategorySpec(nature.make_mushroom, "nature", (0.04, 0.34)),
    "cactus": CategorySpec(nature.make_cactus, "nature", (0.2, 5.7)),
    "house": CategorySpec(buildings.make_house, "buildings", (6.0, 14.0)),
    "hut": CategorySpec(buildings.make_hut, "buildings", (3.0, 6.5)),
    "tower": CategorySpec(buildings.make_tower, "buildings", (9.0, 28.0)),
    "well": CategorySpec(buildings.make_well, "buildings", (1.8, 3.2)),
    "car": CategorySpec(vehicles.make_car, "vehicles", (3.6, 5.1)),
    "truck": CategorySpec(vehicles.make_truck, "vehicles", (5.5, 9.4)),
    "boat": CategorySpec(craft.make_boat, "vehicles", (2.5, 15.0)),
    "airplane": CategorySpec(craft.make_airplane, "vehicles", (7.0, 60.0)),
    "rocket": CategorySpec(craft.make_rocket, "vehicles", (8.0, 40.0)),
    "drone": CategorySpec(machines.make_drone, "machines", (0.18, 1.2)),
    "robot": CategorySpec(machines.make_robot, "machines", (0.34, 2.1)),
}

#: Category id -> generator ``make(rng, **overrides) -> Shape``.
CATEGORIES: dict[str, Callable[..., Shape]] = {name: spec.make for name, spec in SPECS.items()}


def generate(category: str, seed: int, **overrides: Any) -> Shape:
    """Build one shape of ``category`` from ``seed`` (same seed and overrides, same shape).

    Raises
    ------
    InputError
        For an unknown category or an invalid override.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"seed must be a non-negative integer, got {seed!r}")
    spec = SPECS.get(category)
    if spec is None:
        raise InputError(f"unknown category {category!r}; choose from {', '.join(sorted(SPECS))}")
    shape = spec.make(np.random.default_rng([int(seed), 0]), **overrides)
    shape.seed = int(seed)
    # Captions draw from their own stream so that caption changes never move the geometry.
    shape.captions = captions_for(shape, np.random.default_rng([int(seed), 1]), spec.size_range)
    return shape
