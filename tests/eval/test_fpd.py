"""Fréchet point-cloud distance against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from meshsmith.eval.fpd import frechet_distance


def test_identical_sets_are_zero():
    features = np.random.default_rng(0).normal(size=(50, 16))
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-6)


def test_small_singular_sets_are_zero_too():
    features = np.random.default_rng(1).normal(size=(5, 32))  # fewer samples than dims
    assert frechet_distance(features, features) == pytest.approx(0.0, abs=1e-4)


def test_one_dimensional_closed_form():
    # (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2 with unbiased variances 2 and 8.
    a = np.array([[0.0], [2.0]])
    b = np.array([[3.0], [7.0]])
    assert frechet_distance(a, b) == pytest.approx((1.0 - 5.0) ** 2 + (2**0.5 - 8**0.5) ** 2)


def test_a_shift_costs_its_squared_length():
    features = np.random.default_rng(2).normal(size=(200, 8))
    shift = np.arange(8) * 0.1
    assert frechet_distance(features, features + shift) == pytest.approx(np.sum(shift**2))


def test_needs_two_samples():
    with pytest.raises(ValueError):
        frechet_distance(np.zeros((1, 3)), np.zeros((4, 3)))
