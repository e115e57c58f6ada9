"""Seeded lattice value noise and fractal sums, in 2-D or 3-D, optionally periodic.

Used for procedural material variation (grain, blotches, wear) and for roughening
natural shapes. Everything is vectorised over the sample axis and fully determined by
the permutation table, so the same generator state gives the same values.
"""

from __future__ import annotations

import numpy as np

_TABLE = 256


class ValueNoise:
    """Smooth value noise on an integer lattice with values in [0, 1].

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the lattice values and hash permutation.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._perm = rng.permutation(_TABLE).astype(np.int64)
        self._values = rng.random(_TABLE)

    def __call__(self, coords: np.ndarray, period: int | None = None) -> np.ndarray:
        """Noise at ``coords`` (n, d) float, d in {2, 3}; returns (n,) float in [0, 1].

        With ``period`` the lattice wraps every ``period`` units on every axis, which
        makes tileable textures.
        """
        x = np.asarray(coords, dtype=float)
        base = np.floor(x)
        frac = x - base
        base = base.astype(np.int64)
        fade = frac * frac * (3.0 - 2.0 * frac)
        d = x.shape[1]
        # Each corner's hash chains through the axes in order, so corners that share
        # their first axes share those lookups: 2 + 4 + 8 instead of 8 * 3 in 3-D.
        hashes = {(): np.zeros(x.shape[0], dtype=np.int64)}
        for k in range(d):
            lower = base[:, k] if period is None else base[:, k] % period
            upper = base[:, k] + 1 if period is None else (base[:, k] + 1) % period
            hashes = {
                bits + (bit,): self._perm[(h + cell) & (_TABLE - 1)]
                for bits, h in hashes.items()
                for bit, cell in ((0, lower), (1, upper))
            }
        weights = [(1.0 - fade[:, k], fade[:, k]) for k in range(d)]
        out = np.zeros(x.shape[0])
        for bits, h in sorted(hashes.items(), key=lambda item: item[0][::-1]):
            weight = weights[0][bits[0]]
            for k in range(1, d):
                weight = weight * weights[k][bits[k]]
            out += weight * self._values[h]
        return out

    def fbm(self, coords: np.ndarray, octaves: int = 4, period: int | None = None) -> np.ndarray:
        """Fractal sum of ``octaves`` noise layers (gain 1/2, lacunarity 2), in [0, 1].

        ``period`` (in units of the first octave) keeps every octave tileable.
        """
        x = np.asarray(coords, dtype=float)
        total = np.zeros(x.shape[0])
        amplitude, norm = 1.0, 0.0
        for octave in range(octaves):
            scale = float(1 << octave)
            layer_period = None if period is None else period * (1 << octave)
            total += amplitude * self(x * scale + 17.31 * octave, layer_period)
            norm += amplitude
            amplitude *= 0.5
        return total / norm
