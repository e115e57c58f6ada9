"""Shared fixtures: the real test meshes and a runner for the installed `meshsmith` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SHARED_MESHES = ROOT.parent / "shared" / "testdata" / "real-meshes"
MESHSMITH = str(Path(sys.executable).with_name("meshsmith"))


def real_mesh_paths() -> list[Path]:
    """Every real mesh: the shared set when it is beside the checkout, else our copies."""
    shared = sorted(SHARED_MESHES.glob("*.obj"))
    return shared or sorted(DATA.glob("*.obj"))


@pytest.fixture
def spot_path() -> Path:
    return DATA / "spot.obj"


def run_meshsmith(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the installed console script; returns the completed process (text mode)."""
    return subprocess.run(
        [MESHSMITH, *map(str, args)], capture_output=True, text=True, env=env, timeout=600
    )
