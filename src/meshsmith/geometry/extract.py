"""Field to mesh: coarse-to-fine sampling of an implicit field, then marching cubes.

A dense 257³ grid costs 17M field evaluations, almost all of them far from the
surface. Here the field is sampled on a coarse grid first; only cells near the
surface are subdivided, level by level (e.g. 32 → 64 → 128 → 256), and every
sample that was never evaluated takes the trilinear interpolation of its
parent level, which lies on the correct side of the surface because the parent
cell did not straddle it. Marching cubes then runs on the finest grid.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

import numpy as np
import trimesh
from scipy import ndimage
from skimage.measure import marching_cubes

from meshsmith.errors import GeometryError, InputError

Field = Callable[[np.ndarray], np.ndarray]
Bounds = tuple[tuple[float, float, float], tuple[float, float, float]]

_CORNERS = tuple(itertools.product((0, 1), repeat=3))


@dataclass(frozen=True)
class Extraction:
    """Result of `extract_mesh`.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Extracted surface in world coordinates, normals facing outward.
    evaluations : int
        Number of points at which the field was evaluated.
    dense_evaluations : int
        Number of points a dense grid at the same resolution would evaluate.
    """

    mesh: trimesh.Trimesh
    evaluations: int
    dense_evaluations: int

    @property
    def savings(self) -> float:
        """How many times fewer evaluations than the dense grid (``dense / evaluations``)."""
        return self.dense_evaluations / max(self.evaluations, 1)


@dataclass(frozen=True)
class _Grid:
    """A cubic-voxel grid: ``origin + index * spacing`` for index in ``[0, cells]``."""

    origin: np.ndarray  # (3,) float64, world position of index (0, 0, 0)
    spacing: float  # voxel edge length in world units
    cells: np.ndarray  # (3,) int, number of cells per axis

    def points(self, index: np.ndarray) -> np.ndarray:
        """World positions ``(n, 3) float32`` of grid indices ``(n, 3) int``."""
        return (self.origin + index * self.spacing).astype(np.float32)

    def cell_of(self, points: np.ndarray) -> np.ndarray:
        """Index ``(n, 3) int`` of the cell holding each point, clipped to the grid."""
        index = np.floor((np.asarray(points, dtype=np.float64) - self.origin) / self.spacing)
        return np.clip(index.astype(np.int64), 0, self.cells - 1)

    def coarser(self) -> _Grid:
        return _Grid(self.origin, self.spacing * 2.0, self.cells // 2)


def extract_mesh(
    field: Field,
    bounds: Bounds = ((-0.5, -0.5, -0.5), (0.5, 0.5, 0.5)),
    resolution: int = 256,
    level: float = 0.0,
    inside: str = "below",
    coarse_resolution: int = 32,
    batch_size: int = 262144,
    margin: int = 1,
    distance: bool | None = None,
    surface_points: np.ndarray | None = None,
) -> Extraction:
    """Extract the level set of an implicit field as a triangle mesh.

    Parameters
    ----------
    field : callable
        ``field(points) -> values`` with points ``(n, 3) float32`` in world
        coordinates and values ``(n,) float``. Called in batches.
    bounds : ((3,) float, (3,) float)
        Minimum and maximum corner of the region to sample. Voxels are cubes:
        `resolution` cells span the longest side, and a shorter side is grown
        symmetrically to a whole number of coarse cells.
    resolution : int
        Cells along the longest side of `bounds` on the finest grid.
    level : float
        Iso-value of the surface.
    inside : {"below", "above"}
        Which side of `level` is inside: "below" for a signed distance field,
        "above" for occupancy or a winding number.
    coarse_resolution : int
        Cells along the longest side on the first grid. The fine grid is
        reached by doubling, so ``resolution / coarse_resolution`` should be a
        power of two; otherwise the coarsest grid is the smallest halving of
        `resolution` that stays at or above `coarse_resolution`.
    batch_size : int
        Most points passed to `field` in one call.
    margin : int
        Cells by which the near-surface region is dilated at each level so
        that surfaces between samples of a coarse grid are still refined.
    distance : bool or None
        True when values are (approximately) distances in world units. Then a
        cell is also refined when a corner lies within half a cell diagonal of
        the surface, which catches features thinner than a coarse cell.
        None means True for ``inside="below"`` (the signed-distance convention).
    surface_points : (k, 3) float or None
        Points known to lie on or near the surface (e.g. samples of a mesh
        being rebuilt). The cells holding them are refined at every level, so
        thin parts that fall between coarse samples are not lost.

    Returns
    -------
    Extraction
        The mesh (watertight and manifold for a closed level set; surfaces
        touching `bounds` are closed by padding) and evaluation counts.

    Raises
    ------
    InputError
        For empty bounds, a non-positive resolution or an unknown `inside`.
    GeometryError
        If the field returns the wrong shape or non-finite values, or has no
        surface at `level` inside `bounds`.
    """
    if inside not in ("below", "above"):
        raise InputError(f"inside must be 'below' or 'above', got {inside!r}")
    if resolution < 2 or coarse_resolution < 1:
        raise InputError(f"resolution must be at least 2, got {resolution}")
    if distance is None:
        distance = inside == "below"
    # Work on g = ±(f - level): inside is g <= 0 whatever the field's convention.
    sign = 1.0 if inside == "below" else -1.0

    def evaluate(points: np.ndarray) -> np.ndarray:
        return sign * (_evaluate(field, points, batch_size) - level)

    grids = _grid_levels(bounds, resolution, coarse_resolution)
    grid = grids[0]
    index = np.indices(grid.cells + 1).reshape(3, -1).T
    values = evaluate(grid.points(index)).reshape(tuple(grid.cells + 1))
    known = np.ones(values.shape, dtype=bool)
    evaluations = values.size

    for fine in grids[1:]:
        # Any point of a cell is within half a diagonal of a corner (1-Lipschitz SDF).
        band = 0.5 * math.sqrt(3.0) * grid.spacing if distance else 0.0
        near = _near_surface_cells(values, band)
        if surface_points is not None and len(surface_points):
            near[tuple(grid.cell_of(surface_points).T)] = True
        if margin > 0:
            near = ndimage.binary_dilation(near, np.ones((3, 3, 3), bool), iterations=margin)
        values = _upsample(values)
        previously_known = known
        known = np.zeros(values.shape, dtype=bool)
        known[::2, ::2, ::2] = previously_known
        todo = _cell_corners(_repeat2(near)) & ~known
        index = np.argwhere(todo)
        if len(index):
            values[tuple(index.T)] = evaluate(fine.points(index))
        known |= todo
        evaluations += len(index)
        grid = fine

    mesh = _marching_cubes(values, known, grid)
    dense = int(np.prod(grid.cells + 1))
    return Extraction(mesh=mesh, evaluations=int(evaluations), dense_evaluations=dense)


def _evaluate(field: Field, points: np.ndarray, batch_size: int) -> np.ndarray:
    """Call `field` on ``(n, 3) float32`` points in batches; return ``(n,) float32``."""
    out = np.empty(len(points), dtype=np.float32)
    for start in range(0, len(points), batch_size):
        chunk = points[start : start + batch_size]
        result = np.asarray(field(chunk), dtype=np.float32).reshape(-1)
        if result.shape != (len(chunk),):
            raise GeometryError(
                f"field returned {result.size} values for {len(chunk)} points; "
                "it must return one value per point"
            )
        out[start : start + len(chunk)] = result
    if not np.isfinite(out).all():
        raise GeometryError("field returned NaN or infinite values")
    return out


def _grid_levels(bounds: Bounds, resolution: int, coarse_resolution: int) -> list[_Grid]:
    """Grids from coarsest to finest; each level halves the voxel size."""
    low, high = (np.asarray(b, dtype=np.float64) for b in bounds)
    extent = high - low
    if low.shape != (3,) or not np.all(extent > 0):
        raise InputError(f"bounds must be two 3D corners with min < max, got {bounds}")
    halvings = 0
    while resolution % (2 ** (halvings + 1)) == 0 and (
        resolution // 2 ** (halvings + 1) >= coarse_resolution
    ):
        halvings += 1
    factor = 2**halvings
    spacing = float(extent.max()) / resolution
    # Round each axis up to whole coarse cells; the tolerance keeps exact fits exact.
    cells = np.ceil(extent / (spacing * factor) - 1e-9).astype(np.int64) * factor
    origin = (low + high) / 2.0 - cells * spacing / 2.0
    grids = [_Grid(origin, spacing, cells)]
    for _ in range(halvings):
        grids.append(grids[-1].coarser())
    return grids[::-1]


def _near_surface_cells(values: np.ndarray, band: float) -> np.ndarray:
    """Cells ``(nx, ny, nz) bool`` whose corner values straddle 0 or come within `band`."""
    nx, ny, nz = (s - 1 for s in values.shape)
    corners = [values[i : i + nx, j : j + ny, k : k + nz] for i, j, k in _CORNERS]
    low = reduce(np.minimum, corners)
    high = reduce(np.maximum, corners)
    return (low <= band) & (high > -band) if band > 0 else (low <= 0) & (high > 0)


def _repeat2(cells: np.ndarray) -> np.ndarray:
    """Each cell's 8 children on the grid of half the voxel size."""
    return cells.repeat(2, axis=0).repeat(2, axis=1).repeat(2, axis=2)


def _cell_corners(cells: np.ndarray) -> np.ndarray:
    """Grid points ``(nx+1, ny+1, nz+1) bool`` that are a corner of a marked cell."""
    nx, ny, nz = cells.shape
    points = np.zeros((nx + 1, ny + 1, nz + 1), dtype=bool)
    for i, j, k in _CORNERS:
        points[i : i + nx, j : j + ny, k : k + nz] |= cells
    return points


def _upsample(values: np.ndarray) -> np.ndarray:
    """Trilinear 2x upsampling ``(n+1,)*3 -> (2n+1,)*3``; existing samples are kept."""
    for axis in range(3):
        moved = np.moveaxis(values, axis, 0)
        out = np.empty((2 * moved.shape[0] - 1, *moved.shape[1:]), dtype=values.dtype)
        out[0::2] = moved
        out[1::2] = moved[:-1]
        out[1::2] += moved[1:]
        out[1::2] *= 0.5
        values = np.moveaxis(out, 0, axis)
    return np.ascontiguousarray(values)


def _keep_off_the_level(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Push samples within a hair of the level away from it, keeping their side.

    A sample (almost) on the surface puts the vertices of all its edges at the
    grid point; skimage returns float32 positions, so they coincide and the
    welded mesh is pinched there. The hair is 1e-4 of the typical magnitude of
    the evaluated samples, which moves the surface by ~1e-4 voxel at most.
    """
    hair = 1e-4 * float(np.median(np.abs(values[known])))
    close = np.abs(values) < hair
    if not close.any():
        return values
    values = values.copy()
    values[close] = np.where(values[close] <= 0, -hair, hair)
    return values


def _marching_cubes(values: np.ndarray, known: np.ndarray, grid: _Grid) -> trimesh.Trimesh:
    """Marching cubes on ``g`` (inside ``g <= 0``), padded so open surfaces close.

    Every interior cell that straddles the surface has all corners in `known`
    (interpolated cells never straddle), so skimage may skip the rest.
    """
    if not np.any(values <= 0):
        raise GeometryError("the field has no surface at this level inside the bounds")
    values = _keep_off_the_level(values, known)
    # A steep step to the padding puts the closing cap on the bounds (within
    # 1e-4 voxel) instead of up to a voxel outside them.
    outside = 1e4 * max(float(np.abs(values).max()), grid.spacing)
    padded = np.pad(values, 1, mode="constant", constant_values=outside)
    # Where the surface leaves the bounds, the cap between the outer layer and
    # the padding is built from interpolated values: let skimage visit it too.
    mask = np.pad(known, 1, mode="constant", constant_values=True)
    for axis in range(3):
        np.moveaxis(mask, axis, 0)[[1, -2]] = True
    try:
        # "descent" orients faces toward decreasing g, i.e. outward for inside g <= 0.
        vertices, faces, _, _ = marching_cubes(padded, 0.0, gradient_direction="descent", mask=mask)
    except RuntimeError as error:  # skimage's way of saying the volume has no crossing
        raise GeometryError("the field has no surface at this level inside the bounds") from error
    vertices = grid.origin + (vertices.astype(np.float64) - 1.0) * grid.spacing
    return trimesh.Trimesh(vertices=vertices, faces=faces.astype(np.int64), process=False)
