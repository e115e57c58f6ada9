"""Fixtures for the geometry tests."""

from __future__ import annotations

import pytest
import trimesh

from tests.geometry.shapes import SPOT, unit_cube


@pytest.fixture
def cube() -> trimesh.Trimesh:
    return unit_cube()


@pytest.fixture(scope="session")
def spot_mesh() -> trimesh.Trimesh:
    return trimesh.load(SPOT, force="mesh")
