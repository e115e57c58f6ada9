"""A tiny real dataset for the evaluation tests, built once by `meshsmith data build`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_meshsmith

#: 18 shapes; with dataset seed 0 the test split is chair-00000 and chair-00003.
BUILD = (
    "--per-category", "6", "--categories", "chair,mug,table", "--views", "1",
    "--surface-points", "2048", "--volume-points", "1024", "--image-size", "32",
    "--workers", "1", "--seed", "0",
)  # fmt: skip


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("eval") / "dataset"
    done = run_meshsmith("data", "build", out, *BUILD)
    assert done.returncode == 0, done.stderr
    return out
