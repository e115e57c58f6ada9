"""Read a dataset folder written by `meshsmith data build` or `meshsmith data ingest`.

    ds = Dataset("data/shapes")
    for record in ds.records(split="train", category="chair"):
        surface = ds.surface(record)        # normalised frame
        mesh = ds.mesh(record)              # metres
        views = ds.views(record)

See ``README.md`` in a dataset folder (`card.LAYOUT`) for every file's conventions.
"""

from __future__ import annotations

import dataclasses
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
from PIL import Image

from meshsmith.data.files import sha256_bytes
from meshsmith.data.manifest import MANIFEST, read_jsonl
from meshsmith.data.splits import SPLITS
from meshsmith.errors import InputError

SURFACE_KEYS = ("points", "normals", "albedo", "roughness", "metallic")
VOLUME_KEYS = ("points", "occupancy", "sdf", "near_surface")


@dataclass(frozen=True)
class ShapeRecord:
    """One manifest row (the dataset contract's fields; the rest in ``extra``).

    ``scale`` and ``offset`` map the normalised frame to metres:
    ``metres = normalised * scale + offset``. Paths in ``files`` are relative to
    the dataset folder; ``sha256`` maps those relative paths to hashes.
    """

    id: str
    category: str
    seed: int | None
    split: str
    captions: list[str]
    held_out_captions: list[str]
    params: dict[str, Any]
    attributes: dict[str, Any]
    scale: float
    offset: list[float]
    files: dict[str, Any]
    sha256: dict[str, str]
    generator: str
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> ShapeRecord:
        names = [f.name for f in dataclasses.fields(cls) if f.name != "extra"]
        missing = [name for name in names if name not in row]
        if missing:
            raise InputError(f"record {row.get('id')!r} lacks {', '.join(missing)}")
        if row["split"] not in SPLITS:
            raise InputError(f"record {row['id']!r} has unknown split {row['split']!r}")
        extra = {k: v for k, v in row.items() if k not in names}
        return cls(**{name: row[name] for name in names}, extra=extra)

    def to_normalised(self, points: np.ndarray) -> np.ndarray:
        """(n, 3) metres -> (n, 3) float64 normalised coordinates."""
        return (np.asarray(points, dtype=np.float64) - np.asarray(self.offset)) / self.scale

    def to_metres(self, points: np.ndarray) -> np.ndarray:
        """(n, 3) normalised -> (n, 3) float64 metres."""
        return np.asarray(points, dtype=np.float64) * self.scale + np.asarray(self.offset)


def interleave_categories(records: list, limit: int | None = None) -> list:
    """`records` taken in turn from each category (its first shape, then each category's
    second, ...), at most `limit` of them: any prefix spans as many categories as it can.

    Examples
    --------
    >>> from types import SimpleNamespace as Rec
    >>> r = [Rec(id=i, category=i[0]) for i in ("a1", "a2", "a3", "b1", "c1")]
    >>> [x.id for x in interleave_categories(r, 4)]
    ['a1', 'b1', 'c1', 'a2']
    """
    queues: dict[str, list] = {}
    for record in records:
        queues.setdefault(record.category, []).append(record)
    chosen: list = []
    want = len(records) if limit is None else min(limit, len(records))
    while len(chosen) < want:
        for queue in queues.values():
            if queue and len(chosen) < want:
                chosen.append(queue.pop(0))
    return chosen


class Dataset:
    """A dataset folder with ``manifest.jsonl``.

    Raises
    ------
    InputError
        If the folder or its manifest is missing or corrupt (one line).
    """

    def __init__(self, path: str | os.PathLike):
        self.root = Path(path)
        manifest = self.root / MANIFEST
        if not self.root.is_dir():
            raise InputError(f"dataset folder not found: {self.root}")
        if not manifest.is_file():
            raise InputError(f"{self.root} has no {MANIFEST}; is it a meshsmith dataset?")
        self._records = [ShapeRecord.from_row(row) for row in read_jsonl(manifest)]
        if not self._records:
            raise InputError(f"{manifest} lists no shapes")

    def __len__(self) -> int:
        return len(self._records)

    @property
    def categories(self) -> list[str]:
        """Sorted category ids."""
        return sorted({r.category for r in self._records})

    def records(self, split: str | None = None, category: str | None = None) -> list[ShapeRecord]:
        """Records in id order, optionally of one split and/or one category."""
        if split is not None and split not in SPLITS:
            raise InputError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
        return [
            r
            for r in self._records
            if (split is None or r.split == split) and (category is None or r.category == category)
        ]

    def record(self, shape_id: str) -> ShapeRecord:
        """The record with id `shape_id`."""
        for r in self._records:
            if r.id == shape_id:
                return r
        raise InputError(f"no shape {shape_id!r} in {self.root}")

    def path(self, relative: str) -> Path:
        """Absolute path of a file named in a record; InputError if it is missing."""
        path = self.root / relative
        if not path.is_file():
            raise InputError(f"dataset file missing: {path}")
        return path

    def mesh(self, record: ShapeRecord) -> trimesh.Trimesh:
        """The shape's GLB as one mesh, in metres."""
        from meshsmith.export.load import load_mesh

        return load_mesh(self.path(record.files["mesh"]))

    def _npz(self, relative: str, prefix: str = "") -> dict[str, np.ndarray]:
        """The arrays of an npz file whose keys start with `prefix` (only those are read)."""
        try:
            with np.load(self.path(relative), allow_pickle=False) as data:
                return {key: data[key] for key in data.files if key.startswith(prefix)}
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise InputError(f"corrupt dataset file {relative}: {error}") from error

    def _samples(self, record: ShapeRecord, prefix: str, keys: tuple[str, ...]) -> dict:
        arrays = self._npz(record.files["samples"], prefix)
        out = {k[len(prefix) :]: v for k, v in arrays.items()}
        missing = [k for k in keys if k not in out]
        if missing:
            raise InputError(f"{record.files['samples']} lacks {prefix}{missing[0]}")
        return out

    def surface(self, record: ShapeRecord) -> dict[str, np.ndarray]:
        """``points``, ``normals``, ``albedo`` (N, 3) and ``roughness``, ``metallic`` (N,),
        float32, normalised frame (plus ``part`` (N,) int16 for procedural shapes)."""
        return self._samples(record, "surface_", SURFACE_KEYS)

    def volume(self, record: ShapeRecord) -> dict[str, np.ndarray]:
        """``points`` (M, 3) float32, ``occupancy`` (M,) bool, ``sdf`` (M,) float32,
        ``near_surface`` (M,) bool; normalised frame."""
        return self._samples(record, "volume_", VOLUME_KEYS)

    def views(self, record: ShapeRecord) -> list[dict[str, Any]]:
        """Rendered views (empty when built with ``--views 0``).

        Each is a dict: ``rgb`` (H, W, 4) uint8 on a transparent background or
        (H, W, 3) on a plain colour (sRGB); ``mask`` (H, W) bool; ``depth`` (H, W)
        float32 metres (0 off the object); ``normals`` (H, W, 3) float32 world space;
        ``sketch`` (H, W) uint8; ``K`` (3, 3); ``extrinsics_cv`` (4, 4) world->camera,
        OpenCV convention, metres; ``extrinsics_gl`` the same in OpenGL convention;
        ``extrinsics_cv_normalised`` (4, 4) rigid world->camera for the normalised
        frame (its depth is ``depth / scale``); ``light`` and ``background`` (str).
        """
        if not record.files.get("views"):
            return []
        data = self._npz(record.files["view_data"])
        render = record.extra.get("render") or {}
        flip = np.diag([1.0, -1.0, -1.0, 1.0])
        # x_cam = R (s p + o) + t  =>  x_cam / s = R p + (R o + t) / s
        to_metres = np.eye(4)
        to_metres[:3, :3] *= record.scale
        to_metres[:3, 3] = record.offset
        out = []
        for i, (rgb_path, sketch_path) in enumerate(
            zip(record.files["views"], record.files["sketches"], strict=True)
        ):
            extrinsics = np.asarray(data["extrinsics_cv"][i], dtype=np.float64)
            normalised = (extrinsics @ to_metres) / record.scale
            normalised[3] = (0.0, 0.0, 0.0, 1.0)
            out.append(
                {
                    "rgb": self._image(rgb_path),
                    "mask": data["mask"][i],
                    "depth": data["depth"][i].astype(np.float32),
                    "normals": data["normals"][i].astype(np.float32),
                    "sketch": self._image(sketch_path),
                    "K": data["K"][i],
                    "extrinsics_cv": extrinsics,
                    "extrinsics_gl": flip @ extrinsics,
                    "extrinsics_cv_normalised": normalised,
                    "light": str(render.get("light", "")),
                    "background": str(render.get("background", "")),
                }
            )
        return out

    def _image(self, relative: str) -> np.ndarray:
        try:
            with Image.open(self.path(relative)) as image:
                return np.asarray(image)
        except OSError as error:
            raise InputError(f"corrupt image {relative}: {error}") from error

    def verify(self, record: ShapeRecord) -> list[str]:
        """Relative paths whose bytes do not match the record's hashes (missing ones too)."""
        bad = []
        for relative, expected in sorted(record.sha256.items()):
            path = self.root / relative
            if not path.is_file() or sha256_bytes(path.read_bytes()) != expected:
                bad.append(relative)
        return bad
