"""Measurements shared by the export tests: chamfer distance, texel lookup, USDZ reading."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image
from scipy.spatial import cKDTree

# Barycentric weights of the surface samples taken on every triangle: the centroid and
# three points near the corners. The set is the same whatever the corner order.
SAMPLE_WEIGHTS = np.array(
    [[1 / 3, 1 / 3, 1 / 3], [2 / 3, 1 / 6, 1 / 6], [1 / 6, 2 / 3, 1 / 6], [1 / 6, 1 / 6, 2 / 3]]
)


def surface_samples(mesh: trimesh.Trimesh) -> np.ndarray:
    """(4 * faces, 3) points on the surface at fixed barycentric positions.

    Fixed rather than random positions: two random samplings of the *same* surface
    lie a sample spacing apart (~1e-2 here), far above the 1e-4 tolerance, while these
    coincide exactly when the triangles do, in any order and any corner rotation.
    """
    triangles = mesh.vertices[mesh.faces]
    return np.einsum("kc,fcd->fkd", SAMPLE_WEIGHTS, triangles).reshape(-1, 3)


def chamfer(a: trimesh.Trimesh, b: trimesh.Trimesh) -> float:
    """Symmetric chamfer distance: mean nearest-neighbour distance from the samples of
    `a` to those of `b` plus the same from `b` to `a` (not squared)."""
    pa, pb = surface_samples(a), surface_samples(b)
    d_ab, _ = cKDTree(pb).query(pa)
    d_ba, _ = cKDTree(pa).query(pb)
    return float(d_ab.mean() + d_ba.mean())


def bbox_diagonal(mesh: trimesh.Trimesh) -> float:
    return float(np.linalg.norm(np.ptp(mesh.vertices, axis=0)))


def as_mesh(obj: trimesh.Trimesh | trimesh.Scene) -> trimesh.Trimesh:
    """Geometry only, scene transforms applied."""
    if isinstance(obj, trimesh.Scene):
        return trimesh.util.concatenate(
            [
                trimesh.Trimesh(m.vertices, m.faces, process=False)
                for m in obj.dump(concatenate=False)
            ]
        )
    return trimesh.Trimesh(obj.vertices, obj.faces, process=False)


def match_vertices(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """For each row of `target`, the index of the nearest row of `source`, and the
    largest of those distances. Rows may carry extra columns (UVs) to match on."""
    distance, index = cKDTree(source).query(target)
    return index, float(distance.max())


def texels(image: Image.Image, uv: np.ndarray) -> np.ndarray:
    """(n, 3) uint8 colours of `image` at `uv` (origin bottom-left, nearest texel)."""
    pixels = np.asarray(image.convert("RGB"))
    height, width = pixels.shape[:2]
    x = np.clip((uv[:, 0] % 1.0 * width).astype(int), 0, width - 1)
    y = np.clip(((1.0 - uv[:, 1] % 1.0) * height).astype(int), 0, height - 1)
    return pixels[y, x]


def read_usdz(path: Path) -> dict:
    """Meshes, UVs, material inputs and texture images of a USDZ written by meshsmith.

    Returns
    -------
    dict with "stage", "meshes" (prim name -> trimesh.Trimesh), "st" (prim name ->
    (n, 2) array), "colors" (prim name -> (n, 3) linear float) and "textures"
    (shader path -> {"image", "sourceColorSpace", "scale", "bias", "output"}).
    """
    from pxr import Usd, UsdGeom, UsdShade

    stage = Usd.Stage.Open(str(path))
    result = {"stage": stage, "meshes": {}, "st": {}, "colors": {}, "textures": {}}
    archive = zipfile.ZipFile(path)
    for prim in stage.Traverse():
        if prim.IsA(UsdGeom.Mesh):
            mesh = UsdGeom.Mesh(prim)
            points = np.asarray(mesh.GetPointsAttr().Get(), dtype=np.float64)
            faces = np.asarray(mesh.GetFaceVertexIndicesAttr().Get()).reshape(-1, 3)
            name = prim.GetName()
            result["meshes"][name] = trimesh.Trimesh(points, faces, process=False)
            primvars = UsdGeom.PrimvarsAPI(prim)
            if primvars.HasPrimvar("st"):
                result["st"][name] = np.asarray(primvars.GetPrimvar("st").Get())
            color = mesh.GetDisplayColorPrimvar()
            if color.GetInterpolation() == UsdGeom.Tokens.vertex:
                result["colors"][name] = np.asarray(color.Get())
        elif prim.IsA(UsdShade.Shader):
            shader = UsdShade.Shader(prim)
            if shader.GetIdAttr().Get() != "UsdUVTexture":
                continue
            file_path = shader.GetInput("file").Get().path
            with archive.open(file_path) as stream:
                image = Image.open(stream)
                image.load()
            bias = shader.GetInput("bias")
            result["textures"][str(prim.GetPath())] = {
                "image": image,
                "sourceColorSpace": shader.GetInput("sourceColorSpace").Get(),
                "scale": tuple(shader.GetInput("scale").Get()),
                "bias": tuple(bias.Get()) if bias else None,
            }
    return result
