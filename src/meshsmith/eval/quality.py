"""Mesh quality of a set of shapes: watertight and manifold shares, face counts.

Topology comes from `meshsmith.geometry.qa.inspect_mesh` (judged on welded
vertices, so UV seams do not open a closed mesh).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import trimesh

from meshsmith.geometry.qa import inspect_mesh


def mesh_quality(mesh: trimesh.Trimesh) -> dict[str, int | bool]:
    """``faces``, ``watertight``, ``manifold`` and ``components`` of one mesh."""
    report = inspect_mesh(mesh)
    return {
        "faces": report.faces,
        "watertight": report.watertight,
        "manifold": report.manifold,
        "components": report.components,
    }


def quality_summary(reports: Sequence[dict]) -> dict[str, float]:
    """Aggregate of `mesh_quality` results.

    Returns
    -------
    summary : dict of str to float
        ``watertight`` and ``manifold`` shares in [0, 1], ``faces_mean``,
        ``faces_median``, ``faces_min``, ``faces_max``, ``components_mean``;
        empty for no reports.
    """
    if not reports:
        return {}
    faces = np.array([r["faces"] for r in reports], dtype=np.float64)
    return {
        "watertight": float(np.mean([r["watertight"] for r in reports])),
        "manifold": float(np.mean([r["manifold"] for r in reports])),
        "faces_mean": float(faces.mean()),
        "faces_median": float(np.median(faces)),
        "faces_min": float(faces.min()),
        "faces_max": float(faces.max()),
        "components_mean": float(np.mean([r["components"] for r in reports])),
    }
