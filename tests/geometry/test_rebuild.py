import numpy as np
import pytest
import trimesh

from meshsmith.geometry.qa import inspect_mesh
from meshsmith.geometry.rebuild import rebuild_closed


def test_axis_aligned_box_is_rebuilt_exactly():
    box = trimesh.creation.box(extents=[2.0, 1.0, 0.5])
    result = rebuild_closed(box, resolution=64)
    assert result.method == "winding number"
    report = inspect_mesh(result.mesh)
    assert report.watertight and report.manifold and report.genus == 0
    # Faces sit half a voxel off the grid, where the winding number is ~0 or ~1.
    np.testing.assert_allclose(result.mesh.bounds, box.bounds, atol=1e-3)
    assert report.volume == pytest.approx(1.0, rel=0.01)
    assert result.extraction.evaluations < result.extraction.dense_evaluations


def test_thin_slab_between_coarse_samples_is_kept():
    # 0.03 thick: 4 voxels at 256 but half a coarse cell (1.9 / 33); the surface
    # samples passed to extract_mesh are what make the coarse pass refine it.
    block = trimesh.creation.box(extents=[1.0, 1.0, 1.0])
    slab = trimesh.creation.box(extents=[0.8, 0.03, 0.8])
    slab.apply_translation([0.0, 0.0, 1.4])
    result = rebuild_closed(trimesh.util.concatenate([block, slab]), resolution=256)
    report = inspect_mesh(result.mesh)
    assert report.watertight and report.manifold
    assert report.components == 2
    assert result.mesh.bounds[1][2] == pytest.approx(1.8, abs=0.01)
    assert report.volume == pytest.approx(1.0 + 0.8 * 0.8 * 0.03, rel=0.02)


def test_open_sheet_becomes_a_thin_closed_shell():
    disc = trimesh.creation.annulus(r_min=0.2, r_max=1.0, height=0.3)
    top_only = disc.faces[disc.face_normals[:, 2] > 0.9]
    sheet = trimesh.Trimesh(disc.vertices, top_only)
    sheet.remove_unreferenced_vertices()
    result = rebuild_closed(sheet, resolution=64)
    assert result.method == "thickened shell"
    report = inspect_mesh(result.mesh)
    assert report.watertight and report.manifold and report.genus == 1  # a thick washer
