"""Paint a photo's colours onto the surface it shows.

The photo's camera is unknown. It is found by matching silhouettes: the shape is
rendered over a grid of orbit cameras in the data engine's range (the views the model
was trained on, `meshsmith.render.camera.random_cameras`); each silhouette and the
photo's alpha mask are brought to a common frame (centred on their centroids, scaled
by the square root of their areas: unlike bounding boxes, neither moves with a stray
pixel or a thin part) and compared by intersection over union. A local search refines
azimuth, elevation and distance, coarse then at a finer resolution, and the same
centroid-and-scale match maps the render's pixels onto the photo's.

Every surface point is projected into that camera. Its weight is the product of:
visible (depth test against the rendered depth map), inside the photo's mask (eroded,
so no background bleeds in), facing the camera (a smoothstep of the cosine between
normal and view direction: grazing views smear), and a fit good enough to trust (else
every weight is 0: a photo is not painted onto a shape that does not match it).

Frame: the shape's normalised frame (bounding-box centre at the origin, longest side
1, +Y up), the frame the model generates in. Colours are linear RGB.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

import fast_simplification
import numpy as np
import trimesh
from PIL import Image
from scipy import ndimage

from meshsmith.colorspace import srgb_to_linear
from meshsmith.errors import InputError
from meshsmith.render.camera import FRAMING_MARGIN, Camera, orbit_camera
from meshsmith.render.parts import bounding_sphere
from meshsmith.render.renderer import default_renderer
from meshsmith.render.views import View

#: Coarse candidates: azimuths every 30°, elevations across the data engine's -15..60°.
COARSE_AZIMUTHS = tuple(range(0, 360, 30))
COARSE_ELEVATIONS = (-10.0, 10.0, 30.0, 50.0)
ELEVATION_LIMITS = (-20.0, 65.0)
#: Camera distances in bounding-sphere radii: the data engine spans about 2.3 (55° field
#: of view, close) to 5.7 (30°, far); the middle one is used for the coarse grid.
DISTANCES = (2.6, 3.6, 5.0)
#: Local search: (azimuth, elevation) steps in degrees, one 3 × 3 round each, coarse
#: then fine; the fine stage also scales the distance by `FINE_DISTANCE_SCALES`.
COARSE_STEPS = ((15.0, 10.0), (7.5, 5.0))
FINE_STEPS = ((3.0, 2.0), (1.5, 1.0))
FINE_DISTANCE_SCALES = (0.88, 1.0, 1.14)
#: Silhouettes (rendered size, compared size) of the coarse and the fine stage, rendered
#: from a proxy of at most `PROXY_FACES` faces.
COARSE_SIZES = (96, 64)
FINE_SIZES = (192, 128)
PROXY_FACES = 3000
#: Margin around the photo's silhouette in the square compared, a share of its reach.
COMPARE_MARGIN = 0.05
#: A fit below this IoU paints nothing. Measured on data-engine shapes from random
#: cameras: the true shape fits at 0.95-0.99 (0.85 and less with thin parts: lamp arms,
#: blades), different shapes at up to 0.86 (compact ones: mug, teapot, car).
MIN_IOU = 0.9
#: The photo is worked on at most this long on its longest side.
WORK_SIDE = 768
#: The mask is eroded by this share of the square root of its area (at least one pixel).
ERODE_SHARE = 0.012
#: Full weight from this cosine between normal and view direction, none below the first.
FACING_COS = (0.2, 0.5)
#: Depth test slack: a share of the shape's size plus pixel footprints.
DEPTH_SLACK = 0.01
DEPTH_SLACK_PIXELS = 3.0

_LINEAR_LUT = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)


@dataclass(frozen=True)
class CameraFit:
    """The camera that best explains a photo's silhouette.

    Attributes
    ----------
    camera : Camera
        In the photo's pixels (its width and height), normalised frame.
    azimuth, elevation : float
        Degrees, as in `meshsmith.render.camera.orbit_camera`.
    distance : float
        Camera distance in bounding-sphere radii.
    iou : float
        Intersection over union of the shape's silhouette through `camera` and the
        photo's mask, at the photo's resolution (0-1).
    view : View
        The shape rendered through `camera`: its mask and depth.
    """

    camera: Camera
    azimuth: float
    elevation: float
    distance: float
    iou: float
    view: View


@dataclass(frozen=True)
class _Placement:
    """Where a silhouette sits in its image: centroid (x, y) and scale (square root of
    its area), in pixels. Unlike a bounding box, neither moves with a stray pixel or
    the tip of a thin part."""

    x: float
    y: float
    scale: float


def project_photo(
    mesh: trimesh.Trimesh,
    rgba: np.ndarray,
    points: np.ndarray,
    normals: np.ndarray,
    *,
    min_iou: float = MIN_IOU,
) -> tuple[np.ndarray, np.ndarray]:
    """Colours of a photo at surface points, and how far to trust each.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        The shape, normalised frame.
    rgba : (H, W, 4) uint8
        The photo, sRGB, alpha = object mask (`meshsmith.pipeline.inputs.load_image`).
    points, normals : (n, 3) float
        Surface points and unit normals, normalised frame.
    min_iou : float
        Below this silhouette fit every weight is 0.

    Returns
    -------
    colours : (n, 3) float32
        Linear RGB; 0 where the weight is 0.
    weights : (n,) float32
        In [0, 1].
    """
    points = np.asarray(points, dtype=np.float32)
    normals = np.asarray(normals, dtype=np.float32)
    if points.shape != normals.shape or points.ndim != 2 or points.shape[1] != 3:
        raise InputError(
            f"points and normals must both be (n, 3), got {points.shape}, {normals.shape}"
        )
    colours = np.zeros((len(points), 3), dtype=np.float32)
    weights = np.zeros(len(points), dtype=np.float32)
    rgba = _working_copy(rgba)
    mask = rgba[..., 3] >= 128
    if mask.all() or not mask.any() or len(points) == 0:  # opaque: no object separated
        return colours, weights
    fit = fit_camera(mesh, mask)
    if fit.iou < min_iou:
        return colours, weights
    radius = max(1, round(ERODE_SHARE * _placement(mask).scale))
    inside = ndimage.binary_erosion(mask, iterations=radius)
    linear = _LINEAR_LUT[rgba[..., :3]]
    idx, facing, u, v = _visible(fit, inside, points, normals)
    weights[idx] = facing
    colours[idx] = _bilinear(linear, u - 0.5, v - 0.5)
    return colours, weights


def _visible(
    fit: CameraFit, inside: np.ndarray, points: np.ndarray, normals: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The points the photo shows reliably.

    Returns
    -------
    index : (k,) int64
        Points facing the camera, in front of everything else and inside the mask.
    facing : (k,) float32
        Their weight from the angle between normal and view direction, in (0, 1].
    u, v : (k,) float32
        Their image coordinates (pixel centres at +0.5).
    """
    camera = fit.camera
    # Back faces first: they are about half the points and need no projection.
    to_camera = camera.position.astype(np.float32) - points
    distance = np.sqrt(np.einsum("ij,ij->i", to_camera, to_camera))
    cosine = np.einsum("ij,ij->i", normals, to_camera) / np.maximum(distance, 1e-9)
    index = np.flatnonzero(cosine > FACING_COS[0])
    extrinsics = camera.extrinsics_cv.astype(np.float32)
    cam = points[index] @ extrinsics[:3, :3].T + extrinsics[:3, 3]
    z = np.maximum(cam[:, 2], np.float32(camera.near))
    fx, fy = float(camera.K[0, 0]), float(camera.K[1, 1])
    u = fx * cam[:, 0] / z + float(camera.K[0, 2])
    v = fy * cam[:, 1] / z + float(camera.K[1, 2])
    height, width = inside.shape
    keep = (u >= 0) & (u < width) & (v >= 0) & (v < height)
    index, z, u, v = index[keep], z[keep], u[keep], v[keep]
    row, col = v.astype(np.int64), u.astype(np.int64)
    depth = fit.view.depth[row, col]
    slack = DEPTH_SLACK + DEPTH_SLACK_PIXELS * z / fx
    keep = (depth > 0) & (z <= depth + slack) & inside[row, col]
    index, u, v = index[keep], u[keep], v[keep]
    return index, _smoothstep(*FACING_COS, cosine[index]), u, v


def fit_camera(mesh: trimesh.Trimesh, mask: np.ndarray) -> CameraFit:
    """The orbit camera whose silhouette of `mesh` best matches `mask`.

    Parameters
    ----------
    mesh : trimesh.Trimesh
        Normalised frame.
    mask : (H, W) bool
        The object's pixels in the photo.

    Returns
    -------
    CameraFit
        Its camera renders `mesh` onto the photo's pixels.
    """
    if not mask.any():
        raise InputError("the photo's mask is empty: no object to fit")
    photo = _placement(mask)
    (azimuth, elevation, distance), rendered, camera = _search(mesh, mask)
    camera = _align(camera, rendered, photo, mask.shape)
    renderer = default_renderer()
    gpu = renderer.upload(trimesh.Trimesh(mesh.vertices, mesh.faces, process=False))
    try:
        # The search's silhouettes are small: align again at the photo's resolution.
        silhouette = renderer.render(gpu, [camera], shadows=False, geometry=False).rgba[0]
        if (silhouette[..., 3] > 127).any():
            camera = _align(camera, _placement(silhouette[..., 3] > 127), photo, mask.shape)
        view = renderer.render(gpu, [camera], shadows=False).view(0)
    finally:
        gpu.release()
    iou = float((view.mask & mask).sum()) / float((view.mask | mask).sum())
    return CameraFit(camera, azimuth, elevation, distance, iou, view)


def _search(
    mesh: trimesh.Trimesh, mask: np.ndarray
) -> tuple[tuple[float, float, float], _Placement, Camera]:
    """Best (azimuth, elevation, distance) for the photo's `mask`, with the placement of
    the shape's silhouette there and the camera that rendered it."""
    centre, radius = bounding_sphere(mesh)
    renderer = default_renderer()
    gpu = renderer.upload(_proxy(mesh))
    try:
        coarse = _Scorer(gpu, mask, centre, radius, *COARSE_SIZES)
        middle = DISTANCES[len(DISTANCES) // 2]
        best = coarse.best([(a, e, middle) for a, e in product(COARSE_AZIMUTHS, COARSE_ELEVATIONS)])
        for step in COARSE_STEPS:
            best = coarse.best(_around(best, step))
        best = coarse.best([(best[0], best[1], d) for d in DISTANCES])
        fine = _Scorer(gpu, mask, centre, radius, *FINE_SIZES)
        best = fine.best([(best[0], best[1], best[2] * k) for k in FINE_DISTANCE_SCALES])
        for step in FINE_STEPS:
            best = fine.best(_around(best, step))
    finally:
        gpu.release()
    _, placement, camera = fine.scores[best]
    return best, placement, camera


class _Scorer:
    """IoU of the shape's silhouette from orbit poses against a photo's mask, cached."""

    def __init__(self, gpu, mask: np.ndarray, centre, radius: float, size: int, compare: int):
        self.gpu, self.centre, self.radius = gpu, centre, radius
        self.size, self.compare = size, compare
        placement = _placement(mask)
        self.extent = _extent(mask, placement)
        self.target = _normalised(mask, placement, self.extent, compare)
        self.scores: dict[tuple[float, float, float], tuple[float, _Placement, Camera]] = {}

    def best(self, poses: list[tuple[float, float, float]]) -> tuple[float, float, float]:
        """The best pose seen so far, after scoring `poses` (one batch of renders)."""
        todo = [p for p in dict.fromkeys(poses) if p not in self.scores]
        if todo:
            cameras = [_orbit(self.centre, self.radius, *p, self.size) for p in todo]
            batch = default_renderer().render(self.gpu, cameras, shadows=False, geometry=False)
            for pose, camera, rgba in zip(todo, cameras, batch.rgba, strict=True):
                silhouette = rgba[..., 3] > 127
                score, placement = 0.0, _Placement(0.0, 0.0, 1.0)
                if silhouette.any():
                    placement = _placement(silhouette)
                    normalised = _normalised(silhouette, placement, self.extent, self.compare)
                    score = _iou(self.target, normalised)
                self.scores[pose] = (score, placement, camera)
        return max(self.scores, key=lambda p: self.scores[p][0])


def _around(pose: tuple[float, float, float], step: tuple[float, float]) -> list:
    """`pose` and its 8 neighbours `step` (azimuth, elevation) degrees away."""
    azimuth, elevation, distance = pose
    return [
        (
            float((azimuth + i * step[0]) % 360.0),
            float(np.clip(elevation + j * step[1], *ELEVATION_LIMITS)),
            distance,
        )
        for i, j in product((-1, 0, 1), repeat=2)
    ]


def _orbit(centre: np.ndarray, radius: float, azimuth, elevation, distance, size) -> Camera:
    """An orbit camera `distance` radii away whose view just holds the bounding sphere."""
    fov = 2.0 * math.degrees(math.asin(min(FRAMING_MARGIN / distance, 0.99)))
    return orbit_camera(
        centre, radius, azimuth, elevation, fov=fov, size=size, distance=distance * radius
    )


def _proxy(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """`mesh` cut to `PROXY_FACES` for silhouettes (topology does not matter there)."""
    if len(mesh.faces) <= PROXY_FACES:
        return mesh
    vertices, faces = fast_simplification.simplify(
        np.asarray(mesh.vertices, dtype=np.float32),
        np.asarray(mesh.faces, dtype=np.int64),
        target_count=PROXY_FACES,
    )
    return trimesh.Trimesh(vertices, faces, process=False)


def _placement(mask: np.ndarray) -> _Placement:
    """Centroid and scale of `mask` ``(H, W) bool`` (pixel centres at +0.5)."""
    count = float(mask.sum())
    rows, cols = mask.sum(axis=1), mask.sum(axis=0)
    y = float(rows @ np.arange(len(rows))) / count + 0.5
    x = float(cols @ np.arange(len(cols))) / count + 0.5
    return _Placement(x, y, math.sqrt(count))


def _extent(mask: np.ndarray, placement: _Placement) -> float:
    """Half side, in units of `placement.scale`, of the square about the centroid that
    holds `mask` with a `COMPARE_MARGIN`."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    reach = max(
        placement.x - cols[0],
        cols[-1] + 1 - placement.x,
        placement.y - rows[0],
        rows[-1] + 1 - placement.y,
    )
    return (1.0 + COMPARE_MARGIN) * reach / placement.scale


def _normalised(mask: np.ndarray, placement: _Placement, extent: float, size: int) -> np.ndarray:
    """The square of half side `extent` scales about the centroid, as ``(size, size)``
    float32 coverage in [0, 1] (zero outside the image)."""
    half = extent * placement.scale
    x0, y0 = math.floor(placement.x - half), math.floor(placement.y - half)
    x1, y1 = math.ceil(placement.x + half), math.ceil(placement.y + half)
    canvas = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    height, width = mask.shape
    ys, xs = max(y0, 0), max(x0, 0)
    ye, xe = min(y1, height), min(x1, width)
    if ye > ys and xe > xs:
        canvas[ys - y0 : ye - y0, xs - x0 : xe - x0] = mask[ys:ye, xs:xe] * np.uint8(255)
    box = (
        placement.x - half - x0,
        placement.y - half - y0,
        placement.x + half - x0,
        placement.y + half - y0,
    )
    out = Image.fromarray(canvas).resize((size, size), Image.Resampling.BOX, box=box)
    return np.asarray(out, dtype=np.float32) / 255.0


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    """Soft intersection over union of two coverage maps in [0, 1]."""
    union = float(np.maximum(a, b).sum())
    return float(np.minimum(a, b).sum()) / union if union > 0 else 0.0


def _align(
    camera: Camera, rendered: _Placement, photo: _Placement, shape: tuple[int, int]
) -> Camera:
    """`camera` with intrinsics that carry the `rendered` silhouette onto the `photo`'s."""
    scale = photo.scale / rendered.scale
    K = camera.K.copy()
    K[0, 0] *= scale
    K[1, 1] *= scale
    K[0, 2] = scale * (K[0, 2] - rendered.x) + photo.x
    K[1, 2] = scale * (K[1, 2] - rendered.y) + photo.y
    height, width = shape
    return Camera(K, camera.world_to_camera, width, height, camera.near, camera.far)


def _working_copy(rgba: np.ndarray) -> np.ndarray:
    """`rgba` ``(H, W, 4) uint8``, scaled down to `WORK_SIDE` when longer."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise InputError(f"expected an (H, W, 4) uint8 RGBA photo, got {rgba.shape} {rgba.dtype}")
    height, width = rgba.shape[:2]
    if max(height, width) <= WORK_SIDE:
        return rgba
    scale = WORK_SIDE / max(height, width)
    size = (max(round(width * scale), 1), max(round(height * scale), 1))
    return np.asarray(Image.fromarray(rgba).resize(size, Image.Resampling.BOX))


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return (t * t * (3.0 - 2.0 * t)).astype(np.float32)


def _bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Sample `image` ``(H, W, C)`` at pixel-centre coordinates (integers at centres)."""
    height, width = image.shape[:2]
    x = np.clip(x, 0.0, width - 1.0)
    y = np.clip(y, 0.0, height - 1.0)
    x0 = np.minimum(x.astype(np.int64), width - 2) if width > 1 else np.zeros(len(x), np.int64)
    y0 = np.minimum(y.astype(np.int64), height - 2) if height > 1 else np.zeros(len(y), np.int64)
    fx = (x - x0)[:, None].astype(np.float32)
    fy = (y - y0)[:, None].astype(np.float32)
    x1 = np.minimum(x0 + 1, width - 1)
    y1 = np.minimum(y0 + 1, height - 1)
    top = image[y0, x0] * (1 - fx) + image[y0, x1] * fx
    bottom = image[y1, x0] * (1 - fx) + image[y1, x1] * fx
    return top * (1 - fy) + bottom * fy
