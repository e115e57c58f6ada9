"""`meshsmith generate` through the real console script."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from meshsmith.cli import build_parser
from meshsmith.export import read_provenance
from meshsmith.pipeline.commands import _config, _stage_progress, long_lived
from meshsmith.pipeline.config import GenerationConfig
from tests.conftest import MESHSMITH
from tests.pipeline.conftest import TEST_MODEL

#: Seconds a CLI run may take: a few when the machine is idle, but a CPU starved by
#: other work (a training run) stretches a cold start many times over.
CLI_TIMEOUT = 1800


def run_meshsmith_in(folder, *args, env=None) -> subprocess.CompletedProcess:
    """The console script with `folder` as the working directory (for the default ./outputs)."""
    return subprocess.run(
        [MESHSMITH, *map(str, args)], capture_output=True, text=True, env=env, cwd=folder,
        timeout=CLI_TIMEOUT,
    )  # fmt: skip


SMALL_ARGS = ("--model", TEST_MODEL, "--faces", "500", "--texture-size", "64", "--steps", "8")


def test_generate_writes_formats_preview_and_json(tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    done = run_meshsmith_in(
        tmp_path, "generate", "a blue ceramic mug", "--seed", "5", "--format", "glb,usdz",
        "--preview", "mug.png", "--json", *SMALL_ARGS, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["outputs"] == [
        "outputs/a-blue-ceramic-mug-5.glb",
        "outputs/a-blue-ceramic-mug-5.usdz",
    ]
    for name in payload["outputs"]:
        assert (tmp_path / name).stat().st_size > 0
    assert payload["seed"] == 5 and payload["model"]
    stages = {"encode", "sample", "field", "cleanup", "simplify", "unwrap", "bake"}
    assert set(payload["timings"]) == stages | {"export", "preview"}
    assert payload["qa"]["watertight"] and payload["qa"]["manifold"]
    assert payload["qa"]["faces"] <= 500
    assert Image.open(tmp_path / "mug.png").size[0] > 0
    provenance = read_provenance(tmp_path / payload["outputs"][0])
    assert provenance["created"] == "2023-11-14T22:13:20Z" and provenance["seed"] == 5


def test_batch_writes_one_asset_per_prompt(tmp_path):
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("# props\na wooden crate\n\na rusty iron sword\n")
    done = run_meshsmith_in(
        tmp_path, "generate", "--batch", prompts, "-o", tmp_path / "out", "--seed", "2", "--json",
        *SMALL_ARGS,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert [a["prompt"] for a in payload["assets"]] == ["a wooden crate", "a rusty iron sword"]
    assert [a["seed"] for a in payload["assets"]] == [2, 3]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a-rusty-iron-sword-3.glb", "a-wooden-crate-2.glb",
    ]  # fmt: skip
    assert payload["assets_per_minute"] > 0


def huge_png(path):
    Image.new("1", (8000, 6000)).save(path)  # 48 M pixels in a few kB
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "empty"),
        (("x" * 301,), "301 characters"),
        (("a vase 0 cm tall",), "out of range"),
        ((), "exactly one of"),
        (("a chair", "--image", "{photo}"), "exactly one of"),
        (("a chair", "--faces", "99"), "at least 100"),
        (("a chair", "--base", "0.5"), "number in 0..0.2"),
        (("a chair", "--base", "-1"), "number in 0..0.2"),
        (("a chair", "--texture-size", "1000"), "power of two"),
        (("a chair", "--texture-size", "8192"), "power of two"),
        (("a chair", "--texture-size", "32"), "power of two"),
        (("a chair", "-o", "chair.fbx"), "unknown format"),
        (("a chair", "--format", "glb,fbx"), "unknown format"),
        (("--image", "{garbage}"), "not a readable image"),
        (("--image", "{huge}"), "too many pixels"),
        (("--image", "{missing}"), "no such image"),
        (("a chair", "--model", "no-such-model"), "no model"),
        (("--batch", "{empty}"), "no prompts"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG not really")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 64), "white").save(photo)
    names = {
        "garbage": garbage,
        "huge": huge_png(tmp_path / "huge.png"),
        "missing": tmp_path / "missing.png",
        "empty": empty,
        "photo": photo,
    }
    done = run_meshsmith_in(tmp_path, "generate", *(a.format(**names) for a in args))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_long_lived_freezes_what_exists_and_turns_the_gc_back_on():
    try:
        with long_lived():
            assert not gc.isenabled()
            kept = [[] for _ in range(1000)]  # containers the collector tracks
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()


def test_long_lived_leaves_a_disabled_gc_disabled():
    gc.disable()
    try:
        with long_lived():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_checking_a_request_imports_neither_torch_nor_trimesh():
    # The CLI checks every input before the second of imports that loading takes.
    code = (
        "import sys\n"
        "from meshsmith.cli import build_parser\n"
        "from meshsmith.pipeline.request import Request\n"
        "build_parser()\n"
        "Request.from_text('a red stool')\n"
        "print(sorted({'torch', 'trimesh', 'scipy'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_stage_progress_is_off_without_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with _stage_progress(quiet=False) as progress:
        assert progress is None
    assert sys.stderr.getvalue() == ""


def test_generation_options_reach_the_config():
    args = build_parser().parse_args(["generate", "a chair", "--base", "0", "--no-memory"])
    config = _config(args)
    assert (config.base, config.memory) == (0.0, False)
    default = _config(build_parser().parse_args(["generate", "a chair"]))
    assert default.base == GenerationConfig().base > 0
