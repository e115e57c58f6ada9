"""Reconstruction metrics against hand-computed values (Occupancy Networks convention)."""

from __future__ import annotations

import math

import igl
import numpy as np
import pytest
import trimesh
from scipy.spatial.distance import cdist

from meshsmith.eval.nearest import PointTree, spatial_order, zorder
from meshsmith.eval.reconstruction import (
    THRESHOLDS,
    Candidate,
    Reference,
    compare_meshes,
    compare_to_reference,
    fscore_key,
    occupancy,
    own_box_key,
    point_metrics,
    volumetric_iou,
)

POINTS = 100_000
# Nearest-sample distances overshoot distances to the surface by about half the
# sample spacing: sqrt(area 6 / 100k points) / 2 ~ 0.004 for the unit cube.
SPACING = 0.004


def _cube(shift: float = 0.0) -> trimesh.Trimesh:
    cube = trimesh.creation.box((1.0, 1.0, 1.0))
    cube.apply_translation((shift, 0.0, 0.0))
    return cube


def _shifted_cube_means(d: float) -> tuple[float, float]:
    """Mean distance and mean squared distance from the unit cube's surface to the
    surface of the same cube moved by d along x (d <= 0.5), by integrating face by face.

    - face x = -0.5 lies outside the moved cube, at distance d from its face;
    - face x = +0.5 lies inside it, at distance min(d, 0.5 - |y|, 0.5 - |z|), whose
      integral over the face is 4 ∫_0^d (a - t)^2 dt (a = 0.5) and that of its square
      8 ∫_0^d t (a - t)^2 dt;
    - the four side faces touch the moved cube except for a strip of width d, where
      the distance grows linearly from 0 to d.
    """
    a = 0.5
    inside = 4.0 * (a**3 - (a - d) ** 3) / 3.0
    inside_sq = 8.0 * (a**2 * d**2 / 2.0 - 2.0 * a * d**3 / 3.0 + d**4 / 4.0)
    mean = (d + inside + 4.0 * d**2 / 2.0) / 6.0
    mean_sq = (d**2 + inside_sq + 4.0 * d**3 / 3.0) / 6.0
    return mean, mean_sq


def test_identical_cubes_are_a_perfect_match():
    metrics = compare_meshes(_cube(), _cube(), points=20_000)
    assert metrics["chamfer_l1"] == 0.0 and metrics["chamfer_l2"] == 0.0
    assert metrics["accuracy"] == 0.0 and metrics["completeness"] == 0.0
    for tau in THRESHOLDS:
        assert metrics[fscore_key(tau)] == 1.0
    assert metrics["normal_consistency"] == pytest.approx(1.0)
    assert metrics["iou"] == 1.0


def test_shifted_cube_matches_the_integrated_distances():
    d = 0.2
    metrics = compare_meshes(_cube(), _cube(d), points=POINTS)
    mean, mean_sq = _shifted_cube_means(d)
    assert mean == pytest.approx(0.0684444, abs=1e-6)  # the formula itself, by hand
    # By symmetry accuracy and completeness are equal, so CD-L1 = the mean distance.
    for key in ("accuracy", "completeness", "chamfer_l1"):
        assert metrics[key] == pytest.approx(mean, abs=SPACING)
    assert metrics["chamfer_l2"] == pytest.approx(mean_sq, abs=5e-4)
    # Share of points within τ < d of the other cube: a band of the inner face, the
    # overlap of the four side faces and a band of width τ beyond it.
    for tau in (0.05, 0.1):
        share = (1.0 - (1.0 - 2.0 * tau) ** 2 + 4.0 * (1.0 - d + tau)) / 6.0
        assert metrics[fscore_key(tau)] == pytest.approx(share, abs=0.01)
    assert metrics["iou"] == pytest.approx((1.0 - d) / (1.0 + d), abs=0.01)


def test_concentric_spheres_are_the_radius_gap_apart():
    inner = trimesh.creation.icosphere(subdivisions=5, radius=0.5)
    outer = trimesh.creation.icosphere(subdivisions=5, radius=0.54)
    metrics = compare_meshes(inner, outer, points=POINTS)
    assert metrics["chamfer_l1"] == pytest.approx(0.04, abs=1e-3)
    assert metrics["chamfer_l2"] == pytest.approx(0.04**2, abs=1e-4)  # ½(d² + d²)
    assert metrics[fscore_key(0.02)] == 0.0
    assert metrics[fscore_key(0.05)] == 1.0
    assert metrics["normal_consistency"] > 0.999
    assert metrics["iou"] == pytest.approx((0.5 / 0.54) ** 3, abs=0.01)


def test_metrics_are_measured_in_the_reference_unit_box():
    a, b = _cube(), _cube(0.2)
    base = compare_meshes(a, b, points=20_000)
    similarity = trimesh.transformations.scale_and_translate(7.5, (3.0, -2.0, 10.0))
    a.apply_transform(similarity)
    b.apply_transform(similarity)
    moved = compare_meshes(a, b, points=20_000)
    for key, value in base.items():
        assert moved[key] == pytest.approx(value, abs=1e-9), key


def test_own_box_forgives_size_and_position_only():
    # A cube twice as big and moved: the right shape, wrong size and place.
    a = _cube()
    b = _cube()
    b.apply_transform(trimesh.transformations.scale_and_translate(2.0, (3.0, 1.0, -2.0)))
    metrics = compare_to_reference(Reference.from_mesh(a, 20_000), b, own_box=True)
    assert metrics[own_box_key("chamfer_l1")] < 1e-12
    assert metrics[own_box_key("chamfer_l2")] < 1e-24
    for tau in THRESHOLDS:
        assert metrics[own_box_key(fscore_key(tau))] == 1.0
    assert metrics[own_box_key("normal_consistency")] == pytest.approx(1.0)
    assert metrics[own_box_key("iou")] == 1.0
    # In A's frame B is 2 sides long, 3 sides away: far off, no overlap.
    assert metrics["chamfer_l1"] > 2.0 and metrics["iou"] == 0.0
    assert metrics[fscore_key(0.1)] == 0.0
    plain = {key for key in metrics if not key.endswith("_ownbox")}
    assert set(metrics) == plain | {own_box_key(key) for key in plain}


def test_own_box_is_the_stated_transform():
    # x' = c_A + (L_A / L_B)(x - c_B), then A's unit box: a 2x1x1 box scaled by 3 and
    # moved scores in its own box as the hand-placed 1x0.5x0.5 box scores in A's frame.
    a = _cube()
    b = trimesh.creation.box((2.0, 1.0, 1.0))
    b.apply_transform(trimesh.transformations.scale_and_translate(3.0, (5.0, -1.0, 2.0)))
    low, high = b.bounds
    placed = b.copy()
    placed.apply_translation(-(low + high) / 2.0)
    placed.apply_scale(1.0 / (high - low).max())
    own = compare_to_reference(Reference.from_mesh(a, 20_000), b, own_box=True)
    by_hand = compare_meshes(a, placed, points=20_000)
    for key, value in by_hand.items():
        assert own[own_box_key(key)] == pytest.approx(value, abs=1e-9), key
    # The placed box covers a 1 x 0.5 x 0.5 slab of the unit cube: IoU 1/4.
    assert own[own_box_key("iou")] == pytest.approx(0.25, abs=0.01)
    assert own["iou"] == 0.0


def test_a_prepared_candidate_scores_like_its_mesh_against_every_reference():
    # One candidate prepared once (as the evaluation does for a training shape that a
    # baseline returns for many test shapes) gives each reference the numbers the
    # mesh itself gives, in A's frame and in its own box.
    b = trimesh.creation.box((2.0, 1.0, 0.5))
    b.apply_translation((0.3, 0.25, 0.0))
    candidate = Candidate.from_mesh(b, 20_000)
    for a in (_cube(), trimesh.creation.icosphere(subdivisions=2, radius=0.7), _cube(0.4)):
        reference = Reference.from_mesh(a, 20_000)
        direct = compare_to_reference(reference, b, own_box=True)
        prepared = compare_to_reference(reference, candidate, own_box=True)
        assert prepared == direct
    assert 0.0 < direct["iou"] < 1.0 and 0.0 < direct[own_box_key("iou")] < 1.0
    with pytest.raises(ValueError, match="20000 points"):
        compare_to_reference(Reference.from_mesh(_cube(), 10_000), candidate)


def test_point_metrics_hand_computed():
    ref = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    ref_normals = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    cand = np.array([[0.0, 0.0, 0.1]])
    cand_normals = np.array([[0.0, 0.6, 0.8]])
    m = point_metrics(ref, ref_normals, cand, cand_normals, thresholds=(0.05, 0.2, 2.0))
    far = math.sqrt(1.0 + 0.01)
    assert m["accuracy"] == pytest.approx(0.1)
    assert m["completeness"] == pytest.approx((0.1 + far) / 2.0)
    assert m["chamfer_l1"] == pytest.approx((0.1 + (0.1 + far) / 2.0) / 2.0)
    assert m["chamfer_l2"] == pytest.approx((0.01 + (0.01 + far**2) / 2.0) / 2.0)
    # B's normal against A's nearest (0,0,1): 0.8; A's normals against B's: 0.8 and 0.
    assert m["normal_consistency"] == pytest.approx((0.8 + (0.8 + 0.0) / 2.0) / 2.0)
    assert m["fscore@0.05"] == 0.0
    assert m["fscore@0.2"] == pytest.approx(2 * 1.0 * 0.5 / 1.5)  # P = 1, R = 1/2
    assert m["fscore@2"] == 1.0


def test_iou_counts_volume_outside_the_padded_box():
    # B sticks out of [-0.55, 0.55]^3: the query box grows, so IoU stays the true ratio.
    a = _cube()
    b = trimesh.creation.box((2.0, 1.0, 1.0))
    iou = volumetric_iou((a.vertices, a.faces), (b.vertices, b.faces), count=40_000)
    assert iou == pytest.approx(0.5, abs=0.01)


def test_fast_and_exact_winding_numbers_agree():
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.5)  # 1280 faces: fast
    query = np.random.default_rng(0).uniform(-0.6, 0.6, size=(5000, 3))
    radius = np.linalg.norm(query, axis=1)
    inside = occupancy(sphere.vertices, sphere.faces, query)
    clear = np.abs(radius - 0.5) > 0.01  # away from the facets
    np.testing.assert_array_equal(inside[clear], radius[clear] < 0.5)
    small = trimesh.creation.icosphere(subdivisions=2, radius=0.5)  # 320 faces: exact
    clear = np.abs(radius - 0.5) > 0.03
    np.testing.assert_array_equal(
        occupancy(small.vertices, small.faces, query)[clear], radius[clear] < 0.5
    )


def test_occupancy_skips_only_points_that_are_outside():
    # Points outside a mesh's bounding box are not evaluated; the answers must equal
    # evaluating every point, also for an open cap (fractional winding numbers) and
    # on the fast path.
    query = np.random.default_rng(1).uniform(-0.8, 0.8, size=(20_000, 3))
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.5)
    cap = trimesh.Trimesh(sphere.vertices, sphere.faces[sphere.triangles_center[:, 2] > 0.1])
    for mesh, winding in ((cap, igl.winding_number), (sphere, igl.fast_winding_number)):
        vertices, faces = np.asarray(mesh.vertices), np.asarray(mesh.faces, dtype=np.int64)
        every = np.asarray(winding(vertices, faces, query)) > 0.5
        np.testing.assert_array_equal(occupancy(vertices, faces, query), every)
        assert 0 < every.sum() < len(query)


def test_point_tree_finds_the_nearest_points():
    rng = np.random.default_rng(2)
    points, query = rng.random((3000, 3)), rng.random((1000, 3)) * 1.4 - 0.2
    distances, indices = PointTree(points).query(query)
    full = cdist(query, points)
    np.testing.assert_allclose(distances, full.min(axis=1), atol=1e-6)
    np.testing.assert_allclose(distances, full[np.arange(len(query)), indices], rtol=1e-12)
    assert PointTree(points).query(np.zeros((0, 3)))[0].shape == (0,)
    # Points put in Z-order once are searched as given, with the same answers.
    ordered, rows = zorder(query, np.arange(len(query)))
    again, found = PointTree(points).query(ordered, ordered=True)
    np.testing.assert_array_equal(again, distances[rows])
    np.testing.assert_array_equal(found, indices[rows])


def test_spatial_order_is_a_permutation_along_the_curve():
    points = np.random.default_rng(3).random((5000, 3))
    order = spatial_order(points)
    np.testing.assert_array_equal(np.sort(order), np.arange(len(points)))
    steps = np.linalg.norm(np.diff(points[order], axis=0), axis=1)
    random_steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    assert np.median(steps) < 0.2 * np.median(random_steps)
