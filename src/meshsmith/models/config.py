"""Typed architecture configs; a model file stores them as JSON beside its weights."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from meshsmith.errors import InputError


@dataclass(frozen=True)
class AutoencoderConfig:
    """Triplane shape + appearance autoencoder (`meshsmith.models.triplane`).

    Attributes
    ----------
    plane_res : int
        Side of each of the three feature planes the field reads (xy, xz, yz).
    plane_channels : int
        Feature channels per plane.
    latent_res : int
        Side of each latent plane; ``plane_res / latent_res`` must be a power of two.
    latent_channels : int
        Channels per latent plane: the latent is ``(3, latent_channels, latent_res, latent_res)``.
    point_width : int
        Width of the encoder's per-point MLP.
    decoder_blocks : int
        Residual 3×3 conv blocks at full plane resolution in the decoder.
    mlp_width, mlp_layers : int
        The field MLP that maps sampled plane features to SDF and material.
    refine_res : int
        0, or the side of the planes the field reads, a power-of-two multiple of
        `plane_res`: the decoded planes are upsampled to it and sharpened by a residual
        block, so the field can hold parts thinner than a `plane_res` cell.
    """

    plane_res: int = 32
    plane_channels: int = 32
    latent_res: int = 16
    latent_channels: int = 4
    point_width: int = 64
    decoder_blocks: int = 1
    mlp_width: int = 128
    mlp_layers: int = 2
    refine_res: int = 0

    @property
    def latent_shape(self) -> tuple[int, int, int, int]:
        return (3, self.latent_channels, self.latent_res, self.latent_res)


@dataclass(frozen=True)
class ImageEncoderConfig:
    """CNN that turns a photo or a sketch into condition tokens (`meshsmith.models.image_encoder`).

    Attributes
    ----------
    size : int
        Input side in pixels (images are cropped to the object and resized to it).
    widths : tuple of int
        Channels of the four stride-2 stages; the last is the token width.
    blocks : int
        Residual blocks per stage after its downsampling conv.
    """

    size: int = 96
    widths: tuple[int, ...] = (32, 64, 128, 192)
    blocks: int = 1


@dataclass(frozen=True)
class PriorConfig:
    """Flow-matching transformer over latent tokens (`meshsmith.models.prior`).

    Attributes
    ----------
    width, depth, heads : int
        Transformer width, number of blocks and attention heads.
    patch : int
        Latent-plane patch side per token: ``3 * (latent_res / patch)**2`` tokens.
    text_tokens : int
        Most caption tokens the prior attends to (captions are short).
    """

    width: int = 192
    depth: int = 6
    heads: int = 4
    patch: int = 2
    text_tokens: int = 32


@dataclass(frozen=True)
class MemoryConfig:
    """Latent memory that starts the flow from recalled training shapes (`meshsmith.models.memory`).

    Attributes
    ----------
    entries : int
        Training shapes held (0: none; sampling starts from pure noise). Set by
        training when it builds the memory, not by hand.
    views : int
        Photo and sketch keys per shape (its rendered views); set by training.
    groups : tuple of str
        Names of the groups the entries fall in (the training shapes' categories;
        only a group's members are blended together); set by training.
    key_dims : int
        Width the keys are reduced to (PCA), at most the encoder's.
    outline : float
        Weight of the picture's outline beside the encoder vector in photo and sketch
        keys (`meshsmith.models.memory.picture_query`; 0: the encoder vector alone).
    neighbours : int
        Entries whose blended latent starts the flow.
    temperature : float
        Softmax temperature over the neighbours' cosine similarities that weights
        the blend (0: equal weights).
    start : float
        Flow time the recalled latent is noised to, in [0, 1): the flow integrates
        from there, with ``ceil(steps * (1 - start))`` of the requested steps.
    """

    entries: int = 0
    views: int = 0
    groups: tuple[str, ...] = ()
    key_dims: int = 64
    outline: float = 1.0
    neighbours: int = 16
    temperature: float = 0.02
    start: float = 0.8

    def __post_init__(self) -> None:
        if (
            self.entries < 0
            or self.views < 0
            or self.key_dims < 1
            or self.neighbours < 1
            or self.temperature < 0
            or self.outline < 0
            or not 0.0 <= self.start < 1.0
        ):
            raise InputError(
                "memory: need entries, views >= 0, key_dims, neighbours >= 1, "
                f"temperature, outline >= 0 and 0 <= start < 1, got {self}"
            )


@dataclass(frozen=True)
class ModelConfig:
    """Everything that fixes the shapes of a model's weights."""

    autoencoder: AutoencoderConfig = field(default_factory=AutoencoderConfig)
    image: ImageEncoderConfig = field(default_factory=ImageEncoderConfig)
    prior: PriorConfig = field(default_factory=PriorConfig)
    memory: MemoryConfig = field(default_factory=MemoryConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        """Inverse of `to_dict`; unknown keys are an `InputError`."""
        return cls(
            autoencoder=build_dataclass(AutoencoderConfig, data.get("autoencoder", {})),
            image=build_dataclass(ImageEncoderConfig, data.get("image", {})),
            prior=build_dataclass(PriorConfig, data.get("prior", {})),
            memory=build_dataclass(MemoryConfig, _with_outline(data.get("memory", {}))),
        )


def _with_outline(memory: Any) -> Any:
    """Memory settings of files written before keys held outlines: without them."""
    if isinstance(memory, dict) and memory.get("entries") and "outline" not in memory:
        return {**memory, "outline": 0.0}
    return memory


def build_dataclass(cls: type, data: dict[str, Any]) -> Any:
    """``cls(**data)`` with a clear error for unknown keys; lists become tuples."""
    if not isinstance(data, dict):
        raise InputError(f"{cls.__name__}: expected a table of settings, got {data!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise InputError(f"{cls.__name__}: unknown setting(s) {unknown}; known: {sorted(names)}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
