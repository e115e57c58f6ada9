"""Line drawings from depth and normal buffers."""

import numpy as np
import pytest
import trimesh
from scipy import ndimage

from meshsmith.errors import InputError
from meshsmith.render.camera import orbit_camera, project_points
from meshsmith.render.sketch import edge_map, render_sketches, stroke


def _silhouette(mask):
    return mask & ~ndimage.binary_erosion(mask)


def test_sphere_sketch_is_its_outline(renderer, sphere):
    camera = orbit_camera(np.zeros(3), 1.0, 20.0, 20.0, size=128)
    sketch = render_sketches(sphere, [camera], width=2.0, renderer=renderer)[0]
    mask = renderer.render_view(sphere, camera).mask
    outline = _silhouette(mask)
    assert sketch.dtype == np.uint8 and sketch.shape == (128, 128)
    assert np.mean(sketch[outline] < 64) > 0.95
    # A smooth sphere has no creases: away from the outline the paper stays white.
    far_from_outline = ndimage.distance_transform_edt(~outline) > 3
    assert np.mean(sketch[far_from_outline] >= 250) > 0.99


def test_cube_creases_are_drawn(renderer):
    cube = trimesh.creation.box((1.0, 1.0, 1.0))
    camera = orbit_camera(np.zeros(3), 0.87, 45.0, 30.0, size=160)
    sketch = render_sketches(cube, [camera], width=1.5, renderer=renderer)[0]
    # The three edges meeting at the corner nearest the camera lie inside the silhouette.
    corner = np.array([0.5, 0.5, 0.5])
    for other in ([-0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.5, 0.5, -0.5]):
        t = np.linspace(0.2, 0.8, 7)[:, None]
        points = corner + t * (np.array(other) - corner)
        uv, _ = project_points(camera, points)
        cols, rows = np.floor(uv).astype(int).T
        darkest = ndimage.minimum_filter(sketch, size=3)[rows, cols]
        assert (darkest < 100).all(), other
    assert np.mean(sketch >= 250) > 0.85


def test_occluding_contour_inside_silhouette(renderer):
    # A small box in front of a big one: its outline crosses the big box's face.
    scene = trimesh.Scene()
    scene.add_geometry(trimesh.creation.box((2.0, 2.0, 0.2)))
    scene.add_geometry(
        trimesh.creation.box((0.5, 0.5, 0.5)),
        transform=trimesh.transformations.translation_matrix([0, 0, 0.6]),
    )
    camera = orbit_camera(np.zeros(3), 1.5, 0.0, 0.0, size=128, distance=5.0)
    view = renderer.render_view(scene, camera)
    edges = edge_map(view.depth, view.normals, view.mask)
    uv, _ = project_points(camera, np.array([[0.25, 0.0, 0.85]]))  # right edge of the small box
    col, row = np.floor(uv[0]).astype(int)
    assert edges[row, col - 2 : col + 3].any()
    big_face_only = view.mask & (view.depth > view.depth[view.mask].min() + 0.3)
    assert edges[ndimage.binary_erosion(big_face_only, iterations=3)].mean() < 0.01


def test_jitter_is_seeded_and_width_scales_ink():
    edges = np.zeros((96, 96), dtype=bool)
    edges[48, 10:86] = True
    thin = stroke(edges, width=1.0)
    thick = stroke(edges, width=4.0)
    assert (thick < 128).sum() > 3 * (thin < 128).sum()
    a = stroke(edges, width=2.0, jitter=3.0, seed=1)
    b = stroke(edges, width=2.0, jitter=3.0, seed=1)
    c = stroke(edges, width=2.0, jitter=3.0, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, stroke(edges, width=2.0))
    # The wobble moves the line a few pixels, not away.
    rows = np.nonzero((a < 128).any(axis=1))[0]
    assert rows.min() >= 40 and rows.max() <= 56
    with pytest.raises(InputError):
        stroke(edges, width=0.0)


def test_empty_edges_give_blank_paper():
    assert (stroke(np.zeros((8, 8), dtype=bool)) == 255).all()
