"""Camera matrices: conventions, framing, determinism."""

import math

import numpy as np
import pytest
import trimesh

from meshsmith.errors import InputError
from meshsmith.render.camera import (
    intrinsics_from_fov,
    look_at,
    opencv_to_opengl,
    opengl_to_opencv,
    orbit_camera,
    orbit_cameras,
    project_points,
    random_cameras,
)


def test_intrinsics_from_fov():
    K = intrinsics_from_fov(90.0, 200, 100)
    np.testing.assert_allclose(K, [[50.0, 0.0, 100.0], [0.0, 50.0, 50.0], [0.0, 0.0, 1.0]])
    with pytest.raises(InputError):
        intrinsics_from_fov(180.0, 10, 10)


def test_look_at_puts_target_on_the_viewing_axis():
    eye, target = np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.5, -1.0])
    gl = look_at(eye, target)
    np.testing.assert_allclose(gl[:3, :3] @ gl[:3, :3].T, np.eye(3), atol=1e-12)
    in_gl = gl @ np.append(target, 1.0)
    assert in_gl[:2] == pytest.approx([0.0, 0.0], abs=1e-12)
    assert in_gl[2] == pytest.approx(-np.linalg.norm(target - eye))  # OpenGL looks down -Z
    in_cv = opengl_to_opencv(gl) @ np.append(target, 1.0)
    assert in_cv[2] == pytest.approx(np.linalg.norm(target - eye))  # OpenCV looks down +Z
    # World up stays up in the image: +Y in OpenGL camera space, -Y in OpenCV.
    up_gl = gl[:3, :3] @ [0.0, 1.0, 0.0]
    assert up_gl[1] > 0 and (opengl_to_opencv(gl)[:3, :3] @ [0.0, 1.0, 0.0])[1] < 0
    np.testing.assert_allclose(opencv_to_opengl(opengl_to_opencv(gl)), gl)


def test_look_at_straight_down_is_well_defined():
    gl = look_at([0.0, 5.0, 0.0], [0.0, 0.0, 0.0])
    assert np.isfinite(gl).all()
    np.testing.assert_allclose(gl[:3, :3] @ gl[:3, :3].T, np.eye(3), atol=1e-12)


def test_orbit_camera_position_and_azimuth_convention():
    cam = orbit_camera(np.zeros(3), 1.0, 0.0, 0.0, distance=4.0)
    np.testing.assert_allclose(cam.position, [0.0, 0.0, 4.0], atol=1e-12)  # azimuth 0: front (+Z)
    cam = orbit_camera(np.zeros(3), 1.0, 90.0, 30.0, distance=2.0)
    expected = 2.0 * np.array([math.cos(math.radians(30)), math.sin(math.radians(30)), 0.0])
    np.testing.assert_allclose(cam.position, expected, atol=1e-12)  # azimuth 90: +X


def test_orbit_cameras_frame_the_whole_mesh():
    mesh = trimesh.creation.box((2.0, 0.5, 1.0))
    for camera in orbit_cameras(mesh, 6, elevation=35.0, size=(160, 90)):
        uv, depth = project_points(camera, mesh.vertices)
        assert (depth > camera.near).all() and (depth < camera.far).all()
        assert (uv >= 0).all() and (uv[:, 0] <= 160).all() and (uv[:, 1] <= 90).all()


def test_random_cameras_repeat_with_the_seed():
    mesh = trimesh.creation.icosphere(2)
    a = random_cameras(mesh, 5, rng=3)
    b = random_cameras(mesh, 5, rng=np.random.default_rng(3))
    c = random_cameras(mesh, 5, rng=4)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.world_to_camera, y.world_to_camera)
        np.testing.assert_array_equal(x.K, y.K)
    assert not np.allclose(a[0].world_to_camera, c[0].world_to_camera)
    for camera in a:
        uv, _ = project_points(camera, mesh.vertices)
        assert (uv >= 0).all() and (uv <= 512).all()
