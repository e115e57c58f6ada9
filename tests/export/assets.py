"""Test assets for the exporters: a cube, a textured sphere, a two-part scene, vertex colours."""

from __future__ import annotations

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial

# Texel values the round-trip tests look for: one colour per image quadrant, so a
# flipped U or V axis shows up as a wrong colour.
QUADRANT_COLORS = {
    "top_left": (200, 30, 40),
    "top_right": (20, 160, 220),
    "bottom_left": (240, 200, 20),
    "bottom_right": (30, 150, 60),
}
MR_RGB = (255, 180, 40)  # G = roughness 0.71, B = metallic 0.16
NORMAL_RGB = (128, 128, 255)  # flat tangent-space normal


def quadrant_image(size: int = 64) -> Image.Image:
    """(size, size) RGB with one QUADRANT_COLORS colour per quadrant (row 0 = top)."""
    pixels = np.zeros((size, size, 3), dtype=np.uint8)
    half = size // 2
    pixels[:half, :half] = QUADRANT_COLORS["top_left"]
    pixels[:half, half:] = QUADRANT_COLORS["top_right"]
    pixels[half:, :half] = QUADRANT_COLORS["bottom_left"]
    pixels[half:, half:] = QUADRANT_COLORS["bottom_right"]
    return Image.fromarray(pixels)


def solid_image(rgb: tuple[int, int, int], size: int = 16) -> Image.Image:
    return Image.fromarray(np.full((size, size, 3), rgb, dtype=np.uint8))


def make_cube() -> trimesh.Trimesh:
    """Unit cube, 8 shared vertices, no visuals."""
    return trimesh.creation.box(extents=(1.0, 1.0, 1.0))


def make_textured_sphere(subdivisions: int = 3, texture_size: int = 64) -> trimesh.Trimesh:
    """Icosphere (radius 0.5) with spherical UVs and baseColor, MR and normal maps."""
    return add_pbr_textures(trimesh.creation.icosphere(subdivisions, radius=0.5), texture_size)


def add_pbr_textures(sphere: trimesh.Trimesh, texture_size: int = 64) -> trimesh.Trimesh:
    """`sphere` (centred at the origin) with UVs u = longitude, v = latitude (v = 1 at +Y)
    and a PBR material: quadrant base colour, solid MR_RGB and NORMAL_RGB maps."""
    vertices = sphere.vertices
    radius = np.linalg.norm(vertices, axis=1)
    u = (np.arctan2(vertices[:, 2], vertices[:, 0]) / (2 * np.pi)) % 1.0
    v = np.arccos(np.clip(vertices[:, 1] / radius, -1, 1)) / np.pi
    material = PBRMaterial(
        name="painted",
        baseColorFactor=(255, 255, 255, 255),
        metallicFactor=1.0,
        roughnessFactor=1.0,
        baseColorTexture=quadrant_image(texture_size),
        metallicRoughnessTexture=solid_image(MR_RGB, texture_size),
        normalTexture=solid_image(NORMAL_RGB, texture_size),
    )
    visual = trimesh.visual.TextureVisuals(uv=np.column_stack([u, 1.0 - v]), material=material)
    return trimesh.Trimesh(vertices, sphere.faces, visual=visual, process=False)


def make_two_part_scene() -> trimesh.Scene:
    """A red box seat (0.3 m above the ground) and a blue cylinder leg, as two nodes."""
    seat = trimesh.creation.box(extents=(0.6, 0.1, 0.6))
    seat.visual = trimesh.visual.TextureVisuals(
        material=PBRMaterial(
            name="red_paint",
            baseColorFactor=(220, 20, 20, 255),
            metallicFactor=0.0,
            roughnessFactor=0.4,
        )
    )
    leg = trimesh.creation.cylinder(radius=0.05, height=0.3, sections=24)
    leg.visual = trimesh.visual.TextureVisuals(
        material=PBRMaterial(
            name="blue_metal",
            baseColorFactor=(30, 40, 230, 255),
            metallicFactor=1.0,
            roughnessFactor=0.2,
        )
    )
    scene = trimesh.Scene()
    up = trimesh.transformations.rotation_matrix(-np.pi / 2, [1, 0, 0])
    scene.add_geometry(
        seat,
        node_name="seat",
        geom_name="seat",
        transform=trimesh.transformations.translation_matrix([0, 0.35, 0]),
    )
    leg_transform = trimesh.transformations.translation_matrix([0, 0.15, 0]) @ up
    scene.add_geometry(leg, node_name="leg", geom_name="leg", transform=leg_transform)
    return scene


def make_vertex_colored() -> trimesh.Trimesh:
    """Icosphere coloured by height: red at the bottom, green at the top, alpha 255."""
    mesh = trimesh.creation.icosphere(subdivisions=2, radius=0.4)
    t = (mesh.vertices[:, 1] - mesh.vertices[:, 1].min()) / np.ptp(mesh.vertices[:, 1])
    colors = (
        np.column_stack([255 * (1 - t), 255 * t, np.full_like(t, 64), np.full_like(t, 255)])
        .round()
        .astype(np.uint8)
    )
    return trimesh.Trimesh(mesh.vertices, mesh.faces, vertex_colors=colors, process=False)


ASSETS = {
    "cube": make_cube,
    "textured": make_textured_sphere,
    "scene": make_two_part_scene,
    "colored": make_vertex_colored,
}
