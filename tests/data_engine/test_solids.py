"""Solid primitives: closed, correctly oriented, right size and volume, +Y up."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from meshsmith.data import solids as S
from meshsmith.errors import GeometryError


def as_trimesh(solid) -> trimesh.Trimesh:
    out = solid.to_mesh64()
    return trimesh.Trimesh(np.asarray(out.vert_properties)[:, :3], np.asarray(out.tri_verts))


def assert_closed(mesh: trimesh.Trimesh) -> None:
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0


def test_box_and_slab_sizes():
    b = as_trimesh(S.box((1.0, 2.0, 3.0), (1.0, 1.0, 1.0)))
    assert_closed(b)
    assert b.volume == pytest.approx(6.0)
    np.testing.assert_allclose(b.bounds, [[0.5, 0.0, -0.5], [1.5, 2.0, 2.5]])
    s = as_trimesh(S.slab((0.4, 0.8, 0.2), (0.0, 0.1, 0.0)))
    np.testing.assert_allclose(s.bounds, [[-0.2, 0.1, -0.1], [0.2, 0.9, 0.1]])


def test_cylinder_stands_on_its_base_along_y():
    c = as_trimesh(S.cylinder(0.5, 2.0, (1.0, 0.5, 0.0), segments=64))
    assert_closed(c)
    np.testing.assert_allclose(c.bounds[:, 1], [0.5, 2.5], atol=1e-9)
    assert c.volume == pytest.approx(np.pi * 0.25 * 2.0, rel=0.01)
    cone = as_trimesh(S.cylinder(0.5, 1.0, radius_top=0.0, segments=64))
    assert cone.volume == pytest.approx(np.pi * 0.25 / 3.0, rel=0.01)
    # The apex is at the top: the widest ring is at y = 0.
    top = cone.vertices[cone.vertices[:, 1] > 0.99]
    assert np.abs(top[:, [0, 2]]).max() < 1e-9


def test_rod_joins_its_end_points():
    r = as_trimesh(S.rod((0, 0, 0), (1, 1, 1), 0.1, segments=32))
    assert_closed(r)
    assert r.volume == pytest.approx(np.pi * 0.01 * np.sqrt(3), rel=0.02)
    d = r.vertices @ (np.ones(3) / np.sqrt(3))
    np.testing.assert_allclose([d.min(), d.max()], [0.0, np.sqrt(3)], atol=1e-9)
    with pytest.raises(GeometryError):
        S.rod((0, 0, 0), (0, 0, 0), 0.1)


def test_lathe_of_a_rectangle_is_a_cylinder_along_y():
    profile = np.array([[0.0, 0.0], [0.3, 0.0], [0.3, 1.0], [0.0, 1.0]])
    m = as_trimesh(S.lathe(profile, 64))
    assert_closed(m)
    np.testing.assert_allclose(m.bounds[:, 1], [0.0, 1.0], atol=1e-9)
    assert m.volume == pytest.approx(np.pi * 0.09, rel=0.01)
    # Winding of the profile does not matter.
    assert as_trimesh(S.lathe(profile[::-1], 64)).volume == pytest.approx(m.volume)


def test_extrusions_keep_their_drawing_orientation():
    tri = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    side = as_trimesh(S.extrude_side(tri, 0.5))
    np.testing.assert_allclose(side.bounds, [[0, 0, -0.25], [2, 1, 0.25]], atol=1e-9)
    assert side.volume == pytest.approx(0.5)
    # A plan drawn as (x, z) keeps z: the triangle's far corner is at z = +1, not -1.
    plan = as_trimesh(S.extrude_plan(tri, 0.3, (0, 0.2, 0)))
    np.testing.assert_allclose(plan.bounds, [[0, 0.2, 0], [2, 0.5, 1]], atol=1e-9)
    tapered = as_trimesh(S.extrude_plan(S.regular_polygon(1.0, 4), 1.0, scale_top=0.0))
    assert tapered.volume == pytest.approx(2.0 / 3.0, rel=1e-6)


def test_tube_is_a_closed_swept_circle():
    path = np.array([[0, 0, 0], [0, 1, 0], [0.5, 1.8, 0], [1.2, 2.2, 0]], dtype=float)
    m = as_trimesh(S.tube(path, 0.05, 24))
    assert_closed(m)
    length = np.linalg.norm(np.diff(path, axis=0), axis=1).sum()
    assert m.volume == pytest.approx(np.pi * 0.05**2 * length, rel=0.05)
    tapered = as_trimesh(S.tube(path, np.array([0.1, 0.08, 0.06, 0.02]), 16))
    assert_closed(tapered)
    with pytest.raises(GeometryError):
        S.tube(np.array([[0, 0, 0], [0, 0, 0]], dtype=float), 0.1)


def test_torus_and_rounded_box():
    t = as_trimesh(S.torus(1.0, 0.2, segments=96, minor_segments=32))
    assert_closed(t)
    assert t.volume == pytest.approx(2 * np.pi**2 * 1.0 * 0.04, rel=0.02)
    assert t.extents[1] == pytest.approx(0.4, rel=1e-6)
    rb = as_trimesh(S.rounded_box((1.0, 0.5, 0.3), 0.05, segments=16))
    np.testing.assert_allclose(rb.extents, [1.0, 0.5, 0.3], rtol=1e-6)


def test_union_of_touching_solids_stays_manifold_after_position_merge():
    # Two boxes sharing a face exactly, and a sphere whose equator lies on a box top:
    # without the jitter these leave coincident vertices that trimesh merges into
    # non-manifold edges.
    parts = [
        S.box((1, 1, 1), (0, 0.5, 0)),
        S.box((1, 1, 1), (1, 0.5, 0)),
        S.sphere(0.5, (0, 1, 0), 16),
    ]
    out = S.union(parts).to_mesh64()
    merged = trimesh.Trimesh(np.asarray(out.vert_properties)[:, :3], np.asarray(out.tri_verts))
    assert merged.is_watertight and merged.is_winding_consistent
    assert merged.body_count == 1


def test_difference_cuts_a_hole():
    plate = S.box((1, 0.1, 1))
    holed = as_trimesh(S.difference(plate, [S.cylinder(0.2, 1.0, (0, -0.5, 0), segments=64)]))
    assert_closed(holed)
    assert holed.volume == pytest.approx(0.1 - np.pi * 0.04 * 0.1, rel=0.01)
    assert holed.euler_number == 0  # a plate with one hole has genus 1
