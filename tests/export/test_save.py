"""`save`: format dispatch, folders, atomic replacement, error types."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from meshsmith.errors import ExportError, InvalidMeshError, UnsupportedFormatError
from meshsmith.export import EXPORTERS, save
from meshsmith.export import formats as formats_module


def test_registry_lists_the_six_formats():
    assert sorted(EXPORTERS) == ["3mf", "glb", "obj", "ply", "stl", "usdz"]


def test_format_from_extension_and_override(tmp_path):
    box = trimesh.creation.box()
    assert save(box, tmp_path / "A.GLB")[0].read_bytes()[:4] == b"glTF"
    forced = save(box, tmp_path / "model.bin", fmt="stl")[0]
    assert forced.name == "model.bin" and forced.stat().st_size == 84 + 50 * 12


def test_unknown_format_lists_supported(tmp_path):
    with pytest.raises(UnsupportedFormatError, match=r"\.glb.*\.usdz|\.usdz.*\.glb"):
        save(trimesh.creation.box(), tmp_path / "x.fbx")
    with pytest.raises(UnsupportedFormatError, match="supported"):
        save(trimesh.creation.box(), tmp_path / "x.glb", fmt="fbx")


def test_parent_folders_are_created(tmp_path):
    path = save(trimesh.creation.box(), tmp_path / "a" / "b" / "c.ply")[0]
    assert path.is_file()


def test_failed_write_leaves_nothing_and_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "asset.glb"
    target.write_bytes(b"previous version")

    def fails_halfway(obj, path, provenance):
        path.write_bytes(b"glTF half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(formats_module.EXPORTERS, "glb", fails_halfway)
    with pytest.raises(ExportError, match="asset.glb"):
        save(trimesh.creation.box(), target)
    assert target.read_bytes() == b"previous version"
    assert [p.name for p in tmp_path.iterdir()] == ["asset.glb"]


def test_invalid_geometry_is_an_input_error_and_writes_nothing(tmp_path):
    bad = trimesh.creation.box()
    bad.vertices[0] = [np.nan, 0, 0]
    with pytest.raises(InvalidMeshError, match="NaN"):
        save(bad, tmp_path / "bad.obj")
    with pytest.raises(InvalidMeshError, match="no triangles"):
        save(trimesh.Trimesh(), tmp_path / "empty.obj")
    assert list(tmp_path.iterdir()) == []


def test_all_files_of_a_multi_file_format_are_returned(tmp_path):
    from tests.export.assets import make_textured_sphere

    written = save(make_textured_sphere(1), tmp_path / "out" / "m.obj")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in written)
