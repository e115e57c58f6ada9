"""`meshsmith data build`: a procedural dataset, any number of shards, byte-reproducible.

Shape ``<category>-<index:05d>`` is generated from `splits.shape_seed(seed, category,
index)`; every random choice after that (captions, samples, cameras, lights, sketches)
comes from generators seeded by that shape seed alone, so a shape's files do not
depend on which worker or shard builds it, nor on the other shapes.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from meshsmith import GENERATOR
from meshsmith.data import manifest
from meshsmith.data.artefacts import ArtefactConfig, Surface, write_artefacts
from meshsmith.data.pool import parallel_map
from meshsmith.data.splits import shape_seed, split_of
from meshsmith.errors import GeometryError, InputError

if TYPE_CHECKING:
    from meshsmith.data.shape import Shape

log = logging.getLogger(__name__)

#: Provenance time of every GLB in a dataset: fixed, so rebuilds are byte-identical.
CREATED = "1970-01-01T00:00:00Z"
LICENCE = "generated, CC0 (CC0-1.0 public domain dedication)"
#: Seed streams per shape (0 and 1 belong to `registry.generate`: geometry, captions).
HELD_OUT_STREAM, SURFACE_STREAM, ARTEFACT_STREAM = 2, 3, 4
HELD_OUT_CAPTIONS = 4


@dataclass(frozen=True)
class ShapeJob:
    """One shape to build: its id, category, index in the category and generator seed."""

    id: str
    category: str
    index: int
    seed: int


@dataclass(frozen=True)
class BuildConfig:
    """What `build_dataset` makes.

    Attributes
    ----------
    per_category : int
        Shapes per category.
    categories : tuple of str
        Category ids (default: every category of `registry.SPECS`).
    seed : int
        Dataset seed: shape seeds and splits derive from it.
    artefacts : ArtefactConfig
        Samples, views and image size per shape.
    """

    per_category: int
    categories: tuple[str, ...] = ()
    seed: int = 0
    artefacts: ArtefactConfig = field(default_factory=ArtefactConfig)

    def __post_init__(self) -> None:
        from meshsmith.data.registry import SPECS

        if not self.categories:
            object.__setattr__(self, "categories", tuple(SPECS))
        unknown = [c for c in self.categories if c not in SPECS]
        if unknown:
            raise InputError(
                f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                f"choose from {', '.join(sorted(SPECS))}"
            )
        if len(set(self.categories)) != len(self.categories):
            raise InputError("a category is listed twice")
        if self.per_category < 1 or self.seed < 0:
            raise InputError("per-category must be positive and the seed non-negative")

    def jobs(self, shard: tuple[int, int] = (0, 1)) -> list[ShapeJob]:
        """The shapes of shard ``(index, count)``, sorted by id (every count-th shape)."""
        every = sorted(
            (
                ShapeJob(f"{c}-{i:05d}", c, i, shape_seed(self.seed, c, i))
                for c in self.categories
                for i in range(self.per_category)
            ),
            key=lambda job: job.id,
        )
        index, count = shard
        return every[index::count]

    def command(self, out: str) -> str:
        """The canonical command that rebuilds this dataset (every option explicit)."""
        a = self.artefacts
        return (
            f"meshsmith data build {out} --per-category {self.per_category} "
            f"--views {a.views} --seed {self.seed} --categories {','.join(self.categories)} "
            f"--surface-points {a.surface_points} --volume-points {a.volume_points} "
            f"--image-size {a.image_size}"
        )

    def record(self, out: str) -> dict[str, Any]:
        """The ``build.json`` record (the same for every shard)."""
        return {
            "kind": "build",
            "generator": GENERATOR,
            "licence": LICENCE,
            "command": self.command(out),
            "config": {
                "per_category": self.per_category,
                "categories": ",".join(self.categories),
                "seed": self.seed,
                **dataclasses.asdict(self.artefacts),
            },
        }


def attributes_of(shape: Shape, size_range: tuple[float, float], family: str) -> dict[str, Any]:
    """Facts for attribute accuracy: category, family, colour, material, size, counts."""
    from meshsmith.data.captions import plural
    from meshsmith.data.colors import colour_name

    primary = shape.parts[shape.part_index(shape.traits.primary)].material
    lo, hi = size_range
    t = (float(np.max(shape.extents)) - lo) / max(hi - lo, 1e-9)
    attributes: dict[str, Any] = {
        "category": shape.category,
        "family": family,
        "colour": colour_name(primary.color),
        "material": primary.family,
        "material_name": primary.name,
        "size": "small" if t < 0.3 else "large" if t > 0.7 else "medium",
    }
    if shape.traits.styles:
        attributes["style"] = shape.traits.styles[0]
    for noun, count in sorted(shape.traits.counts.items()):
        attributes[plural(noun)] = int(count)
    return attributes


def build_shape(root: Path, config: BuildConfig, job: ShapeJob) -> dict[str, Any]:
    """Write one shape's artefacts under `root`; return its manifest row.

    A shape whose generator fails returns ``{"id", "category", "error"}`` instead.
    """
    from meshsmith.data.captions import captions_for
    from meshsmith.data.registry import SPECS, generate
    from meshsmith.export import Provenance

    spec = SPECS[job.category]
    try:
        shape = generate(job.category, job.seed)
        mesh = shape.mesh()
    except GeometryError as error:
        return {"id": job.id, "category": job.category, "error": str(error)}
    held_out = captions_for(
        shape,
        np.random.default_rng([job.seed, HELD_OUT_STREAM]),
        spec.size_range,
        n=HELD_OUT_CAPTIONS,
        held_out=True,
    )
    surface = shape.surface_samples(
        config.artefacts.surface_points, np.random.default_rng([job.seed, SURFACE_STREAM])
    )
    provenance = Provenance(created=CREATED, source_name=job.id, seed=job.seed)
    fields = write_artefacts(
        root,
        f"shapes/{job.category}/{job.id}",
        shape.scene(textured=True),
        mesh,
        Surface(*surface),
        provenance,
        config.artefacts,
        np.random.default_rng([job.seed, ARTEFACT_STREAM]),
    )
    return {
        "id": job.id,
        "category": job.category,
        "seed": job.seed,
        "split": split_of(job.id, config.seed),
        "captions": list(shape.captions),
        "held_out_captions": [c for c in held_out if c not in shape.captions],
        "params": shape.params,
        "attributes": attributes_of(shape, spec.size_range, spec.family),
        "scale": fields["scale"],
        "offset": fields["offset"],
        "files": fields["files"],
        "sha256": fields["sha256"],
        "generator": GENERATOR,
        "family": spec.family,
        "parts": [part.name for part in shape.parts],
        "render": fields["render"],
        "licence": "CC0-1.0",
    }


@dataclass(frozen=True)
class BuildSummary:
    """What a build (or one shard of it) did."""

    shapes: int
    failures: list[dict[str, Any]]
    merged: bool
    missing_shards: list[int]


def build_dataset(
    out: Path,
    config: BuildConfig,
    workers: int = 1,
    shard: tuple[int, int] | None = None,
) -> BuildSummary:
    """Build the dataset (or shard ``(index, count)`` of it) into `out`.

    A whole build writes ``manifest.jsonl`` and ``README.md``; a shard writes its part
    and merges all parts when it finds every other shard finished.
    """
    index, count = shard or (0, 1)
    if not 0 <= index < count:
        raise InputError(f"shard must be I/N with 0 <= I < N, got {index}/{count}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the dataset folder {out}: {error.strerror}") from error
    record = config.record(str(out))
    manifest.record_build(out, record)
    jobs = config.jobs((index, count))
    label = "building" if count == 1 else f"building shard {index}/{count}"
    results = parallel_map(functools.partial(build_shape, out, config), jobs, workers, label)
    rows = [r for r in results if "error" not in r]
    failures = [r for r in results if "error" in r]
    for failure in failures:
        log.warning("skipped %s: %s", failure["id"], failure["error"])
    if count == 1:
        manifest.write_dataset(out, record, rows, failures)
        return BuildSummary(len(rows), failures, True, [])
    manifest.write_part(out, (index, count), rows, failures)
    _, missing = manifest.missing_parts(out)
    if not missing:
        manifest.merge(out)
    return BuildSummary(len(rows), failures, not missing, missing)
