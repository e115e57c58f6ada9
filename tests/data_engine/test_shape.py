"""Shape: grounding, part-tracked union, scene with PBR materials, surface samples."""

from __future__ import annotations

import io

import igl
import numpy as np
import pytest
import trimesh

from meshsmith.data import materials as M
from meshsmith.data.registry import generate
from meshsmith.data.shape import Part, Shape, Traits
from meshsmith.data.solids import box, cylinder
from meshsmith.errors import GeometryError


def two_part_shape() -> Shape:
    parts = [
        Part("top", box((1.0, 0.1, 1.0), (5.0, 3.0, 2.0)), M.get("red plastic")),
        Part("post", cylinder(0.1, 1.0, (5.0, 2.0, 2.0), segments=16), M.get("steel")),
    ]
    return Shape("test", 1, {}, parts, Traits(primary="top"))


def test_shape_is_grounded_and_centred():
    mesh = two_part_shape().mesh()
    lo, hi = mesh.bounds
    assert lo[1] == pytest.approx(0.0, abs=1e-9)
    assert hi[1] == pytest.approx(1.05, abs=1e-4)
    np.testing.assert_allclose((lo[[0, 2]] + hi[[0, 2]]) / 2, 0.0, atol=1e-4)


def test_union_tracks_which_part_each_face_came_from():
    shape = two_part_shape()
    mesh = shape.mesh()
    parts = shape.face_parts
    assert parts.shape == (len(mesh.faces),) and set(parts) == {0, 1}
    centres = mesh.triangles_center
    # Post faces lie on the thin cylinder (below the top slab); top faces on the slab.
    assert np.all(np.hypot(centres[parts == 1][:, 0], centres[parts == 1][:, 2]) < 0.11)
    assert np.all(centres[parts == 0][:, 1] > 0.94)
    assert mesh.metadata["part_names"] == ["top", "post"]
    assert mesh.is_watertight and mesh.body_count == 1


def test_shape_rejects_bad_parts():
    with pytest.raises(GeometryError):
        Shape("x", 0, {}, [], Traits(primary="a"))
    part = Part("a", box((1, 1, 1)), M.get("oak"))
    with pytest.raises(GeometryError):
        Shape("x", 0, {}, [part, part], Traits(primary="a"))
    with pytest.raises(GeometryError):
        Shape("x", 0, {}, [part], Traits(primary="b"))


def test_scene_has_one_pbr_geometry_per_part():
    shape = generate("chair", 2)
    scene = shape.scene()
    names = [p.name for p in shape.parts]
    assert sorted(scene.geometry) == sorted(names)
    union_area = shape.mesh().area
    assert sum(g.area for g in scene.geometry.values()) == pytest.approx(union_area, rel=1e-9)
    for part in shape.parts:
        mat = scene.geometry[part.name].visual.material
        assert isinstance(mat, trimesh.visual.material.PBRMaterial)
        np.testing.assert_allclose(
            np.asarray(mat.baseColorFactor[:3]) / 255.0, part.material.color, atol=1 / 255
        )
        assert mat.roughnessFactor == pytest.approx(part.material.roughness)
        assert mat.metallicFactor == pytest.approx(part.material.metallic)


def test_textured_scene_exports_to_glb_and_back():
    shape = generate("barrel", 1)
    scene = shape.scene(textured=True, texture_size=32)
    for geom in scene.geometry.values():
        uv = geom.visual.uv
        assert uv.shape == (len(geom.vertices), 2) and np.isfinite(uv).all()
        assert geom.visual.material.baseColorTexture.size == (32, 32)
    data = scene.export(file_type="glb")
    back = trimesh.load(io.BytesIO(data), file_type="glb")
    assert sorted(back.geometry) == sorted(scene.geometry)
    merged = back.to_mesh() if hasattr(back, "to_mesh") else back.dump(concatenate=True)
    assert merged.area == pytest.approx(shape.mesh().area, rel=1e-4)


def test_surface_samples_lie_on_the_surface_with_material_values():
    shape = generate("lamp", 4)
    s = shape.surface_samples(3000, np.random.default_rng(0))
    assert s.points.shape == (3000, 3) and s.normals.shape == (3000, 3)
    np.testing.assert_allclose(np.linalg.norm(s.normals, axis=1), 1.0, atol=1e-6)
    mesh = shape.mesh()
    sq, _, _ = igl.point_mesh_squared_distance(s.points, mesh.vertices, mesh.faces.astype(np.int64))
    assert np.sqrt(sq).max() < 1e-9
    for i, part in enumerate(shape.parts):
        sel = s.part == i
        if sel.any():
            np.testing.assert_array_equal(s.metallic[sel], part.material.metallic)
            assert np.abs(s.albedo[sel].mean(axis=0) - np.asarray(part.material.color)).max() < 0.12
    again = shape.surface_samples(3000, np.random.default_rng(0))
    np.testing.assert_array_equal(again.albedo, s.albedo)
    # Area-uniform: the fraction of samples per part follows the part's share of surface area.
    areas = np.bincount(
        shape.face_parts, weights=shape.mesh().area_faces, minlength=len(shape.parts)
    )
    frac = np.bincount(s.part, minlength=len(shape.parts)) / 3000
    np.testing.assert_allclose(frac, areas / areas.sum(), atol=0.03)
