"""Read any mesh file trimesh understands into meshsmith's conventions (+Y up, metres).

Axis and unit convention: glTF, OBJ, PLY and OFF are taken as they are (+Y up,
metres). STL and 3MF follow the 3D-printing convention, +Z up in millimetres (3MF may
name another unit in its `unit` attribute, which is honoured): they are rotated -90
degrees about X so +Z becomes +Y (and -Y, the front, becomes +Z) and scaled to metres.
The STL and 3MF writers apply the inverse, so a model printed from our files stands on
the build plate.

Vertices are not merged, so UV seams and hard edges survive, except for STL, which
stores a separate copy of each corner and is merged by position.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial, SimpleMaterial

from meshsmith.errors import MeshLoadError, MeshsmithError, UnsupportedFormatError
from meshsmith.export.axes import METRES_PER_UNIT, STL_METRES_PER_UNIT, Z_UP_TO_Y_UP
from meshsmith.export.images import linear_to_srgb, scale_srgb_image
from meshsmith.export.obj import apply_mtl_pbr

LOADABLE_FORMATS = ("3mf", "glb", "gltf", "obj", "off", "ply", "stl")


def format_of(path: str | os.PathLike, supported: tuple[str, ...] = LOADABLE_FORMATS) -> str:
    """Lower-case extension of `path` without the dot, if it is in `supported`.

    Raises
    ------
    UnsupportedFormatError
        Any other extension; the message lists the supported ones.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in supported:
        listed = ", ".join(f".{name}" for name in supported)
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise UnsupportedFormatError(
            f"unsupported file type {shown} for {Path(path).name}; supported: {listed}"
        )
    return suffix


def load_scene(path: str | os.PathLike) -> trimesh.Scene:
    """Load a mesh file as a scene of triangle meshes, +Y up, in metres.

    Raises
    ------
    MeshLoadError
        Missing, empty, unreadable or corrupt file, no triangles, NaN/inf vertices
        or face indices out of range.
    UnsupportedFormatError
        An extension not in `LOADABLE_FORMATS`.
    """
    path = Path(path)
    _check_file(path)
    fmt = format_of(path)
    try:
        scene = _triangle_meshes_only(_trimesh_load(path, fmt), path)
        _to_meshsmith_conventions(scene, path, fmt)
    except MeshsmithError:
        raise
    except Exception as error:
        raise MeshLoadError(
            f"cannot read {path.name} as {fmt.upper()}: {_one_line(error)}"
        ) from error
    return scene


def load_mesh(path: str | os.PathLike) -> trimesh.Trimesh:
    """Load a mesh file as one mesh: every part with its scene transform applied.

    Visuals are kept where trimesh can merge them (materials of several parts are
    packed into one atlas). Raises like `load_scene`.
    """
    scene = load_scene(path)
    meshes = []
    for node in scene.graph.nodes_geometry:
        transform, name = scene.graph[node]
        # include_cache keeps the vertex normals read from the file; trimesh's own
        # Scene.to_mesh drops them and recomputes.
        mesh = scene.geometry[name].copy(include_cache=True)
        if not np.allclose(transform, np.eye(4)):
            mesh.apply_transform(transform)
        meshes.append(mesh)
    if len(meshes) == 1:
        return meshes[0]
    for mesh in meshes:
        _bake_base_color_factor(mesh)
    try:
        return trimesh.util.concatenate(meshes)
    except Exception as error:
        raise MeshLoadError(
            f"cannot merge the parts of {Path(path).name}: {_one_line(error)}"
        ) from error


def _bake_base_color_factor(mesh: trimesh.Trimesh) -> None:
    """Multiply a textured part's baseColorFactor into its texture, in place.

    trimesh (5.2) packs the materials of merged parts by multiplying uint8 texels
    by the uint8 factor, which wraps around (a brown chair comes out blue); with
    the factor folded into the texels first, packing leaves them alone.
    """
    material = getattr(mesh.visual, "material", None)
    if not isinstance(material, PBRMaterial) or material.baseColorTexture is None:
        return
    factor = material.baseColorFactor
    if factor is not None and not np.all(np.asarray(factor) == 255):
        linear = tuple(float(f) for f in np.asarray(factor, dtype=np.float64) / 255.0)
        material.baseColorTexture = scale_srgb_image(material.baseColorTexture, linear)
    material.baseColorFactor = None


def _trimesh_load(path: Path, fmt: str) -> trimesh.Scene:
    if fmt == "stl":
        _check_binary_stl_size(path)
    if fmt not in ("obj", "off"):
        return trimesh.load_scene(str(path), file_type=fmt, process=False)
    # Decode text formats here: trimesh needs the optional charset_normalizer for
    # anything that is not UTF-8, and gives a confusing error about it for binary junk.
    data = path.read_bytes()
    if b"\x00" in data:
        raise MeshLoadError(f"{path.name} is not a text {fmt.upper()} file (it holds binary data)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    # split_objects keeps each OBJ `o` as its own part instead of merging by material.
    options = {"split_objects": True} if fmt == "obj" else {}
    return trimesh.load_scene(
        io.BytesIO(text.encode("utf-8")),
        file_type=fmt,
        resolver=trimesh.resolvers.FilePathResolver(str(path)),
        process=False,
        **options,
    )


def _check_binary_stl_size(path: Path) -> None:
    """A binary STL's size must match the triangle count in its header."""
    with open(path, "rb") as stream:
        head = stream.read(84)
    size = path.stat().st_size
    if head.lstrip()[:5].lower() == b"solid" or len(head) < 84:
        return  # ASCII STL (or too short to be binary): the parser decides
    count = int.from_bytes(head[80:84], "little")
    if size < 84 + 50 * count:
        raise MeshLoadError(
            f"{path.name} is truncated or not an STL file: its header announces {count} "
            f"triangles ({84 + 50 * count} bytes) but the file has {size} bytes"
        )


def _to_meshsmith_conventions(scene: trimesh.Scene, path: Path, fmt: str) -> None:
    """Y-up metres for STL/3MF, sRGB vertex colours for glTF, PBR materials for OBJ."""
    if fmt in ("stl", "3mf"):
        if fmt == "stl":
            for mesh in scene.geometry.values():
                mesh.merge_vertices()
            scale = STL_METRES_PER_UNIT
        else:
            scale = METRES_PER_UNIT.get(str(scene.units or "millimeter").lower(), 1e-3)
        scene.apply_transform(np.diag([scale, scale, scale, 1.0]) @ Z_UP_TO_Y_UP)
        scene.units = "meters"
    elif fmt in ("glb", "gltf"):
        _decode_linear_vertex_colors(scene)
    elif fmt == "obj":
        _drop_placeholder_materials(scene)
        apply_mtl_pbr(scene, path)


def is_placeholder_material(material: object) -> bool:
    """True for the material trimesh invents for a mesh with UVs but no material file.

    It is a 2x2 image of grey 100 (`trimesh.visual.material.empty_material`),
    which means "no colour", not "dark grey".
    """
    image = getattr(material, "image", None)
    if not isinstance(material, SimpleMaterial) or not isinstance(image, Image.Image):
        return False
    if image.size != (2, 2):
        return False
    pixels = np.asarray(image.convert("RGBA")).reshape(-1, 4)
    return bool((pixels == [100, 100, 100, 255]).all())


def _drop_placeholder_materials(scene: trimesh.Scene) -> None:
    """Replace trimesh's placeholder with a plain default material; UVs are kept."""
    for mesh in scene.geometry.values():
        if mesh.visual.kind == "texture" and is_placeholder_material(mesh.visual.material):
            mesh.visual.material = PBRMaterial(name="default")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise MeshLoadError(f"file not found: {path}")
    if path.is_dir():
        raise MeshLoadError(f"{path.name} is a directory, not a mesh file")
    if path.stat().st_size == 0:
        raise MeshLoadError(f"{path.name} is empty")


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _triangle_meshes_only(loaded: trimesh.Scene, path: Path) -> trimesh.Scene:
    """Drop point clouds, paths and empty meshes; reject the file if nothing is left."""
    scene = loaded if isinstance(loaded, trimesh.Scene) else trimesh.Scene(loaded)
    for name, geometry in list(scene.geometry.items()):
        if not isinstance(geometry, trimesh.Trimesh) or len(geometry.faces) == 0:
            scene.delete_geometry(name)
            continue
        vertices = geometry.vertices
        if not np.isfinite(vertices).all():
            raise MeshLoadError(f"{path.name} has NaN or infinite vertex coordinates")
        faces = geometry.faces
        if faces.min() < 0 or faces.max() >= len(vertices):
            raise MeshLoadError(f"{path.name} has faces that point at missing vertices")
    if not scene.graph.nodes_geometry:
        raise MeshLoadError(f"{path.name} contains no triangles")
    return scene


def _decode_linear_vertex_colors(scene: trimesh.Scene) -> None:
    """glTF COLOR_0 is linear light; meshsmith keeps vertex colours in sRGB.

    trimesh keeps COLOR_0 as floats beside a material (TextureVisuals) and as 8-bit
    ColorVisuals without one. A part with colours and no UVs becomes ColorVisuals.
    """
    for mesh in scene.geometry.values():
        visual = mesh.visual
        if isinstance(visual, trimesh.visual.ColorVisuals) and visual.kind == "vertex":
            linear = np.asarray(visual.vertex_colors, dtype=np.float64) / 255.0
            mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=linear_to_srgb(linear))
        elif isinstance(visual, trimesh.visual.TextureVisuals):
            linear = visual.vertex_attributes.get("color")
            if linear is None or len(linear) != len(mesh.vertices):
                continue
            linear = np.asarray(linear, dtype=np.float64)
            if linear.dtype.kind in "ui" or linear.max() > 1.0:
                linear = linear / 255.0
            srgb = linear_to_srgb(linear)
            if visual.uv is None:
                mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=srgb)
            else:
                visual.vertex_attributes["color"] = srgb
