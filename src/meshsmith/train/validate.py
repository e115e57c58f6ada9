"""Validation on held-out shapes: metrics and rendered samples.

Autoencoder stage: volumetric IoU of the predicted occupancy (sdf < 0) at each
shape's volume samples, SDF and material errors, and for a few shapes the mesh
extracted from the field compared with the shape's surface samples by
`meshsmith.eval.reconstruction.point_metrics` (Chamfer-L1, F-score, normal
consistency; surface samples stand in for the mesh, so these are
estimates from a few thousand points).

Prior stage: the flow loss on held-out shapes at fixed noise and times for each
condition kind, and meshes generated from a held-out caption, photo and sketch
of a shape, compared with that shape the same way.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
import trimesh

from meshsmith.errors import MeshsmithError
from meshsmith.models.model import Model, extract_field
from meshsmith.models.triplane import split_outputs
from meshsmith.train.config import TrainConfig
from meshsmith.train.data import ShapeSet, gather_rows

log = logging.getLogger("meshsmith.train")
_BATCH = 16
_SEED = 1234
#: Marching-cubes cells per side for validation meshes.
RESOLUTION = 64


def _posterior_means(model: Model, shapes: ShapeSet, config: TrainConfig) -> torch.Tensor:
    g = torch.Generator().manual_seed(_SEED)
    surface = gather_rows(shapes.surface, config.encoder_points, g)
    return torch.cat(
        [model.encode_shape(chunk[..., :3], chunk[..., 3:]) for chunk in surface.split(_BATCH)]
    )


@torch.no_grad()
def autoencoder_metrics(
    model: Model, shapes: ShapeSet, config: TrainConfig, latents: torch.Tensor
) -> dict[str, float]:
    """Mean IoU, SDF L1 and material L1 over `shapes` given their latents ``(S, 3, c, r, r)``."""
    ious, sdf_errors, material_errors = [], [], []
    for i, latent in enumerate(latents):
        planes = model.autoencoder.decode(latent[None])
        volume = shapes.volume[i]
        sdf, _, _, _ = split_outputs(model.autoencoder.query(planes, volume[None, :, :3])[0])
        inside, truth = sdf < 0, volume[:, 4] > 0.5
        union = (inside | truth).sum().item()
        ious.append((inside & truth).sum().item() / union if union else 1.0)
        clamp = config.loss.sdf_clamp
        sdf_errors.append((sdf.clamp(-clamp, clamp) - volume[:, 3].clamp(-clamp, clamp)).abs())
        surface = shapes.surface[i]
        raw = model.autoencoder.query(planes, surface[None, :, :3])[0]
        material_errors.append((torch.sigmoid(raw[:, 1:].float()) - surface[:, 6:]).abs())
    return {
        "iou": float(np.mean(ious)),
        "sdf_l1": float(torch.cat(sdf_errors).mean()),
        "appearance_l1": float(torch.cat(material_errors).mean()),
    }


def field_mesh(model: Model, latent: torch.Tensor) -> trimesh.Trimesh | None:
    """Mesh of a latent's field with albedo vertex colours, or None if it has no surface."""
    from meshsmith.colorspace import linear_to_srgb

    try:
        mesh = extract_field(
            lambda p: model.field(latent, p),
            bounds=((-0.55, -0.55, -0.55), (0.55, 0.55, 0.55)),
            resolution=RESOLUTION,
            coarse_resolution=RESOLUTION // 4,
        )
    except MeshsmithError as exc:  # an untrained field may have no surface at all
        log.info("no mesh from the field: %s", exc)
        return None
    albedo, _, _ = model.appearance(latent, mesh.vertices)
    colours = np.clip(linear_to_srgb(albedo) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=colours)
    return mesh


def mesh_metrics(mesh: trimesh.Trimesh | None, surface: torch.Tensor) -> dict[str, float]:
    """Chamfer-L1, F-score@0.01/0.02 and normal consistency against surface samples (N, 11)."""
    from meshsmith.eval.reconstruction import point_metrics

    if mesh is None:
        return {}
    points, faces = trimesh.sample.sample_surface(mesh, len(surface), seed=_SEED)
    metrics = point_metrics(
        surface[:, :3].numpy(),
        surface[:, 3:6].numpy(),
        np.asarray(points),
        np.asarray(mesh.face_normals[faces]),
        thresholds=(0.01, 0.02),
    )
    keys = ("chamfer_l1", "fscore@0.01", "fscore@0.02", "normal_consistency")
    return {k: metrics[k] for k in keys}


def _mean_metrics(rows: list[dict[str, float]], prefix: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in sorted({k for row in rows for k in row}):
        out[f"{prefix}{key}"] = float(np.mean([row[key] for row in rows if key in row]))
    return out


def render_grid(meshes: list[trimesh.Trimesh | None], path: Path, size: int = 160):
    """One front-three-quarter view per mesh, in a row; the image ``(H, W, 3) uint8``.

    Missing meshes leave a blank cell. Returns None when the renderer is unavailable.
    """
    from PIL import Image

    from meshsmith.render.camera import orbit_camera
    from meshsmith.render.renderer import render_views

    strip = Image.new("RGB", (size * max(len(meshes), 1), size), "white")
    try:
        for i, mesh in enumerate(meshes):
            if mesh is None:
                continue
            centre = mesh.bounding_box.centroid
            radius = float(np.linalg.norm(mesh.extents)) / 2.0
            camera = orbit_camera(centre, radius, 35.0, 20.0, size=size)
            view = render_views(mesh, [camera], background="white", geometry=False)
            strip.paste(Image.fromarray(view.rgba[0][..., :3]), (i * size, 0))
    except MeshsmithError as exc:
        log.warning("cannot render validation samples: %s", exc)
        return None
    strip.save(path)
    return np.asarray(strip)


@torch.no_grad()
def validate_autoencoder(
    model: Model, shapes: ShapeSet, config: TrainConfig, path: Path
) -> tuple[dict[str, float], np.ndarray | None]:
    """Metrics (see module docstring) and a render of the reconstructed meshes."""
    latents = _posterior_means(model, shapes, config)
    metrics = autoencoder_metrics(model, shapes, config, latents)
    meshes = [field_mesh(model, latent) for latent in latents[: config.val_meshes]]
    metrics.update(
        _mean_metrics([mesh_metrics(m, shapes.surface[i]) for i, m in enumerate(meshes)], "")
    )
    return metrics, render_grid(meshes, path)


def _fixed_conditions(model: Model, shapes: ShapeSet) -> dict:
    """First caption, first view and first sketch of each shape, un-augmented."""
    kinds = {"text": model.encode_text([c[0] for c in shapes.captions])}
    if shapes.has_views:
        rgba = shapes.images[:, 0].float() / 255.0
        photos = rgba[:, :3] * rgba[:, 3:] + (1.0 - rgba[:, 3:])  # on white
        tokens, pooled = model.image_encoder(photos)
        kinds["image"] = model.image_condition("image", tokens, pooled, rgba[:, 3])
        ink = shapes.sketches[:, 0].float() / 255.0
        tokens, pooled = model.sketch_encoder(ink[:, None])
        kinds["sketch"] = model.image_condition("sketch", tokens, pooled, ink)
    return kinds


@torch.no_grad()
def validate_prior(
    model: Model, shapes: ShapeSet, config: TrainConfig, path: Path
) -> tuple[dict[str, float], np.ndarray | None]:
    """Held-out flow loss per condition kind, and metrics and renders of generated meshes."""
    latents = model.standardise(_posterior_means(model, shapes, config))
    g = torch.Generator().manual_seed(_SEED)
    noise = torch.randn(latents.shape, generator=g)
    times = torch.linspace(0.05, 0.95, len(shapes))
    metrics: dict[str, float] = {}
    conditions = _fixed_conditions(model, shapes)
    for kind, cond in conditions.items():
        t = times.view(-1, 1, 1, 1, 1)
        velocity = model.prior((1 - t) * noise + t * latents, times, cond)
        metrics[f"flow_{kind}"] = float(((velocity - (latents - noise)) ** 2).mean())
    count = min(config.val_meshes, len(shapes))
    meshes, rows = [], {kind: [] for kind in conditions}
    for kind, cond in conditions.items():
        pick = cond.rows(slice(0, count))
        generated = model.sample_latent(pick, seed=_SEED, steps=16, guidance=3.0)
        for i, latent in enumerate(generated):
            mesh = field_mesh(model, latent)
            meshes.append(mesh)
            rows[kind].append(mesh_metrics(mesh, shapes.surface[i]))
    for kind, kind_rows in rows.items():
        metrics.update(_mean_metrics(kind_rows, f"{kind}_"))
    return metrics, render_grid(meshes, path)
