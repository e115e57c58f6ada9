"""Training recipes as typed dataclasses: built-in presets and JSON/TOML files.

Presets:

- ``tiny``: a toy network for tests; a few steps take seconds.
- ``small``: the shipped default model; about two hours on a 2-core CPU.
- ``base``: a wider model and longer schedule for a GPU.

A file may start from a preset and override any field::

    extends = "small"
    [autoencoder]
    steps = 4000
    [model.prior]
    depth = 8
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshsmith.errors import InputError
from meshsmith.models.config import (
    AutoencoderConfig,
    ImageEncoderConfig,
    ModelConfig,
    PriorConfig,
    build_dataclass,
)

#: The curriculum's stages, in the order they run (`TrainConfig`).
STAGES = ("autoencoder", "prior", "decoder")


@dataclass(frozen=True)
class StageConfig:
    """Optimisation of one curriculum stage (AdamW, warm-up then cosine decay).

    Attributes
    ----------
    steps : int
        Optimizer steps of this stage (0 skips it).
    batch : int
        Shapes per step on each process.
    lr : float
        Peak learning rate, reached after `warmup` steps; decays to ``lr * final_lr``.
    """

    steps: int = 1000
    batch: int = 16
    lr: float = 1e-3
    warmup: int = 100
    final_lr: float = 0.05
    weight_decay: float = 0.01


#: Where the albedo term of the autoencoder loss is measured (`LossConfig.albedo_space`).
ALBEDO_SPACES = ("linear", "srgb")


@dataclass(frozen=True)
class LossConfig:
    """Weights of the autoencoder loss terms.

    ``occupancy``: BCE of the occupancy with logit ``-sdf / temperature``;
    ``sdf``: L1 of the SDF clamped to ``±sdf_clamp``; ``surface``: |sdf| on surface
    samples; ``appearance``: L1 of albedo, roughness, metallic on surface samples;
    ``kl``: KL of the latent posterior to N(0, 1) (keeps the latent compact for the prior).

    ``albedo_space`` is where the albedo's L1 is taken: ``"linear"`` light, as the
    field outputs it, or ``"srgb"``, its sRGB encoding (what a texture stores, near
    uniform in perceived lightness). In linear light a dark green crown decoded grey
    costs 0.03 a channel while it reads as another colour (CIELAB ΔE 40): the loss
    hardly sees dark colours. Roughness and metallic are compared as they are.
    """

    occupancy: float = 1.0
    sdf: float = 10.0
    surface: float = 10.0
    appearance: float = 1.0
    kl: float = 1e-4
    temperature: float = 0.01
    sdf_clamp: float = 0.1
    albedo_space: str = "linear"

    def __post_init__(self) -> None:
        if self.albedo_space not in ALBEDO_SPACES:
            raise InputError(
                f"loss.albedo_space must be one of {', '.join(ALBEDO_SPACES)}, "
                f"got {self.albedo_space!r}"
            )


@dataclass(frozen=True)
class TrainConfig:
    """A complete recipe: model shape, data sampling, the two stages, logging.

    Curriculum: the autoencoder trains first; then its latents are frozen and the
    flow prior and the image/sketch encoders train on them; last (if `decoder` has
    steps) the decoder alone trains on, the encoder still frozen, so the prior's
    latents and the memory stay valid while the field gets sharper.
    """

    name: str = "custom"
    model: ModelConfig = field(default_factory=ModelConfig)
    seed: int = 0
    # Samples kept in memory per shape, and drawn per shape at each step.
    surface_points: int = 4096
    volume_points: int = 8192
    views: int = 8
    encoder_points: int = 2048
    query_points: int = 2048
    appearance_points: int = 512
    autoencoder: StageConfig = field(default_factory=StageConfig)
    prior: StageConfig = field(default_factory=lambda: StageConfig(lr=3e-4))
    decoder: StageConfig = field(default_factory=lambda: StageConfig(steps=0, lr=3e-4))
    loss: LossConfig = field(default_factory=LossConfig)
    # Prior batches: shares of text / image rows (the rest are sketches), CFG dropout.
    text_share: float = 0.5
    image_share: float = 0.25
    condition_dropout: float = 0.1
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    bf16: bool = True
    # Every so many steps (0: only at the end of each stage).
    log_every: int = 10
    val_every: int = 500
    # Validation shapes are taken in turn from each category; the first `val_meshes`
    # of them (so as many categories) are also generated and meshed.
    val_shapes: int = 32
    val_meshes: int = 4
    checkpoint_every: int = 500
    # Fill the model's latent memory when the run ends (`meshsmith.train.memory`).
    memory: bool = True

    @property
    def total_steps(self) -> int:
        return sum(getattr(self, name).steps for name in STAGES)

    def stage_start(self, name: str) -> int:
        """Global step at which stage `name` (one of `STAGES`) begins."""
        return sum(getattr(self, before).steps for before in STAGES[: STAGES.index(name)])

    def with_total_steps(self, steps: int) -> TrainConfig:
        """The same recipe with its stages scaled to `steps` in all.

        The autoencoder and prior stages keep at least one step each; the decoder
        stage keeps its share (none if the recipe has none).
        """
        if steps < 2:
            raise InputError("--steps must be at least 2 (one per stage)")
        total = max(self.total_steps, 1)
        ae = min(max(1, round(steps * self.autoencoder.steps / total)), steps - 1)
        decoder = min(round(steps * self.decoder.steps / total), steps - ae - 1)
        scale = {"autoencoder": ae, "prior": steps - ae - decoder, "decoder": decoder}
        stages = {
            name: dataclasses.replace(
                getattr(self, name), steps=n, warmup=min(getattr(self, name).warmup, n // 5)
            )
            for name, n in scale.items()
        }
        return dataclasses.replace(self, **stages)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build from nested dicts (as `to_dict` writes); unknown keys are an `InputError`."""
        data = dict(data)
        model = data.pop("model", {})
        if not isinstance(model, dict):
            raise InputError("model: expected a table of settings")
        nested = {**dict.fromkeys(STAGES, StageConfig), "loss": LossConfig}
        for key, kind in nested.items():
            if key in data:
                data[key] = build_dataclass(kind, data[key])
        data["model"] = ModelConfig.from_dict(model)
        return build_dataclass(cls, data)


def _tiny() -> TrainConfig:
    return TrainConfig(
        name="tiny",
        model=ModelConfig(
            autoencoder=AutoencoderConfig(
                plane_res=16,
                plane_channels=8,
                latent_res=8,
                latent_channels=2,
                point_width=16,
                decoder_blocks=1,
                mlp_width=32,
                mlp_layers=1,
            ),
            image=ImageEncoderConfig(size=32, widths=(8, 8, 16, 16), blocks=0),
            prior=PriorConfig(width=32, depth=1, heads=2, patch=2, text_tokens=16),
        ),
        surface_points=1024,
        volume_points=2048,
        views=2,
        encoder_points=256,
        query_points=256,
        appearance_points=64,
        autoencoder=StageConfig(steps=8, batch=4, lr=3e-3, warmup=1),
        prior=StageConfig(steps=8, batch=6, lr=1e-3, warmup=1),
        log_every=1,
        val_every=8,
        val_shapes=4,
        val_meshes=1,
        checkpoint_every=4,
    )


def _small() -> TrainConfig:
    return TrainConfig(
        name="small",
        # Measured on the idle 2-core CPU: 2.45 autoencoder steps/s and 0.95 prior
        # steps/s, so about 20 + 53 minutes plus validation and loading.
        autoencoder=StageConfig(steps=3000, batch=16, lr=1e-3, warmup=200),
        prior=StageConfig(steps=3000, batch=32, lr=3e-4, warmup=200),
        # Measured at step 1000 with appearance weight 3: the weighted gradient norms
        # were occupancy 12.6, surface 10.0, sdf 3.7, appearance 0.42, so after
        # clipping the shared encoder hardly saw colour (albedo L1 stayed at the
        # 0.17 of a constant guess). Weight 25 puts appearance on a par with sdf.
        loss=LossConfig(appearance=25.0),
        val_every=500,
        checkpoint_every=250,
    )


def _base() -> TrainConfig:
    return TrainConfig(
        name="base",
        model=ModelConfig(
            autoencoder=AutoencoderConfig(
                plane_res=64,
                plane_channels=64,
                latent_res=16,
                latent_channels=8,
                point_width=128,
                decoder_blocks=3,
                mlp_width=256,
                mlp_layers=3,
            ),
            image=ImageEncoderConfig(size=128, widths=(64, 128, 256, 384), blocks=2),
            prior=PriorConfig(width=512, depth=12, heads=8, patch=2, text_tokens=48),
        ),
        surface_points=16384,
        volume_points=16384,
        encoder_points=4096,
        query_points=8192,
        appearance_points=2048,
        autoencoder=StageConfig(steps=100_000, batch=32, lr=5e-4, warmup=2000),
        prior=StageConfig(steps=200_000, batch=128, lr=2e-4, warmup=5000),
        ema_decay=0.9999,
        val_every=5000,
        val_shapes=128,
        val_meshes=8,
        checkpoint_every=2500,
    )


PRESETS = {"tiny": _tiny, "small": _small, "base": _base}


def load_config(spec: str | Path) -> TrainConfig:
    """A preset name (``tiny``, ``small``, ``base``) or a JSON/TOML recipe file.

    A file may name ``extends`` (a preset) and override any nested field.
    """
    text = str(spec)
    if text in PRESETS:
        return PRESETS[text]()
    path = Path(text)
    if not path.is_file():
        raise InputError(f"unknown config {text!r}: a preset ({', '.join(PRESETS)}) or a file")
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(path.read_text())
        elif path.suffix.lower() == ".json":
            data = json.loads(path.read_text())
        else:
            raise InputError(f"config file must be .json or .toml, got {path.name}")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot parse config: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a config must be a table of settings")
    base = data.pop("extends", None)
    if base is not None and base not in PRESETS:
        raise InputError(f"{path}: extends must name a preset ({', '.join(PRESETS)}), got {base!r}")
    merged = _merge(PRESETS[base]().to_dict(), data) if base else data
    return TrainConfig.from_dict(merged)


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
