"""The `meshsmith` command as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import trimesh

from tests.conftest import run_meshsmith


def _assert_one_line_error(done, code: int = 2) -> None:
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("meshsmith: error:")
    assert "Traceback" not in done.stderr


def test_version_and_help():
    done = run_meshsmith("--version")
    assert done.returncode == 0 and done.stdout.startswith("meshsmith ")
    done = run_meshsmith("--help")
    assert done.returncode == 0
    for command in ("inspect", "convert", "render", "bench"):
        assert command in done.stdout


def test_inspect_json_keys_and_values(spot_path):
    done = run_meshsmith("inspect", spot_path, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for key in [
        "faces",
        "vertices",
        "watertight",
        "manifold",
        "non_manifold_edges",
        "components",
        "degenerate_faces",
        "has_uv",
        "has_texture",
        "bbox",
        "volume",
        "provenance",
    ]:
        assert key in report
    mesh = trimesh.load(spot_path, force="mesh")
    assert report["faces"] == len(mesh.faces)
    assert report["watertight"] is True and report["manifold"] is True
    assert report["components"] == 1 and report["genus"] == 0
    assert report["has_uv"] is True
    assert math.isclose(report["volume"], mesh.volume, rel_tol=1e-6)
    np.testing.assert_allclose(report["bbox"]["min"], mesh.bounds[0], atol=1e-9)


def test_inspect_human_output(spot_path):
    done = run_meshsmith("inspect", spot_path)
    assert done.returncode == 0
    assert "watertight True" in done.stdout and "faces 5856" in done.stdout


def test_convert_repair_writes_watertight_glb_with_provenance(tmp_path, spot_path):
    out = tmp_path / "spot.glb"
    done = run_meshsmith("convert", spot_path, out, "--repair", "--size", "0.25", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["outputs"] == [str(out)]
    report = json.loads(run_meshsmith("inspect", out, "--json").stdout)
    assert report["watertight"] and report["manifold"]
    assert max(report["bbox"]["size"]) == pytest.approx(0.25, rel=1e-5)
    assert report["bbox"]["min"][1] == pytest.approx(0.0, abs=1e-6)
    provenance = report["provenance"]
    assert provenance["generator"].startswith("meshsmith ")
    assert provenance["ai_generated"] is False
    assert len(provenance["source_sha256"]) == 64


def test_convert_faces_budget(tmp_path, spot_path):
    out = tmp_path / "small.stl"
    done = run_meshsmith("convert", spot_path, out, "--faces", "800")
    assert done.returncode == 0, done.stderr
    report = json.loads(run_meshsmith("inspect", out, "--json").stdout)
    assert report["faces"] <= 800
    assert report["watertight"] and report["manifold"]


@pytest.mark.parametrize(
    "name, content",
    [
        ("random.obj", bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8))),
        ("empty.obj", b""),
        ("nan.obj", b"v nan 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n"),
        ("nofaces.obj", b"v 0 0 0\nv 1 0 0\nv 0 1 0\n"),
        ("truncated.glb", None),
    ],
)
def test_corrupt_input_exits_2_with_one_line(tmp_path, spot_path, name, content):
    path = tmp_path / name
    if content is None:  # the first half of a valid GLB
        full = trimesh.load(spot_path, force="mesh").export(file_type="glb")
        content = full[: len(full) // 2]
    path.write_bytes(content)
    for args in (("inspect", path), ("convert", path, tmp_path / "out.glb", "--repair")):
        _assert_one_line_error(run_meshsmith(*args))
    assert not (tmp_path / "out.glb").exists()


def test_bad_arguments_exit_2(tmp_path, spot_path):
    _assert_one_line_error(run_meshsmith("inspect", tmp_path / "missing.obj"))
    _assert_one_line_error(run_meshsmith("convert", spot_path, tmp_path / "x.fbx"))
    _assert_one_line_error(run_meshsmith("convert", spot_path, tmp_path / "x.glb", "--faces", "0"))
    _assert_one_line_error(run_meshsmith("frobnicate"))
    _assert_one_line_error(
        run_meshsmith("render", spot_path, "-o", tmp_path / "x.png", "--light", "disco")
    )


def test_render_sheet_and_turntable(tmp_path, spot_path):
    from PIL import Image

    sheet = tmp_path / "spot.png"
    done = run_meshsmith(
        "render",
        spot_path,
        "-o",
        sheet,
        "--views",
        "4",
        "--size",
        "64",
        "--background",
        "transparent",
        "--light",
        "sunset",
    )
    assert done.returncode == 0, done.stderr
    image = Image.open(sheet)
    assert image.size == (128, 128) and image.mode == "RGBA"
    alpha = np.asarray(image)[..., 3]
    assert 0.05 < (alpha > 0).mean() < 0.9  # the cow covers part of each tile
    gif = tmp_path / "spot.gif"
    done = run_meshsmith("render", spot_path, "-o", gif, "--views", "6", "--size", "48", "--sketch")
    assert done.returncode == 0, done.stderr
    assert Image.open(gif).n_frames == 6
