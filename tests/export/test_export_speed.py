"""Export time per format for a 10k-face mesh with three 1024 x 1024 maps (slow)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import trimesh
from PIL import Image

from meshsmith.export import EXPORTERS, save
from tests.export.assets import add_pbr_textures

# Generous: the measured times on the 2-core dev machine are far below these.
LIMIT_SECONDS = {"glb": 3.0, "obj": 5.0, "usdz": 5.0, "stl": 1.0, "3mf": 3.0, "ply": 3.0}


def noisy_map(seed: int, size: int = 1024) -> Image.Image:
    """Random RGB: compresses like real baked textures (badly), unlike flat colours."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))


def benchmark_mesh() -> trimesh.Trimesh:
    sphere = add_pbr_textures(trimesh.creation.uv_sphere(radius=0.5, count=[36, 72]), 16)
    material = sphere.visual.material
    material.baseColorTexture = noisy_map(0)
    material.metallicRoughnessTexture = noisy_map(1)
    material.normalTexture = noisy_map(2)
    return sphere


@pytest.mark.slow
def test_export_time_per_format(tmp_path):
    mesh = benchmark_mesh()
    assert 9_500 <= len(mesh.faces) <= 10_500
    timings = {}
    for fmt in EXPORTERS:
        start = time.perf_counter()
        save(mesh, tmp_path / f"bench.{fmt}")
        timings[fmt] = time.perf_counter() - start
    print(
        "export seconds, 10k faces, 3 x 1024^2 maps:", {k: round(v, 3) for k, v in timings.items()}
    )
    for fmt, seconds in timings.items():
        assert seconds < LIMIT_SECONDS[fmt], (fmt, seconds)
