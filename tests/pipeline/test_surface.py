"""Cleanup of extracted surfaces: floaters and strays."""

from __future__ import annotations

import numpy as np
import trimesh

from meshsmith.pipeline.surface import STRAY_GAP, STRAY_RATIO, drop_strays


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
