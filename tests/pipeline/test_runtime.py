"""`ModelRuntime`: what the pipeline's stages get from the loaded model."""

from __future__ import annotations

import numpy as np

from meshsmith.pipeline import runtime
from meshsmith.pipeline.request import Request


def test_field_values_do_not_depend_on_the_query_chunk(pipe, monkeypatch):
    latent = pipe.runtime.sample(
        pipe.runtime.encode([Request.from_text("a wooden barrel")]), seed=0, steps=2, guidance=3.0
    )[0]
    points = np.random.default_rng(0).uniform(-0.55, 0.55, (5000, 3)).astype(np.float32)
    whole = pipe.runtime.field_query(latent)(points)
    monkeypatch.setattr(runtime, "QUERY_CHUNK", 1024)
    chunked = pipe.runtime.field_query(latent)(points)
    assert whole.shape == (5000, 6) and np.isfinite(whole).all()
    assert np.array_equal(whole, chunked)
