"""A dataset split held in memory as tensors, and the random batches drawn from it.

Every shape keeps a fixed number of surface and volume samples (drawn once,
with replacement when a shape has fewer) and up to `views` object-centred
render crops and sketch crops, so a step only gathers rows of big tensors.
A thousand shapes at the `small` sizes take about 0.5 GB.
"""

from __future__ import annotations

import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from meshsmith.errors import InputError
from meshsmith.models.image_prep import square_crop
from meshsmith.train.config import TrainConfig


@dataclass
class ShapeSet:
    """Shapes of one split.

    Attributes
    ----------
    ids, categories : list of str
    captions : list of list of str
    surface : (S, Ns, 11) float32
        xyz, normal, linear albedo, roughness, metallic (normalised frame).
    volume : (S, Nv, 5) float32
        xyz, sdf (negative inside), occupancy (0/1).
    images : (S, K, 4, H, H) uint8 or None
        Object-centred RGBA crops of the renders (alpha = mask).
    sketches : (S, K, H, H) uint8 or None
        Object-centred ink crops (255 = full ink) of the sketch renders.
    sizes : (S,) float32 or None
        Real longest side in metres (the record's ``scale``).
    """

    ids: list[str]
    categories: list[str]
    captions: list[list[str]]
    surface: Tensor
    volume: Tensor
    images: Tensor | None = None
    sketches: Tensor | None = None
    sizes: Tensor | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_views(self) -> bool:
        return self.images is not None


def _fixed_rows(n_have: int, n_want: int, rng: np.random.Generator) -> np.ndarray:
    return rng.choice(n_have, size=n_want, replace=n_have < n_want)


def _load_one(ds, record, config: TrainConfig, seed: int):
    rng = np.random.default_rng([seed, zlib.crc32(record.id.encode())])
    s = ds.surface(record)
    rows = _fixed_rows(len(s["points"]), config.surface_points, rng)
    surface = np.concatenate(
        [
            s["points"],
            s["normals"],
            s["albedo"],
            s["roughness"][:, None],
            s["metallic"][:, None],
        ],
        axis=1,
    )[rows]
    v = ds.volume(record)
    rows = _fixed_rows(len(v["points"]), config.volume_points, rng)
    volume = np.concatenate(
        [v["points"], v["sdf"][:, None], v["occupancy"][:, None].astype(np.float32)], axis=1
    )[rows]
    images, sketches = [], []
    size = config.model.image.size
    for view in ds.views(record)[: config.views] if config.views else []:
        mask = np.asarray(view["mask"], dtype=bool)
        if not mask.any():
            continue
        rgba = np.concatenate(
            [view["rgb"][..., :3], (mask * 255).astype(np.uint8)[..., None]], axis=2
        )
        images.append(square_crop(rgba, mask, size).transpose(2, 0, 1))
        ink = (255 - np.asarray(view["sketch"], dtype=np.uint8))[..., None]
        inked = ink[..., 0] > 64
        sketches.append(square_crop(ink, inked if inked.any() else mask, size)[..., 0])
    return surface.astype(np.float32), volume.astype(np.float32), images, sketches


def load_split(
    path: Path, split: str, config: TrainConfig, limit: int | None = None, workers: int = 4
) -> ShapeSet:
    """Read one split of a dataset folder into memory: all of it, or `limit` shapes
    taken in turn from each category (so the first few span different categories).

    Raises
    ------
    InputError
        If the folder is not a dataset or the split holds no shapes.
    """
    from meshsmith.data.dataset import Dataset, interleave_categories

    ds = Dataset(path)
    records = ds.records(split=split)
    if limit is not None:
        records = interleave_categories(records, limit)
    if not records:
        raise InputError(f"{path}: the {split!r} split holds no shapes")
    with ThreadPoolExecutor(workers) as pool:
        loaded = list(pool.map(lambda r: _load_one(ds, r, config, config.seed), records))
    views = min(len(images) for _, _, images, _ in loaded)
    images = sketches = None
    if views > 0:
        images = torch.from_numpy(np.stack([np.stack(i[:views]) for _, _, i, _ in loaded]))
        sketches = torch.from_numpy(np.stack([np.stack(s[:views]) for _, _, _, s in loaded]))
    return ShapeSet(
        ids=[r.id for r in records],
        categories=[r.category for r in records],
        captions=[list(r.captions) or [r.category] for r in records],
        surface=torch.from_numpy(np.stack([s for s, _, _, _ in loaded])),
        volume=torch.from_numpy(np.stack([v for _, v, _, _ in loaded])),
        images=images,
        sketches=sketches,
        sizes=torch.tensor([float(r.scale) for r in records], dtype=torch.float32),
    )


def gather_rows(data: Tensor, count: int, generator: torch.Generator) -> Tensor:
    """``count`` random rows of each shape: ``(B, N, C)`` → ``(B, count, C)``."""
    b, n, c = data.shape
    index = torch.randint(0, n, (b, count), generator=generator)
    return data.gather(1, index[..., None].expand(b, count, c))


@dataclass
class AutoencoderBatch:
    """Encoder input and supervision for a batch of shapes (normalised frame).

    points (B, N, 3), features (B, N, 8); volume (B, Q, 5) xyz/sdf/occupancy;
    surface (B, P, 11) held-out surface samples for the appearance and |sdf| terms.
    """

    points: Tensor
    features: Tensor
    volume: Tensor
    surface: Tensor


def autoencoder_batch(
    shapes: ShapeSet, index: Tensor, config: TrainConfig, generator: torch.Generator
) -> AutoencoderBatch:
    """Random samples of the shapes at `index` ``(B,) int64``."""
    surface = shapes.surface[index]
    encoder = gather_rows(surface, config.encoder_points, generator)
    return AutoencoderBatch(
        points=encoder[..., :3],
        features=encoder[..., 3:],
        volume=gather_rows(shapes.volume[index], config.query_points, generator),
        surface=gather_rows(surface, config.appearance_points, generator),
    )
