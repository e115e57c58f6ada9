"""Robust solid primitives on top of manifold3d, in meshsmith's frame (+Y up, metres).

manifold3d builds cylinders and revolutions along +Z; every helper here returns solids
already turned so that their axis is +Y, which keeps the category generators readable.
All results are `manifold3d.Manifold`, hence closed and oriented by construction, so
boolean unions of them stay watertight.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manifold3d import CrossSection, Manifold, Mesh, OpType

from meshsmith.errors import GeometryError

Vec3 = Sequence[float]

#: Default number of segments around a circle; enough to read as round, cheap to union.
SEGMENTS = 24


def _z_to_y(solid: Manifold) -> Manifold:
    """Turn a solid built along +Z so that its axis becomes +Y (x stays x)."""
    return solid.rotate((-90.0, 0.0, 0.0))


def box(size: Vec3, at: Vec3 = (0.0, 0.0, 0.0)) -> Manifold:
    """Axis-aligned box of edge lengths ``size`` (x, y, z) centred on ``at``."""
    return Manifold.cube(tuple(float(s) for s in size), center=True).translate(tuple(at))


def slab(size: Vec3, bottom: Vec3 = (0.0, 0.0, 0.0)) -> Manifold:
    """Axis-aligned box whose bottom face is centred on ``bottom`` (handy for standing parts)."""
    x, y, z = bottom
    return box(size, (x, y + size[1] / 2.0, z))


def rounded_box(
    size: Vec3, radius: float, at: Vec3 = (0.0, 0.0, 0.0), segments: int = 8
) -> Manifold:
    """Box with edges rounded by ``radius`` (hull of eight corner spheres), centred on ``at``."""
    half = np.asarray(size, dtype=float) / 2.0
    r = float(min(radius, half.min() * 0.999))
    inner = half - r
    corner = Manifold.sphere(r, segments)
    spheres = [
        corner.translate((sx * inner[0], sy * inner[1], sz * inner[2]))
        for sx in (-1, 1)
        for sy in (-1, 1)
        for sz in (-1, 1)
    ]
    return Manifold.batch_hull(spheres).translate(tuple(at))


def cylinder(
    radius: float,
    height: float,
    bottom: Vec3 = (0.0, 0.0, 0.0),
    radius_top: float | None = None,
    segments: int = SEGMENTS,
) -> Manifold:
    """Vertical cylinder (or cone frustum) standing with its base centred on ``bottom``."""
    top = radius if radius_top is None else radius_top
    solid = Manifold.cylinder(float(height), float(radius), float(top), segments)
    return _z_to_y(solid).translate(tuple(bottom))


def rod(
    p0: Vec3, p1: Vec3, radius: float, radius_end: float | None = None, segments: int = 12
) -> Manifold:
    """Cylinder (or frustum) from point ``p0`` to point ``p1`` in any direction."""
    a = np.asarray(p0, dtype=float)
    d = np.asarray(p1, dtype=float) - a
    length = float(np.linalg.norm(d))
    if length <= 0.0:
        raise GeometryError("rod needs two distinct end points")
    r1 = radius if radius_end is None else radius_end
    solid = Manifold.cylinder(length, float(radius), float(r1), segments)
    return solid.transform(_frame_to(d / length, a))


def _frame_to(direction: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """3x4 affine matrix mapping +Z onto unit ``direction`` and the origin onto ``origin``."""
    z = direction
    helper = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    return np.column_stack([x, y, z, origin])


def sphere(radius: float, at: Vec3 = (0.0, 0.0, 0.0), segments: int = SEGMENTS) -> Manifold:
    """Sphere of ``radius`` centred on ``at``."""
    return Manifold.sphere(float(radius), segments).translate(tuple(at))


def ellipsoid(radii: Vec3, at: Vec3 = (0.0, 0.0, 0.0), segments: int = SEGMENTS) -> Manifold:
    """Axis-aligned ellipsoid with semi-axes ``radii`` centred on ``at``."""
    return Manifold.sphere(1.0, segments).scale(tuple(float(r) for r in radii)).translate(tuple(at))


def lathe(
    profile: np.ndarray, segments: int = SEGMENTS, bottom: Vec3 = (0.0, 0.0, 0.0)
) -> Manifold:
    """Solid of revolution about the vertical axis through ``bottom``.

    Parameters
    ----------
    profile : (n, 2) float
        Closed outline as (radius, height) pairs, radius >= 0, in any winding; it is
        the cross-section of the wall (e.g. outer side going up, inner side coming down).
    segments : int
        Segments around the axis.
    """
    pts = np.asarray(profile, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
        raise GeometryError("lathe profile must be an (n, 2) array with n >= 3")
    pts = np.column_stack([np.maximum(pts[:, 0], 0.0), pts[:, 1]])
    if _signed_area(pts) < 0:
        pts = pts[::-1]
    solid = CrossSection([pts]).revolve(segments)
    return _z_to_y(solid).translate(tuple(bottom))


def _signed_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def extrude_side(polygon: np.ndarray, depth: float, at: Vec3 = (0.0, 0.0, 0.0)) -> Manifold:
    """Extrude a side outline drawn in the XY plane (x right, y up) through ``depth`` along Z.

    The slab is centred on z = 0 before moving by ``at``; use it for blades, car bodies,
    gables and other shapes best described by their side view.
    """
    pts = _ccw(polygon)
    solid = CrossSection([pts]).extrude(float(depth)).translate((0.0, 0.0, -depth / 2.0))
    return solid.translate(tuple(at))


def extrude_plan(
    polygon: np.ndarray, height: float, bottom: Vec3 = (0.0, 0.0, 0.0), scale_top: float = 1.0
) -> Manifold:
    """Extrude a floor plan drawn as (x, z) upwards by ``height`` from ``bottom``.

    ``scale_top`` < 1 tapers the top (pyramids, tapered posts).
    """
    pts = np.asarray(polygon, dtype=float)
    # The plan's (x, z) becomes the section's (x, -y) so that rotating +Z onto +Y lands it right.
    section = _ccw(np.column_stack([pts[:, 0], -pts[:, 1]]))
    solid = CrossSection([section]).extrude(float(height), 0, 0.0, (scale_top, scale_top))
    return _z_to_y(solid).translate(tuple(bottom))


def _ccw(polygon: np.ndarray) -> np.ndarray:
    pts = np.asarray(polygon, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
        raise GeometryError("polygon must be an (n, 2) array with n >= 3")
    return pts if _signed_area(pts) > 0 else pts[::-1]


def regular_polygon(radius: float, sides: int, phase: float = 0.0) -> np.ndarray:
    """(sides, 2) vertices of a regular polygon of circumradius ``radius``."""
    t = phase + np.arange(sides) * 2.0 * np.pi / sides
    return np.column_stack([radius * np.cos(t), radius * np.sin(t)])


def torus(
    major: float,
    minor: float,
    at: Vec3 = (0.0, 0.0, 0.0),
    segments: int = SEGMENTS,
    minor_segments: int = 12,
) -> Manifold:
    """Torus lying in the XZ plane (axis +Y) centred on ``at``."""
    ring = CrossSection.circle(float(minor), minor_segments).translate((float(major), 0.0))
    return _z_to_y(ring.revolve(segments)).translate(tuple(at))


def tube(path: np.ndarray, radius: float | np.ndarray, segments: int = 12) -> Manifold:
    """Sweep a circle along an open polyline, capped flat at both ends.

    Parameters
    ----------
    path : (n, 3) float
        Centre-line points, n >= 2, consecutive points distinct. Bends must be gentle
        compared with the radius or the swept surface folds onto itself.
    radius : float or (n,) float
        Tube radius, constant or per path point (tapering limbs, horns, branches).
    segments : int
        Segments around the circle.
    """
    p = np.asarray(path, dtype=float)
    n = len(p)
    if p.ndim != 2 or p.shape[1] != 3 or n < 2:
        raise GeometryError("tube path must be an (n, 3) array with n >= 2")
    r = np.broadcast_to(np.asarray(radius, dtype=float), (n,))
    tangents = _path_tangents(p)
    normals = _parallel_transport(tangents)
    binormals = np.cross(tangents, normals)
    theta = np.arange(segments) * 2.0 * np.pi / segments
    ring = (
        np.cos(theta)[None, :, None] * normals[:, None, :]
        + np.sin(theta)[None, :, None] * binormals[:, None, :]
    )
    rings = p[:, None, :] + r[:, None, None] * ring
    verts = np.concatenate([rings.reshape(-1, 3), p[:1], p[-1:]])
    start, end = n * segments, n * segments + 1
    i = np.arange(n - 1)[:, None]
    j = np.arange(segments)[None, :]
    a = i * segments + j
    b = i * segments + (j + 1) % segments
    c = (i + 1) * segments + (j + 1) % segments
    d = (i + 1) * segments + j
    side = np.concatenate(
        [np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)]
    )
    jj = np.arange(segments)
    cap0 = np.column_stack([np.full(segments, start), (jj + 1) % segments, jj])
    last = (n - 1) * segments
    cap1 = np.column_stack([np.full(segments, end), last + jj, last + (jj + 1) % segments])
    faces = np.concatenate([side, cap0, cap1])
    return from_arrays(verts, faces)


def _path_tangents(p: np.ndarray) -> np.ndarray:
    seg = np.diff(p, axis=0)
    lengths = np.linalg.norm(seg, axis=1, keepdims=True)
    if np.any(lengths <= 0):
        raise GeometryError("tube path has repeated points")
    seg = seg / lengths
    t = np.empty_like(p)
    t[0], t[-1] = seg[0], seg[-1]
    t[1:-1] = seg[:-1] + seg[1:]
    return t / np.linalg.norm(t, axis=1, keepdims=True)


def _parallel_transport(tangents: np.ndarray) -> np.ndarray:
    """Rotation-minimising normals along a curve, so a swept circle does not twist."""
    t0 = tangents[0]
    helper = np.array([0.0, 1.0, 0.0]) if abs(t0[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    n0 = np.cross(t0, helper)
    normals = [n0 / np.linalg.norm(n0)]
    for t in tangents[1:]:
        n = normals[-1] - np.dot(normals[-1], t) * t
        normals.append(n / np.linalg.norm(n))
    return np.asarray(normals)


def from_arrays(vertices: np.ndarray, faces: np.ndarray) -> Manifold:
    """Manifold from an indexed, outward-oriented closed triangle mesh; raises if it is not one."""
    mesh = Mesh(
        np.ascontiguousarray(vertices, dtype=np.float32),
        np.ascontiguousarray(faces, dtype=np.uint32),
    )
    solid = Manifold(mesh)
    if solid.is_empty() or solid.volume() <= 0:
        raise GeometryError(f"triangle mesh is not a closed oriented solid ({solid.status()})")
    return solid


def convex_hull(points: np.ndarray) -> Manifold:
    """Convex hull of ``points`` (n, 3) as a solid."""
    return Manifold.hull_points(np.ascontiguousarray(points, dtype=float))


def hull(solids: Sequence[Manifold]) -> Manifold:
    """Convex hull enclosing every solid in ``solids``."""
    return Manifold.batch_hull(list(solids))


#: Largest nudge (metres) given to boolean operands; far below anything visible.
JITTER = 2e-5
_GOLDEN = np.array([0.7548776662466927, 0.5698402909980532, 0.3819660112501051])


def jittered(solids: Sequence[Manifold], salt: int = 0) -> list[Manifold]:
    """Each solid moved by its own fixed, tiny offset (at most `JITTER` per axis).

    Generators often place faces exactly on each other (a strap flush with a lid, a sphere's
    equator on a cylinder's cap). manifold3d unites those correctly but may leave distinct
    vertices at identical positions, which a position-merging reader (trimesh.load) then
    turns into non-manifold edges. Nudging every operand apart removes exact coincidences;
    ``salt`` picks another set of nudges for a retry.
    """
    k = np.arange(1, len(solids) + 1)[:, None] + 7919 * salt
    offsets = JITTER * (2.0 * (k * _GOLDEN % 1.0) - 1.0)
    return [m.translate(tuple(o)) for m, o in zip(solids, offsets, strict=True)]


def union(solids: Sequence[Manifold], salt: int = 0) -> Manifold:
    """Boolean union of ``solids`` (an empty list gives an empty solid); see `jittered`."""
    return Manifold.batch_boolean(jittered(solids, salt), OpType.Add)


def difference(solid: Manifold, cutters: Sequence[Manifold]) -> Manifold:
    """``solid`` minus every cutter."""
    return Manifold.batch_boolean([solid, *jittered(cutters)], OpType.Subtract)


def mirror_x(solid: Manifold) -> Manifold:
    """``solid`` reflected through the plane x = 0 (orientation is kept valid)."""
    return solid.mirror((1.0, 0.0, 0.0))


def with_mirror_x(solid: Manifold) -> Manifold:
    """``solid`` and its mirror image through x = 0, united."""
    return union([solid, mirror_x(solid)])


def with_mirror_z(solid: Manifold) -> Manifold:
    """``solid`` and its mirror image through z = 0, united."""
    return union([solid, solid.mirror((0.0, 0.0, 1.0))])


def rotate_y(solid: Manifold, degrees: float) -> Manifold:
    """Rotate about the vertical axis by ``degrees`` (counter-clockwise seen from above)."""
    return solid.rotate((0.0, float(degrees), 0.0))
