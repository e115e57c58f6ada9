"""The package's lazy exports resolve to the real objects."""

import meshsmith.render as render
from meshsmith.render.sheet import render_to_file


def test_lazy_exports_resolve():
    for name in render.__all__:
        assert getattr(render, name) is not None
    assert render.render_to_file is render_to_file
