"""Recipes: presets, files that extend them, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from meshsmith.errors import InputError
from meshsmith.train.config import PRESETS, TrainConfig, load_config


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_through_dicts(name):
    config = load_config(name)
    assert config.name == name
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_toml_file_extends_a_preset(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'extends = "small"\nname = "mine"\n[autoencoder]\nsteps = 123\n'
        "[model.prior]\ndepth = 3\n[model.image]\nwidths = [16, 32, 64, 96]\n"
    )
    config = load_config(path)
    small = load_config("small")
    assert (config.name, config.autoencoder.steps, config.model.prior.depth) == ("mine", 123, 3)
    assert config.model.image.widths == (16, 32, 64, 96)
    assert config.autoencoder.batch == small.autoencoder.batch
    assert config.model.autoencoder == small.model.autoencoder


def test_json_file_without_preset(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"name": "j", "prior": {"steps": 7}}))
    config = load_config(path)
    assert config.prior.steps == 7 and config.autoencoder == TrainConfig().autoencoder


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[autoencoder]\nstepz = 1\n", r"unknown setting\(s\) \['stepz'\]"),
        ('extends = "huge"\n', "extends must name a preset"),
        ("name = \n", "cannot parse config"),
        ("[model.prior]\nwidht = 3\n", "PriorConfig: unknown setting"),
    ],
)
def test_bad_files_are_input_errors(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        load_config(path)


def test_unknown_preset_names_the_presets():
    with pytest.raises(InputError, match="tiny, small, base"):
        load_config("medium")


def test_total_steps_override_keeps_stage_proportions():
    config = load_config("small").with_total_steps(1300)
    assert config.total_steps == 1300
    # small is 3000 autoencoder + 3000 prior steps.
    assert config.autoencoder.steps == 650 and config.prior.steps == 650
    assert config.autoencoder.warmup <= config.autoencoder.steps // 5
    with pytest.raises(InputError):
        load_config("tiny").with_total_steps(1)


def test_total_steps_override_scales_a_decoder_stage_too():
    recipe = Path(__file__).resolve().parents[2] / "recipes" / "small-refine.toml"
    config = load_config(recipe)
    assert config.model.autoencoder.refine_res == 64
    assert (config.autoencoder.steps, config.prior.steps, config.decoder.steps) == (
        3000,
        7000,
        5000,
    )
    scaled = config.with_total_steps(30)
    assert (scaled.autoencoder.steps, scaled.prior.steps, scaled.decoder.steps) == (6, 14, 10)
    # Two steps keep one per trained stage; recipes without a decoder stage keep none.
    assert config.with_total_steps(2).decoder.steps == 0
    assert load_config("small").with_total_steps(30).decoder.steps == 0
