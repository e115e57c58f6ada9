"""One shape's artefact set on disk: GLB, samples, views; shared by `build` and `ingest`.

Layout under the dataset folder (``folder`` is ``shapes/<category>/<id>``)::

    mesh.glb        the asset in metres, PBR materials, fixed provenance time
    samples.npz     surface_* and volume_* arrays, normalised frame (see below)
    view-XX.png, sketch-XX.png, views.npz   when views > 0 (see `renders`)

``samples.npz`` keys: ``surface_points`` (N, 3), ``surface_normals`` (N, 3),
``surface_albedo`` (N, 3) linear RGB, ``surface_roughness`` (N,), ``surface_metallic``
(N,), all float32, and for procedural shapes ``surface_part`` (N,) int16 (index into
the manifest row's ``parts`` list of part names); ``volume_points`` (M, 3) float32,
``volume_occupancy`` (M,) bool, ``volume_sdf`` (M,) float32, ``volume_near_surface``
(M,) bool. See `sampling` for how they are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import trimesh

from meshsmith.data.files import npz_bytes, sha256_bytes, write_bytes
from meshsmith.data.sampling import Frame, normalised_mesh, volume_samples
from meshsmith.export import Provenance, save

MESH_FILE = "mesh.glb"
SAMPLES_FILE = "samples.npz"
VIEWS_DATA_FILE = "views.npz"


@dataclass(frozen=True)
class ArtefactConfig:
    """How much of each artefact to make per shape.

    Attributes
    ----------
    surface_points, volume_points : int
        Samples on the surface and in the volume (half uniform, half near-surface).
    views : int
        Rendered views (and as many sketches); 0 renders nothing.
    image_size : int
        Pixels per side of each view.
    """

    surface_points: int = 16384
    volume_points: int = 16384
    views: int = 8
    image_size: int = 128


class Surface(NamedTuple):
    """Surface samples in metres: points (n, 3), normals (n, 3), albedo (n, 3) linear RGB,
    roughness (n,), metallic (n,), part (n,) int or None."""

    points: np.ndarray
    normals: np.ndarray
    albedo: np.ndarray
    roughness: np.ndarray
    metallic: np.ndarray
    part: np.ndarray | None = None


def samples_arrays(
    surface: Surface, mesh: trimesh.Trimesh, frame: Frame, count: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The arrays of ``samples.npz`` (keys in the module docstring), normalised frame."""
    arrays = {
        "surface_points": frame.to_normalised(surface.points).astype(np.float32),
        "surface_normals": np.asarray(surface.normals, dtype=np.float32),
        "surface_albedo": np.clip(surface.albedo, 0.0, 1.0).astype(np.float32),
        "surface_roughness": np.asarray(surface.roughness, dtype=np.float32),
        "surface_metallic": np.asarray(surface.metallic, dtype=np.float32),
    }
    if surface.part is not None:
        arrays["surface_part"] = np.asarray(surface.part, dtype=np.int16)
    vertices, faces = normalised_mesh(mesh, frame)
    for key, value in volume_samples(vertices, faces, count, rng).items():
        arrays[f"volume_{key}"] = value
    return arrays


def write_artefacts(
    root: Path,
    folder: str,
    asset: trimesh.Scene | trimesh.Trimesh,
    mesh: trimesh.Trimesh,
    surface: Surface,
    provenance: Provenance,
    config: ArtefactConfig,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Write one shape's files under ``root / folder``; return its manifest fields.

    Parameters
    ----------
    asset : trimesh.Scene or trimesh.Trimesh
        What is saved as the GLB and rendered (metres).
    mesh : trimesh.Trimesh
        The closed surface the volume samples are labelled against (metres).
    surface : Surface
        Surface samples in metres.
    rng : numpy.random.Generator
        Draws the volume samples, then the cameras, light, background and sketches.

    Returns
    -------
    dict
        ``scale``, ``offset``, ``files``, ``sha256`` and ``render`` (or None).
    """
    frame = Frame.of(mesh.bounds)
    files: dict[str, Any] = {}
    hashes: dict[str, str] = {}

    def put(name: str, data: bytes) -> str:
        relative = f"{folder}/{name}"
        write_bytes(root / relative, data)
        hashes[relative] = sha256_bytes(data)
        return relative

    glb = root / folder / MESH_FILE
    save(asset, glb, provenance)
    files["mesh"] = f"{folder}/{MESH_FILE}"
    hashes[files["mesh"]] = sha256_bytes(glb.read_bytes())
    arrays = samples_arrays(surface, mesh, frame, config.volume_points, rng)
    files["samples"] = put(SAMPLES_FILE, npz_bytes(arrays))
    render = None
    if config.views > 0:
        # Imported here: building without views must not need an OpenGL driver.
        from meshsmith.data.renders import render_shape_views

        rendered = render_shape_views(asset, config.views, config.image_size, rng)
        files["views"] = [put(name, rendered.files[name]) for name in rendered.views]
        files["sketches"] = [put(name, rendered.files[name]) for name in rendered.sketches]
        files["view_data"] = put(VIEWS_DATA_FILE, rendered.files[VIEWS_DATA_FILE])
        render = {
            "light": rendered.light,
            "background": rendered.background,
            "image_size": config.image_size,
        }
    return {
        "scale": frame.scale,
        "offset": [float(v) for v in frame.offset],
        "files": files,
        "sha256": dict(sorted(hashes.items())),
        "render": render,
    }
