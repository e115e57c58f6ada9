"""UV unwrapping with xatlas, and the texture size that a texel density needs."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import trimesh
import xatlas

from meshsmith.errors import GeometryError, InputError
from meshsmith.geometry.checks import require_valid_mesh

# Texels per metre of surface when neither a density nor a resolution is given:
# a 1 m object (~3 m² of surface) then gets a 1024² map.
DEFAULT_TEXEL_DENSITY = 256.0
# Share of the atlas that charts cover once packed with padding (xatlas
# typically reaches 0.6-0.75).
PACKING_EFFICIENCY = 0.6
# Texels of padding around each chart, so bilinear sampling and mip-maps do
# not bleed across charts.
PADDING = 4
# xatlas spends seconds growing very large charts on smooth closed surfaces
# (3 s for a 20k-face sphere as 6 charts); capping chart area gives ~45 charts
# in 1 s with better packing.
MAX_CHART_AREA_FRACTION = 1.0 / 32.0
# Packing retries; each shrinks texels per unit by the overflow plus a margin.
PACK_ATTEMPTS = 3
REPACK_MARGIN = 0.95
# The first pack aims this much below the ideal density: at the ideal one, the
# generator's meshes (45-90 charts, padding 4) overflowed the map by 1.10-1.21x
# every time, so each unwrap packed twice (`meshsmith bench --only generate`:
# unwrap p50 0.50 -> 0.28 s). With the fourth default model's shapes 0.85 still
# repacked 7 of 12 bench meshes (0.36 s per pack for a barrel); at 0.8 none
# repacked and the charts covered as much of the map (UV area 0.36-0.45 both).
FIRST_PACK_SCALE = 0.8


@dataclass(frozen=True)
class UVUnwrap:
    """Result of `unwrap`.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Vertices split along seams, with ``TextureVisuals`` holding ``(n, 2)``
        UVs in [0, 1] (glTF convention: v = 0 at the image's bottom in
        trimesh, flipped on export) and the input's smooth vertex normals.
    resolution : int
        Side of the square texture in texels, a power of two.
    """

    mesh: trimesh.Trimesh
    resolution: int


def texture_resolution(
    area: float,
    texel_density: float,
    min_resolution: int = 256,
    max_resolution: int = 2048,
) -> int:
    """Smallest power-of-two texture side holding `area` at `texel_density`.

    ``side = sqrt(area * density² / PACKING_EFFICIENCY)``, rounded up to a
    power of two and clamped to ``[min_resolution, max_resolution]``.

    Parameters
    ----------
    area : float
        Surface area in m².
    texel_density : float
        Texels per metre along the surface.

    Examples
    --------
    >>> texture_resolution(1.0, 512.0)  # sqrt(512² / 0.6) = 661 -> 1024
    1024
    """
    side = math.sqrt(area * texel_density**2 / PACKING_EFFICIENCY)
    power = 2 ** math.ceil(math.log2(max(side, 1.0)))
    return int(min(max(power, min_resolution), max_resolution))


def unwrap(
    mesh: trimesh.Trimesh,
    texel_density: float | None = None,
    resolution: int | None = None,
    min_resolution: int = 256,
    max_resolution: int = 2048,
) -> UVUnwrap:
    """Cut `mesh` into charts, flatten and pack them into one square atlas.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Not modified. Any existing UVs, textures or colours are dropped.
    texel_density : float or None
        Texels per metre of surface; picks the resolution with
        `texture_resolution`. None: 256 texels/m.
    resolution : int or None
        Texture side in texels; overrides `texel_density`.
    min_resolution, max_resolution : int
        Clamp for a resolution derived from the density.

    Returns
    -------
    UVUnwrap
        Every chart lies inside the ``resolution``² square with `PADDING`
        texels around it and square texels (for meshes of very many tiny
        charts the padding may end up smaller).

    Raises
    ------
    InputError
        For a non-positive density or resolution.
    GeometryError
        If xatlas does not pack the charts into a single atlas.
    """
    require_valid_mesh(mesh)
    area = float(mesh.area)
    if resolution is None:
        density = DEFAULT_TEXEL_DENSITY if texel_density is None else float(texel_density)
        if not density > 0:
            raise InputError(f"texel density must be positive, got {texel_density}")
        resolution = texture_resolution(area, density, min_resolution, max_resolution)
    if resolution <= 0:
        raise InputError(f"texture resolution must be positive, got {resolution}")

    atlas = xatlas.Atlas()
    atlas.add_mesh(
        np.ascontiguousarray(mesh.vertices, dtype=np.float32),
        np.ascontiguousarray(mesh.faces, dtype=np.uint32),
        np.ascontiguousarray(mesh.vertex_normals, dtype=np.float32),
    )
    ideal = resolution * math.sqrt(PACKING_EFFICIENCY / max(area, 1e-12))
    texels_per_unit = FIRST_PACK_SCALE * ideal
    charts = xatlas.ChartOptions()
    charts.max_chart_area = area * MAX_CHART_AREA_FRACTION
    for _ in range(PACK_ATTEMPTS):
        packing = xatlas.PackOptions()
        packing.padding = PADDING
        packing.bilinear = True
        packing.texels_per_unit = texels_per_unit
        atlas.generate(charts, packing)
        side = max(atlas.width, atlas.height)
        if side <= resolution:
            break
        texels_per_unit *= REPACK_MARGIN * resolution / side
    if atlas.atlas_count != 1:
        raise GeometryError(f"xatlas made {atlas.atlas_count} atlases instead of one")

    vmapping, faces, uv = atlas[0]
    # xatlas normalises by its own atlas size; rescale so texels stay square.
    # Many tiny charts can keep the atlas too big (padding does not shrink):
    # then it is scaled down to fit, with less padding than asked.
    uv = uv.astype(np.float64) * np.array([atlas.width, atlas.height]) / max(side, resolution)
    vmapping = np.asarray(vmapping, dtype=np.int64)
    faces = np.asarray(faces, dtype=np.int64)
    uv = _place_ignored_faces(uv, faces, vmapping)
    unwrapped = trimesh.Trimesh(
        vertices=np.asarray(mesh.vertices)[vmapping],
        faces=faces,
        vertex_normals=np.asarray(mesh.vertex_normals)[vmapping],
        visual=trimesh.visual.TextureVisuals(uv=uv),
        process=False,
    )
    return UVUnwrap(mesh=unwrapped, resolution=int(resolution))


def _place_ignored_faces(uv: np.ndarray, faces: np.ndarray, vmapping: np.ndarray) -> np.ndarray:
    """Give faces xatlas skipped (near-zero area, all corners at UV 0) real UVs.

    Each of their corners takes the UV of another copy of the same input
    vertex inside a chart, so the sliver samples the texture of its neighbours.

    Parameters
    ----------
    uv : (n, 2) float
    faces : (m, 3) int
    vmapping : (n,) int
        Input vertex of each output vertex.
    """
    skipped = np.all(uv[faces] == 0, axis=(1, 2))
    if not skipped.any():
        return uv
    placed = np.ones(len(uv), dtype=bool)
    placed[faces[skipped].reshape(-1)] = False
    placed[faces[~skipped].reshape(-1)] = True
    source = np.full(int(vmapping.max()) + 1, -1, dtype=np.int64)
    source[vmapping[placed]] = np.nonzero(placed)[0]
    orphans = np.nonzero(~placed)[0]
    donors = source[vmapping[orphans]]
    uv = uv.copy()
    uv[orphans[donors >= 0]] = uv[donors[donors >= 0]]
    return uv
