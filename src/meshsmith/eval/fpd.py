"""Fréchet point-cloud distance (FPD) between two sets of classifier features.

As FID (Heusel et al. 2017) and FPD (Shu et al. 2019), with features from the
evaluation classifier (`meshsmith.eval.classifier`) instead of Inception: fit a
Gaussian to each set and take the squared 2-Wasserstein distance between them,

    FPD = ||μ_g - μ_r||² + Tr(Σ_g + Σ_r - 2 (Σ_g Σ_r)^½).

Covariances are unbiased (``ddof=1``). Identical sets give 0 (up to rounding,
clipped at 0). With fewer samples than feature dimensions the covariances are
singular; the matrix square root is then taken of ``(Σ_g + εI)(Σ_r + εI)`` as in
the reference FID code. Small sets bias FPD upwards: compare values only at equal
set sizes.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

#: Ridge added to both covariances when their product's square root is not finite.
EPS = 1e-6


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """FPD between two feature sets.

    Parameters
    ----------
    features_a : (n, d) float
    features_b : (m, d) float
        n, m >= 2.

    Returns
    -------
    distance : float >= 0

    Examples
    --------
    >>> a = np.array([[0.0], [2.0]]); frechet_distance(a, a + 1.0)
    1.0
    """
    a = np.asarray(features_a, dtype=np.float64)
    b = np.asarray(features_b, dtype=np.float64)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("FPD needs at least two feature vectors in each set")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    with warnings.catch_warnings():
        # Singular covariances (small sets) are expected; the ridge below handles them.
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov_a @ cov_b)
        if not np.isfinite(root).all():
            ridge = EPS * np.eye(len(cov_a))
            root = linalg.sqrtm((cov_a + ridge) @ (cov_b + ridge))
    distance = float(
        np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(root.real)
    )
    return max(distance, 0.0)
