import numpy as np
import pytest
import trimesh

from meshsmith.geometry.convert import ConvertOptions, convert_asset
from meshsmith.geometry.qa import inspect_mesh


def _two_part_scene() -> trimesh.Scene:
    scene = trimesh.Scene()
    for name, offset, colour in (("seat", 0.0, [1, 0, 0, 1]), ("leg", 2.0, [0, 0, 1, 1])):
        box = trimesh.creation.box([1.0, 1.0, 1.0])
        box.apply_translation([offset, 0, 0])
        box.visual = trimesh.visual.TextureVisuals(
            material=trimesh.visual.material.PBRMaterial(name=name, baseColorFactor=colour)
        )
        scene.add_geometry(box, geom_name=name)
    return scene


def test_no_steps_passes_the_scene_through():
    scene = _two_part_scene()
    asset, steps = convert_asset(scene, ConvertOptions())
    assert asset is scene and steps == []


def test_size_keeps_parts_and_materials():
    asset, steps = convert_asset(_two_part_scene(), ConvertOptions(size=0.6))
    assert isinstance(asset, trimesh.Scene) and len(asset.geometry) == 2
    np.testing.assert_allclose(asset.bounds, [[-0.3, 0.0, -0.1], [0.3, 0.2, 0.1]], atol=1e-12)
    names = sorted(g.visual.material.name for g in asset.geometry.values())
    assert names == ["leg", "seat"] and len(steps) == 1


def test_repair_of_a_soup_is_closed_and_within_the_budget():
    box = trimesh.creation.box()
    rng = np.random.default_rng(3)
    triangles = box.triangles[rng.permutation(len(box.triangles))]
    triangles[0] = triangles[0][::-1]  # one flipped face
    soup = trimesh.Trimesh(triangles.reshape(-1, 3), np.arange(36).reshape(-1, 3), process=False)
    asset, steps = convert_asset(trimesh.Scene(soup), ConvertOptions(repair=True, max_faces=200))
    report = inspect_mesh(asset)
    assert report.watertight and report.manifold and report.faces <= 200
    assert report.volume == pytest.approx(1.0, rel=0.05)
    assert steps[0].startswith("repair")
