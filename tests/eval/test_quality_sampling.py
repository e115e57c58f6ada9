"""Mesh-quality summaries and surface sampling with appearance."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from PIL import Image
from trimesh.visual import ColorVisuals, TextureVisuals
from trimesh.visual.material import PBRMaterial

from meshsmith.colorspace import srgb_to_linear
from meshsmith.eval.quality import mesh_quality, quality_summary
from meshsmith.eval.sampling import sample_surface


def test_quality_of_closed_and_open_boxes():
    closed = trimesh.creation.box()
    opened = trimesh.Trimesh(closed.vertices, closed.faces[:-2], process=False)
    reports = [mesh_quality(closed), mesh_quality(opened)]
    assert reports[0] == {"faces": 12, "watertight": True, "manifold": True, "components": 1}
    assert reports[1]["watertight"] is False and reports[1]["manifold"] is True
    summary = quality_summary(reports)
    assert summary["watertight"] == 0.5 and summary["manifold"] == 1.0
    assert summary["faces_median"] == 11.0 and summary["faces_min"] == 10.0
    assert quality_summary([]) == {}


def test_samples_are_deterministic_and_on_the_surface():
    box = trimesh.creation.box((2.0, 1.0, 1.0))
    a = sample_surface(box, 5000, seed=3)
    b = sample_surface(box, 5000, seed=3)
    np.testing.assert_array_equal(a["points"], b["points"])
    assert not np.array_equal(a["points"], sample_surface(box, 5000, seed=4)["points"])
    # Every point lies on a face of the box, with that face's normal.
    on_x = np.isclose(np.abs(a["points"][:, 0]), 1.0)
    np.testing.assert_allclose(np.abs(a["normals"][on_x, 0]), 1.0)
    # Area-uniform: the two 1 x 1 end faces hold 2 of the 10 area units.
    assert on_x.mean() == pytest.approx(0.2, abs=0.02)


def test_pbr_factors_give_linear_albedo_and_material():
    box = trimesh.creation.box()
    material = PBRMaterial(
        baseColorFactor=[0.5, 0.25, 1.0, 1.0], roughnessFactor=0.3, metallicFactor=0.9
    )
    box.visual = TextureVisuals(uv=np.zeros((len(box.vertices), 2)), material=material)
    s = sample_surface(box, 100, appearance=True)
    np.testing.assert_allclose(s["albedo"], np.tile([0.5, 0.25, 1.0], (100, 1)), atol=3e-3)
    np.testing.assert_allclose(s["roughness"], 0.3, atol=1e-6)
    np.testing.assert_allclose(s["metallic"], 0.9, atol=1e-6)


def test_textures_are_read_at_the_uv_of_each_point():
    quad = trimesh.Trimesh(
        [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], [[0, 1, 2], [0, 2, 3]], process=False
    )
    # Left half red, right half blue (sRGB); metallicRoughness: G = roughness 0.4.
    pixels = np.zeros((4, 4, 3), np.uint8)
    pixels[:, :2] = (255, 0, 0)
    pixels[:, 2:] = (0, 0, 128)
    mr = np.zeros((4, 4, 3), np.uint8)
    mr[..., 1] = 102
    material = PBRMaterial(
        baseColorTexture=Image.fromarray(pixels),
        metallicRoughnessTexture=Image.fromarray(mr),
        metallicFactor=1.0,
        roughnessFactor=1.0,
    )
    quad.visual = TextureVisuals(uv=quad.vertices[:, :2], material=material)
    s = sample_surface(quad, 400, appearance=True)
    left = s["points"][:, 0] < 0.49
    right = s["points"][:, 0] > 0.51
    np.testing.assert_allclose(s["albedo"][left], [[1.0, 0.0, 0.0]] * left.sum(), atol=1e-6)
    blue = srgb_to_linear(128 / 255)
    np.testing.assert_allclose(s["albedo"][right], [[0.0, 0.0, blue]] * right.sum(), atol=1e-6)
    np.testing.assert_allclose(s["roughness"], 0.4, atol=1e-6)
    np.testing.assert_allclose(s["metallic"], 0.0, atol=1e-6)


def test_vertex_colours_are_srgb():
    box = trimesh.creation.box()
    box.visual = ColorVisuals(box, vertex_colors=np.tile([188, 188, 188, 255], (8, 1)))
    s = sample_surface(box, 50, appearance=True)
    np.testing.assert_allclose(s["albedo"], srgb_to_linear(188 / 255), atol=1e-5)
