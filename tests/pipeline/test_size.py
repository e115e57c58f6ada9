"""Asset size in metres from the prompt's category, and prompt checks."""

from __future__ import annotations

import pytest

from meshsmith.data.registry import SPECS
from meshsmith.errors import InputError
from meshsmith.pipeline.request import Request
from meshsmith.pipeline.size import DEFAULT_SIZE, asset_size


@pytest.mark.parametrize(
    ("prompt", "category"),
    [
        ("a wooden stool", "stool"),
        ("A tall PINE tree in winter", "pine"),
        ("a brass desk lamp", "desk_lamp"),
        ("a red couch", "sofa"),
        ("two wooden crates", "crate"),
    ],
)
def test_named_category_gets_a_size_inside_its_range(prompt, category):
    low, high = SPECS[category].size_range
    assert low <= asset_size(prompt) <= high


def test_size_words_and_unknown_objects():
    assert asset_size("a small chair") < asset_size("a chair") < asset_size("a large chair")
    assert asset_size("a house") > 5 * asset_size("a mug")
    assert asset_size("a glowing orb") == asset_size(None) == DEFAULT_SIZE
    # Whole words only: "carpet" is not a car, "stable" not a table.
    assert asset_size("a carpet") == asset_size("a stable") == DEFAULT_SIZE


def test_prompt_is_checked_and_normalised():
    assert Request.from_text("  a   red\tstool \n").prompt == "a red stool"
    assert Request.from_text("x" * 300).prompt == "x" * 300
    for bad in ("", " \n ", "x" * 301, None, 7):
        with pytest.raises(InputError):
            Request.from_text(bad)
