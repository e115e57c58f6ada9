"""The training loop: autoencoder stage, prior stage, then (optionally) a decoder
stage, on one or many processes.

Read top to bottom: `train` loads the data and the model (or a checkpoint),
runs each stage with `Trainer.stage` (bf16 autocast, AdamW with warm-up and
cosine decay, gradient clipping, EMA, periodic logs, checkpoints and
validation), and leaves ``RUN_DIR/model.safetensors`` (the EMA weights) for
`meshsmith.models.load_model`.
"""

from __future__ import annotations

import copy
import logging
import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from meshsmith.errors import InputError
from meshsmith.models.model import Model
from meshsmith.train import distributed
from meshsmith.train.checkpoint import (
    CHECKPOINT,
    MODEL,
    initial_weights,
    optimizer_part,
    read_checkpoint,
    restore_optimizer,
    restore_weights,
    save_checkpoint,
)
from meshsmith.train.config import StageConfig, TrainConfig
from meshsmith.train.data import ShapeSet, autoencoder_batch, load_split
from meshsmith.train.logger import TrainLogger
from meshsmith.train.memory import build_memory
from meshsmith.train.objectives import AutoencoderObjective, PriorObjective
from meshsmith.train.prior_data import TextBank, encode_latents, prior_batch
from meshsmith.train.validate import validate_autoencoder, validate_prior

log = logging.getLogger("meshsmith.train")


@dataclass
class TrainResult:
    """What a run did: final step, last logged values per stage, validation, timing."""

    run_dir: Path
    step: int
    model: Path
    losses: dict[str, dict[str, float]] = field(default_factory=dict)
    validation: dict[str, dict[str, float]] = field(default_factory=dict)
    steps_per_second: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    rank: int = 0


def learning_rate(stage: StageConfig, step: int) -> float:
    """Linear warm-up to ``lr`` over ``warmup`` steps, then cosine decay to ``lr * final_lr``."""
    if step < stage.warmup:
        return stage.lr * (step + 1) / stage.warmup
    progress = min(1.0, (step - stage.warmup) / max(1, stage.steps - stage.warmup))
    return stage.lr * (
        stage.final_lr + (1 - stage.final_lr) * 0.5 * (1 + math.cos(math.pi * progress))
    )


def _due(step: int, every: int) -> bool:
    return every > 0 and step % every == 0


def ema_decay(config: TrainConfig, step: int) -> float:
    """EMA decay, lower early on so the average is not dominated by the random init."""
    return min(config.ema_decay, (1.0 + step) / (10.0 + step))


class Trainer:
    """State of one run; see `train`."""

    def __init__(self, config: TrainConfig, data: Path, run_dir: Path, world: distributed.World):
        self.config, self.data, self.run_dir, self.world = config, data, run_dir, world
        self.model = Model(config.model)
        self.ema = copy.deepcopy(self.model).requires_grad_(False)
        self.logger = TrainLogger(run_dir, enabled=world.main)
        self.result = TrainResult(run_dir, 0, run_dir / MODEL, rank=world.rank)
        self.until = config.total_steps
        self.train_set: ShapeSet | None = None
        self.val_set: ShapeSet | None = None
        #: (LatentBank, TextBank) of the training shapes, once the prior stage has run.
        self.prior_inputs: tuple = (None, None)

    def load_data(self) -> None:
        self.train_set = load_split(self.data, "train", self.config)
        if self.config.val_every <= 0:
            return
        try:
            self.val_set = load_split(self.data, "val", self.config, limit=self.config.val_shapes)
        except InputError:
            log.warning("%s has no validation shapes; validation is skipped", self.data)
        if not self.train_set.has_views and self.config.prior.steps:
            log.warning("the dataset has no views: the image and sketch encoders stay untrained")

    def generator(self, step: int) -> torch.Generator:
        """Seeded by (seed, rank, step): batches are reproducible and resumable."""
        key = f"{self.config.seed}/{self.world.rank}/{step}".encode()
        return torch.Generator().manual_seed(zlib.crc32(key))

    def stage(
        self,
        name: str,
        objective: nn.Module,
        batch: Callable[[torch.Generator], tuple],
        start: int,
        optimizer_state: tuple[dict, list] | None,
    ) -> None:
        """Optimise `objective` from global step `start` to the end of stage `name`."""
        config, settings = self.config, getattr(self.config, name)
        offset = config.stage_start(name)
        stage_end = offset + settings.steps
        end = min(stage_end, self.until)
        own = {id(p) for p in objective.parameters()}
        named = [
            (n, p) for n, p in self.model.named_parameters() if p.requires_grad and id(p) in own
        ]
        params = [p for _, p in named]
        ema_params = dict(self.ema.named_parameters())
        pairs = [(ema_params[n], p) for n, p in named]
        optimizer = torch.optim.AdamW(
            params, lr=settings.lr, betas=(0.9, 0.99), weight_decay=settings.weight_decay
        )
        if optimizer_state is not None:
            restore_optimizer(optimizer, *optimizer_state)
        wrapped = distributed.wrap(objective, self.world)
        tick, ticks = time.perf_counter(), 0
        for step in range(start, end):
            args = batch(self.generator(step))
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(settings, step - offset)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.bf16):
                terms = wrapped(*args)
            terms["total"].backward()
            grad_norm = nn.utils.clip_grad_norm_(params, config.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            with torch.no_grad():
                decay = ema_decay(config, step - offset)
                for average, live in pairs:
                    average.lerp_(live, 1.0 - decay)
            done, ticks = step + 1, ticks + 1
            if _due(done, config.log_every) or done in (end, stage_end):
                speed = ticks / (time.perf_counter() - tick)
                values = {k: float(v.detach()) for k, v in terms.items()}
                values.update(lr=optimizer.param_groups[0]["lr"], grad_norm=float(grad_norm))
                self.logger.scalars(done, name, {**values, "steps_per_s": speed})
                self.result.losses[name] = values
                self.result.steps_per_second[name] = speed
                tick, ticks = time.perf_counter(), 0
            if _due(done, config.checkpoint_every) or done in (end, stage_end):
                self.checkpoint(done, name, optimizer)
            # val_set is None when validation is off (val_every 0) or the data has no val split
            if self.val_set is not None and (_due(done, config.val_every) or done == stage_end):
                self.validate(done, name)
        self.result.step = end

    def checkpoint(self, step: int, stage: str, optimizer: torch.optim.Optimizer) -> None:
        if self.world.main:
            self.ema.latent_mean.copy_(self.model.latent_mean)
            self.ema.latent_std.copy_(self.model.latent_std)
            save_checkpoint(
                self.run_dir, self.model, self.ema, optimizer, step, stage, self.config.to_dict()
            )
        distributed.barrier(self.world)

    def validate(self, step: int, stage: str) -> None:
        if self.world.main:
            validate = validate_prior if stage == "prior" else validate_autoencoder
            path = self.run_dir / "samples" / f"{stage}-{step:07d}.png"
            path.parent.mkdir(exist_ok=True)
            self.ema.eval()
            metrics, image = validate(self.ema, self.val_set, self.config, path)
            self.ema.train()
            self.logger.scalars(step, f"val_{stage}", metrics)
            if image is not None:
                self.logger.image(step, f"val_{stage}/samples", image)
            self.result.validation[stage] = metrics
        distributed.barrier(self.world)

    def reconstruct(self, name: str, step: int, optimizer_state: tuple[dict, list] | None):
        """Stage `name` from global step `step` with the autoencoder objective, on the
        autoencoder's parameters that require gradients."""
        config, shapes = self.config, self.train_set
        size = getattr(config, name).batch

        def batch(g: torch.Generator) -> tuple:
            index = torch.randint(0, len(shapes), (size,), generator=g)
            shape = (len(index), *config.model.autoencoder.latent_shape)
            return autoencoder_batch(shapes, index, config, g), torch.randn(shape, generator=g)

        objective = AutoencoderObjective(self.model, config.loss)
        self.stage(name, objective, batch, step, optimizer_state)

    def run_autoencoder(self, step: int, optimizer_state: tuple[dict, list] | None) -> None:
        """Stage 1 from global step `step`."""
        self.reconstruct("autoencoder", step, optimizer_state)

    def run_prior(self, step: int, optimizer_state: tuple[dict, list] | None) -> None:
        """Stage 2 from global step `step`: freeze the (EMA) autoencoder, encode latents and
        captions once, then train the prior and the image and sketch encoders."""
        config, shapes = self.config, self.train_set
        self.model.autoencoder.load_state_dict(self.ema.autoencoder.state_dict())
        self.model.autoencoder.requires_grad_(False)
        latents = encode_latents(self.model, shapes, config)
        mean, std = latents.statistics(torch.Generator().manual_seed(config.seed))
        for m in (self.model, self.ema):
            m.latent_mean.copy_(mean)
            m.latent_std.copy_(std)
        text = TextBank(shapes.captions, config.model.prior.text_tokens)
        self.prior_inputs = (latents, text)  # the memory stage reads the same encodings

        def batch(g: torch.Generator) -> tuple:
            return (prior_batch(shapes, latents, text, self.model, config, g),)

        self.stage("prior", PriorObjective(self.model), batch, step, optimizer_state)

    def run_decoder(self, step: int, optimizer_state: tuple[dict, list] | None) -> None:
        """Stage 3 from global step `step`: the autoencoder objective with the encoder
        frozen, so only the decoder and the field MLP learn. Latents, and with them the
        prior and the memory, stay exactly as they were."""
        autoencoder = self.model.autoencoder
        autoencoder.requires_grad_(False)
        for part in autoencoder.decoder_parts():
            part.requires_grad_(True)
        self.reconstruct("decoder", step, optimizer_state)

    def run_memory(self, step: int) -> None:
        """Last stage: fill the EMA model's latent memory and rewrite the inference model."""
        started = time.perf_counter()
        build_memory(self.ema, self.train_set, self.config, *self.prior_inputs)
        info = {"step": step, "stage": "memory", "recipe": self.config.name}
        self.ema.save(self.run_dir / MODEL, info=info, half=True)
        log.info(
            "latent memory of %d shapes built in %.1f s",
            len(self.ema.memory),
            time.perf_counter() - started,
        )


def train(
    config: TrainConfig,
    data: Path,
    run_dir: Path,
    resume: bool = False,
    until: int | None = None,
    init: str | Path | None = None,
) -> TrainResult:
    """Train (or resume) a model; see the module docstring.

    `until` stops after that global step with a checkpoint, to be continued with
    ``resume=True`` (e.g. a long run split across time-limited jobs).

    `init` (a built-in model name, a model file or a run folder) starts a new run
    from that trained model at the recipe's decoder stage: the stages before it count
    as done, so the encoder, prior and memory stay the model's and only the decoder
    trains on (with the recipe's loss). The recipe must describe the same
    architecture and have decoder steps.

    Raises
    ------
    InputError
        For a missing or unusable dataset, a run folder that already holds a
        checkpoint without `resume`, or a checkpoint that does not fit the recipe.
    """
    started = time.perf_counter()
    run_dir = Path(run_dir)
    world = distributed.setup()
    try:
        checkpoint = run_dir / CHECKPOINT
        if checkpoint.exists() and not resume:
            raise InputError(f"{run_dir} already holds a checkpoint; pass --resume to continue it")
        if resume and not checkpoint.exists():
            raise InputError(f"nothing to resume: {checkpoint} does not exist")
        if init is not None and resume:
            raise InputError("--init starts a new run from a model; it cannot --resume")
        if init is not None and config.decoder.steps == 0:
            raise InputError(
                f"--init continues a model with the recipe's decoder stage; {config.name} has none"
            )
        run_dir.mkdir(parents=True, exist_ok=True)
        torch.manual_seed(config.seed)
        trainer = Trainer(config, data, run_dir, world)
        step, optimizer_state, saved_stage = 0, None, None
        prior, decoder = config.stage_start("prior"), config.stage_start("decoder")
        if resume:
            tensors, info = read_checkpoint(checkpoint)
            # A recipe may add a refine head to a run whose decoder stage has not begun.
            fresh = ("autoencoder.refine.",) if info["step"] <= decoder else ()
            restore_weights(tensors, trainer.model, trainer.ema, checkpoint, fresh)
            step, saved_stage = info["step"], info["stage"]
            optimizer_state = (optimizer_part(tensors), info["param_groups"])
        elif init is not None:
            initial_weights(init, trainer.model, trainer.ema)
            log.info("starting from %s at the decoder stage (step %d)", init, decoder)
            step, saved_stage = decoder, "prior"
        trainer.load_data()
        trainer.until = config.total_steps if until is None else min(until, config.total_steps)
        if step < min(prior, trainer.until):
            trainer.run_autoencoder(step, optimizer_state if saved_stage == "autoencoder" else None)
            step = trainer.result.step
        if prior <= step < min(decoder, trainer.until):
            resumed = saved_stage == "prior" and step > prior
            trainer.run_prior(step, optimizer_state if resumed else None)
            step = trainer.result.step
        if decoder <= step < trainer.until:
            resumed = saved_stage == "decoder" and step > decoder
            trainer.run_decoder(step, optimizer_state if resumed else None)
        step = max(step, trainer.result.step)
        if config.memory and step >= config.total_steps and world.main:
            trainer.run_memory(step)
        trainer.logger.close()
        trainer.result.step = step
        trainer.result.seconds = time.perf_counter() - started
        return trainer.result
    finally:
        distributed.teardown(world)
