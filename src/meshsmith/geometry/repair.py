"""Make any mesh watertight and manifold: a light fix first, a rebuild if needed.

The basic pass keeps the input's triangles (and so its UVs): merge vertices,
drop degenerate and duplicate faces, fix winding and normals, close small
holes. When that is not enough (big holes, soups, non-manifold joins,
self-overlapping parts) the surface is rebuilt from its generalised winding
number (see `rebuild.py`) and simplified back toward the input's face count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import trimesh

from meshsmith.errors import GeometryError, InputError
from meshsmith.geometry import topology
from meshsmith.geometry.checks import require_valid_mesh
from meshsmith.geometry.cleanup import orient_outward
from meshsmith.geometry.holes import fill_small_holes
from meshsmith.geometry.rebuild import rebuild_closed
from meshsmith.geometry.simplify import simplify_mesh
from meshsmith.geometry.snap import snap_to_surface

MIN_RESOLUTION = 128
DEFAULT_RESOLUTION = 256
MAX_RESOLUTION = 512
# Marching cubes makes ~3 faces per voxel² of surface; extracting ~16x the
# face budget leaves the quadric simplification enough to work with.
FACES_PER_VOXEL_AREA = 3.0
OVERSAMPLING = 16
# The thinnest side of the bounding box gets at least this many voxels.
MIN_VOXELS_ACROSS = 16
# A rebuilt mesh is simplified to max(input faces, this).
MIN_REBUILT_FACES = 5000
REBUILD_MODES = ("auto", "always", "never")
# A rebuilt vertex within this many voxels of the input surface moves onto it;
# farther ones close holes and stay where marching cubes put them.
SNAP_VOXELS = 1.5


@dataclass(frozen=True)
class RepairResult:
    """Result of `repair_mesh`.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Watertight, manifold, consistently wound, outward normals.
    method : str
        "basic", "winding-number rebuild" or "thickened-shell rebuild".
    steps : list of str
        What was done, in order, for reports.
    """

    mesh: trimesh.Trimesh
    method: str
    steps: list[str] = field(default_factory=list)


def repair_mesh(
    mesh: trimesh.Trimesh,
    rebuild: str = "auto",
    resolution: int | None = None,
    max_faces: int | None = None,
) -> RepairResult:
    """Return a watertight, manifold copy of `mesh` in the same place and scale.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Not modified.
    rebuild : {"auto", "always", "never"}
        "auto" rebuilds only when the basic pass leaves the mesh open or
        non-manifold; "never" raises instead.
    resolution : int or None
        Rebuild voxels along the longest side. None: 128-256 depending on the
        face budget, raised (up to 512) so that the thinnest side spans at
        least 16 voxels.
    max_faces : int or None
        Face budget of a rebuilt mesh. None: the input's face count, at least
        5000.

    Returns
    -------
    RepairResult

    Raises
    ------
    InputError
        For an unknown `rebuild` mode.
    GeometryError
        If the result is not watertight and manifold.
    """
    require_valid_mesh(mesh)
    if rebuild not in REBUILD_MODES:
        raise InputError(f"rebuild must be one of {', '.join(REBUILD_MODES)}, got {rebuild!r}")
    fixed, steps = _basic_pass(mesh)
    if rebuild != "always" and topology.is_closed_manifold(fixed):
        return RepairResult(fixed, "basic", steps)
    if rebuild == "never":
        raise GeometryError(
            "the mesh is still open or non-manifold after basic repair and rebuild='never'"
        )

    budget = max_faces or max(len(mesh.faces), MIN_REBUILT_FACES)
    resolution = resolution or _pick_resolution(mesh, budget)
    rebuilt = rebuild_closed(mesh, resolution=resolution)
    method = f"{rebuilt.method.replace(' ', '-')} rebuild"
    steps = [
        f"rebuilt from the {rebuilt.method} at {resolution} voxels "
        f"({len(rebuilt.mesh.faces)} faces)"
    ]
    result = rebuilt.mesh
    if len(result.faces) > budget:
        result = simplify_mesh(result, budget)
        steps.append(f"simplified to {len(result.faces)} faces")
    if rebuilt.method == "winding number":
        voxel = float(np.max(mesh.extents)) / resolution
        result, moved = snap_to_surface(result, mesh, max_distance=SNAP_VOXELS * voxel)
        steps.append(f"snapped {moved} vertices onto the input surface")
    if not topology.is_closed_manifold(result):
        raise GeometryError("repair failed: the rebuilt mesh is not watertight and manifold")
    return RepairResult(result, method, steps)


def _basic_pass(mesh: trimesh.Trimesh) -> tuple[trimesh.Trimesh, list[str]]:
    """Light fixes that keep the input's own triangles (and their UVs)."""
    steps = []
    fixed = mesh.copy()
    n_vertices = len(fixed.vertices)
    fixed.merge_vertices()
    if len(fixed.vertices) < n_vertices:
        steps.append(f"merged {n_vertices - len(fixed.vertices)} duplicate vertices")
    for name, keep in (
        ("degenerate", ~topology.degenerate_faces(fixed.vertices, fixed.faces)),
        ("duplicate", fixed.unique_faces()),
    ):
        dropped = int(np.count_nonzero(~keep))
        if dropped:
            fixed.update_faces(keep)
            steps.append(f"removed {dropped} {name} faces")
    fixed.remove_unreferenced_vertices()
    if len(fixed.faces) == 0:
        return fixed, steps
    oriented = orient_outward(fixed)
    flipped = int(np.count_nonzero(np.any(oriented != fixed.faces, axis=1)))
    if flipped:
        fixed.faces = oriented
        steps.append(f"flipped {flipped} faces to face outward")
    faces, filled = fill_small_holes(fixed)
    if filled:
        fixed.faces = faces
        steps.append(f"filled {filled} small holes")
    return fixed, steps


def _pick_resolution(mesh: trimesh.Trimesh, budget: int) -> int:
    """Voxels along the longest side: enough for the budget and for thin shapes.

    128-256 from the face budget (``OVERSAMPLING`` times as many faces as
    wanted), then raised (up to 512) so the thinnest side spans at least
    ``MIN_VOXELS_ACROSS`` voxels; a multiple of 32 so the coarse levels halve
    cleanly.
    """
    extents = np.asarray(mesh.extents, dtype=np.float64)
    voxel = np.sqrt(FACES_PER_VOXEL_AREA * float(mesh.area) / (OVERSAMPLING * budget))
    resolution = np.clip(extents.max() / voxel, MIN_RESOLUTION, DEFAULT_RESOLUTION)
    thinnest = float(extents.min())
    if thinnest > 0:  # a flat input becomes a shell, which needs no voxels across
        resolution = max(resolution, MIN_VOXELS_ACROSS * float(extents.max()) / thinnest)
    return int(min(32 * np.ceil(resolution / 32), MAX_RESOLUTION))
