"""A loaded pipeline and input pictures shared by the pipeline tests.

The model is the built-in default unless MESHSMITH_TEST_MODEL names another (a
built-in name, a .safetensors file or a run folder).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from meshsmith.data.registry import generate
from meshsmith.pipeline import GenerationConfig, Pipeline
from meshsmith.render.camera import random_cameras
from meshsmith.render.renderer import default_renderer
from meshsmith.render.sketch import render_sketches

TEST_MODEL = os.environ.get("MESHSMITH_TEST_MODEL", "default")
#: Small settings keep each generation to about a second; one test runs the defaults.
SMALL = {"faces": 2000, "texture_size": 256, "steps": 8}


@pytest.fixture(scope="session")
def pipe() -> Pipeline:
    return Pipeline.load(TEST_MODEL, GenerationConfig(**SMALL))


@pytest.fixture(scope="session")
def pictures(tmp_path_factory) -> dict[str, Path]:
    """A data-engine chair rendered as a photo on a plain grey background and as a sketch."""
    folder = tmp_path_factory.mktemp("pictures")
    scene = generate("chair", 3).scene()
    camera = random_cameras(scene, 1, 5, size=256)[0]
    view = default_renderer().render_view(scene, camera, light="studio")
    alpha = view.rgba[..., 3:].astype(np.float32) / 255.0
    photo = view.rgba[..., :3] * alpha + np.float32(200.0) * (1.0 - alpha)
    Image.fromarray(np.round(photo).astype(np.uint8)).save(folder / "chair.png")
    sketch = render_sketches(scene, [camera])[0]
    Image.fromarray(sketch).save(folder / "chair-sketch.png")
    return {"photo": folder / "chair.png", "sketch": folder / "chair-sketch.png"}
