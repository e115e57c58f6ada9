"""The runnable examples in the metric docstrings give what they say."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
import trimesh

MODULES = ["embedders", "fpd", "generation", "paired", "reconstruction", "stability"]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(f"meshsmith.eval.{name}")
    result = doctest.testmod(module, extraglobs={"np": np, "trimesh": trimesh})
    assert result.attempted > 0 and result.failed == 0
