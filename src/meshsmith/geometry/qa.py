"""Quality report of a mesh or scene: topology, size, volume and appearance data.

Topology is judged on welded vertices (see `topology.weld`), so a closed glTF
mesh split along UV seams still counts as watertight, while two parts that
merely touch are correctly reported as non-manifold where they touch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import trimesh

from meshsmith.errors import InvalidMeshError
from meshsmith.geometry import topology
from meshsmith.geometry.checks import require_valid_mesh
from meshsmith.geometry.intersections import count_self_intersections

# Above this many faces the self-intersection test (one ray per edge, ~0.5 s
# per 100k faces) is skipped and reported as None.
SELF_INTERSECTION_MAX_FACES = 100_000


@dataclass
class QAReport:
    """Facts about a mesh; every field is JSON-safe. See `inspect_mesh`."""

    faces: int
    vertices: int
    watertight: bool
    manifold: bool
    non_manifold_edges: int
    non_manifold_vertices: int
    boundary_edges: int
    components: int
    genus: int | None
    euler_characteristic: int
    degenerate_faces: int
    duplicate_faces: int
    winding_consistent: bool
    normals_outward: bool | None
    bbox: dict[str, list[float]]
    volume: float | None
    area: float
    has_uv: bool
    has_texture: bool
    has_vertex_colors: bool
    materials: list[str] = field(default_factory=list)
    parts: int = 1
    self_intersections: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict of Python scalars and lists, ready for `json.dumps`."""
        return asdict(self)


def inspect_mesh(obj: trimesh.Trimesh | trimesh.Scene) -> QAReport:
    """Measure a mesh or a whole scene.

    Parameters
    ----------
    obj : trimesh.Trimesh or trimesh.Scene
        A scene is analysed as the union of its meshes placed by their node
        transforms; non-mesh geometry (paths, point clouds) is ignored.

    Returns
    -------
    QAReport
        ``manifold`` means every edge has one or two faces and every vertex a
        single fan of faces. ``genus`` is given for closed manifolds only,
        summed over components: ``components - euler_characteristic / 2``.
        ``volume`` (m³) only when watertight and consistently wound;
        ``normals_outward`` then says whether the signed volume is positive.
        ``self_intersections`` counts crossing face pairs (see
        `intersections.py`); None above `SELF_INTERSECTION_MAX_FACES` faces.

    Raises
    ------
    InvalidMeshError
        If there are no faces, or coordinates/indices are invalid.
    """
    parts = _placed_meshes(obj)
    if not parts:
        raise InvalidMeshError("the scene holds no triangle meshes")
    combined = _concatenate(parts)
    require_valid_mesh(combined)

    welded = topology.weld(combined)
    faces = welded.faces
    n_welded = len(welded.vertices)
    _, edge_counts = topology.edge_face_counts(faces)
    fans = topology.vertex_fan_counts(faces, n_welded)
    n_components, _ = topology.face_components(faces, n_welded)
    referenced = int(np.count_nonzero(np.bincount(faces.reshape(-1), minlength=n_welded)))
    euler = referenced - len(edge_counts) + len(faces)

    non_manifold_edges = int(np.count_nonzero(edge_counts > 2))
    non_manifold_vertices = int(np.count_nonzero(fans > 1))
    boundary_edges = int(np.count_nonzero(edge_counts == 1))
    watertight = bool(np.all(edge_counts == 2))
    manifold = non_manifold_edges == 0 and non_manifold_vertices == 0
    consistent = topology.winding_consistent(faces)
    closed = watertight and manifold

    signed_volume = _signed_volume(welded.vertices, faces) if closed and consistent else None
    low, high = combined.bounds

    return QAReport(
        faces=len(combined.faces),
        vertices=len(combined.vertices),
        watertight=watertight,
        manifold=manifold,
        non_manifold_edges=non_manifold_edges,
        non_manifold_vertices=non_manifold_vertices,
        boundary_edges=boundary_edges,
        components=n_components,
        genus=int(round(n_components - euler / 2)) if closed else None,
        euler_characteristic=int(euler),
        degenerate_faces=int(np.count_nonzero(topology.degenerate_faces(welded.vertices, faces))),
        duplicate_faces=len(faces) - len(np.unique(np.sort(faces, axis=1), axis=0)),
        winding_consistent=consistent,
        normals_outward=None if signed_volume is None else bool(signed_volume > 0),
        bbox={
            "min": [float(v) for v in low],
            "max": [float(v) for v in high],
            "size": [float(v) for v in high - low],
        },
        volume=None if signed_volume is None else abs(signed_volume),
        area=float(combined.area),
        has_uv=any(_has_uv(m) for m in parts),
        has_texture=any(_has_texture(m) for m in parts),
        has_vertex_colors=any(_has_vertex_colors(m) for m in parts),
        materials=_material_names(parts),
        parts=len(parts),
        self_intersections=(
            count_self_intersections(welded.vertices, faces)
            if len(faces) <= SELF_INTERSECTION_MAX_FACES
            else None
        ),
    )


def _placed_meshes(obj: trimesh.Trimesh | trimesh.Scene) -> list[trimesh.Trimesh]:
    """The meshes of `obj`, each moved to its place in the scene (copies)."""
    if isinstance(obj, trimesh.Trimesh):
        return [obj]
    if not isinstance(obj, trimesh.Scene):
        raise InvalidMeshError(f"expected a mesh or a scene, got {type(obj).__name__}")
    placed = []
    for node in obj.graph.nodes_geometry:
        transform, name = obj.graph[node]
        geometry = obj.geometry.get(name)
        if isinstance(geometry, trimesh.Trimesh):
            moved = geometry.copy()
            moved.apply_transform(transform)
            placed.append(moved)
    return placed


def _concatenate(parts: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    """Geometry only: visuals of different parts need not be compatible."""
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + [len(p.vertices) for p in parts[:-1]])
    vertices = np.concatenate([np.asarray(p.vertices) for p in parts])
    faces = np.concatenate([np.asarray(p.faces) + o for p, o in zip(parts, offsets, strict=True)])
    return trimesh.Trimesh(vertices=vertices, faces=faces, process=False)


def _signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    """Sum of signed tetrahedra (box centre, triangle); positive for outward normals."""
    # Measured from the box centre: from the origin, a mesh far away would
    # lose its volume to cancellation between huge tetrahedra.
    centred = vertices - (vertices.min(axis=0) + vertices.max(axis=0)) / 2.0
    a, b, c = (centred[faces[:, i]] for i in range(3))
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6.0)


def _has_uv(mesh: trimesh.Trimesh) -> bool:
    uv = getattr(mesh.visual, "uv", None)
    return uv is not None and len(uv) == len(mesh.vertices)


def _has_vertex_colors(mesh: trimesh.Trimesh) -> bool:
    return isinstance(mesh.visual, trimesh.visual.ColorVisuals) and mesh.visual.kind == "vertex"


def _material(mesh: trimesh.Trimesh) -> Any:
    return getattr(mesh.visual, "material", None)


def _has_texture(mesh: trimesh.Trimesh) -> bool:
    material = _material(mesh)
    if material is None:
        return False
    slots = ("baseColorTexture", "metallicRoughnessTexture", "normalTexture", "image")
    return any(getattr(material, slot, None) is not None for slot in slots)


def _material_names(parts: list[trimesh.Trimesh]) -> list[str]:
    names: list[str] = []
    for mesh in parts:
        material = _material(mesh)
        name = getattr(material, "name", None) if material is not None else None
        if name and name not in names:
            names.append(str(name))
    return names
