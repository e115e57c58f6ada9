"""Parameter drawing: overrides are validated and do not shift other parameters."""

from __future__ import annotations

import numpy as np
import pytest

from meshsmith.data.params import ParamDraw
from meshsmith.data.registry import generate
from meshsmith.errors import InputError


def draw(overrides):
    p = ParamDraw(np.random.default_rng(7), overrides)
    values = (
        p.uniform("w", 1.0, 2.0),
        p.integer("n", 2, 5),
        p.choice("style", ("a", "b")),
        p.flag("f", 0.5),
    )
    return values, p.done()


def test_override_leaves_other_parameters_unchanged():
    base, _ = draw({})
    changed, params = draw({"n": 5 if base[1] != 5 else 2})
    assert changed[0] == base[0] and changed[2] == base[2] and changed[3] == base[3]
    assert changed[1] != base[1]
    assert params["n"] == changed[1]


@pytest.mark.parametrize(
    "overrides", [{"w": 3.0}, {"n": 9}, {"n": 2.5}, {"style": "c"}, {"f": 1}, {"unknown": 1}]
)
def test_invalid_overrides_raise_input_error(overrides):
    with pytest.raises(InputError):
        draw(overrides)


def test_generate_validates_category_and_overrides():
    with pytest.raises(InputError, match="unknown category"):
        generate("spaceship-cat", 0)
    with pytest.raises(InputError, match="legs"):
        generate("chair", 0, legs=7)
    with pytest.raises(InputError, match="seed"):
        generate("chair", -1)
    with pytest.raises(InputError, match="unknown parameter"):
        generate("chair", 0, wheels=4)
    shape = generate("chair", 0, legs=3, style="classic")
    assert shape.params["legs"] == 3 and shape.traits.counts == {"leg": 3}
