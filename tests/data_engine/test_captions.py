"""Captions: enough distinct phrasings, each naming the object and saying only true things."""

from __future__ import annotations

import re

import numpy as np
import pytest

from meshsmith.data.captions import (
    HELD_OUT_TEMPLATES,
    SYNONYMS,
    TEMPLATES,
    captions_for,
    count_phrase,
    length_words,
    size_words,
)
from meshsmith.data.colors import COLOUR_NAMES, colour_name
from meshsmith.data.registry import SPECS, generate

_COLOUR_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, COLOUR_NAMES), key=len, reverse=True)) + r")\b"
)


def allowed_colour_words(shape) -> set[str]:
    words = set()
    for part in shape.parts:
        words.add(colour_name(part.material.color))
        words.update(part.material.words)
    return words


@pytest.mark.parametrize("category", sorted(SPECS))
def test_captions_are_many_distinct_and_name_the_object(category):
    for seed in range(4):
        shape = generate(category, seed)
        caps = shape.captions
        assert len(caps) >= 5 and len(set(caps)) == len(caps), caps
        nouns = [n.lower() for n in SYNONYMS[category] + shape.traits.nouns]
        allowed = allowed_colour_words(shape)
        for text in caps:
            assert any(n in text.lower() for n in nouns), text
            assert (
                "{" not in text
                and "A_" not in text
                and "  " not in text
                and not text.endswith(("with", "and", ","))
            ), text
            assert not re.search(r"\ban [b-df-hj-np-tv-z]\w", text) and not re.search(
                r"\ba [aeio]\w", text
            ), text
            for word in _COLOUR_RE.findall(text):
                assert word in allowed, (
                    f"{category} {seed}: {word!r} in {text!r} names no part's colour"
                )


def test_leg_count_claims_follow_the_overridden_parameter():
    said_three = False
    for seed in range(25):
        shape = generate("chair", seed, legs=3, style="classic")
        text = " ".join(shape.captions).lower()
        assert "four-legged" not in text and "four legs" not in text
        said_three |= "three-legged" in text or "three legs" in text
    assert said_three


def test_shelf_count_claims_are_exact():
    for seed in range(10):
        shape = generate("bookshelf", seed, shelves=5, height=2.0)
        for text in shape.captions:
            for match in re.findall(r"(\w+) shelves", text):
                assert match == "five", text


def test_colour_follows_an_overridden_material():
    seen = set()
    for seed in range(10):
        shape = generate("mug", seed, material="red ceramic")
        for text in shape.captions:
            seen.update(_COLOUR_RE.findall(text))
    assert seen == {"red"}


def test_metallic_primary_parts_get_no_colour_word():
    shape = generate(
        "sword", 0, blade_material="steel", guard_material="steel", grip_material="black leather"
    )
    for text in shape.captions:
        assert set(_COLOUR_RE.findall(text)) <= {"black"}, text


def test_held_out_templates_are_separate_and_usable():
    train = {t.text for t in TEMPLATES}
    assert train.isdisjoint(t.text for t in HELD_OUT_TEMPLATES)
    shape = generate("bookshelf", 3)
    held = captions_for(
        shape, np.random.default_rng(0), SPECS["bookshelf"].size_range, n=4, held_out=True
    )
    assert len(held) >= 3
    assert set(held).isdisjoint(
        captions_for(shape, np.random.default_rng(0), SPECS["bookshelf"].size_range, n=30)
    )


def test_grammar_helpers():
    assert count_phrase("shelf", 5, "bookshelf") == "with five shelves"
    assert count_phrase("handle", 1, "vase") == "with one handle"
    assert count_phrase("mushroom", 3, "mushroom") == "in a cluster of three"
    assert count_phrase("wheel", 24, "truck") == "with 24 wheels"
    assert [length_words(x) for x in (0.853, 1.24, 25.4)] == ["85 cm", "1.2 m", "25 m"]
    assert size_words(np.array([0.5, 0.72, 0.5]), (0.7, 1.2)) == ("short", "small")
    assert size_words(np.array([1.9, 0.5, 0.6]), (1.0, 2.0)) == ("large", "big")
    assert size_words(np.array([1.5, 0.5, 0.6]), (1.0, 2.0)) == ()
    assert size_words(np.array([1.5, 0.5, 0.6]), None) == ()


def test_captions_are_deterministic_for_a_generator_state():
    shape = generate("car", 4)
    a = captions_for(shape, np.random.default_rng(9), SPECS["car"].size_range)
    b = captions_for(shape, np.random.default_rng(9), SPECS["car"].size_range)
    assert a == b and len(a) == 6
