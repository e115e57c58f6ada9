"""Extracted surfaces: settled after simplifying; cleanup of floaters and strays."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import trimesh

from meshsmith.eval.stability import stability
from meshsmith.geometry import topology
from meshsmith.geometry.intersections import find_crossings
from meshsmith.models.model import THIN_OFFSET
from meshsmith.pipeline.config import GenerationConfig
from meshsmith.pipeline.field import GridField
from meshsmith.pipeline.surface import (
    STRAY_GAP,
    STRAY_RATIO,
    WHOLE_OFFSETS,
    base_share,
    clean_closed,
    drop_strays,
    extract_surface,
    extract_whole,
    flat_base,
    part_count,
    simplify_closed,
)

RADIUS = 0.25


def sphere_and_rod(points: np.ndarray) -> np.ndarray:
    """Field rows (sdf, albedo, roughness, metallic) of a sphere with a gradient of 0.5,
    like a trained field's, and a rod along +x whose field dips to +0.003 on its
    axis without crossing zero: at the zero level the rod is not there."""
    points = np.asarray(points, dtype=np.float64)
    sphere = 0.5 * (np.linalg.norm(points, axis=1) - RADIUS)
    t = np.clip(points[:, 0], 0.2, 0.5)
    axis = np.stack([t, np.zeros_like(t), np.zeros_like(t)], axis=1)
    rod = 0.5 * np.linalg.norm(points - axis, axis=1) + 0.003
    return field_rows(np.minimum(sphere, rod))


def field_rows(sdf: np.ndarray) -> np.ndarray:
    """``(n, 6)`` field rows: signed distances `sdf` beside a flat grey appearance."""
    out = np.full((len(sdf), 6), 0.5, dtype=np.float32)
    out[:, 0] = sdf
    return out


def offset_surface(query, config: GenerationConfig) -> tuple[GridField, trimesh.Trimesh]:
    """The grid of field `query` and its cleaned surface at the offset level."""
    grid = GridField(query, bound=0.55, resolution=config.resolution)
    return grid, clean_closed(extract_surface(grid, config, seed=0), grid.spacing)


def test_simplified_surface_is_settled_onto_the_zero_level():
    pytest.importorskip("embreex")
    config = GenerationConfig(resolution=64, coarse_resolution=16, faces=2000, base=0.0)
    grid, offset = offset_surface(sphere_and_rod, config)
    assert len(offset.faces) > 2 * config.faces
    mesh = simplify_closed(offset, grid, config, seed=0)
    assert len(mesh.faces) <= config.faces
    assert topology.is_closed_manifold(mesh) and mesh.body_count == 1
    assert len(find_crossings(mesh.vertices, mesh.faces)[0]) == 0
    assert mesh.bounds[1, 0] > 0.45  # the rod is whole, to its tip
    # The sphere away from the rod sits on the zero level, not at the offset level.
    far = mesh.vertices[:, 0] < 0.1
    field = sphere_and_rod(mesh.vertices[far])[:, 0]
    assert np.abs(field).max() < 0.2 * THIN_OFFSET
    before = sphere_and_rod(offset.vertices[offset.vertices[:, 0] < 0.1])[:, 0]
    assert np.abs(before).min() > 0.8 * THIN_OFFSET


def cube(side: float, centre: tuple[float, float, float]) -> trimesh.Trimesh:
    return trimesh.creation.box(extents=(side, side, side)).apply_translation(centre)


def test_small_far_groups_go_and_the_rest_stays():
    main = cube(1.0, (0, 0, 0))
    side = np.sqrt(0.5 * STRAY_RATIO)  # half the stray area limit
    far = 0.5 + 1.2 * STRAY_GAP + side / 2  # 1.2 of the main part's side away
    parts = [
        main,
        cube(side, (far, 0, 0)),  # small and far: a stray
        cube(side, (0, -0.5 - side, 0)),  # small but next to the main part
        cube(0.5, (-far - 0.25, 0, 0)),  # far but a quarter of the main part's area
        cube(side, (-far - 0.25, 0.25 + side, 0)),  # small, next to a kept far part
    ]
    mesh = trimesh.util.concatenate(parts)
    kept = drop_strays(mesh)
    assert len(kept.faces) == len(mesh.faces) - 12
    np.testing.assert_allclose(kept.bounds[1][0], 0.5)  # the stray on +x is gone
    np.testing.assert_allclose(kept.bounds[0][0], -far - 0.5)


def test_pieces_near_each_other_form_one_group():
    """Small pieces in a row, each close to the next, stay however far the row reaches."""
    side = np.sqrt(0.5 * STRAY_RATIO)
    step = side + 0.5 * STRAY_GAP
    row = [cube(side, (0.5 + side / 2 + 0.5 * STRAY_GAP + i * step, 0, 0)) for i in range(6)]
    mesh = trimesh.util.concatenate([cube(1.0, (0, 0, 0)), *row])
    assert len(drop_strays(mesh).faces) == len(mesh.faces)


def test_one_part_is_returned_as_is():
    mesh = cube(1.0, (0, 0, 0))
    assert drop_strays(mesh) is mesh


def spinning_top() -> trimesh.Trimesh:
    """A box on a downward cone: it touches the floor at the cone's apex only."""
    cone = trimesh.creation.cone(radius=0.2, height=0.3, sections=48)
    cone.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    top = trimesh.creation.box(extents=(0.4, 0.2, 0.4)).apply_translation((0, 0.1, 0))
    cone.apply_translation((0, -cone.bounds[1, 1] + 0.001, 0))
    return trimesh.boolean.union([cone, top], engine="manifold")


def test_flat_base_makes_a_pointed_bottom_stand():
    pytest.importorskip("embreex")
    mesh = spinning_top()
    assert not stability(mesh).stable  # a point contact topples
    flat = flat_base(mesh, 0.05)
    assert topology.is_closed_manifold(flat)
    assert stability(flat).stable
    low = flat.bounds[0, 1]
    assert low == pytest.approx(mesh.bounds[0, 1] + 0.05 * mesh.extents[1], abs=1e-6)
    assert (np.abs(flat.vertices[:, 1] - low) < 1e-6).sum() >= 3  # a flat face, not a point
    assert flat.bounds[1] == pytest.approx(mesh.bounds[1], abs=1e-6)  # only the bottom changes
    assert flat_base(mesh, 0.0) is mesh
    # The least trim that makes it stand; none for what stands already.
    assert 0 < base_share(mesh, 0.3) <= 0.1
    assert base_share(flat, 0.3) == 0.0
    assert base_share(mesh, 0.0) == 0.0


def three_legged_table(points: np.ndarray) -> np.ndarray:
    """Field rows of a slab on three legs with round feet, one leg 0.016 longer:
    the table touches the floor with that foot alone."""
    points = np.asarray(points, dtype=np.float64)
    q = np.abs(points - (0.0, 0.15, 0.0)) - (0.3, 0.05, 0.3)
    field = np.linalg.norm(np.maximum(q, 0.0), axis=1) + np.minimum(q.max(axis=1), 0.0)
    for x, z, bottom in ((0.2, 0.2, -0.316), (-0.2, 0.2, -0.3), (0.0, -0.2, -0.3)):
        y = np.clip(points[:, 1], bottom, 0.15)
        axis = np.stack([np.full_like(y, x), y, np.full_like(y, z)], axis=1)
        field = np.minimum(field, np.linalg.norm(points - axis, axis=1) - 0.04)
    return field_rows(0.5 * field)


def test_a_surface_that_tips_gets_the_least_base_that_stands():
    pytest.importorskip("embreex")
    config = GenerationConfig(resolution=64, coarse_resolution=16, faces=2000, base=0.05)
    grid, offset = offset_surface(three_legged_table, config)
    kept = simplify_closed(offset, grid, replace(config, base=0.0), seed=0)
    assert not stability(kept).stable
    mesh = simplify_closed(offset, grid, config, seed=0)
    assert len(mesh.faces) <= config.faces
    assert topology.is_closed_manifold(mesh) and stability(mesh).stable
    # A third of 0.05 cuts the long leg only, two thirds all three.
    trimmed = mesh.bounds[0, 1] - kept.bounds[0, 1]
    assert trimmed == pytest.approx(2 / 3 * 0.05 * kept.extents[1], abs=2e-3)
    assert (np.abs(mesh.vertices[:, 1] - mesh.bounds[0, 1]) < 1e-6).sum() >= 9


def dumbbell(points: np.ndarray) -> np.ndarray:
    """Field rows of two spheres (gradient 0.5) joined by a bar whose field bottoms
    out at +0.015 on its axis: above `THIN_OFFSET`, so the surface at that level
    leaves the spheres apart, as a desk lamp's arm was."""
    points = np.asarray(points, dtype=np.float64)
    centres = np.array([[-0.3, 0.0, 0.0], [0.3, 0.0, 0.0]])
    spheres = 0.5 * (np.linalg.norm(points[:, None] - centres[None], axis=2) - 0.15).min(axis=1)
    t = np.clip(points[:, 0], -0.3, 0.3)
    axis = np.stack([t, np.zeros_like(t), np.zeros_like(t)], axis=1)
    bar = 0.5 * np.linalg.norm(points - axis, axis=1) + 0.015
    return field_rows(np.minimum(spheres, bar))


def test_a_surface_in_pieces_is_extracted_again_higher_until_it_is_whole():
    pytest.importorskip("embreex")
    config = GenerationConfig(resolution=64, coarse_resolution=16, faces=3000, base=0.0)
    grid = GridField(dumbbell, bound=0.55, resolution=config.resolution)
    assert part_count(extract_surface(grid, config, seed=0)) == 2
    surface, offset = extract_whole(grid, config, seed=0)
    assert offset == WHOLE_OFFSETS[1] and part_count(surface) == 1
    mesh = simplify_closed(clean_closed(surface, grid.spacing), grid, config, 0, offset)
    assert topology.is_closed_manifold(mesh) and mesh.body_count == 1
    # The spheres' far sides settle back onto the zero level; the bar stays joined.
    far = np.abs(mesh.vertices[:, 0]) > 0.4
    assert np.abs(dumbbell(mesh.vertices[far])[:, 0]).max() < 0.2 * THIN_OFFSET
    middle = np.abs(mesh.vertices[:, 0]) < 0.05
    assert middle.any()


def test_a_whole_surface_keeps_the_first_offset():
    config = GenerationConfig(resolution=48, coarse_resolution=12)
    grid = GridField(sphere_and_rod, bound=0.55, resolution=config.resolution)
    surface, offset = extract_whole(grid, config, seed=0)
    assert offset == THIN_OFFSET == WHOLE_OFFSETS[0] and part_count(surface) == 1
