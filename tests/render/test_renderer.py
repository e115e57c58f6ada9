"""Rendered views against geometry computed by hand."""

import math

import numpy as np
import pytest
import trimesh
from PIL import Image
from scipy import ndimage
from trimesh.visual.material import PBRMaterial

from meshsmith.errors import InputError, InvalidMeshError
from meshsmith.render.camera import orbit_camera, orbit_cameras, project_points, random_cameras
from meshsmith.render.lights import PRESETS, DirectionalLight, LightRig

from .conftest import textured_quad


def test_sphere_depth_at_centre_is_distance_minus_radius(renderer, sphere):
    # Odd size: the centre pixel's centre lies exactly on the optical axis.
    camera = orbit_camera(np.zeros(3), 1.0, 30.0, 10.0, size=129, distance=3.0)
    view = renderer.render_view(sphere, camera)
    assert view.depth[64, 64] == pytest.approx(2.0, abs=1e-3)
    assert view.mask[64, 64]
    assert not view.mask[0, 0] and view.depth[0, 0] == 0.0


def test_sphere_silhouette_matches_projected_disc(renderer, sphere):
    camera = orbit_camera(np.zeros(3), 1.0, 0.0, 0.0, fov=40.0, size=256, distance=3.0)
    view = renderer.render_view(sphere, camera)
    # A sphere seen from distance d subtends asin(r / d); its image is a disc.
    radius_px = camera.K[0, 0] * math.tan(math.asin(1.0 / 3.0))
    assert view.mask.sum() == pytest.approx(math.pi * radius_px**2, rel=0.01)


def test_cube_silhouette_is_its_front_face(renderer):
    cube = trimesh.creation.box((1.0, 1.0, 1.0))
    camera = orbit_camera(np.zeros(3), 0.87, 0.0, 0.0, fov=40.0, size=256, distance=3.0)
    view = renderer.render_view(cube, camera)
    side_px = camera.K[0, 0] * 1.0 / 2.5  # front face at distance 3 - 0.5
    assert view.mask.sum() == pytest.approx(side_px**2, rel=0.01)
    rows, cols = np.nonzero(view.mask)
    assert rows.max() - rows.min() + 1 == pytest.approx(side_px, abs=1.5)
    assert cols.max() - cols.min() + 1 == pytest.approx(side_px, abs=1.5)


def _project_gl(camera, points):
    """Project with the OpenGL extrinsics: camera looks down -Z, +Y up."""
    p = trimesh.transform_points(points, camera.extrinsics_gl)
    z = -p[:, 2]
    u = camera.K[0, 0] * p[:, 0] / z + camera.K[0, 2]
    v = camera.K[1, 1] * -p[:, 1] / z + camera.K[1, 2]
    return np.c_[u, v], z


def test_vertices_reproject_into_mask_in_both_conventions(renderer, spot):
    cameras = random_cameras(spot, 4, rng=7, size=160)
    batch = renderer.render(spot, cameras)
    for i, camera in enumerate(cameras):
        uv_cv, depth_cv = project_points(camera, spot.vertices)
        uv_gl, depth_gl = _project_gl(camera, spot.vertices)
        np.testing.assert_allclose(uv_cv, uv_gl, atol=1e-6)
        np.testing.assert_allclose(depth_cv, depth_gl, atol=1e-9)
        cols, rows = np.floor(uv_cv).astype(int).T
        inside = (rows >= 0) & (rows < 160) & (cols >= 0) & (cols < 160)
        assert inside.all()
        # Every vertex, hidden or not, projects inside the silhouette (vertices on
        # the silhouette may fall on a pixel whose centre is just outside).
        mask = batch.mask[i]
        assert mask[rows, cols].mean() > 0.9
        assert ndimage.binary_dilation(mask, iterations=1)[rows, cols].all()
        # Nothing is drawn behind a vertex: the depth buffer holds the nearest surface
        # (the 3x3 minimum allows for vertices on contours between pixel centres).
        nearest = ndimage.minimum_filter(np.where(mask, batch.depth[i], np.inf), size=3)
        assert (nearest[rows, cols] <= depth_cv * 1.005).all()


def test_pixel_centres_follow_the_documented_convention(renderer):
    # A fronto-parallel rectangle covers exactly the pixels whose centres (c + 0.5,
    # r + 0.5) fall inside its projection: no half-pixel shift, no flip.
    rect = trimesh.Trimesh(
        [[0.1, 0.2, 0], [0.6, 0.2, 0], [0.6, 0.5, 0], [0.1, 0.5, 0]], [[0, 1, 2], [0, 2, 3]]
    )
    camera = orbit_camera(np.zeros(3), 1.0, 0.0, 0.0, size=200, distance=2.0)
    view = renderer.render_view(rect, camera)
    uv, _ = project_points(camera, rect.vertices)
    rows, cols = np.nonzero(view.mask)
    assert cols.min() == np.ceil(uv[:, 0].min() - 0.5)
    assert cols.max() == np.floor(uv[:, 0].max() - 0.5)
    assert rows.min() == np.ceil(uv[:, 1].min() - 0.5)
    assert rows.max() == np.floor(uv[:, 1].max() - 0.5)
    assert rows.max() < 100  # +Y world is up in the image: the rectangle sits above centre


def test_normals_are_unit_and_match_sphere_geometry(renderer, sphere):
    camera = orbit_camera(np.zeros(3), 1.0, 140.0, 35.0, size=128, distance=3.2)
    view = renderer.render_view(sphere, camera)
    mask = view.mask
    lengths = np.linalg.norm(view.normals[mask], axis=1)
    np.testing.assert_allclose(lengths, 1.0, atol=1e-4)
    assert not view.normals[~mask].any()
    # Rebuild each pixel's world point from depth and K: on a unit sphere its normal is itself.
    rows, cols = np.nonzero(mask)
    rays = np.c_[cols + 0.5, rows + 0.5, np.ones(len(rows))] @ np.linalg.inv(camera.K).T
    points_cv = rays * view.depth[mask][:, None]
    points = trimesh.transform_points(points_cv, np.linalg.inv(camera.extrinsics_cv))
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), 1.0, atol=2e-3)
    cosines = np.einsum(
        "ij,ij->i", view.normals[mask], points / np.linalg.norm(points, axis=1)[:, None]
    )
    assert np.percentile(cosines, 1) > 0.999


def _dominant(rgb) -> str:
    r, g, b = (float(c) for c in rgb)
    if r > 2 * g and r > 2 * b:
        return "red"
    if g > 2 * r and g > 2 * b:
        return "green"
    if b > 2 * r and b > 2 * g:
        return "blue"
    if r > 2 * b and g > 2 * b:
        return "yellow"
    return "other"


@pytest.mark.parametrize("via_glb", [False, True])
def test_texture_colours_land_in_the_right_places(renderer, tmp_path, via_glb):
    quad = textured_quad()
    obj = quad
    if via_glb:
        path = tmp_path / "quad.glb"
        quad.export(path)
        obj = trimesh.load(path)
    camera = orbit_camera(np.zeros(3), 0.71, 0.0, 0.0, size=96, distance=2.0)
    view = renderer.render_view(obj, camera, light="overcast")
    expected = {
        (-0.25, 0.25): "red",
        (0.25, 0.25): "green",
        (-0.25, -0.25): "blue",
        (0.25, -0.25): "yellow",
    }
    for (x, y), colour in expected.items():
        uv, _ = project_points(camera, np.array([[x, y, 0.0]]))
        col, row = np.floor(uv[0]).astype(int)
        pixel = view.rgba[row, col]
        assert _dominant(pixel[:3]) == colour, (x, y, pixel)


def test_presets_differ_in_mean_colour(renderer, spot):
    cameras = orbit_cameras(spot, 2, size=96)
    means = {}
    for name in PRESETS:
        batch = renderer.render(spot, cameras, light=name)
        means[name] = batch.rgba[..., :3][batch.mask].mean(axis=0)
    names = list(means)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(means[a] - means[b]).sum() > 15, (a, b, means[a], means[b])
    # Night is the darkest; a light-grey mesh under studio light reads light grey.
    assert means["night"].mean() < min(m.mean() for n, m in means.items() if n != "night") - 30
    assert means["studio"].mean() > 140
    assert np.ptp(means["studio"]) < 8


def test_transparent_background_has_zero_alpha_off_object(renderer, sphere):
    camera = orbit_camera(np.zeros(3), 1.0, 0.0, 0.0, size=64)
    view = renderer.render_view(sphere, camera, background="transparent")
    assert (view.rgba[..., 3][~view.mask] == 0).all()
    assert (view.rgba[..., 3][view.mask] == 255).all()


def test_solid_background_colour_fills_off_object(renderer, sphere):
    camera = orbit_camera(np.zeros(3), 1.0, 0.0, 0.0, size=64)
    view = renderer.render_view(sphere, camera, background="#336699")
    assert (view.rgba[~view.mask] == (0x33, 0x66, 0x99, 255)).all()
    assert not (view.rgba[view.mask][:, :3] == (0x33, 0x66, 0x99)).all(axis=1).any()


def test_scene_parts_keep_their_materials_and_transforms(renderer):
    red = trimesh.creation.box((0.8, 0.8, 0.8))
    red.visual = trimesh.visual.TextureVisuals(
        material=PBRMaterial(baseColorFactor=[0.8, 0.05, 0.05, 1.0], metallicFactor=0.0)
    )
    blue = trimesh.creation.box((0.8, 0.8, 0.8))
    blue.visual.face_colors = (20, 40, 230, 255)
    scene = trimesh.Scene()
    scene.add_geometry(red, transform=trimesh.transformations.translation_matrix([-0.6, 0, 0]))
    scene.add_geometry(blue, transform=trimesh.transformations.translation_matrix([0.6, 0, 0]))
    camera = orbit_camera(np.zeros(3), 1.1, 0.0, 0.0, size=128, distance=4.0)
    view = renderer.render_view(scene, camera, light="overcast")
    for x, colour in ((-0.6, "red"), (0.6, "blue")):
        uv, _ = project_points(camera, np.array([[x, 0.0, 0.4]]))
        col, row = np.floor(uv[0]).astype(int)
        assert _dominant(view.rgba[row, col, :3]) == colour
    uv, _ = project_points(camera, np.array([[0.0, 0.0, 0.4]]))  # the gap between the boxes
    col, row = np.floor(uv[0]).astype(int)
    assert not view.mask[row, col]


def test_batch_equals_single_views_and_reuses_upload(renderer, spot):
    cameras = orbit_cameras(spot, 3, size=64)
    gpu = renderer.upload(spot)
    try:
        batch = renderer.render(gpu, cameras, light="sunset")
        for i, camera in enumerate(cameras):
            view = renderer.render_view(gpu, camera, light="sunset")
            np.testing.assert_array_equal(batch.rgba[i], view.rgba)
            np.testing.assert_array_equal(batch.depth[i], view.depth)
        rgba_only = renderer.render(gpu, cameras, light="sunset", geometry=False)
        np.testing.assert_array_equal(rgba_only.rgba, batch.rgba)
        assert rgba_only.depth is None and rgba_only.mask is None
    finally:
        gpu.release()
    assert batch.K.shape == (3, 3, 3) and batch.extrinsics_cv.shape == (3, 4, 4)


def _tilted_normal_quad(axis: int) -> trimesh.Trimesh:
    """The textured quad with a normal map tilting every normal 40 degrees toward +u or +v."""
    quad = textured_quad()
    tangent = np.zeros(3)
    tangent[axis] = math.sin(math.radians(40.0))
    tangent[2] = math.cos(math.radians(40.0))
    texel = np.round((tangent + 1.0) / 2.0 * 255.0).astype(np.uint8)
    normal_map = Image.fromarray(np.tile(texel, (8, 8, 1)))
    quad.visual.material = PBRMaterial(
        baseColorFactor=[0.8, 0.8, 0.8, 1.0],
        metallicFactor=0.0,
        roughnessFactor=1.0,
        normalTexture=normal_map,
    )
    return quad


@pytest.mark.parametrize(
    ("axis", "toward", "away"), [(0, (90.0, 0.0), (-90.0, 0.0)), (1, (0.0, 89.0), (180.0, -89.0))]
)
def test_normal_map_tilts_shading_toward_plus_u_and_plus_v(renderer, axis, toward, away):
    # The quad's +u is world +X (image right), +v is world +Y (up); a grazing light
    # from that side lights tilted normals, one from the other side does not.
    quad = _tilted_normal_quad(axis)
    camera = orbit_camera(np.zeros(3), 0.71, 0.0, 0.0, size=48, distance=2.0)
    brightness = []
    for azimuth, elevation in (toward, away):
        rig = LightRig(
            "test",
            (DirectionalLight(azimuth, elevation, (1.0, 1.0, 1.0), 1.0),),
            (0, 0, 0),
            (0, 0, 0),
        )
        view = renderer.render_view(quad, camera, light=rig)
        brightness.append(view.rgba[..., :3][view.mask].mean())
    assert brightness[0] > 100 and brightness[1] < 10


def test_alpha_mask_material_cuts_out_texels(renderer):
    quad = textured_quad()
    rgba = np.full((8, 8, 4), 255, dtype=np.uint8)
    rgba[:, :4, 3] = 0  # left half (u < 0.5) transparent
    quad.visual.material = PBRMaterial(
        baseColorTexture=Image.fromarray(rgba),
        alphaMode="MASK",
        alphaCutoff=0.5,
        metallicFactor=0.0,
    )
    camera = orbit_camera(np.zeros(3), 0.71, 0.0, 0.0, size=64, distance=2.0)
    view = renderer.render_view(quad, camera)
    cols = np.nonzero(view.mask.any(axis=0))[0]
    assert cols.min() >= 31 and cols.max() > 40


def test_invalid_inputs_raise(renderer, sphere):
    small, large = (
        orbit_camera(np.zeros(3), 1, 0, 0, size=32),
        orbit_camera(np.zeros(3), 1, 0, 0, size=64),
    )
    with pytest.raises(InputError, match="share an image size"):
        renderer.render(sphere, [small, large])
    with pytest.raises(InputError, match="unknown light preset"):
        renderer.render(sphere, [small], light="disco")
    with pytest.raises(InvalidMeshError):
        renderer.render(trimesh.Trimesh(), [small])


def test_shadows_darken_occluded_surfaces_only(renderer, sphere):
    camera = orbit_camera(np.zeros(3), 1.0, 30.0, 25.0, size=128)
    lit = renderer.render_view(sphere, camera, shadows=False).rgba[..., :3].astype(int)
    shadowed = renderer.render_view(sphere, camera, shadows=True).rgba[..., :3].astype(int)
    # A convex body cannot shadow its own lit side: no acne.
    assert np.abs(lit - shadowed).mean() < 0.5
    assert np.percentile(np.abs(lit - shadowed), 99.5) <= 4
    # A ball resting over a slab shadows the slab under the key light.
    scene = trimesh.Scene()
    scene.add_geometry(trimesh.creation.box((3.0, 0.1, 3.0)))
    scene.add_geometry(
        trimesh.creation.icosphere(3, radius=0.4),
        transform=trimesh.transformations.translation_matrix([0, 0.6, 0]),
    )
    camera = orbit_camera(np.zeros(3), 2.2, 0.0, 50.0, size=128)
    lit = renderer.render_view(scene, camera, shadows=False).rgba[..., :3].astype(int)
    shadowed = renderer.render_view(scene, camera, shadows=True).rgba[..., :3].astype(int)
    assert (shadowed <= lit + 1).all()
    assert ((lit - shadowed).max(axis=2) > 20).sum() > 100
