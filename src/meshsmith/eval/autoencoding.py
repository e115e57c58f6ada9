"""Autoencoder reconstruction of test shapes: how much of a shape the latent keeps.

Each test shape's stored surface samples (points with normal, albedo, roughness,
metallic) are encoded to the posterior-mean latent; the field decoded from it is
extracted at `resolution` cells, moved to metres with the record's scale and
offset, and compared with the shape's mesh by the reconstruction metrics of
`meshsmith.eval.reconstruction` (Occupancy Networks convention: both in the unit
box of the ground truth's bounding box). Appearance is scored at the ground-truth
surface samples: mean absolute error of albedo (linear RGB), roughness and
metallic, and the albedo's mean CIE76 colour difference (ΔE in CIELAB), which
counts a dark green decoded grey as the different colour it looks (linear L1
hardly sees dark colours).

``meshsmith eval --model M --autoencoder`` runs it on the model's
`meshsmith.models.model.Model` (a generator's ``autoencoder``), `PER_CATEGORY` test
shapes of each category unless told how many, and reports it beside the generators.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import torch
import trimesh

from meshsmith.data.colors import linear_to_lab
from meshsmith.errors import MeshsmithError
from meshsmith.eval.evaluate import select_test_records
from meshsmith.eval.reconstruction import Reference, compare_to_reference

log = logging.getLogger("meshsmith.eval")

#: Test shapes reconstructed per category when no total is given.
PER_CATEGORY = 2

#: Keys averaged over shapes in the summary.
SUMMARY_KEYS = (
    "chamfer_l1",
    "chamfer_l2",
    "fscore@0.01",
    "fscore@0.02",
    "fscore@0.05",
    "normal_consistency",
    "iou",
    "albedo_l1",
    "albedo_delta_e",
    "roughness_l1",
    "metallic_l1",
)
#: Columns of the report's table: the summary's, less the finer and material ones.
TABLE_KEYS = tuple(
    k for k in SUMMARY_KEYS if k not in ("chamfer_l2", "fscore@0.01", "roughness_l1", "metallic_l1")
)


def _features(surface: dict[str, np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Encoder input of stored surface samples: points ``(1, n, 3)``, features ``(1, n, 8)``."""
    features = np.concatenate(
        [
            surface["normals"],
            surface["albedo"],
            surface["roughness"][:, None],
            surface["metallic"][:, None],
        ],
        axis=1,
    )
    points = torch.from_numpy(np.asarray(surface["points"], dtype=np.float32))[None]
    return points, torch.from_numpy(features.astype(np.float32))[None]


def reconstruct(model, surface: dict[str, np.ndarray], points: int, resolution: int, seed: int):
    """The latent ``(1, 3, c, r, r)`` and normalised-frame mesh of one shape's samples."""
    from meshsmith.models.model import extract_field

    rows = np.random.default_rng(seed).choice(len(surface["points"]), points, replace=False)
    xyz, features = _features({k: v[rows] for k, v in surface.items()})
    latent = model.encode_shape(xyz, features)
    mesh = extract_field(
        lambda p: model.field(latent, p),
        bounds=((-0.55, -0.55, -0.55), (0.55, 0.55, 0.55)),
        resolution=resolution,
        coarse_resolution=max(resolution // 8, 8),
    )
    return latent, mesh


def autoencoder_records(
    dataset, max_shapes: int | None = None, per_category: int = PER_CATEGORY
) -> list:
    """Test records to reconstruct, by category then id: `max_shapes` taken in turn from
    each category (as `meshsmith eval` picks them), else the first `per_category` (by
    id) of every category."""
    if max_shapes is not None:
        records = select_test_records(dataset, max_shapes)
    else:
        taken: dict[str, int] = {}
        records = []
        for record in sorted(dataset.records(split="test"), key=lambda r: r.id):
            if taken.get(record.category, 0) < per_category:
                taken[record.category] = taken.get(record.category, 0) + 1
                records.append(record)
    return sorted(records, key=lambda r: (r.category, r.id))


def evaluate_autoencoder(
    dataset,
    model,
    max_shapes: int | None = None,
    per_category: int = PER_CATEGORY,
    recon_points: int = 100_000,
    encoder_points: int = 2048,
    resolution: int = 128,
    seed: int = 0,
) -> dict:
    """Reconstruct test shapes (`autoencoder_records`) and score them.

    Parameters
    ----------
    dataset : meshsmith.data.dataset.Dataset
    model : meshsmith.models.model.Model
        Anything with its ``encode_shape``, ``field`` and ``appearance``.
    max_shapes, per_category : int
        Which test shapes: see `autoencoder_records`.
    recon_points : int
        Surface samples per mesh and IoU query points.
    encoder_points : int
        Surface samples the encoder sees.
    resolution : int
        Cells per side of the extraction grid over [-0.55, 0.55]³.
    seed : int

    Returns
    -------
    dict
        ``{"summary": {key: mean}, "per_category": {category: {key: mean}},
        "rows": [per-shape dicts], "seconds": float, "settings": {...}}``; shapes
        whose field has no surface count as failures in ``summary["failures"]``.
    """
    records = autoencoder_records(dataset, max_shapes, per_category)
    start = time.perf_counter()
    rows, failures = [], 0
    for record in records:
        surface = dataset.surface(record)
        try:
            latent, mesh = reconstruct(model, surface, encoder_points, resolution, seed)
        except MeshsmithError as exc:
            log.info("%s: no surface (%s)", record.id, exc)
            failures += 1
            continue
        metres = trimesh.Trimesh(record.to_metres(mesh.vertices), mesh.faces, process=False)
        reference = Reference.from_mesh(dataset.mesh(record), recon_points, seed)
        row = {"id": record.id, "category": record.category}
        row.update(compare_to_reference(reference, metres))
        albedo, roughness, metallic = model.appearance(latent, surface["points"])
        row["albedo_l1"] = float(np.abs(albedo - surface["albedo"]).mean())
        difference = linear_to_lab(albedo) - linear_to_lab(surface["albedo"])
        row["albedo_delta_e"] = float(np.linalg.norm(difference, axis=1).mean())
        row["roughness_l1"] = float(np.abs(roughness - surface["roughness"]).mean())
        row["metallic_l1"] = float(np.abs(metallic - surface["metallic"]).mean())
        rows.append(row)
    summary = _means(rows)
    summary.update(shapes=len(records), failures=failures)
    categories = {
        category: _means([r for r in rows if r["category"] == category])
        for category in sorted({r["category"] for r in rows})
    }
    settings = {
        "encoder_points": encoder_points,
        "recon_points": recon_points,
        "resolution": resolution,
        "seed": seed,
    }
    return {
        "summary": summary,
        "per_category": categories,
        "rows": rows,
        "seconds": time.perf_counter() - start,
        "settings": settings,
    }


def _means(rows: list[dict]) -> dict[str, float]:
    return {k: float(np.mean([r[k] for r in rows])) for k in SUMMARY_KEYS if rows}


def format_table(result: dict) -> list[str]:
    """Markdown lines: the summary, then one row per category."""
    keys = TABLE_KEYS
    lines = [
        "| category | n | " + " | ".join(keys) + " |",
        "|---|---|" + "---|" * len(keys),
    ]
    counts: dict[str, int] = {}
    for row in result["rows"]:
        counts[row["category"]] = counts.get(row["category"], 0) + 1
    for name, means in [("**all**", result["summary"]), *result["per_category"].items()]:
        n = result["summary"]["shapes"] if name == "**all**" else counts[name]
        cells = " | ".join(f"{means[k]:.4f}" if k in means else "–" for k in keys)
        lines.append(f"| {name} | {n} | {cells} |")
    return lines
