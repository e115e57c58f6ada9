import numpy as np
import trimesh
from PIL import Image

from meshsmith.geometry.simplify import simplify_mesh
from meshsmith.geometry.transfer import transfer_surface_colour

RED, BLUE = (255, 0, 0, 255), (0, 0, 255, 255)


def _halves(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return points[:, 0] > 0.1, points[:, 0] < -0.1


def test_vertex_colours_follow_the_surface():
    source = trimesh.creation.icosphere(5)
    colours = np.where(source.vertices[:, :1] > 0, RED, BLUE).astype(np.uint8)
    source.visual = trimesh.visual.ColorVisuals(source, vertex_colors=colours)
    target = simplify_mesh(source, 500)
    result = transfer_surface_colour(source, target)
    right, left = _halves(result.vertices)
    got = np.asarray(result.visual.vertex_colors)
    assert (got[right] == RED).all() and (got[left] == BLUE).all()


def test_texture_colours_follow_the_surface():
    source = trimesh.creation.icosphere(4)
    uv = np.where(source.vertices[:, :1] > 0, [[0.25, 0.5]], [[0.75, 0.5]])
    image = np.zeros((8, 8, 3), np.uint8)
    image[:, :4] = RED[:3]
    image[:, 4:] = BLUE[:3]
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=Image.fromarray(image))
    source.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    target = trimesh.creation.icosphere(2)
    result = transfer_surface_colour(source, target)
    right, left = _halves(result.vertices)
    got = np.asarray(result.visual.vertex_colors)
    assert (got[right] == RED).all() and (got[left] == BLUE).all()


def test_one_untextured_material_is_kept():
    source = trimesh.creation.box()
    material = trimesh.visual.material.PBRMaterial(
        baseColorFactor=[0.2, 0.6, 0.1, 1.0], metallicFactor=0.8, roughnessFactor=0.3
    )
    source.visual = trimesh.visual.TextureVisuals(material=material)
    result = transfer_surface_colour(source, trimesh.creation.box().subdivide())
    kept = result.visual.material
    assert kept.metallicFactor == 0.8 and kept.roughnessFactor == 0.3
    np.testing.assert_array_equal(kept.baseColorFactor, material.baseColorFactor)
