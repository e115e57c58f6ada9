"""Rebuild any triangle soup as a closed manifold by re-extracting an implicit field.

The field is the generalised winding number (Jacobson et al. 2013, libigl's
fast approximation): about 1 inside, 0 outside, and still meaningful for
meshes with holes, flipped faces, duplicates or unshared vertices. Its 0.5
level set goes through `extract_mesh`. Surfaces with no inside at all (a flat
sheet, an open shell with big holes) have no 0.5 level set worth having; they
are rebuilt as a thin shell around the surface from the unsigned distance.
"""

from __future__ import annotations

from dataclasses import dataclass

import igl
import numpy as np
import trimesh

from meshsmith.errors import GeometryError
from meshsmith.geometry.cleanup import clean_mesh
from meshsmith.geometry.extract import Extraction, extract_mesh

# A winding-number result with less area than this fraction of the input has
# lost most of the surface: the input was a sheet, not a solid.
MIN_AREA_FRACTION = 0.25
# Half-thickness of the shell fallback, in voxels; marching cubes needs walls
# at least ~2 voxels thick to stay manifold.
SHELL_HALF_THICKNESS = 1.5
PADDING_VOXELS = 4
# Grid sides are whole multiples of this many voxels, so extract_mesh's
# coarse levels (up to 8x coarser) keep the grid where it is put here.
CELL_MULTIPLE = 8


@dataclass(frozen=True)
class Rebuild:
    """Result of `rebuild_closed`.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Closed manifold mesh at marching-cubes density.
    method : str
        "winding number" or "thickened shell".
    extraction : Extraction
        The raw marching-cubes output (input coordinates) and its evaluation counts.
    """

    mesh: trimesh.Trimesh
    method: str
    extraction: Extraction


def rebuild_closed(mesh: trimesh.Trimesh, resolution: int = 256) -> Rebuild:
    """Re-extract `mesh` as the surface of its inside, or as a thin shell.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Any triangles; assumed already validated by the caller.
    resolution : int
        Voxels along the longest side of the mesh's bounding box.

    Returns
    -------
    Rebuild
        Cleaned (floaters removed) mesh in the input's coordinates.

    Raises
    ------
    GeometryError
        If neither field yields a surface.
    """
    low, high = mesh.bounds
    # Work around the box centre: extract_mesh hands the field float32 points,
    # which would lose precision on a mesh far from the origin.
    centre = (low + high) / 2.0
    vertices = np.asarray(mesh.vertices, dtype=np.float64) - centre
    faces = np.asarray(mesh.faces, dtype=np.int64)
    low, high = low - centre, high - centre
    voxel = float((high - low).max()) / resolution
    # Half a voxel off the grid: faces of axis-aligned inputs (boxes, CAD) then
    # lie between samples, not on them where the winding number is exactly 0.5.
    start = low - (PADDING_VOXELS + 0.5) * voxel
    cells = np.ceil(((high - start) / voxel + PADDING_VOXELS) / CELL_MULTIPLE) * CELL_MULTIPLE
    bounds = (tuple(start), tuple(start + cells * voxel))
    padded_resolution = int(cells.max())
    hint = _surface_samples(mesh, voxel) - centre
    area = float(mesh.area)

    if float((high - low).min()) > voxel:

        def winding(points: np.ndarray) -> np.ndarray:
            return igl.fast_winding_number(vertices, faces, points.astype(np.float64))

        try:
            extraction = extract_mesh(
                winding,
                bounds,
                resolution=padded_resolution,
                level=0.5,
                inside="above",
                surface_points=hint,
            )
        except GeometryError:
            extraction = None
        if extraction is not None and extraction.mesh.area >= MIN_AREA_FRACTION * area:
            return _finish(extraction, centre, "winding number")

    thickness = SHELL_HALF_THICKNESS * voxel

    def shell(points: np.ndarray) -> np.ndarray:
        squared, _, _ = igl.point_mesh_squared_distance(points.astype(np.float64), vertices, faces)
        return np.sqrt(squared) - thickness

    extraction = extract_mesh(
        shell, bounds, resolution=padded_resolution, inside="below", surface_points=hint
    )
    return _finish(extraction, centre, "thickened shell")


def _finish(extraction: Extraction, centre: np.ndarray, method: str) -> Rebuild:
    """Move the extracted mesh back to the input's place and clean it."""
    extraction.mesh.apply_translation(centre)
    return Rebuild(clean_mesh(extraction.mesh), method, extraction)


def _surface_samples(mesh: trimesh.Trimesh, voxel: float) -> np.ndarray:
    """About one point per voxel² of surface, plus every vertex: ``(k, 3) float``."""
    count = int(min(max(mesh.area / voxel**2, 1000), 2_000_000))
    samples, _ = trimesh.sample.sample_surface(mesh, count, seed=0)
    return np.concatenate([np.asarray(mesh.vertices), samples])
