"""Real, messy meshes from /work/shared (skipped where that folder is absent):
loading, GLB and USDZ validity, and a geometry round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshsmith.export import load_mesh, load_scene, save
from tests.export.helpers import as_mesh, bbox_diagonal, chamfer
from tests.validators import gltf_report, usd_validation_errors

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata" / "real-meshes"
FILES = sorted(p.name for p in REAL.glob("*.obj")) if REAL.is_dir() else []


@pytest.mark.skipif(not FILES, reason="shared real-mesh folder not available")
@pytest.mark.parametrize("name", FILES)
def test_real_mesh_converts_cleanly(name, tmp_path):
    scene = load_scene(REAL / name)
    original = as_mesh(scene)
    glb = save(scene, tmp_path / "m.glb")[0]
    report = gltf_report(glb)
    assert (report["errors"], report["warnings"]) == (0, 0), report["messages"]
    assert usd_validation_errors(save(scene, tmp_path / "m.usdz")[0]) == []
    back = load_mesh(glb)
    assert chamfer(original, back) < 1e-4 * bbox_diagonal(original)
