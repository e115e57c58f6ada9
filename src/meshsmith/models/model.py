"""The generative model as the generation pipeline sees it.

    model = load_model("default")              # or a run folder / .safetensors file
    cond = model.encode_text(["a red wooden chair"])
    latent = model.sample_latent(cond, seed=7)  # (1, 3, c, r, r)
    sdf = model.field(latent[0], points)        # (n,) negative inside
    albedo, roughness, metallic = model.appearance(latent[0], points)

Fields live in the normalised frame (shape inside [-0.5, 0.5]^3, +Y up); the
pipeline scales the extracted mesh to metres. `extract_field` turns a field into
a closed surface at `FIELD_LEVEL` that keeps thin parts whole (`THIN_OFFSET`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor, nn

from meshsmith.errors import InputError
from meshsmith.models.config import ModelConfig
from meshsmith.models.image_encoder import ImageEncoder
from meshsmith.models.memory import (
    OUTLINE_GRID,
    LatentMemory,
    Recalled,
    RecallHint,
    picture_query,
)
from meshsmith.models.prior import Condition, FlowPrior
from meshsmith.models.text_encoder import WIDTH as TEXT_WIDTH
from meshsmith.models.text_encoder import get_text_encoder
from meshsmith.models.triplane import TriplaneAutoencoder, split_outputs
from meshsmith.models.weights import load_state, load_tensors, metadata_json, save_tensors

if TYPE_CHECKING:
    import trimesh

FORMAT = "meshsmith-model/1"
FIELD_LEVEL = 0.0
FIELD_INSIDE = "below"
#: Level above `FIELD_LEVEL` at which `extract_field` extracts a surface before it
#: settles back to `FIELD_LEVEL` wherever the field crosses it nearby
#: (`meshsmith.geometry.settle`). Inside parts thinner than a plane cell the trained
#: field dips towards its zero level without crossing it, so sword blades, chair
#: legs and wings came out in pieces (MODEL_CARD.md has the measurements).
THIN_OFFSET = 0.01
#: Folder of the models that ship with the package (``NAME.safetensors``).
BUILTIN_DIR = Path(__file__).parent / "weights"
#: Query points per forward pass of the field MLP (bounds peak memory).
_CHUNK = 65536
#: Float tensors with more elements than this are saved as float16 (`Model.save`).
_HALF_MIN = 64


def _points_tensor(points: np.ndarray | Tensor) -> Tensor:
    p = torch.as_tensor(np.asarray(points, dtype=np.float32))
    if p.ndim != 2 or p.shape[1] != 3:
        raise InputError(f"points must be (n, 3), got {tuple(p.shape)}")
    return p


class Model(nn.Module):
    """Autoencoder, image and sketch encoders and flow prior, with inference helpers.

    Parameters
    ----------
    config : ModelConfig
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.autoencoder = TriplaneAutoencoder(config.autoencoder)
        self.image_encoder = ImageEncoder(config.image, 3)
        self.sketch_encoder = ImageEncoder(config.image, 1)
        self.prior = FlowPrior(
            config.prior, config.autoencoder, TEXT_WIDTH, self.image_encoder.width
        )
        self.memory = LatentMemory(config.memory, config.autoencoder, self.condition_widths)
        channels = config.autoencoder.latent_channels
        # Per-channel statistics of training latents: the prior works on standardised ones.
        self.register_buffer("latent_mean", torch.zeros(channels))
        self.register_buffer("latent_std", torch.ones(channels))
        self._planes_cache: tuple[bytes, Tensor] | None = None

    @property
    def condition_widths(self) -> dict[str, int]:
        """Width of each kind's memory query (`Condition.query`): the encoder vector,
        for photos and sketches with their outline beside it (`picture_query`)."""
        width = self.image_encoder.width
        if self.config.memory.outline > 0:
            width += OUTLINE_GRID * OUTLINE_GRID
        return {"text": TEXT_WIDTH, "image": width, "sketch": width}

    # -- latent normalisation ------------------------------------------------------------
    def standardise(self, latent: Tensor) -> Tensor:
        """Latent ``(B, 3, c, r, r)`` → the prior's standardised space."""
        return (latent - self.latent_mean[:, None, None]) / self.latent_std[:, None, None]

    def unstandardise(self, z: Tensor) -> Tensor:
        return z * self.latent_std[:, None, None] + self.latent_mean[:, None, None]

    # -- conditions ----------------------------------------------------------------------
    @torch.inference_mode()
    def encode_text(self, texts: list[str]) -> Condition:
        """Condition for a batch of prompts."""
        if isinstance(texts, str):
            raise InputError("encode_text takes a list of prompts")
        enc = get_text_encoder().encode(list(texts), self.config.prior.text_tokens)
        return self.prior.condition("text", enc.tokens, enc.mask, enc.pooled)

    @torch.inference_mode()
    def encode_image(self, images: list) -> Condition:
        """Condition for photos: ``(H, W, 3|4) uint8`` arrays or PIL images.

        RGBA images use their alpha as the object mask; RGB ones need a plain background.
        """
        from meshsmith.models.image_prep import composite, photo_rgba

        size = self.config.image.size
        rgba = np.stack([photo_rgba(image, size) for image in images])
        tokens, pooled = self.image_encoder(torch.from_numpy(composite(rgba)).permute(0, 3, 1, 2))
        alpha = torch.from_numpy(rgba[..., 3].astype(np.float32) / 255.0)
        return self.image_condition("image", tokens, pooled, alpha)

    @torch.inference_mode()
    def encode_sketch(self, sketches: list) -> Condition:
        """Condition for line drawings (dark lines on light paper, any size)."""
        from meshsmith.models.image_prep import sketch_ink

        size = self.config.image.size
        ink = torch.from_numpy(np.stack([sketch_ink(s, size) for s in sketches]) / np.float32(255))
        tokens, pooled = self.sketch_encoder(ink[:, None])
        return self.image_condition("sketch", tokens, pooled, ink)

    def image_condition(
        self, kind: str, tokens: Tensor, pooled: Tensor, coverage: Tensor
    ) -> Condition:
        """Condition for photos or sketches; the memory query also holds the outline of
        `coverage` ``(B, H, W)``, their alpha or ink (`picture_query`)."""
        mask = torch.ones(tokens.shape[:2], dtype=torch.bool)
        condition = self.prior.condition(kind, tokens, mask, pooled)
        query = picture_query(pooled, coverage, self.config.memory.outline)
        return dataclasses.replace(condition, query=query)

    # -- sampling ------------------------------------------------------------------------
    @torch.inference_mode()
    def sample_latent(
        self,
        condition: Condition,
        seed: int = 0,
        steps: int = 24,
        guidance: float = 3.0,
        shift: float = 1.0,
        recall: bool = True,
        recalled: Recalled | None = None,
    ) -> Tensor:
        """Latents ``(B, 3, c, r, r)`` for a batch of conditions.

        Row i starts from noise seeded by ``seed + i``, so a row does not depend on the
        batch it is in. ``steps`` (1-32) Euler steps; ``guidance`` is the CFG scale;
        ``shift`` the time grid's (`FlowPrior.sample`). With a latent memory and
        `recall`, the flow starts at ``memory.start`` from the blended latent of the
        nearest training shapes (`meshsmith.models.memory`) and takes
        ``ceil(steps * (1 - start))`` of the steps, evenly spaced; otherwise it starts
        from noise. `recalled` is a recall already made for `condition` (`recall`),
        so it is not made twice.
        """
        if not 1 <= steps <= 32:
            raise InputError(f"steps must be between 1 and 32, got {steps}")
        shape = self.config.autoencoder.latent_shape
        noise = torch.stack(
            [
                torch.randn(shape, generator=torch.Generator().manual_seed(seed + i))
                for i in range(len(condition))
            ]
        )
        start, start_time = None, 0.0
        if recall and recalled is None:
            recalled = self.recall(condition)
        if recall and recalled is not None:
            start, start_time = recalled.latent, self.config.memory.start
            steps = max(1, math.ceil(steps * (1.0 - start_time) - 1e-6))
            shift = 1.0  # the short segment left is integrated on even steps (as measured)
        # fp32: at batch 2 (CFG) bf16 autocast is slower here, its casts cost more than it saves.
        z = self.prior.sample(
            condition,
            noise,
            steps=steps,
            guidance=guidance,
            shift=shift,
            start=start,
            start_time=start_time,
        )
        return self.unstandardise(z)

    def can_recall(self, condition: Condition) -> bool:
        """Whether the latent memory can recall by `condition` (one kind, with queries)."""
        return (
            condition.kind is not None
            and condition.query is not None
            and self.memory.has_keys(condition.kind)
        )

    @torch.inference_mode()
    def recall(self, condition: Condition) -> Recalled | None:
        """The latent memory's blend of the training shapes nearest each row of
        `condition` (latent, size, albedo), or None when it cannot recall by it."""
        if not self.can_recall(condition):
            return None
        memory = self.config.memory
        return self.memory.recall(
            condition.kind, condition.query, memory.neighbours, memory.temperature
        )

    def recall_hints(self, condition: Condition) -> list[RecallHint]:
        """Per row, the recalled training shapes' blended real size and mean albedo."""
        recalled = self.recall(condition)
        if recalled is None:
            return [RecallHint(None, None)] * len(condition)
        return recalled.hints(self.config.memory.groups)

    @torch.inference_mode()
    def encode_shape(self, points: Tensor, features: Tensor) -> Tensor:
        """Posterior-mean latent ``(B, 3, c, r, r)`` of surface samples (reconstruction)."""
        mean, _ = self.autoencoder.encode(points, features)
        return mean

    # -- fields --------------------------------------------------------------------------
    def planes(self, latent: Tensor) -> Tensor:
        """Decoded feature planes ``(1, 3, C, R, R)`` of one latent (last one cached)."""
        latent = latent.detach().float()
        if latent.dim() == 4:
            latent = latent[None]
        if latent.shape[1:] != self.config.autoencoder.latent_shape or latent.shape[0] != 1:
            raise InputError(
                f"expected one latent of shape {self.config.autoencoder.latent_shape}, "
                f"got {tuple(latent.shape)}"
            )
        key = hashlib.blake2b(latent.numpy().tobytes(), digest_size=16).digest()
        if self._planes_cache is None or self._planes_cache[0] != key:
            with torch.inference_mode():
                self._planes_cache = (key, self.autoencoder.decode(latent))
        return self._planes_cache[1]

    @torch.inference_mode()
    def _query(self, latent: Tensor, points: np.ndarray | Tensor) -> Tensor:
        planes, p = self.planes(latent), _points_tensor(points)
        out = [self.autoencoder.query(planes, chunk[None])[0] for chunk in p.split(_CHUNK)]
        return torch.cat(out) if out else torch.zeros((0, 6))

    def field(self, latent: Tensor, points: np.ndarray | Tensor) -> np.ndarray:
        """Signed distance ``(n,) float32`` (negative inside, normalised units) at `points`."""
        sdf, _, _, _ = split_outputs(self._query(latent, points))
        return sdf.numpy()

    def appearance(
        self, latent: Tensor, points: np.ndarray | Tensor
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Albedo ``(n, 3)`` (linear RGB, 0-1), roughness ``(n,)`` and metallic ``(n,)``."""
        _, albedo, roughness, metallic = split_outputs(self._query(latent, points))
        return albedo.numpy(), roughness.numpy(), metallic.numpy()

    # -- files ---------------------------------------------------------------------------
    def save(self, path: Path, info: dict | None = None, half: bool = False) -> None:
        """Write weights and config to one safetensors file; `info` goes in its metadata.

        `half` stores float weights as float16 (half the bytes; inference runs in bf16
        or fp32 and loading casts back); small tensors such as the latent statistics
        keep float32.
        """
        metadata = {
            "format": FORMAT,
            "config": json.dumps(self.config.to_dict()),
            "info": json.dumps(info or {}),
        }
        tensors = {
            name: t.half() if half and t.dtype == torch.float32 and t.numel() > _HALF_MIN else t
            for name, t in self.state_dict().items()
        }
        save_tensors(Path(path), tensors, metadata)


def extract_field(
    sdf: Callable[[np.ndarray], np.ndarray],
    bounds: tuple[tuple[float, float, float], tuple[float, float, float]],
    resolution: int,
    coarse_resolution: int,
    probe: Callable[[np.ndarray], np.ndarray] | None = None,
    batch_size: int = 262144,
    settled: bool = True,
    offset: float = THIN_OFFSET,
) -> trimesh.Trimesh:
    """Closed surface of a model's field at `FIELD_LEVEL`, thin
    parts kept whole: extracted at ``FIELD_LEVEL + offset`` (`THIN_OFFSET` unless
    told), then settled back to `FIELD_LEVEL` where the field crosses it nearby
    (`meshsmith.geometry.settle`; not `settled`: the surface at the offset level,
    whole but fatter).

    `sdf` gives the field at the extraction's grid points, `probe` (default `sdf`)
    at any point; the other arguments are `meshsmith.geometry.extract.extract_mesh`'s.

    Raises
    ------
    GeometryError
        When the field has no surface in `bounds`.
    """
    from meshsmith.geometry.extract import extract_mesh

    mesh = extract_mesh(
        sdf,
        bounds=bounds,
        resolution=resolution,
        coarse_resolution=coarse_resolution,
        level=FIELD_LEVEL + offset,
        inside=FIELD_INSIDE,
        batch_size=batch_size,
    ).mesh
    return settle_field(mesh, probe or sdf, offset=offset) if settled else mesh


def settle_field(
    mesh: trimesh.Trimesh,
    probe: Callable[[np.ndarray], np.ndarray],
    crossings: tuple[np.ndarray, np.ndarray] | None = None,
    offset: float = THIN_OFFSET,
) -> trimesh.Trimesh:
    """`mesh`, a surface at ``FIELD_LEVEL + offset`` of a field (`extract_field`
    unsettled, or that simplified), settled back onto `FIELD_LEVEL` where the field
    crosses it nearby (`meshsmith.geometry.settle`); `probe` gives the field at any
    points, `crossings` are `mesh`'s own if known."""
    from meshsmith.geometry.settle import settle

    return settle(mesh, lambda points: probe(points) - FIELD_LEVEL, offset, crossings=crossings)


def resolve_model_path(path_or_name: str | Path) -> Path:
    """A built-in name, a model file, or a training run folder → the model file."""
    path = Path(path_or_name)
    if path.is_dir():
        path = path / "model.safetensors"
    elif not path.exists() and path.suffix == "" and "/" not in str(path_or_name):
        path = BUILTIN_DIR / f"{path_or_name}.safetensors"
    if not path.is_file():
        builtin = sorted(p.stem for p in BUILTIN_DIR.glob("*.safetensors"))
        raise InputError(
            f"no model at {path_or_name!r} (a .safetensors file, a run folder, "
            f"or a built-in name: {', '.join(builtin) or 'none installed'})"
        )
    return path


def load_model(path_or_name: str | Path = "default") -> Model:
    """Load a model for inference (evaluation mode, no gradients).

    Raises
    ------
    InputError
        If the file is missing, corrupt, not a meshsmith model, or its tensors do not
        fit the architecture its config describes.
    """
    path = resolve_model_path(path_or_name)
    tensors, metadata = load_tensors(path)
    if metadata.get("format") != FORMAT:
        raise InputError(f"{path}: not a meshsmith model (format {metadata.get('format')!r})")
    model = Model(ModelConfig.from_dict(metadata_json(metadata, "config", path)))
    # Memories written before entries had groups: every entry's group is unknown.
    tensors.setdefault("memory.groups", model.memory.groups)
    load_state(model, tensors, f"{path}")
    model.info = metadata_json(metadata, "info", path)
    return model.eval().requires_grad_(False)
