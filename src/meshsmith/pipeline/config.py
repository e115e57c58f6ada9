"""Typed settings of the generation pipeline, with defaults that work."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from meshsmith.errors import InputError

MIN_FACES = 100
MIN_TEXTURE, MAX_TEXTURE = 64, 4096
#: Most of the height `GenerationConfig.base` may trim off.
MAX_BASE = 0.2
PRECISIONS = ("fp32", "bf16", "int8")


@dataclass(frozen=True)
class GenerationConfig:
    """How an asset is generated.

    Attributes
    ----------
    faces : int
        Face budget of the final mesh (at least 100).
    texture_size : int
        Side of the baked maps in texels: a power of two in 64..4096.
    steps : int
        Euler steps of the flow prior (1-32), on the time grid of
        `meshsmith.pipeline.runtime.TIME_SHIFT`.
    guidance : float
        Classifier-free guidance scale (1 = none).
    memory : bool
        Start the flow from the model's latent memory, the blend of the training
        shapes nearest to the request (`meshsmith.models.memory`), when the model
        has one; False always starts from noise (more varied, less faithful).
    resolution : int
        Cells along each side of the finest extraction grid. Chosen by measurement
        (`meshsmith bench --only generate`, "resolution"): field cost grows with the
        surface area in voxels (0.06, 0.11, 0.23, 0.49 s at 64, 96, 128, 192 for
        three prompts), and 96 keeps 2.5 voxels across the thinnest parts of the
        training shapes (legs of 0.03 units). Against a 256³ extraction, 96 is
        further off than 64 or 128 (Chamfer-L1 0.003-0.016 vs 0.0015-0.005 of the
        asset's size): the field is nearly flat for a few voxels around the ±0.5
        normalisation boundary that the longest side of every training shape
        touches, so where the crossing lands there depends on where grid points
        fall; 64, 128, 192 and 256 share one at 0.498, 96's nearest is at 0.493,
        and its extremes come out up to 0.4 voxel inward.
    coarse_resolution : int
        Cells per side of the first, dense grid; only cells near the surface are
        refined from there (96 → 48 → 24).
    bound : float
        Half side of the sampled cube in the normalised frame: the triplanes'
        extent, so shapes that reach slightly past [-0.5, 0.5] are not clipped.
    base : float
        Most of the height trimmed off the bottom of an asset that does not stand,
        so it stands on a flat base (`meshsmith.pipeline.surface.base_share`); 0
        keeps every bottom as generated. Generated feet and bottoms come out
        rounded and a little uneven, so half the text assets touched the floor at
        a point or two and tipped over; with up to 0.03 trimmed, 0.90 stood
        (`meshsmith eval`'s stability, 60 test prompts).
    precision : {"fp32", "bf16", "int8"}
        Arithmetic of the prior and the field decoder on CPU: fp32 eager, bf16
        autocast, or int8 dynamic quantisation of their Linear layers. bf16 is the
        default: a third less CPU time than fp32 and meshes that match fp32's for
        the same seed to the metric's floor (Chamfer-L1 0.003, F@1% 0.96). int8 is
        about as fast but its prior lands on a different shape (Chamfer 0.05, as far
        as another seed), so it stays an option.
    """

    faces: int = 10_000
    texture_size: int = 1024
    steps: int = 16
    guidance: float = 3.0
    memory: bool = True
    resolution: int = 96
    coarse_resolution: int = 24
    bound: float = 0.55
    base: float = 0.03
    precision: str = "bf16"

    @staticmethod
    def call_options() -> set[str]:
        """Fields a single call may change (the rest are fixed when the model loads)."""
        return {f.name for f in dataclasses.fields(GenerationConfig)} - {"precision"}

    def validated(self) -> GenerationConfig:
        """This config, or an `InputError` naming the first bad value."""
        if not _is_int(self.faces) or self.faces < MIN_FACES:
            raise InputError(f"faces must be an integer of at least {MIN_FACES}, got {self.faces}")
        size = self.texture_size
        if not _is_int(size) or not MIN_TEXTURE <= size <= MAX_TEXTURE or size & (size - 1):
            raise InputError(
                f"texture size must be a power of two in {MIN_TEXTURE}..{MAX_TEXTURE}, got {size}"
            )
        if not _is_int(self.steps) or not 1 <= self.steps <= 32:
            raise InputError(f"steps must be between 1 and 32, got {self.steps}")
        if not isinstance(self.guidance, int | float) or not 0.0 <= self.guidance <= 20.0:
            raise InputError(f"guidance must be a number in 0..20, got {self.guidance}")
        if not isinstance(self.memory, bool):
            raise InputError(f"memory must be true or false, got {self.memory!r}")
        if not _is_int(self.resolution) or not 16 <= self.resolution <= 512:
            raise InputError(f"resolution must be within 16..512, got {self.resolution}")
        if not _is_int(self.coarse_resolution) or self.coarse_resolution < 4:
            raise InputError(f"coarse resolution must be at least 4, got {self.coarse_resolution}")
        if not isinstance(self.base, int | float) or not 0.0 <= self.base <= MAX_BASE:
            raise InputError(f"base must be a number in 0..{MAX_BASE}, got {self.base!r}")
        if self.precision not in PRECISIONS:
            raise InputError(
                f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}"
            )
        return self


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
