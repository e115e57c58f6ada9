"""One latent's field, sampled on the extraction grid and kept for texture baking.

Marching cubes needs the signed distance on a grid; baking needs the material
and the surface normal under ~600k texels. The field MLP returns both in one
pass, so every grid sample is kept with all its outputs, and texels take the
trilinear interpolation of their cell's corners instead of a query of their own.
The triplane field varies on the scale of a plane cell (1/32 of the box here),
several extraction voxels, so interpolation loses next to nothing while baking
a 1024² atlas costs a few thousand extra queries instead of 600k.

Frame: the model's normalised frame; the grid is the cube ``[-bound, bound]^3``
with ``resolution`` cells per side, exactly the finest grid `extract_mesh`
builds for these bounds (a cube whose side is a whole number of coarse cells).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

#: Field outputs kept per grid point: sdf, albedo r g b (linear), roughness, metallic.
CHANNELS = 6
_CORNERS = np.array(list(itertools.product((0, 1), repeat=3)), dtype=np.int64)  # (8, 3)
_AXES = np.eye(3, dtype=np.int64)


class GridField:
    """The field of one latent on a cubic grid, evaluated lazily and cached.

    Parameters
    ----------
    query : callable
        ``query(points (n, 3) float32) -> (n, 6) float32``: sdf (negative inside),
        linear albedo, roughness and metallic at points of the normalised frame.
    bound : float
        Half side of the grid's cube.
    resolution : int
        Cells per side; grid points are ``-bound + index * 2 * bound / resolution``.
    """

    def __init__(
        self, query: Callable[[np.ndarray], np.ndarray], bound: float, resolution: int
    ) -> None:
        self.query = query
        self.bound = float(bound)
        self.resolution = int(resolution)
        self.spacing = 2.0 * self.bound / self.resolution
        self.evaluations = 0
        side = self.resolution + 1
        self._slot = np.full(side**3, -1, dtype=np.int32)
        self._chunks: list[np.ndarray] = []
        self._rows = 0
        self._table = np.zeros((0, CHANNELS), dtype=np.float32)

    @property
    def bounds(self) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
        """The cube as `extract_mesh` takes it."""
        low, high = -self.bound, self.bound
        return (low, low, low), (high, high, high)

    # -- extraction ----------------------------------------------------------------------
    def sdf(self, points: np.ndarray) -> np.ndarray:
        """Signed distance ``(n,) float32`` at grid points ``(n, 3)`` (`extract_mesh`'s field).

        Every point `extract_mesh` asks for lies on this grid (coarser levels are
        subsets of the finest), so each answer is kept for `sample`.
        """
        index = self._grid_index(points)
        return self._values_at(self._linear(index))[:, 0]

    # -- baking --------------------------------------------------------------------------
    def sample(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Material and SDF gradient at arbitrary points, by trilinear interpolation.

        Corners (and their neighbours, for central differences) that extraction
        did not evaluate are queried now. The corners' features go into a dense
        block of the grid just big enough to hold them, which ``grid_sample``
        interpolates for all points at once; points outside the cube take the
        value on its boundary.

        Parameters
        ----------
        points : (n, 3) float, normalised frame

        Returns
        -------
        values : (n, 6) float32
            sdf, linear albedo (3), roughness, metallic.
        gradient : (n, 3) float32
            Gradient of the sdf (not normalised; outward where the field is a distance).
        """
        import torch
        import torch.nn.functional as F

        local = (np.asarray(points, dtype=np.float64) + self.bound) / self.spacing
        local = np.clip(local, 0.0, self.resolution)
        cell = np.minimum(local.astype(np.int64), self.resolution - 1)
        cells, _ = self._distinct(self._linear(cell))
        nodes, _ = self._distinct(self._linear(self._unravel(cells)[:, None, :] + _CORNERS))
        index = self._unravel(nodes)
        low = index.min(axis=0, initial=self.resolution)
        span = np.maximum(index.max(axis=0, initial=0) - low, 1)  # cells of the block per axis
        block = np.zeros((CHANNELS + 3, *(span + 1)), dtype=np.float32)
        inside = index - low
        block[:, inside[:, 0], inside[:, 1], inside[:, 2]] = self._node_features(nodes).T
        # grid_sample's (x, y, z) index the block's last, middle and first axes;
        # align_corners maps -1 and 1 onto its first and last nodes.
        where = ((local - low) * (2.0 / span) - 1.0)[:, ::-1].astype(np.float32)
        with torch.inference_mode():
            out = F.grid_sample(
                torch.from_numpy(block)[None],
                torch.from_numpy(np.ascontiguousarray(where)).view(1, 1, 1, -1, 3),
                mode="bilinear",
                padding_mode="border",
                align_corners=True,
            )[0, :, 0, 0].T.numpy()
        return np.ascontiguousarray(out[:, :CHANNELS]), np.ascontiguousarray(out[:, CHANNELS:])

    def _node_features(self, nodes: np.ndarray) -> np.ndarray:
        """Values and central-difference sdf gradient ``(k, 9)`` at grid nodes ``(k,)``."""
        index = self._unravel(nodes)
        values = self._values_at(nodes)
        gradient = np.empty((len(nodes), 3), dtype=np.float32)
        for axis in range(3):
            ahead = np.minimum(index + _AXES[axis], self.resolution)
            behind = np.maximum(index - _AXES[axis], 0)
            span = (ahead[:, axis] - behind[:, axis]) * self.spacing
            rise = self._values_at(self._linear(ahead))[:, 0]
            rise -= self._values_at(self._linear(behind))[:, 0]
            gradient[:, axis] = rise / span
        return np.concatenate([values, gradient], axis=1)

    # -- storage -------------------------------------------------------------------------
    def _values_at(self, nodes: np.ndarray) -> np.ndarray:
        """Outputs ``(..., 6)`` at linear node indices, querying the unknown ones."""
        flat = nodes.reshape(-1)
        # A repeated node is queried twice and keeps the later row: harmless, and
        # cheaper than deduplicating every extraction batch.
        missing = flat[self._slot[flat] < 0]
        if len(missing):
            values = np.asarray(self.query(self._points(missing)), dtype=np.float32)
            self._slot[missing] = np.arange(self._rows, self._rows + len(missing))
            self._chunks.append(values.reshape(len(missing), CHANNELS))
            self._rows += len(missing)
            self.evaluations += len(missing)
        if self._chunks and len(self._table) < self._rows:
            self._table = np.concatenate([self._table, *self._chunks])
            self._chunks = []
        return self._table[self._slot[flat]].reshape(*nodes.shape, CHANNELS)

    def _distinct(self, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct node indices and, for each input, its position among them.

        A mark-and-lookup pass over the grid: linear time, unlike ``np.unique``'s sort.
        """
        mark = np.zeros(self._slot.size, dtype=bool)
        mark[nodes] = True
        distinct = np.flatnonzero(mark)
        position = np.empty(self._slot.size, dtype=np.int64)
        position[distinct] = np.arange(len(distinct))
        return distinct, position[nodes]

    def _grid_index(self, points: np.ndarray) -> np.ndarray:
        local = (np.asarray(points, dtype=np.float64) + self.bound) / self.spacing
        index = np.rint(local).astype(np.int64)
        if np.abs(local - index).max(initial=0.0) > 1e-3 or (
            len(index) and (index.min() < 0 or index.max() > self.resolution)
        ):
            raise ValueError("points do not lie on this field's grid")
        return index

    def _points(self, nodes: np.ndarray) -> np.ndarray:
        """Positions ``(k, 3) float32`` of linear node indices, as `extract_mesh` makes them."""
        return (-self.bound + self._unravel(nodes) * self.spacing).astype(np.float32)

    def _linear(self, index: np.ndarray) -> np.ndarray:
        side = self.resolution + 1
        return (index[..., 0] * side + index[..., 1]) * side + index[..., 2]

    def _unravel(self, nodes: np.ndarray) -> np.ndarray:
        side = self.resolution + 1
        return np.stack([nodes // (side * side), (nodes // side) % side, nodes % side], axis=-1)
