"""Photo colours projected onto a shape: the camera fit and the weights."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from meshsmith.colorspace import srgb_to_linear
from meshsmith.data.registry import generate
from meshsmith.data.sampling import Frame
from meshsmith.errors import InputError
from meshsmith.pipeline.project import MIN_IOU, fit_camera, project_photo
from meshsmith.render.camera import framing_distance, orbit_camera, project_points
from meshsmith.render.lights import LightRig
from meshsmith.render.parts import bounding_sphere
from meshsmith.render.renderer import default_renderer

#: Even white light from every side: a dielectric renders at about its base colour.
AMBIENT = LightRig("ambient", (), sky=(1.0, 1.0, 1.0), ground=(1.0, 1.0, 1.0))
PALETTE = np.array(
    [[200, 40, 40], [40, 160, 60], [50, 80, 200], [220, 200, 50], [160, 60, 180], [40, 180, 190]],
    dtype=np.uint8,
)
#: The photo's camera, inside the data engine's range (random_cameras).
AZIMUTH, ELEVATION, FOV, DISTANCE = 35.0, 25.0, 45.0, 1.2
SIZE = 320


def normalised(category: str, seed: int) -> tuple[trimesh.Trimesh, np.ndarray]:
    """A data-engine shape in the normalised frame, each part a palette colour (sRGB)."""
    shape = generate(category, seed)
    mesh = shape.mesh()
    frame = Frame.of(mesh.bounds)
    colours = PALETTE[shape.face_parts % len(PALETTE)]
    out = trimesh.Trimesh(frame.to_normalised(mesh.vertices), mesh.faces, process=False)
    rgba = np.concatenate([colours, np.full((len(colours), 1), 255, np.uint8)], axis=1)
    out.visual = trimesh.visual.ColorVisuals(out, face_colors=rgba)
    return out, colours


def photograph(mesh: trimesh.Trimesh):
    centre, radius = bounding_sphere(mesh)
    distance = DISTANCE * framing_distance(radius, FOV, SIZE, SIZE)
    camera = orbit_camera(centre, radius, AZIMUTH, ELEVATION, fov=FOV, size=SIZE, distance=distance)
    view = default_renderer().render_view(mesh, camera, light=AMBIENT, shadows=False)
    return view.rgba.copy(), camera


@pytest.fixture(scope="module")
def chair():
    mesh, face_colours = normalised("chair", 1)
    rgba, camera = photograph(mesh)
    points, faces = trimesh.sample.sample_surface(mesh, 20_000, seed=0)
    normals = mesh.face_normals[faces]
    true = srgb_to_linear(face_colours[faces] / 255.0)
    colours, weights = project_photo(mesh, rgba, points, normals)
    return mesh, rgba, camera, points, normals, true, colours, weights


def test_fit_recovers_the_camera(chair):
    mesh, rgba, camera, points, *_ = chair
    fit = fit_camera(mesh, rgba[..., 3] >= 128)
    assert abs((fit.azimuth - AZIMUTH + 180.0) % 360.0 - 180.0) < 8.0
    assert abs(fit.elevation - ELEVATION) < 8.0
    assert fit.iou > 0.9
    assert fit.camera.size == (SIZE, SIZE)
    # Points land where the true camera puts them, to a few pixels.
    true_uv, _ = project_points(camera, points)
    fit_uv, _ = project_points(fit.camera, points)
    assert np.median(np.linalg.norm(fit_uv - true_uv, axis=1)) < 0.01 * SIZE


def test_projected_colours_are_the_surface_colours(chair):
    *_, true, colours, weights = chair
    assert colours.dtype == np.float32 and weights.dtype == np.float32
    assert colours.shape == (20_000, 3) and weights.shape == (20_000,)
    assert weights.min() >= 0.0 and weights.max() <= 1.0
    trusted = weights > 0.5
    assert trusted.mean() > 0.15
    assert np.abs(colours[trusted] - true[trusted]).mean() < 0.03
    # The nearest palette colour is the true part's colour almost everywhere.
    palette = srgb_to_linear(PALETTE / 255.0)
    nearest = np.argmin(((colours[trusted, None] - palette) ** 2).sum(axis=2), axis=1)
    truth = np.argmin(((true[trusted, None] - palette) ** 2).sum(axis=2), axis=1)
    assert (nearest == truth).mean() > 0.97
    assert (colours[weights == 0] == 0).all()


def test_back_and_hidden_points_get_no_weight(chair):
    mesh, _, camera, points, normals, _, _, weights = chair
    to_camera = camera.position - points
    assert (weights[np.einsum("ij,ij->i", normals, to_camera) < 0] == 0).all()
    front = np.einsum("ij,ij->i", normals, to_camera) > 0.3 * np.linalg.norm(to_camera, axis=1)
    origins = points + 1e-4 * normals
    hidden = front & mesh.ray.intersects_any(origins, to_camera)
    seen = front & ~hidden
    assert hidden.sum() > 100 and seen.sum() > 2000
    assert (weights[hidden] == 0).mean() > 0.97
    assert (weights[seen] > 0).mean() > 0.8


def test_a_different_shape_gets_no_colour(chair):
    mesh, _, _, points, normals, *_ = chair
    other, _ = normalised("bottle", 3)
    rgba, _ = photograph(other)
    assert fit_camera(mesh, rgba[..., 3] >= 128).iou < MIN_IOU
    colours, weights = project_photo(mesh, rgba, points, normals)
    assert (weights == 0).all() and (colours == 0).all()


def test_opaque_photo_and_bad_arguments(chair):
    mesh, rgba, _, points, normals, *_ = chair
    opaque = rgba.copy()
    opaque[..., 3] = 255
    colours, weights = project_photo(mesh, opaque, points, normals)
    assert (weights == 0).all() and (colours == 0).all()
    with pytest.raises(InputError, match=r"\(n, 3\)"):
        project_photo(mesh, rgba, points, normals[:10])
    with pytest.raises(InputError, match="RGBA"):
        project_photo(mesh, rgba[..., :3], points, normals)
