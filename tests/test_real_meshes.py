"""Every real test mesh converts with --repair to a watertight, manifold, valid GLB."""

from __future__ import annotations

import json

import pytest

from meshsmith.cli import main
from tests.conftest import real_mesh_paths
from tests.validators import gltf_report


@pytest.mark.parametrize("source", real_mesh_paths(), ids=lambda p: p.stem)
def test_repair_convert_real_mesh(tmp_path, capsys, source):
    out = tmp_path / f"{source.stem}.glb"
    assert main(["convert", str(source), str(out), "--repair"]) == 0
    capsys.readouterr()
    assert main(["inspect", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["watertight"] and report["manifold"], report
    assert report["non_manifold_edges"] == 0 and report["degenerate_faces"] == 0
    assert report["volume"] > 0
    assert gltf_report(out)["errors"] == 0
