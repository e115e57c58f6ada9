"""`meshsmith data ingest`: the dataset artefacts from a folder of the user's own meshes.

Every file meshsmith can load (`meshsmith.export.LOADABLE_FORMATS`, searched
recursively, hidden files skipped) is loaded as one mesh, made watertight
(`meshsmith.geometry.repair.repair_mesh`: a light fix, or a winding-number rebuild
with colours carried over), sampled and rendered like a procedural shape. The GLB
keeps the file's own frame (taken as metres, +Y up); samples are in the
normalised frame as always.

Captions come from a CSV (columns ``file`` and ``caption``, optional ``category``
and ``held_out_caption``; several rows may name one file) or from the file name:
``office_chair.obj`` gives "an office chair" and "3D model of an office chair",
held out "a model of an office chair" and "game asset: office chair".
Unreadable files are reported, counted in the card and skipped.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from meshsmith import GENERATOR
from meshsmith.data import manifest
from meshsmith.data.artefacts import ArtefactConfig, Surface, write_artefacts
from meshsmith.data.build import CREATED, BuildSummary
from meshsmith.data.pool import parallel_map
from meshsmith.data.splits import shape_seed, split_of
from meshsmith.errors import InputError, MeshsmithError

log = logging.getLogger(__name__)

DEFAULT_CATEGORY = "ingested"
LICENCE = "as the source files (ingested from the user's meshes)"
FILE_COLUMNS = ("file", "filename", "name", "path")


@dataclass(frozen=True)
class IngestJob:
    """One input file: its id, path and the captions it will carry."""

    id: str
    path: Path
    name: str
    category: str
    index: int
    captions: tuple[str, ...]
    held_out_captions: tuple[str, ...]


@dataclass(frozen=True)
class IngestConfig:
    """Ingest options: category of files the CSV gives none, dataset seed (samples,
    cameras, splits) and artefact sizes."""

    category: str = DEFAULT_CATEGORY
    seed: int = 0
    artefacts: ArtefactConfig = field(default_factory=ArtefactConfig)


def find_meshes(src: Path) -> list[Path]:
    """Loadable mesh files under `src`, sorted by relative path, hidden ones skipped."""
    from meshsmith.export.load import LOADABLE_FORMATS

    return sorted(
        (
            p
            for p in src.rglob("*")
            if p.is_file()
            and p.suffix.lower().lstrip(".") in LOADABLE_FORMATS
            and not any(part.startswith(".") for part in p.relative_to(src).parts)
        ),
        key=lambda p: p.relative_to(src).as_posix(),
    )


def name_phrase(path: Path) -> str:
    """Words of a file name: ``OfficeChair_02.obj`` -> "office chair"."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", path.stem)
    words = [w for w in re.split(r"[\s_\-.]+", text.lower()) if w and not w.isdigit()]
    return " ".join(words) or "object"


def name_captions(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Train and held-out captions from a file name (templates as in `captions`)."""
    from meshsmith.data.captions import with_article

    phrase = name_phrase(path)
    named = with_article(phrase)
    return (named, f"3D model of {named}"), (f"a model of {named}", f"game asset: {phrase}")


def read_caption_table(path: Path) -> dict[str, dict[str, Any]]:
    """CSV rows by file name (and relative path): captions, held-out captions, category."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            columns = [c.strip().lower() for c in reader.fieldnames or []]
            rows = [
                {k.strip().lower(): (v or "").strip() for k, v in r.items() if k} for r in reader
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"cannot read captions CSV {path}: {error}") from error
    key = next((c for c in FILE_COLUMNS if c in columns), None)
    if key is None or "caption" not in columns:
        raise InputError(f"{path.name} needs a 'file' and a 'caption' column, has {columns}")
    table: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = table.setdefault(row[key], {"captions": [], "held_out": [], "category": None})
        if row.get("caption"):
            entry["captions"].append(row["caption"])
        if row.get("held_out_caption"):
            entry["held_out"].append(row["held_out_caption"])
        if row.get("category"):
            entry["category"] = row["category"]
    return table


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or DEFAULT_CATEGORY


def plan_jobs(
    src: Path, table: dict[str, dict[str, Any]] | None, default_category: str = DEFAULT_CATEGORY
) -> list[IngestJob]:
    """One job per mesh file; ids ``<category>-<n:05d>`` numbered in path order."""
    jobs: list[IngestJob] = []
    counters: dict[str, int] = {}
    for path in find_meshes(src):
        name = path.relative_to(src).as_posix()
        entry = (table or {}).get(name) or (table or {}).get(path.name) or {}
        category = _slug(entry.get("category") or default_category)
        captions, held_out = name_captions(path)
        if entry.get("captions"):
            captions, held_out = tuple(entry["captions"]), tuple(entry["held_out"])
        index = counters.get(category, 0)
        counters[category] = index + 1
        jobs.append(
            IngestJob(f"{category}-{index:05d}", path, name, category, index, captions, held_out)
        )
    return sorted(jobs, key=lambda job: job.id)


def ingest_shape(root: Path, config: IngestConfig, job: IngestJob) -> dict[str, Any]:
    """Write one file's artefacts; its manifest row, or ``{"id", "error"}`` if unusable."""
    from meshsmith.data.appearance import appearance_at
    from meshsmith.data.sampling import area_samples
    from meshsmith.export import Provenance, load_mesh
    from meshsmith.export.provenance import sha256_file
    from meshsmith.geometry.repair import repair_mesh
    from meshsmith.geometry.transfer import transfer_surface_colour

    try:
        source = load_mesh(job.path)
        repaired = repair_mesh(source)
    except MeshsmithError as error:
        return {"id": job.id, "category": job.category, "error": f"{job.name}: {error}"}
    mesh = repaired.mesh
    if repaired.method != "basic":
        mesh = transfer_surface_colour(source, mesh)
    seed = shape_seed(config.seed, job.category, job.index)
    rng = np.random.default_rng([seed, 3])
    points, faces, bary = area_samples(
        np.asarray(mesh.vertices, dtype=np.float64),
        np.asarray(mesh.faces, dtype=np.int64),
        config.artefacts.surface_points,
        rng,
    )
    albedo, roughness, metallic = appearance_at(mesh, faces, bary)
    surface = Surface(points, mesh.face_normals[faces], albedo, roughness, metallic)
    source_hash = sha256_file(job.path)
    provenance = Provenance(created=CREATED, source_sha256=source_hash, source_name=job.path.name)
    fields = write_artefacts(
        root,
        f"shapes/{job.category}/{job.id}",
        mesh,
        mesh,
        surface,
        provenance,
        config.artefacts,
        np.random.default_rng([seed, 4]),
    )
    return {
        "id": job.id,
        "category": job.category,
        "seed": None,
        "split": split_of(job.name, config.seed),
        "captions": list(job.captions),
        "held_out_captions": [c for c in job.held_out_captions if c not in job.captions],
        "params": {
            "source": job.name,
            "source_sha256": source_hash,
            "repair": repaired.method,
            "faces": len(mesh.faces),
        },
        "attributes": {"category": job.category},
        "scale": fields["scale"],
        "offset": fields["offset"],
        "files": fields["files"],
        "sha256": fields["sha256"],
        "generator": GENERATOR,
        "render": fields["render"],
        "source": job.name,
    }


def ingest_dataset(
    src: Path,
    out: Path,
    config: IngestConfig,
    captions: Path | None = None,
    workers: int = 1,
    command: str = "",
) -> BuildSummary:
    """Ingest every mesh file under `src` into the dataset folder `out`."""
    if not src.is_dir():
        raise InputError(f"no such folder: {src}")
    jobs = plan_jobs(src, read_caption_table(captions) if captions else None, config.category)
    if not jobs:
        raise InputError(f"no mesh files in {src} (looked for .obj, .glb, .ply, .stl, ...)")
    info = {
        "kind": "ingest",
        "generator": GENERATOR,
        "licence": LICENCE,
        "command": command or f"meshsmith data ingest {src} {out}",
        "config": {
            "source": str(src),
            "category": config.category,
            "seed": config.seed,
            **dataclasses.asdict(config.artefacts),
        },
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the dataset folder {out}: {error.strerror}") from error
    manifest.record_build(out, info)
    results = parallel_map(functools.partial(ingest_shape, out, config), jobs, workers, "ingesting")
    rows = [r for r in results if "error" not in r]
    failures = [r for r in results if "error" in r]
    for failure in failures:
        log.warning("skipped %s", failure["error"])
    manifest.write_dataset(out, info, rows, failures)
    return BuildSummary(len(rows), failures, True, [])
