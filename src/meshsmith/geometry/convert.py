"""The geometry steps of `meshsmith convert`: repair, simplify, quad remesh, resize.

Without a geometry step the asset passes through untouched, parts and
materials included. Repair, simplification and remeshing work on one mesh, so
a multi-part scene is merged first; its surface colour is carried over to the
new vertices where the topology changed (see `transfer.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from meshsmith.geometry.normalize import normalization_matrix


@dataclass(frozen=True)
class ConvertOptions:
    """What `convert_asset` does, in order: repair, quad remesh, simplify, resize."""

    repair: bool = False
    max_faces: int | None = None
    quad: bool = False
    size: float | None = None

    @property
    def changes_topology(self) -> bool:
        return self.repair or self.quad or self.max_faces is not None


def convert_asset(
    scene: trimesh.Scene, options: ConvertOptions
) -> tuple[trimesh.Trimesh | trimesh.Scene, list[str]]:
    """Apply the steps in `options` to `scene`.

    Returns the converted asset (the scene itself when no topology step runs)
    and a list of human-readable step names for reports.
    """
    steps: list[str] = []
    asset: trimesh.Trimesh | trimesh.Scene = scene
    if options.changes_topology:
        asset, merged_steps = _topology_steps(scene, options)
        steps.extend(merged_steps)
    if options.size is not None:
        asset = asset.copy()
        asset.apply_transform(normalization_matrix(asset.bounds, options.size))
        steps.append(f"resized to {options.size:g} m, standing on y=0")
    return asset, steps


def _topology_steps(
    scene: trimesh.Scene, options: ConvertOptions
) -> tuple[trimesh.Trimesh, list[str]]:
    from meshsmith.geometry.remesh import quad_remesh
    from meshsmith.geometry.repair import repair_mesh
    from meshsmith.geometry.simplify import simplify_mesh
    from meshsmith.geometry.transfer import transfer_surface_colour

    source = _merge(scene)
    mesh = source
    steps: list[str] = []
    if options.repair:
        result = repair_mesh(mesh, max_faces=options.max_faces)
        mesh = result.mesh
        steps.append(f"repair ({result.method}: {', '.join(result.steps) or 'nothing to fix'})")
    if options.quad:
        target = options.max_faces or len(mesh.faces)
        mesh = quad_remesh(mesh, target_faces=max(target // 2, 8)).mesh
        steps.append("quad remesh")
    if options.max_faces is not None and len(mesh.faces) > options.max_faces:
        mesh = simplify_mesh(mesh, options.max_faces)
        steps.append(f"simplified to {len(mesh.faces)} faces")
    if _has_colour(source) and not _has_colour(mesh):
        mesh = transfer_surface_colour(source, mesh)
        steps.append("surface colour transferred")
    return mesh, steps


def _merge(scene: trimesh.Scene) -> trimesh.Trimesh:
    """One mesh in world coordinates from every geometry of `scene`."""
    meshes = [g for g in scene.dump() if isinstance(g, trimesh.Trimesh) and len(g.faces)]
    if len(meshes) == 1:
        return meshes[0]
    return trimesh.util.concatenate(meshes)


def _has_colour(mesh: trimesh.Trimesh) -> bool:
    visual = mesh.visual
    if visual.kind == "texture":
        return True
    if visual.kind in ("vertex", "face"):
        colours = np.asarray(visual.vertex_colors)
        return bool(len(colours)) and not np.all(colours == colours[0])
    return False
