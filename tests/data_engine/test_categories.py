"""Every category: valid watertight solids on the ground, plausible size, deterministic, fast."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import trimesh

from meshsmith.data.registry import CATEGORIES, SPECS, generate

REQUIRED = [
    "chair",
    "stool",
    "table",
    "bench",
    "sofa",
    "bed",
    "bookshelf",
    "lamp",
    "mug",
    "bowl",
    "bottle",
    "vase",
    "barrel",
    "crate",
    "sword",
    "axe",
    "shield",
    "tree",
    "rock",
    "mushroom",
    "house",
    "car",
    "rocket",
    "airplane",
]


def check_shape(category: str, seed: int) -> None:
    shape = generate(category, seed)
    mesh = shape.mesh()
    where = f"{category} seed {seed}"
    assert mesh.is_watertight and mesh.is_winding_consistent, where
    assert mesh.volume > 0, where
    # Readers merge vertices by position; the merged mesh must still be a closed 2-manifold.
    merged = trimesh.Trimesh(mesh.vertices, mesh.faces)
    edges, counts = np.unique(merged.edges_sorted, axis=0, return_counts=True)
    assert len(edges) and np.all(counts == 2), f"{where}: non-manifold or open edges after merge"
    assert mesh.body_count == 1, f"{where}: {mesh.body_count} separate pieces (floating parts)"
    assert abs(mesh.bounds[0, 1]) < 1e-6, where
    lo, hi = SPECS[category].size_range
    assert lo <= mesh.extents.max() <= hi, (
        f"{where}: size {mesh.extents.max():.3f} outside {lo}..{hi}"
    )
    assert np.all(np.bincount(shape.face_parts, minlength=len(shape.parts)) > 0), (
        f"{where}: a part is buried"
    )
    json.dumps(shape.params)


def test_registry_has_the_required_categories():
    assert len(CATEGORIES) >= 30
    assert set(REQUIRED) <= set(CATEGORIES)
    for spec in SPECS.values():
        lo, hi = spec.size_range
        assert 0 < lo < hi


@pytest.mark.parametrize("category", sorted(SPECS))
def test_category_makes_valid_grounded_solids(category):
    for seed in range(3):
        check_shape(category, seed)


@pytest.mark.slow
@pytest.mark.parametrize("category", sorted(SPECS))
def test_category_many_seeds(category):
    for seed in range(3, 40):
        check_shape(category, seed)


@pytest.mark.parametrize("category", sorted(SPECS))
def test_generation_is_deterministic_per_seed(category):
    a, b, c = generate(category, 11), generate(category, 11), generate(category, 12)
    ma, mb, mc = a.mesh(), b.mesh(), c.mesh()
    assert ma.vertices.tobytes() == mb.vertices.tobytes()
    assert ma.faces.tobytes() == mb.faces.tobytes()
    assert a.face_parts.tobytes() == b.face_parts.tobytes()
    assert a.params == b.params and a.captions == b.captions
    assert ma.vertices.shape != mc.vertices.shape or not np.array_equal(ma.vertices, mc.vertices)


def test_shapes_generate_quickly():
    times = []
    for category in SPECS:
        start = time.perf_counter()
        generate(category, 5).mesh()
        times.append(time.perf_counter() - start)
    assert np.mean(times) < 0.1 and max(times) < 0.5
