"""The tiny recipe end to end on a real (tiny) dataset: loss, outputs, exact resume."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
import torch

from meshsmith.errors import InputError
from meshsmith.models.memory import picture_query
from meshsmith.models.model import load_model
from meshsmith.models.weights import load_tensors
from meshsmith.train.checkpoint import CHECKPOINT, MODEL
from meshsmith.train.config import StageConfig
from meshsmith.train.data import load_split
from meshsmith.train.logger import read_metrics
from meshsmith.train.loop import learning_rate, train
from meshsmith.train.prior_data import encode_latents
from tests.train.conftest import quick_config


def test_autoencoder_loss_falls(tiny_run):
    _, run_dir, _ = tiny_run
    rows = [r for r in read_metrics(run_dir) if r["stage"] == "autoencoder"]
    assert [r["step"] for r in rows] == list(range(1, 9))
    first, last = rows[0]["total"], rows[-1]["total"]
    assert last < 0.5 * first, (first, last)
    assert rows[-1]["occupancy"] < rows[0]["occupancy"]


def test_prior_stage_logs_flow_loss(tiny_run):
    _, run_dir, result = tiny_run
    rows = [r for r in read_metrics(run_dir) if r["stage"] == "prior"]
    assert [r["step"] for r in rows] == list(range(9, 17))
    # An untrained velocity field on unit-variance latents and noise: E|x1 - x0|^2 ≈ 2.
    assert all(0.5 < r["flow"] < 4.0 for r in rows)
    assert result.step == 16


def test_run_folder_holds_model_logs_and_samples(tiny_run):
    _, run_dir, result = tiny_run
    assert result.model == run_dir / MODEL
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    samples = sorted(p.name for p in (run_dir / "samples").glob("*.png"))
    assert samples == ["autoencoder-0000008.png", "prior-0000016.png"]
    val = result.validation
    assert 0.0 <= val["autoencoder"]["iou"] <= 1.0
    assert {"flow_text", "flow_image", "flow_sketch"} <= set(val["prior"])
    assert all(np.isfinite(v) for stage in val.values() for v in stage.values())


def test_trained_model_loads_for_inference(tiny_run):
    _, run_dir, _ = tiny_run
    model = load_model(run_dir)
    assert model.info["step"] == 16
    latent = model.sample_latent(model.encode_text(["a mug"]), seed=3, steps=4)
    points = np.random.default_rng(0).uniform(-0.5, 0.5, (100, 3)).astype(np.float32)
    sdf = model.field(latent[0], points)
    albedo, roughness, metallic = model.appearance(latent[0], points)
    assert sdf.shape == (100,) and np.isfinite(sdf).all()
    assert albedo.shape == (100, 3) and roughness.shape == metallic.shape == (100,)
    assert albedo.min() >= 0.0 and albedo.max() <= 1.0
    # The latent statistics of the prior stage were stored with the model.
    assert not torch.equal(model.latent_std, torch.ones_like(model.latent_std))


def test_run_ends_with_a_latent_memory_of_the_training_shapes(tiny_run, tiny_dataset):
    config, run_dir, _ = tiny_run
    model = load_model(run_dir)
    shapes = load_split(tiny_dataset, "train", config)
    assert model.info["stage"] == "memory"
    assert len(model.memory) == model.config.memory.entries == len(shapes) == 5
    # The stored latents are the training shapes' standardised posterior means (up to the
    # int8 step and the float16 weights of the reloaded encoder, on unit-variance values).
    expected = model.standardise(encode_latents(model, shapes, config).mean)
    assert (model.memory.latent(torch.arange(5)) - expected).abs().max() < 0.05
    # Every view, composited on white as a photo is, recalls its own shape first; so
    # does every sketch render. Their queries hold the encoder vector and the outline.
    assert model.config.memory.views == shapes.images.shape[1]
    weight = model.config.memory.outline
    assert weight > 0
    for view in range(shapes.images.shape[1]):
        rgba = shapes.images[:, view].float() / 255.0
        _, pooled = model.image_encoder(rgba[:, :3] * rgba[:, 3:] + 1.0 - rgba[:, 3:])
        query = picture_query(pooled, rgba[:, 3], weight)
        rows, _ = model.memory.neighbours("image", query, 1, 0.0)
        assert rows[:, 0].tolist() == list(range(5))
        ink = shapes.sketches[:, view].float() / 255.0
        _, pooled = model.sketch_encoder(ink[:, None])
        rows, _ = model.memory.neighbours("sketch", picture_query(pooled, ink, weight), 1, 0.0)
        assert rows[:, 0].tolist() == list(range(5))
    # Each entry knows its category, the group recall blends within.
    names = model.config.memory.groups
    assert [names[g] for g in model.memory.groups.tolist()] == shapes.categories
    # Each entry knows its shape's real size and mean albedo.
    assert torch.allclose(model.memory.sizes.float(), shapes.sizes, rtol=1e-3)
    albedo = shapes.surface[..., 6:9].mean(dim=1)
    assert torch.allclose(model.memory.albedo.float(), albedo, atol=1e-3)
    # The checkpoint leaves the derived memory out; the inference file stores float16.
    tensors, _ = load_tensors(run_dir / CHECKPOINT)
    assert not [k for k in tensors if ".memory." in k]
    weights, _ = load_tensors(run_dir / MODEL)
    assert weights["prior.patch_out.weight"].dtype == torch.float16


def test_learning_rate_warms_up_then_decays_to_the_floor():
    stage = quick_config().autoencoder  # 8 steps, 1 warm-up, lr 3e-3, floor 5 %
    rates = [learning_rate(stage, s) for s in range(stage.steps)]
    assert rates[0] == pytest.approx(stage.lr)
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))
    assert learning_rate(stage, stage.steps) == pytest.approx(stage.lr * stage.final_lr)


def test_resume_continues_exactly(tiny_dataset, tmp_path):
    config = quick_config(val_every=0, checkpoint_every=0).with_total_steps(8)
    straight = train(config, tiny_dataset, tmp_path / "straight")
    pieces = tmp_path / "pieces"
    assert train(config, tiny_dataset, pieces, until=2).step == 2  # inside the autoencoder stage
    assert train(config, tiny_dataset, pieces, resume=True, until=6).step == 6  # inside the prior
    assert train(config, tiny_dataset, pieces, resume=True).step == straight.step == 8
    for name in (CHECKPOINT, MODEL):
        a, _ = load_tensors(tmp_path / "straight" / name)
        b, _ = load_tensors(pieces / name)
        assert a.keys() == b.keys()
        different = [k for k in a if not torch.equal(a[k], b[k])]
        assert not different, different[:5]


def test_decoder_stage_sharpens_a_finished_run_without_moving_its_latents(
    tiny_run, tiny_dataset, tmp_path
):
    config, run_dir, _ = tiny_run
    # Continue the finished run with a recipe that adds a refine head and 4 decoder steps.
    refined = with_refine_head(config, decoder=StageConfig(steps=4, batch=4, lr=3e-3, warmup=1))
    run = copy_checkpoint(run_dir, tmp_path / "refined")
    result = train(refined, tiny_dataset, run, resume=True)
    assert result.step == 20
    rows = [r for r in read_metrics(run) if r["stage"] == "decoder"]
    assert [r["step"] for r in rows] == [17, 18, 19, 20]
    assert (run / "samples" / "decoder-0000020.png").exists()
    assert 0.0 <= result.validation["decoder"]["iou"] <= 1.0
    before, _ = load_tensors(run_dir / CHECKPOINT)
    after, _ = load_tensors(run / CHECKPOINT)
    frozen = ("point_in.", "point_refine.", "down.")
    for prefix in ("model.", "ema."):
        for key, value in before.items():
            name = key.removeprefix(prefix)
            if not key.startswith(prefix) or name.startswith("memory."):
                continue
            encoder = name.startswith(tuple(f"autoencoder.{f}" for f in frozen))
            if encoder or not name.startswith("autoencoder."):  # encoder, prior, picture encoders
                assert torch.equal(after[key], value), key
        assert not torch.equal(
            after[f"{prefix}autoencoder.mlp.0.weight"], before[f"{prefix}autoencoder.mlp.0.weight"]
        )
        head = after[f"{prefix}autoencoder.refine.0.body.5.weight"]
        assert head.abs().max() > 0  # started at zero, trained
    # The memory holds the same latents as the run it continued: the encoder was frozen.
    old, new = load_model(run_dir), load_model(run)
    assert new.config.autoencoder.refine_res == 2 * config.model.autoencoder.plane_res
    assert torch.equal(old.memory.latent(torch.arange(5)), new.memory.latent(torch.arange(5)))


def test_a_checkpoint_past_the_decoder_stage_must_hold_its_head(tiny_run, tiny_dataset, tmp_path):
    config, run_dir, _ = tiny_run
    # With a 4-step prior, step 16 lies past the prior stage (8 + 4): the checkpoint claims
    # a decoder stage, so a head it lacks is an error rather than an untrained head.
    shorter = with_refine_head(config, prior=dataclasses.replace(config.prior, steps=4))
    run = copy_checkpoint(run_dir, tmp_path / "refined")
    with pytest.raises(InputError, match="missing"):
        train(shorter, tiny_dataset, run, resume=True)


def with_refine_head(config, **changes):
    """`config` with a refine head at twice its plane resolution, and `changes`."""
    ae = config.model.autoencoder
    head = dataclasses.replace(ae, refine_res=2 * ae.plane_res)
    model = dataclasses.replace(config.model, autoencoder=head)
    return dataclasses.replace(config, model=model, **changes)


def copy_checkpoint(run_dir, to):
    """A new run folder holding only `run_dir`'s checkpoint."""
    to.mkdir()
    shutil.copy(run_dir / CHECKPOINT, to / CHECKPOINT)
    return to


def test_resume_inside_the_decoder_stage_continues_exactly(tiny_dataset, tmp_path):
    config = quick_config(
        val_every=0, checkpoint_every=0, decoder=StageConfig(steps=4, batch=4, lr=3e-3, warmup=1)
    ).with_total_steps(12)
    assert config.decoder.steps > 1
    straight = train(config, tiny_dataset, tmp_path / "straight")
    pieces = tmp_path / "pieces"
    middle = config.total_steps - config.decoder.steps // 2
    assert train(config, tiny_dataset, pieces, until=middle).step == middle
    assert train(config, tiny_dataset, pieces, resume=True).step == straight.step == 12
    a, _ = load_tensors(tmp_path / "straight" / CHECKPOINT)
    b, _ = load_tensors(pieces / CHECKPOINT)
    assert a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]
