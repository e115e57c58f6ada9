"""A generated shape: named parts with materials, their watertight union, samples on it.

Conventions: metres, +Y up, the shape stands on y = 0 and is centred on x = z = 0.
The union mesh is the single source of geometry: it is manifold (manifold3d booleans)
and every triangle knows which part it came from through manifold3d's original ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import trimesh
from manifold3d import Manifold, OpType

from meshsmith.data.assets import shape_scene
from meshsmith.data.materials import Material
from meshsmith.data.solids import union
from meshsmith.data.textures import material_texture
from meshsmith.errors import GeometryError

#: Unions tried (with different micro-nudges) before accepting near-coincident vertices.
_UNION_TRIES = 4
#: Vertices closer than this fuse when a reader merges by position (trimesh merges at 1e-8).
_MERGE_GRID = 1e-8


def _has_near_duplicates(vertices: np.ndarray) -> bool:
    """True if two distinct vertices would fuse on a `_MERGE_GRID` merge (either grid phase)."""
    for phase in (0.0, 0.5):
        cells = np.floor(vertices / _MERGE_GRID + phase).astype(np.int64)
        if len(np.unique(cells, axis=0)) < len(cells):
            return True
    return False


def _drop_specks(solid: Manifold) -> Manifold:
    """Remove enclosed voids and crumbs far smaller than the main body.

    Tubes crossing at shallow angles can leave a sealed pocket or a sub-millimetre chip;
    neither is visible, but either would count as an extra component.
    """
    pieces = solid.decompose()
    if len(pieces) < 2:
        return solid
    largest = max(p.volume() for p in pieces)
    return Manifold.batch_boolean([p for p in pieces if p.volume() > 1e-3 * largest], OpType.Add)


@dataclass(frozen=True)
class Part:
    """A named piece of a shape with one material (``manifold`` is a closed solid)."""

    name: str
    manifold: Manifold
    material: Material


@dataclass(frozen=True)
class Traits:
    """Facts about a shape that captions may state; each must be true of the geometry.

    Attributes
    ----------
    primary : str
        Part whose material gives the shape's colour and material words.
    counts : dict of str to int
        Countable parts by singular noun, e.g. ``{"leg": 4, "shelf": 5}``.
    features : tuple of str
        Phrases true of the shape, e.g. ``"with armrests"``.
    styles : tuple of str
        Style words true of the shape, e.g. ``"modern"``, ``"low-poly"``.
    accents : tuple of str
        Other part names worth naming with their own material ("with steel legs").
    nouns : tuple of str
        Extra nouns true of this particular shape ("armchair", "office chair").
    """

    primary: str
    counts: dict[str, int] = field(default_factory=dict)
    features: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    accents: tuple[str, ...] = ()
    nouns: tuple[str, ...] = ()


class SurfaceSamples(NamedTuple):
    """Points on the union surface with their material values.

    points (n, 3), normals (n, 3) unit outward, albedo (n, 3) linear RGB, roughness (n,),
    metallic (n,), part (n,) int index into ``Shape.parts``.
    """

    points: np.ndarray
    normals: np.ndarray
    albedo: np.ndarray
    roughness: np.ndarray
    metallic: np.ndarray
    part: np.ndarray


@dataclass
class Shape:
    """One procedural object. Construction grounds and centres the parts.

    Attributes
    ----------
    category : str
    seed : int or None
    params : dict
        The parameters it was built from (JSON-ready).
    parts : list of Part
    traits : Traits
    captions : list of str
    """

    category: str
    seed: int | None
    params: dict[str, Any]
    parts: list[Part]
    traits: Traits
    captions: list[str] = field(default_factory=list)
    _mesh: trimesh.Trimesh | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.parts:
            raise GeometryError(f"{self.category}: a shape needs at least one part")
        names = [p.name for p in self.parts]
        if len(set(names)) != len(names):
            raise GeometryError(f"{self.category}: duplicate part names {names}")
        if self.traits.primary not in names:
            raise GeometryError(f"{self.category}: primary part {self.traits.primary!r} missing")
        boxes = np.array([p.manifold.bounding_box() for p in self.parts])
        lo, hi = boxes[:, :3].min(axis=0), boxes[:, 3:].max(axis=0)
        shift = (-(lo[0] + hi[0]) / 2.0, -lo[1], -(lo[2] + hi[2]) / 2.0)
        self.parts = [
            Part(p.name, p.manifold.translate(shift).as_original(), p.material) for p in self.parts
        ]

    def part_index(self, name: str) -> int:
        """Index of the part called ``name``."""
        return [p.name for p in self.parts].index(name)

    def mesh(self) -> trimesh.Trimesh:
        """Watertight union of all parts (cached).

        ``face_attributes["part_index"]`` (m,) int gives each face's part and
        ``metadata["part_names"]`` the names in that order.
        """
        if self._mesh is None:
            self._mesh = self._union()
        return self._mesh

    def _union(self) -> trimesh.Trimesh:
        for salt in range(_UNION_TRIES):
            solid = _drop_specks(union([p.manifold for p in self.parts], salt))
            # The union nudges operands by micrometres (solids.jittered); stand it back on y = 0.
            solid = solid.translate((0.0, -solid.bounding_box()[1], 0.0))
            out = solid.to_mesh64()
            if not _has_near_duplicates(np.asarray(out.vert_properties)[:, :3]):
                break
        faces = np.asarray(out.tri_verts, dtype=np.int64)
        if solid.status().name != "NoError" or len(faces) == 0:
            raise GeometryError(f"{self.category}: union of parts failed ({solid.status()})")
        ids = {p.manifold.original_id(): i for i, p in enumerate(self.parts)}
        starts = np.asarray(out.run_index, dtype=np.int64) // 3
        face_part = np.empty(len(faces), dtype=np.int64)
        for run, original in enumerate(np.asarray(out.run_original_id)):
            face_part[starts[run] : starts[run + 1]] = ids[int(original)]
        mesh = trimesh.Trimesh(
            vertices=np.asarray(out.vert_properties, dtype=np.float64)[:, :3],
            faces=faces,
            face_attributes={"part_index": face_part},
            process=False,
        )
        mesh.metadata["category"] = self.category
        mesh.metadata["part_names"] = [p.name for p in self.parts]
        return mesh

    @property
    def face_parts(self) -> np.ndarray:
        """(m,) int part index of each face of `mesh`."""
        return self.mesh().face_attributes["part_index"]

    @property
    def extents(self) -> np.ndarray:
        """(3,) float size of the axis-aligned bounding box in metres (x, y, z)."""
        return np.asarray(self.mesh().extents, dtype=float)

    def texture_rng(self, part: int) -> np.random.Generator:
        """Generator for a part's texture noise, fixed per (seed, part): samples and maps agree."""
        return np.random.default_rng([0 if self.seed is None else self.seed, 0x7E47, part])

    def surface_samples(self, n: int, rng: np.random.Generator) -> SurfaceSamples:
        """``n`` area-uniform points on the union surface with normals and material values."""
        mesh = self.mesh()
        areas = mesh.area_faces
        faces = rng.choice(len(areas), size=n, p=areas / areas.sum())
        r1, r2 = rng.random(n), rng.random(n)
        flip = r1 + r2 > 1.0
        r1, r2 = np.where(flip, 1.0 - r1, r1), np.where(flip, 1.0 - r2, r2)
        tri = mesh.triangles[faces]
        points = (
            tri[:, 0]
            + r1[:, None] * (tri[:, 1] - tri[:, 0])
            + r2[:, None] * (tri[:, 2] - tri[:, 0])
        )
        normals = mesh.face_normals[faces]
        part = self.face_parts[faces]
        albedo = np.empty((n, 3))
        roughness, metallic = np.empty(n), np.empty(n)
        for i, p in enumerate(self.parts):
            sel = part == i
            if sel.any():
                tex = material_texture(p.material, points[sel], self.texture_rng(i))
                albedo[sel], roughness[sel], metallic[sel] = tex.albedo, tex.roughness, tex.metallic
        return SurfaceSamples(points, normals, albedo, roughness, metallic, part)

    def scene(self, textured: bool = False, texture_size: int = 128) -> trimesh.Scene:
        """One geometry per part (cut from the union, so no hidden faces) with its PBR material.

        With ``textured`` each part gets a baked seamless tile of its material and
        box-projected UVs; otherwise materials carry factors only.
        """
        return shape_scene(self, textured=textured, texture_size=texture_size)
