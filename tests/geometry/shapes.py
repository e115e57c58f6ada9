"""Hand-built meshes, fields and test-data paths shared by the geometry tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh

REPO_ROOT = Path(__file__).resolve().parents[2]
SPOT = REPO_ROOT / "tests" / "data" / "spot.obj"
REAL_MESHES = (REPO_ROOT / ".." / "shared" / "testdata" / "real-meshes").resolve()


def real_mesh_paths() -> list[Path]:
    return sorted(REAL_MESHES.glob("*.obj")) if REAL_MESHES.is_dir() else []


def unit_cube() -> trimesh.Trimesh:
    """Axis-aligned cube [0, 1]³: 8 vertices, 12 outward triangles."""
    vertices = np.array(
        [[x, y, z] for x in (0.0, 1.0) for y in (0.0, 1.0) for z in (0.0, 1.0)], dtype=float
    )
    faces = np.array(
        [
            [0, 1, 3], [0, 3, 2],  # x = 0
            [4, 6, 7], [4, 7, 5],  # x = 1
            [0, 4, 5], [0, 5, 1],  # y = 0
            [2, 3, 7], [2, 7, 6],  # y = 1
            [0, 2, 6], [0, 6, 4],  # z = 0
            [1, 5, 7], [1, 7, 3],  # z = 1
        ]
    )  # fmt: skip
    return trimesh.Trimesh(vertices, faces, process=False)


def sphere_sdf(radius: float, centre=(0.0, 0.0, 0.0)):
    centre = np.asarray(centre, dtype=np.float32)

    def field(points: np.ndarray) -> np.ndarray:
        return np.linalg.norm(points - centre, axis=1) - radius

    return field


def tetrahedron(offset=(0.0, 0.0, 0.0), scale: float = 1.0) -> trimesh.Trimesh:
    """Outward-wound tetrahedron with its first vertex at `offset`."""
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float) * scale
    faces = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    return trimesh.Trimesh(vertices + np.asarray(offset, float), faces, process=False)


def torus_mesh(major: float = 1.0, minor: float = 0.3, sections: int = 24) -> trimesh.Trimesh:
    """Closed torus around the z axis as a quad grid split into triangles."""
    u = np.linspace(0, 2 * np.pi, sections, endpoint=False)
    v = np.linspace(0, 2 * np.pi, sections, endpoint=False)
    uu, vv = np.meshgrid(u, v, indexing="ij")
    ring = major + minor * np.cos(vv)
    vertices = np.stack([ring * np.cos(uu), ring * np.sin(uu), minor * np.sin(vv)], -1)
    i, j = np.meshgrid(np.arange(sections), np.arange(sections), indexing="ij")
    a = i * sections + j
    b = ((i + 1) % sections) * sections + j
    c = ((i + 1) % sections) * sections + (j + 1) % sections
    d = i * sections + (j + 1) % sections
    faces = np.concatenate([np.stack([a, b, c], -1), np.stack([a, c, d], -1)]).reshape(-1, 3)
    return trimesh.Trimesh(vertices.reshape(-1, 3), faces, process=False)
