"""Pinhole cameras: intrinsics, extrinsics, orbit and random placement.

Conventions
-----------
World: metres, +Y up (glTF). Models face +Z.

Extrinsics are world→camera 4×4 matrices, given in two conventions:

- OpenGL (``Camera.extrinsics_gl``): the camera looks down -Z, +X right, +Y up.
- OpenCV (``Camera.extrinsics_cv``): the camera looks down +Z, +X right, +Y down.

They differ by ``diag(1, -1, -1, 1)`` on the left (:func:`opengl_to_opencv`).

Intrinsics ``K`` (3×3, pixels) follow OpenCV: a point ``(x, y, z)`` in OpenCV
camera coordinates lands at ``u = fx x / z + cx``, ``v = fy y / z + cy``, with
``u`` along columns and ``v`` along rows from the top-left corner of the image.
Pixel ``(row r, col c)`` covers ``[c, c+1) × [r, r+1)``, so its centre is at
``(c + 0.5, r + 0.5)`` and ``cx = width / 2`` is the image centre. (Code that
puts pixel centres on integers subtracts 0.5 from ``cx`` and ``cy``.)
Images returned by the renderer have row 0 at the top.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import trimesh

from meshsmith.errors import InputError
from meshsmith.render.parts import bounding_sphere

_GL_TO_CV = np.diag([1.0, -1.0, -1.0, 1.0])

# Extra room around the bounding sphere so silhouettes do not touch the border.
FRAMING_MARGIN = 1.05


@dataclass(frozen=True, eq=False)
class Camera:
    """A pinhole camera.

    Attributes
    ----------
    K : (3, 3) float64
        Intrinsics in pixels (OpenCV convention, see the module docstring).
    world_to_camera : (4, 4) float64
        Extrinsics in the OpenGL convention (camera looks down -Z, +Y up).
    width, height : int
        Image size in pixels.
    near, far : float
        Clip distances in metres along the viewing axis.
    """

    K: np.ndarray
    world_to_camera: np.ndarray
    width: int
    height: int
    near: float
    far: float

    @property
    def extrinsics_gl(self) -> np.ndarray:
        """World→camera, OpenGL convention, `(4, 4) float64`."""
        return self.world_to_camera

    @property
    def extrinsics_cv(self) -> np.ndarray:
        """World→camera, OpenCV convention, `(4, 4) float64`."""
        return opengl_to_opencv(self.world_to_camera)

    @property
    def camera_to_world(self) -> np.ndarray:
        """Camera→world pose, OpenGL convention, `(4, 4) float64`."""
        return np.linalg.inv(self.world_to_camera)

    @property
    def position(self) -> np.ndarray:
        """The camera centre in world coordinates, `(3,) float64`."""
        return self.camera_to_world[:3, 3]

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` in pixels."""
        return self.width, self.height


def opengl_to_opencv(world_to_camera: np.ndarray) -> np.ndarray:
    """Convert world→camera extrinsics between the OpenGL and OpenCV conventions.

    The conversion flips the camera's Y and Z axes, so it is its own inverse and
    converts OpenCV to OpenGL as well.

    Parameters
    ----------
    world_to_camera : (4, 4) float or (n, 4, 4) float

    Returns
    -------
    converted : same shape as the input
    """
    return _GL_TO_CV @ np.asarray(world_to_camera, dtype=np.float64)


opencv_to_opengl = opengl_to_opencv


def intrinsics_from_fov(fov_y: float, width: int, height: int) -> np.ndarray:
    """Intrinsics of a camera with square pixels and a centred principal point.

    Parameters
    ----------
    fov_y : float
        Vertical field of view in degrees.
    width, height : int
        Image size in pixels.

    Returns
    -------
    K : (3, 3) float64
    """
    if not 0.0 < fov_y < 180.0:
        raise InputError(f"field of view must be in (0, 180) degrees, got {fov_y}")
    f = 0.5 * height / math.tan(math.radians(fov_y) / 2.0)
    return np.array([[f, 0.0, width / 2.0], [0.0, f, height / 2.0], [0.0, 0.0, 1.0]])


def look_at(eye: np.ndarray, target: np.ndarray, up=(0.0, 1.0, 0.0)) -> np.ndarray:
    """World→camera extrinsics (OpenGL convention) of a camera at `eye` facing `target`.

    When `up` is parallel to the viewing direction (looking straight down or up),
    the world -Z or +Z axis stands in for it.

    Returns
    -------
    world_to_camera : (4, 4) float64
    """
    eye = np.asarray(eye, dtype=np.float64)
    forward = np.asarray(target, dtype=np.float64) - eye
    dist = np.linalg.norm(forward)
    if dist < 1e-12:
        raise InputError("camera position and target coincide")
    forward /= dist
    up = np.asarray(up, dtype=np.float64)
    right = np.cross(forward, up)
    if np.linalg.norm(right) < 1e-6:
        right = np.cross(forward, [0.0, 0.0, -np.sign(forward[1]) or 1.0])
    right /= np.linalg.norm(right)
    true_up = np.cross(right, forward)
    rotation = np.stack([right, true_up, -forward])
    world_to_camera = np.eye(4)
    world_to_camera[:3, :3] = rotation
    world_to_camera[:3, 3] = -rotation @ eye
    return world_to_camera


def framing_distance(radius: float, fov_y: float, width: int, height: int) -> float:
    """Distance at which a sphere of `radius` fits the narrower field of view."""
    half_y = math.radians(fov_y) / 2.0
    half_x = math.atan(math.tan(half_y) * width / height)
    return FRAMING_MARGIN * radius / math.sin(min(half_x, half_y))


def _size(size: int | tuple[int, int]) -> tuple[int, int]:
    width, height = (size, size) if isinstance(size, int | np.integer) else size
    if width < 1 or height < 1:
        raise InputError(f"image size must be positive, got {width}x{height}")
    return int(width), int(height)


def orbit_camera(
    centre: np.ndarray,
    radius: float,
    azimuth: float,
    elevation: float,
    *,
    fov: float = 40.0,
    size: int | tuple[int, int] = 512,
    distance: float | None = None,
) -> Camera:
    """A camera on a sphere around `centre`, looking at it.

    Parameters
    ----------
    centre : (3,) float
        The point looked at (world coordinates).
    radius : float
        Radius of the object's bounding sphere; sets the default distance and clip planes.
    azimuth : float
        Degrees about +Y, from +Z (front view) toward +X.
    elevation : float
        Degrees above the horizontal plane through `centre`.
    fov : float
        Vertical field of view in degrees.
    size : int or (width, height)
    distance : float, optional
        Distance from `centre`; by default the bounding sphere just fits the frame.
    """
    width, height = _size(size)
    if distance is None:
        distance = framing_distance(radius, fov, width, height)
    az, el = math.radians(azimuth), math.radians(elevation)
    direction = np.array([math.cos(el) * math.sin(az), math.sin(el), math.cos(el) * math.cos(az)])
    eye = np.asarray(centre, dtype=np.float64) + distance * direction
    near = max(distance - 1.1 * radius, 1e-3 * distance)
    far = distance + 1.1 * radius
    return Camera(
        K=intrinsics_from_fov(fov, width, height),
        world_to_camera=look_at(eye, centre),
        width=width,
        height=height,
        near=near,
        far=far,
    )


def orbit_cameras(
    obj: trimesh.Trimesh | trimesh.Scene,
    views: int = 8,
    *,
    elevation: float = 20.0,
    fov: float = 40.0,
    size: int | tuple[int, int] = 512,
    start_azimuth: float = 30.0,
    distance: float | None = None,
) -> list[Camera]:
    """`views` cameras evenly spaced in azimuth around the mesh's bounding sphere."""
    if views < 1:
        raise InputError(f"need at least one view, got {views}")
    centre, radius = bounding_sphere(obj)
    return [
        orbit_camera(
            centre,
            radius,
            start_azimuth + 360.0 * i / views,
            elevation,
            fov=fov,
            size=size,
            distance=distance,
        )
        for i in range(views)
    ]


def random_cameras(
    obj: trimesh.Trimesh | trimesh.Scene,
    count: int,
    rng: np.random.Generator | int | None = None,
    *,
    size: int | tuple[int, int] = 512,
    fov_range: tuple[float, float] = (30.0, 55.0),
    elevation_range: tuple[float, float] = (-15.0, 60.0),
    distance_range: tuple[float, float] = (1.0, 1.4),
) -> list[Camera]:
    """Cameras at random azimuth, elevation, field of view and distance.

    Parameters
    ----------
    rng : numpy.random.Generator or int seed
        The same seed gives the same cameras.
    distance_range : (float, float)
        Multiples of the distance at which the bounding sphere just fits the frame.
    """
    rng = np.random.default_rng(rng)
    width, height = _size(size)
    centre, radius = bounding_sphere(obj)
    cameras = []
    for _ in range(count):
        fov = rng.uniform(*fov_range)
        # Uniform in sin(elevation) spreads views evenly over the sphere band.
        sin_lo, sin_hi = (math.sin(math.radians(e)) for e in elevation_range)
        elevation = math.degrees(math.asin(rng.uniform(sin_lo, sin_hi)))
        distance = framing_distance(radius, fov, width, height) * rng.uniform(*distance_range)
        cameras.append(
            orbit_camera(
                centre,
                radius,
                rng.uniform(0.0, 360.0),
                elevation,
                fov=fov,
                size=(width, height),
                distance=distance,
            )
        )
    return cameras


def gl_projection(camera: Camera) -> np.ndarray:
    """OpenGL clip matrix for OpenGL camera coordinates, with Y flipped.

    Clip-space Y points down so that framebuffer row 0 (which ``glReadPixels``
    returns first) is the top image row: readback needs no flip. The flip
    reverses triangle winding, which is harmless because nothing is culled.

    Returns
    -------
    projection : (4, 4) float64
    """
    K, w, h = camera.K, camera.width, camera.height
    n, f = camera.near, camera.far
    return np.array(
        [
            [2 * K[0, 0] / w, -2 * K[0, 1] / w, 1 - 2 * K[0, 2] / w, 0.0],
            [0.0, -2 * K[1, 1] / h, 1 - 2 * K[1, 2] / h, 0.0],
            [0.0, 0.0, -(f + n) / (f - n), -2 * f * n / (f - n)],
            [0.0, 0.0, -1.0, 0.0],
        ]
    )


def project_points(camera: Camera, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project world points to pixel coordinates.

    Parameters
    ----------
    points : (n, 3) float
        World coordinates.

    Returns
    -------
    uv : (n, 2) float64
        ``(u, v)`` = (column, row) image coordinates; pixel centres at +0.5.
    depth : (n,) float64
        Distance along the viewing axis (OpenCV z); negative behind the camera.
    """
    points = np.asarray(points, dtype=np.float64)
    cam = trimesh.transform_points(points, camera.extrinsics_cv)
    depth = cam[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = (cam @ camera.K.T)[:, :2] / depth[:, None]
    return uv, depth
