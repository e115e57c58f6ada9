"""Asset size in metres: stated in the prompt, recalled, or from its category; prompt checks."""

from __future__ import annotations

import pytest

from meshsmith.data.registry import SPECS
from meshsmith.errors import InputError
from meshsmith.pipeline.request import Request
from meshsmith.pipeline.size import (
    DEFAULT_SIZE,
    StatedSize,
    asset_size,
    longest_side,
    stated_size,
    worded_range,
)


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


@pytest.mark.parametrize(
    ("prompt", "metres", "along"),
    [
        ("blue vase (about 18 cm tall)", 0.18, "height"),  # the captions' own phrasing
        ("pink coffee mug (about 11 cm long)", 0.11, "across"),
        ("a 2 m bench", 2.0, "longest"),
        ("a 1.2m long table", 1.2, "across"),
        ("a 2 meter-long bench", 2.0, "across"),
        ("a 30-inch wide stool", 0.762, "across"),
        ("a 6 ft tall door", 1.8288, "height"),
        ("a mug 9 cm in height", 0.09, "height"),
        ("a pond 5 metres in diameter", 5.0, "across"),
        ("A LAMP 1,5 M HIGH", 1.5, "height"),  # a decimal comma
        ("a 1,500 mm wide desk", 1.5, "across"),  # grouped thousands
        ('a 12" vase', 0.3048, "longest"),
        ("a 20 in tall vase", 0.508, "height"),
        ("a 12mm screw, then a 3 m pole", 0.012, "longest"),  # the first length counts
    ],
)
def test_stated_sizes_are_read(prompt, metres, along):
    stated = stated_size(prompt)
    assert stated.along == along
    assert stated.metres == pytest.approx(metres)


@pytest.mark.parametrize(
    "prompt",
    [
        None,
        "a red chair",
        "I want 2 mugs",
        "4 in the box",
        "the 80's chair",
        "a 3d model",
        "a 1m2 rug",
    ],
)
def test_prompts_without_a_length_state_no_size(prompt):
    assert stated_size(prompt) is None


def test_impossible_sizes_are_refused_before_generation():
    for prompt in ("a 0 cm vase", "a 5 km tower", "a 0.1 mm bead"):
        with pytest.raises(InputError, match="between 1 mm and 1000 m"):
            Request.from_text(prompt)
    assert Request.from_text("a 500 m tower").prompt == "a 500 m tower"


def test_the_stated_side_gets_the_stated_length():
    extents = (0.5, 1.0, 0.25)  # normalised: twice as tall as it is wide
    assert StatedSize(0.18, "height").longest_side(extents) == pytest.approx(0.18)
    assert StatedSize(0.18, "across").longest_side(extents) == pytest.approx(0.36)
    assert StatedSize(0.18, "longest").longest_side(extents) == pytest.approx(0.18)
    # A stated size beats the recalled one, which beats the category's rule.
    assert longest_side("a 2 m wide chair", extents, 0.9) == pytest.approx(4.0)
    assert longest_side("a chair", extents, 0.9123) == 0.912
    assert longest_side("a chair", extents, None) == asset_size("a chair")
    assert longest_side(None, extents, None) == DEFAULT_SIZE


def test_size_words_keep_a_recalled_size_in_their_part_of_the_range():
    low, high = SPECS["rocket"].size_range
    small, large = worded_range("a small rocket"), worded_range("a huge rocket")
    assert small[0] == low and small[1] < large[0] and large[1] == high
    extents = (0.2, 1.0, 0.2)
    # The recalled rockets were middling; the prompt asked for a small one.
    assert longest_side("a small sci-fi spaceship", extents, high, "rocket") == small[1]
    assert longest_side("a large spaceship", extents, low, "rocket") == large[0]
    inside = round((small[0] + small[1]) / 2, 3)
    assert longest_side("a small spaceship", extents, inside, "rocket") == inside
    # No size word, both kinds, or an unknown category: the recalled size stands.
    assert longest_side("a spaceship", extents, high, "rocket") == high
    assert worded_range("a big little rocket") is None
    assert worded_range("a small glowing orb") is None
    assert longest_side("a small orb", extents, 2.5, None) == 2.5  # no category known
