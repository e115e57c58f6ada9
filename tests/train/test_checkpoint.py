"""Checkpoints and model files that are truncated, mismatched or missing give one clear error."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
import torch

from meshsmith.errors import InputError
from meshsmith.models.config import ModelConfig
from meshsmith.models.model import Model, load_model
from meshsmith.train.checkpoint import (
    CHECKPOINT,
    MODEL,
    optimizer_tensors,
    restore_optimizer,
)
from meshsmith.train.loop import train
from tests.train.conftest import quick_config


@pytest.fixture
def run_copy(tiny_run, tmp_path):
    _, run_dir, _ = tiny_run
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    return copy


def test_truncated_checkpoint_is_an_input_error(run_copy, tiny_dataset):
    path = run_copy / CHECKPOINT
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(InputError, match="truncated or corrupt"):
        train(quick_config(), tiny_dataset, run_copy, resume=True)


def test_truncated_model_file_is_an_input_error(run_copy):
    path = run_copy / MODEL
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(InputError, match="truncated or corrupt"):
        load_model(path)


def test_checkpoint_of_another_architecture_is_refused(run_copy, tiny_dataset):
    config = quick_config()
    wider = dataclasses.replace(
        config.model.autoencoder, plane_channels=config.model.autoencoder.plane_channels * 2
    )
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, autoencoder=wider))
    with pytest.raises(InputError, match=r"does not fit this model: .*wrong shape"):
        train(config, tiny_dataset, run_copy, resume=True)


def test_model_file_with_wrong_shapes_is_refused(tmp_path):
    model = Model(quick_config().model)
    state = model.state_dict()
    state["prior.position"] = torch.zeros(1, 3, 3)
    from meshsmith.models.weights import save_tensors

    metadata = {"format": "meshsmith-model/1", "config": '{"autoencoder": {}}', "info": "{}"}
    save_tensors(tmp_path / "bad.safetensors", state, metadata)
    with pytest.raises(InputError, match="does not fit this model"):
        load_model(tmp_path / "bad.safetensors")


def test_existing_run_needs_resume_and_resume_needs_a_run(run_copy, tiny_dataset, tmp_path):
    with pytest.raises(InputError, match="--resume"):
        train(quick_config(), tiny_dataset, run_copy)
    with pytest.raises(InputError, match="nothing to resume"):
        train(quick_config(), tiny_dataset, tmp_path / "empty", resume=True)


def test_unknown_model_name_lists_what_exists(tmp_path):
    with pytest.raises(InputError, match="no model at 'nonexistent'"):
        load_model("nonexistent")
    with pytest.raises(InputError, match="not a meshsmith model"):
        path = tmp_path / "x.safetensors"
        from meshsmith.models.weights import save_tensors

        save_tensors(path, {"a": torch.zeros(2)}, {"format": "other"})
        load_model(path)


def test_optimizer_state_round_trips_through_tensors():
    model = Model(ModelConfig())
    params = list(model.autoencoder.parameters())
    optimizer = torch.optim.AdamW(params, lr=1e-3)
    for p in params:
        p.grad = torch.randn_like(p)
    optimizer.step()
    tensors, groups = optimizer_tensors(optimizer)
    fresh = torch.optim.AdamW(params, lr=5.0)
    restore_optimizer(fresh, {k: v.clone() for k, v in tensors.items()}, groups)
    assert fresh.param_groups[0]["lr"] == 1e-3
    again, _ = optimizer_tensors(fresh)
    assert all(torch.equal(tensors[k], again[k]) for k in tensors)
