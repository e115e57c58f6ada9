"""A tiny real dataset (built once per session with `meshsmith data build`) and a tiny run."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from meshsmith.train.config import load_config
from meshsmith.train.loop import train

MESHSMITH = str(Path(sys.executable).with_name("meshsmith"))


def build_dataset(out: Path) -> Path:
    """2 categories × 4 shapes; seed 12 splits them 5 train / 2 val / 1 test."""
    subprocess.run(
        [
            MESHSMITH, "data", "build", str(out), "--per-category", "4", "--views", "2",
            "--categories", "chair,mug", "--workers", "1", "--surface-points", "1024",
            "--volume-points", "2048", "--image-size", "64", "--seed", "12",
        ],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    return build_dataset(tmp_path_factory.mktemp("data") / "tiny")


def quick_config(**changes):
    """The tiny preset with some fields changed."""
    return dataclasses.replace(load_config("tiny"), **changes)


@pytest.fixture(scope="session")
def tiny_run(tiny_dataset, tmp_path_factory):
    """A finished tiny run: (config, run folder, TrainResult)."""
    config = quick_config()
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    return config, run_dir, train(config, tiny_dataset, run_dir)
