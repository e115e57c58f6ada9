"""`settle`: a surface extracted above the zero level, moved back onto it where the
field crosses zero, kept where it does not (thin parts), and never folded."""

import numpy as np
import pytest
import trimesh

import meshsmith.geometry.settle as settle_module
from meshsmith.geometry.extract import extract_mesh
from meshsmith.geometry.intersections import find_crossings
from meshsmith.geometry.settle import settle

pytest.importorskip("embreex")

OFFSET = 0.01
BOUNDS = ((-0.55, -0.55, -0.55), (0.55, 0.55, 0.55))


def _segment_distance(points, a, b):
    ab = b - a
    t = np.clip((points - a) @ ab / (ab @ ab), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1)


def sphere_and_rod(points):
    """A shallow field (gradient 0.5, like a trained one): a sphere, and a rod along
    +x whose field dips to +0.003 on its axis without crossing zero."""
    points = np.asarray(points, dtype=np.float64)
    sphere = 0.5 * (np.linalg.norm(points, axis=1) - 0.25)
    rod = 0.5 * _segment_distance(points, np.array([0.2, 0, 0]), np.array([0.5, 0, 0])) + 0.003
    return np.minimum(sphere, rod)


def _box(points, centre, half):
    q = np.abs(points - centre) - half
    return np.linalg.norm(np.maximum(q, 0.0), axis=1) + np.minimum(q.max(axis=1), 0.0)


def l_block(points):
    """Two boxes in an L: a sharp concave edge where they meet."""
    points = np.asarray(points, dtype=np.float64)
    a = _box(points, np.array([0.0, -0.2, 0.0]), np.array([0.35, 0.1, 0.2]))
    b = _box(points, np.array([-0.25, 0.1, 0.0]), np.array([0.1, 0.3, 0.2]))
    return 0.5 * np.minimum(a, b)


def _extract(field, level):
    return extract_mesh(field, BOUNDS, resolution=64, coarse_resolution=16, level=level).mesh


def test_thin_part_kept_and_bulk_back_on_zero():
    zero = _extract(sphere_and_rod, 0.0)
    assert zero.bounds[1, 0] < 0.3  # the zero level has no rod
    offset = _extract(sphere_and_rod, OFFSET)
    settled = settle(offset, sphere_and_rod, OFFSET)
    assert settled.bounds[1, 0] > 0.45  # the rod is kept, to its tip
    assert settled.is_watertight and settled.body_count == 1
    assert np.array_equal(settled.faces, offset.faces)
    far = settled.vertices[:, 0] < 0.1  # sphere vertices away from the rod
    assert np.abs(sphere_and_rod(settled.vertices[far])).max() < 0.002
    assert np.abs(sphere_and_rod(offset.vertices[far])).min() > 0.008
    rod = settled.vertices[:, 0] > 0.35
    assert np.allclose(settled.vertices[rod], offset.vertices[rod], atol=1e-3)


def test_folds_in_creases_are_eased_away(monkeypatch):
    found = []

    def recording(vertices, faces):
        crossings = find_crossings(vertices, faces)
        found.append(len(crossings[0]))
        return crossings

    monkeypatch.setattr(settle_module, "find_crossings", recording)
    offset = _extract(l_block, 0.03)
    settled = settle(offset, l_block, 0.03)
    assert found[0] == 0, "the offset surface itself is free of crossings"
    assert found[1] > 0, "the crease should fold when settled outright"
    assert found[-1] == 0
    assert len(find_crossings(settled.vertices, settled.faces)[0]) == 0
    moved = np.linalg.norm(settled.vertices - offset.vertices, axis=1)
    assert moved.max() > 0.04  # the spheres' far sides went back to zero


def test_a_fold_it_did_not_make_does_not_stop_it():
    """A sphere with one vertex pulled through its neighbours' faces (as a
    simplifier's collapse can leave it) crosses itself before any move; settling
    leaves that spot and still moves the rest back onto zero."""
    offset = trimesh.creation.icosphere(3, radius=0.25 + 2 * OFFSET)
    pulled, beyond = 0, offset.vertex_neighbors[0][0]
    offset.vertices[pulled] += 2.0 * (offset.vertices[beyond] - offset.vertices[pulled])
    before = find_crossings(offset.vertices, offset.faces)
    assert len(before[0]) > 0

    def sphere(points):
        return 0.5 * (np.linalg.norm(np.asarray(points, dtype=np.float64), axis=1) - 0.25)

    settled = settle(offset, sphere, OFFSET)
    moved = np.linalg.norm(settled.vertices - offset.vertices, axis=1)
    assert moved[pulled] == 0.0
    assert np.median(moved) == pytest.approx(2 * OFFSET, abs=0.002)
    after = find_crossings(settled.vertices, settled.faces)
    assert {int(f) for f in after[1]} <= {int(f) for f in before[1]} | set(
        np.flatnonzero(np.isin(offset.faces, offset.faces[before[1]]).any(axis=1)).tolist()
    )


def test_no_offset_returns_the_mesh():
    mesh = trimesh.creation.icosphere()
    assert settle(mesh, lambda p: np.zeros(len(p)), 0.0) is mesh
