"""Request validation and cache keys (no server needed)."""

from __future__ import annotations

import pytest

from meshsmith.errors import InputError
from meshsmith.service.jobspec import (
    FACES_RANGE,
    FORMATS,
    MAX_PROMPT_CHARS,
    TEXTURE_SIZES,
    JobSpec,
    parse_options,
    text_spec,
)


def test_limits_agree_with_the_exporters_and_the_pipeline():
    from meshsmith.export import EXPORTERS
    from meshsmith.pipeline import config, request

    assert set(FORMATS) == set(EXPORTERS)
    assert MAX_PROMPT_CHARS == request.MAX_PROMPT_CHARS
    assert FACES_RANGE[0] >= config.MIN_FACES
    assert config.MIN_TEXTURE <= min(TEXTURE_SIZES) <= max(TEXTURE_SIZES) <= config.MAX_TEXTURE


def test_defaults_are_filled_and_round_trip():
    spec = text_spec({"prompt": "  A  red\tstool "})
    assert spec.prompt == "A  red\tstool"
    assert spec.normalised_prompt == "a red stool"
    assert (spec.options.seed, spec.options.faces, spec.options.texture_size) == (0, 10000, 1024)
    assert spec.options.formats == ("glb",)
    assert JobSpec.from_json(spec.as_json()) == spec


def test_cache_key_ignores_case_whitespace_and_format_order():
    a = text_spec({"prompt": "A Red  Stool", "formats": ["obj", "glb"], "seed": 3})
    b = text_spec({"prompt": "a red stool", "formats": "glb,obj", "seed": 3})
    assert a.cache_key("v1") == b.cache_key("v1")


@pytest.mark.parametrize(
    "change",
    [{"seed": 4}, {"faces": 5000}, {"texture_size": 512}, {"formats": ["stl"]},
     {"prompt": "a blue stool"}, {"preview": True}],
)  # fmt: skip
def test_cache_key_changes_with_anything_that_changes_the_result(change):
    base = {"prompt": "a red stool", "seed": 3}
    assert text_spec(base).cache_key("v1") != text_spec({**base, **change}).cache_key("v1")
    assert text_spec(base).cache_key("v1") != text_spec(base).cache_key("v2")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"prompt": "x", "colour": "red"}, "unknown option(s) colour"),
        ({}, "prompt: required"),
        ({"prompt": "   "}, "must not be empty"),
        ({"prompt": "x" * 301}, "at most 300"),
        ({"prompt": "a vase 0 cm tall"}, "size in the prompt, '0 cm tall', is out of range"),
        ({"prompt": "x", "faces": 10}, "faces: must be between 100"),
        ({"prompt": "x", "faces": "2000"}, "faces: must be an integer"),
        ({"prompt": "x", "seed": True}, "seed: must be an integer"),
        ({"prompt": "x", "texture_size": 300}, "texture_size: one of"),
        ({"prompt": "x", "formats": ["fbx"]}, "formats: unknown fbx"),
        ({"prompt": "x", "formats": []}, "at least one"),
        ({"prompt": "x", "preview": "yes"}, "preview: must be true or false"),
    ],
)
def test_bad_requests_name_the_problem(body, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        text_spec(body)


def test_form_values_are_parsed_from_strings():
    options = parse_options(
        {"seed": "7", "faces": "2000", "texture_size": "256", "formats": "glb, STL",
         "preview": "true"},
        from_form=True,
    )  # fmt: skip
    assert (options.seed, options.faces, options.texture_size) == (7, 2000, 256)
    assert options.formats == ("glb", "stl") and options.preview is True
    with pytest.raises(InputError, match="seed: must be an integer"):
        parse_options({"seed": "seven"}, from_form=True)
