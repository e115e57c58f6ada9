"""Shared meshes for the renderer tests."""

from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

from meshsmith.render.renderer import Renderer

SPOT = Path(__file__).parents[1] / "data" / "spot.obj"


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="session")
def sphere() -> trimesh.Trimesh:
    """Unit sphere at the origin, fine enough that facets sit within 5e-4 of it."""
    return trimesh.creation.icosphere(subdivisions=4, radius=1.0)


@pytest.fixture(scope="session")
def spot() -> trimesh.Trimesh:
    return trimesh.load(SPOT, force="mesh")


def quadrant_texture(size: int = 64) -> Image.Image:
    """Top-left red, top-right green, bottom-left blue, bottom-right yellow."""
    h = size // 2
    image = np.zeros((size, size, 3), dtype=np.uint8)
    image[:h, :h] = (255, 0, 0)
    image[:h, h:] = (0, 255, 0)
    image[h:, :h] = (0, 0, 255)
    image[h:, h:] = (255, 255, 0)
    return Image.fromarray(image)


def textured_quad() -> trimesh.Trimesh:
    """A 1 m square in the z = 0 plane facing +Z, UV (0, 0) at its bottom-left corner."""
    vertices = np.array([[-0.5, -0.5, 0.0], [0.5, -0.5, 0.0], [0.5, 0.5, 0.0], [-0.5, 0.5, 0.0]])
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    uv = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    material = PBRMaterial(
        baseColorTexture=quadrant_texture(), metallicFactor=0.0, roughnessFactor=0.8
    )
    visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    return trimesh.Trimesh(vertices, faces, visual=visual, process=False)
