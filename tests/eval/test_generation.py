"""PointFlow metrics on tiny hand-made sets with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from meshsmith.eval.generation import (
    CloudDistances,
    chamfer_distance,
    chamfer_matrix,
    chamfer_to_many,
    coverage,
    earth_movers_distance,
    emd_matrix,
    generation_metrics,
    mmd,
    one_nna,
)


def _point(x: float) -> np.ndarray:
    """A one-point cloud on the x axis: CD between two is 2 (x - y)^2."""
    return np.array([[x, 0.0, 0.0]])


def test_chamfer_is_the_sum_of_mean_squared_distances():
    x = np.array([[0.0, 0, 0], [1.0, 0, 0]])
    y = np.array([[0.0, 0, 0.5]])
    # x -> y: 0.25 and 1.25 (mean 0.75); y -> x: 0.25.
    assert chamfer_distance(x, y) == pytest.approx(0.75 + 0.25)


def test_emd_is_the_mean_length_of_the_best_matching():
    x = np.array([[0.0, 0, 0], [1.0, 0, 0]])
    y = np.array([[1.0, 0, 0], [0.0, 0, 1]])
    # Matching 1->1 (0) and 0->(0,0,1) (1) beats 0->1, 1->(0,0,1) (1 + sqrt 2).
    assert earth_movers_distance(x, y) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        earth_movers_distance(x, y[:1])


def test_separated_sets():
    gen = [_point(0.0), _point(0.1)]
    ref = [_point(5.0), _point(5.1)]
    d = chamfer_matrix(gen, ref)
    np.testing.assert_allclose(d, [[50.0, 52.02], [48.02, 50.0]])
    assert mmd(d) == pytest.approx((48.02 + 50.0) / 2)  # each reference's nearest
    assert coverage(d) == 0.5  # both generated pick reference 0
    assert one_nna(chamfer_matrix(gen), chamfer_matrix(ref), d) == 1.0


def test_identical_sets():
    clouds = [_point(0.0), _point(1.0), _point(3.0)]
    same = chamfer_matrix(clouds)
    assert mmd(same) == 0.0
    assert coverage(same) == 1.0
    # Every shape's nearest other is its twin in the other set: all misclassified.
    assert one_nna(same, same, same) == 0.0


def test_interleaved_sets_give_half_one_nna():
    gen = [_point(0.0), _point(0.1), _point(10.0)]
    ref = [_point(10.05), _point(20.0), _point(20.1)]
    # 0<->0.1 and 20<->20.1 find their own set, 10<->10.05 find the other set.
    assert one_nna(chamfer_matrix(gen), chamfer_matrix(ref), chamfer_matrix(gen, ref)) == (
        pytest.approx(4 / 6)
    )


def test_emd_matrix_is_symmetric_and_subsampled():
    rng = np.random.default_rng(0)
    clouds = [rng.random((64, 3)) for _ in range(3)]
    full = emd_matrix(clouds, points=64)
    assert np.allclose(full, full.T) and np.all(np.diag(full) == 0)
    assert full[0, 1] == pytest.approx(earth_movers_distance(clouds[0], clouds[1]))
    assert emd_matrix(clouds, clouds[:2], points=64).shape == (3, 2)


def test_generation_metrics_of_a_set_against_itself():
    rng = np.random.default_rng(1)
    clouds = [rng.random((128, 3)) + i for i in range(4)]
    metrics = generation_metrics(clouds, clouds, emd_points=128)
    assert metrics["mmd-cd"] == 0.0 and metrics["mmd-emd"] == 0.0
    assert metrics["cov-cd"] == 1.0 and metrics["cov-emd"] == 1.0
    assert metrics["1nna-cd"] == 0.0


def test_chamfer_to_many_matches_pairwise():
    rng = np.random.default_rng(3)
    x = rng.random((50, 3))
    ys = rng.random((7, 40, 3))
    expected = [chamfer_distance(x, y) for y in ys]
    np.testing.assert_allclose(chamfer_to_many(x, ys, chunk=3), expected, rtol=1e-9, atol=1e-12)


def _brute_chamfer(x: np.ndarray, y: np.ndarray) -> float:
    squared = cdist(x, y) ** 2
    return float(squared.min(axis=1).mean() + squared.min(axis=0).mean())


def test_chamfer_matrix_matches_brute_force():
    rng = np.random.default_rng(5)
    xs = [rng.random((n, 3)) for n in (5, 17, 30)]
    ys = [rng.random((m, 3)) * 1.5 for m in (8, 12)]
    expected = [[_brute_chamfer(x, y) for y in ys] for x in xs]
    np.testing.assert_allclose(chamfer_matrix(xs, ys), expected, rtol=1e-12)
    own = [
        [0.0 if i == j else _brute_chamfer(x, y) for j, y in enumerate(xs)]
        for i, x in enumerate(xs)
    ]
    np.testing.assert_allclose(chamfer_matrix(xs), own, rtol=1e-12)


def test_cloud_distances_compute_each_pair_once():
    rng = np.random.default_rng(4)
    a, b, c = (rng.random((40, 3)) for _ in range(3))
    gen = [a, b, a.copy(), a]  # a recurs, as a baseline's training shape does
    ref = [b, c]
    pairs = CloudDistances(emd_points=32, seed=0)
    np.testing.assert_allclose(pairs.chamfer(gen), chamfer_matrix(gen), rtol=1e-12)
    np.testing.assert_allclose(pairs.chamfer(gen, ref), chamfer_matrix(gen, ref), rtol=1e-12)
    np.testing.assert_allclose(pairs.emd(gen), emd_matrix(gen, points=32), rtol=1e-12)
    np.testing.assert_allclose(pairs.emd(gen, ref), emd_matrix(gen, ref, points=32), rtol=1e-12)
    # Distinct clouds a, b, c: pairs ab, ac, bc, whatever the matrices asked.
    assert pairs.computed == {"cd": 3, "emd": 3}
    assert pairs.emd([c], [a])[0, 0] == pytest.approx(pairs.emd([a], [c])[0, 0])
    assert pairs.computed == {"cd": 3, "emd": 3}
