"""`meshsmith train --init`: continue a trained model's decoder with a new recipe."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest
import torch

from meshsmith.errors import InputError
from meshsmith.models.model import load_model
from meshsmith.train.config import StageConfig
from meshsmith.train.logger import read_metrics
from meshsmith.train.loop import train
from tests.train.conftest import MESHSMITH


def decoder_recipe(config, **loss):
    """`config` with a 3-step decoder stage and `loss` changes."""
    return dataclasses.replace(
        config,
        decoder=StageConfig(steps=3, batch=4, lr=3e-3, warmup=1),
        loss=dataclasses.replace(config.loss, **loss),
    )


def test_init_trains_only_the_decoder_of_the_model_it_starts_from(tiny_run, tiny_dataset, tmp_path):
    config, run_dir, _ = tiny_run
    recipe = decoder_recipe(config, albedo_space="srgb")
    result = train(recipe, tiny_dataset, tmp_path / "colour", init=run_dir)
    start = recipe.stage_start("decoder")
    assert result.step == start + 3
    rows = read_metrics(tmp_path / "colour")
    assert {r["stage"] for r in rows} <= {"decoder", "val_decoder"}
    assert [r["step"] for r in rows if r["stage"] == "decoder"] == [start + 1, start + 2, start + 3]
    old, new = load_model(run_dir), load_model(tmp_path / "colour")
    before, after = old.state_dict(), new.state_dict()
    decoder = [k for k in before if k.startswith("autoencoder.mlp.")]
    assert decoder and any(not torch.equal(before[k], after[k]) for k in decoder)
    for key in before:
        if key.startswith(("prior.", "image_encoder.", "sketch_encoder.", "autoencoder.down.")):
            assert torch.equal(before[key], after[key]), key
    # The run ends with the memory rebuilt from the same frozen encoder.
    assert len(new.memory) == len(old.memory)
    assert torch.equal(new.memory.groups, old.memory.groups)
    rows = torch.arange(len(old.memory))
    assert torch.allclose(new.memory.latent(rows), old.memory.latent(rows), atol=0.05)


def test_init_refuses_a_recipe_of_another_architecture(tiny_run, tiny_dataset, tmp_path):
    config, run_dir, _ = tiny_run
    ae = dataclasses.replace(config.model.autoencoder, mlp_width=48)
    wider = decoder_recipe(
        dataclasses.replace(config, model=dataclasses.replace(config.model, autoencoder=ae))
    )
    with pytest.raises(InputError, match=r"architecture.*autoencoder\.mlp_width"):
        train(wider, tiny_dataset, tmp_path / "wider", init=run_dir)


def test_init_needs_a_decoder_stage_and_a_new_run(tiny_run, tiny_dataset, tmp_path):
    config, run_dir, _ = tiny_run
    with pytest.raises(InputError, match="decoder stage"):
        train(config, tiny_dataset, tmp_path / "none", init=run_dir)
    with pytest.raises(InputError, match="cannot --resume"):
        train(decoder_recipe(config), tiny_dataset, run_dir, init=run_dir, resume=True)


def test_cli_init_from_a_missing_model_is_one_line_and_exit_2(tiny_dataset, tmp_path):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text('extends = "tiny"\n[decoder]\nsteps = 2\n')
    run = subprocess.run(
        [MESHSMITH, "train", str(recipe), "--data", str(tiny_dataset), "--out",
         str(tmp_path / "run"), "--init", str(tmp_path / "nothing.safetensors")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2
    assert "no model at" in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
