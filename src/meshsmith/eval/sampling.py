"""Area-uniform surface samples of a mesh, optionally with its material at each point.

The keys match the dataset's surface samples (``meshsmith.data.dataset``): points,
normals, and with appearance albedo (linear RGB), roughness and metallic, so a
generated mesh and a ground-truth sample file feed the same classifier.
"""

from __future__ import annotations

import numpy as np
import trimesh

from meshsmith.errors import InvalidMeshError

Samples = dict[str, np.ndarray]


def sample_surface(
    mesh: trimesh.Trimesh, count: int, seed: int = 0, appearance: bool = False
) -> Samples:
    """`count` points drawn uniformly by area, with the normal of the face under each.

    The same mesh, count and seed always give the same points, so two identical
    meshes sampled with one seed give identical clouds.

    Parameters
    ----------
    mesh : trimesh.Trimesh
    count : int
    seed : int
    appearance : bool
        Also read the material at each point (glTF rules: base colour factor times
        the sRGB texture decoded to linear, roughness and metallic factors times the
        texture's G and B channels; vertex colours are sRGB).

    Returns
    -------
    samples : dict of str to ndarray
        ``points`` (count, 3) float64 and ``normals`` (count, 3) float64 unit face
        normals; with `appearance` also ``albedo`` (count, 3) float32 linear RGB,
        ``roughness`` (count,) float32 and ``metallic`` (count,) float32.

    Raises
    ------
    InvalidMeshError
        A mesh with no faces or no surface area.
    """
    if len(mesh.faces) == 0 or not mesh.area > 0:
        raise InvalidMeshError("cannot sample a mesh with no surface area")
    points, faces, barycentric = _sample(mesh, count, seed)
    samples = {"points": points, "normals": np.asarray(mesh.face_normals)[faces]}
    if appearance:
        samples.update(_appearance(mesh, faces, barycentric))
    return samples


def _sample(
    mesh: trimesh.Trimesh, count: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(mesh.area_faces)
    faces = np.searchsorted(cumulative, rng.random(count) * cumulative[-1])
    faces = np.minimum(faces, len(mesh.faces) - 1)
    r1, r2 = rng.random(count), rng.random(count)
    fold = r1 + r2 > 1.0
    r1, r2 = np.where(fold, 1.0 - r1, r1), np.where(fold, 1.0 - r2, r2)
    barycentric = np.stack([1.0 - r1 - r2, r1, r2], axis=1)
    triangles = np.asarray(mesh.triangles)[faces]
    points = np.einsum("ni,nij->nj", barycentric, triangles)
    return points, faces, barycentric


def _appearance(mesh: trimesh.Trimesh, faces: np.ndarray, barycentric: np.ndarray) -> Samples:
    # The data engine's reader of "what the mesh looks like" (through the
    # renderer's material conventions), so eval samples match dataset samples.
    from meshsmith.data.appearance import appearance_at

    albedo, roughness, metallic = appearance_at(mesh, faces, barycentric)
    return {
        "albedo": albedo.astype(np.float32),
        "roughness": np.clip(roughness, 0.0, 1.0).astype(np.float32),
        "metallic": np.clip(metallic, 0.0, 1.0).astype(np.float32),
    }
