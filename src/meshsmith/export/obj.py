"""Wavefront OBJ + MTL writer with PNG maps, and the PBR half of the MTL reader.

Files written beside `NAME.obj`: `STEM.mtl` and, per material i with textures,
`STEM_i_basecolor.png`, `STEM_i_roughness.png`, `STEM_i_metallic.png`,
`STEM_i_normal.png`, `STEM_i_emissive.png`, where STEM is NAME with anything but
letters, digits, `_`, `-`, `.` replaced by `_`. Side-file names come from the output
name only, never from material or part names found in the input.

The MTL uses the PBR extension that Blender, three.js and others read: `Pr`/`Pm`
(roughness/metallic), `map_Pr`/`map_Pm` (the G and B channels of the glTF
metallicRoughness map, one greyscale PNG each), `norm` and `map_Bump -bm 1` (tangent
space normal map), `Ke`/`map_Ke`. Because many readers ignore `Kd` next to `map_Kd`
(and `Pr` next to `map_Pr`), factors other than 1 are baked into the maps.
Vertex colours use the common `v x y z r g b` extension (sRGB in [0, 1]); parts
with vertex colours and no maps get no material.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
from PIL import Image
from trimesh.visual.material import PBRMaterial, SimpleMaterial

from meshsmith.export.images import encode_png, scale_channel, scale_srgb_image
from meshsmith.export.parts import Material, Part, collect_parts, safe_name
from meshsmith.export.provenance import Provenance

PROVENANCE_PREFIX = "# meshsmith provenance: "
# MTL keys (lower case, as trimesh keeps unknown keys) that make a material PBR.
PBR_KEYS = ("pr", "pm", "map_pr", "map_pm", "norm", "map_bump", "bump", "ke", "map_ke")


def export_obj(
    obj: trimesh.Trimesh | trimesh.Scene,
    path: str | os.PathLike,
    provenance: Provenance | None = None,
) -> list[Path]:
    """Write `obj` as NAME.obj, NAME.mtl and PNG maps; returns every path written."""
    path = Path(path)
    provenance = provenance or Provenance.create()
    parts = collect_parts(obj)
    header = _header(provenance)

    material_index: dict[int, int] = {}
    materials: list[Material] = []
    for part in parts:
        if _colors_only(part):
            continue
        if id(part.material) not in material_index:
            material_index[id(part.material)] = len(materials)
            materials.append(part.material)
    names = _material_names(materials)

    written = [path]
    stream = io.StringIO()
    stream.write(f"{header}\n")
    if materials:
        # Readers split MTL lines on spaces, so side files get a space-free stem.
        stem = safe_name(path.stem, "model")
        mtl_path = path.with_name(f"{stem}.mtl")
        mtl_lines, images = [header], {}
        for index, material in enumerate(materials):
            mtl_lines.append(_mtl_entry(material, names[index], f"{stem}_{index}", images))
        mtl_path.write_text("\n".join(mtl_lines) + "\n", encoding="utf-8")
        written.append(mtl_path)
        for file_name, image in images.items():
            target = path.with_name(file_name)
            target.write_bytes(encode_png(image))
            written.append(target)
        stream.write(f"mtllib {mtl_path.name}\n")

    offset = 1
    for part in parts:
        index = material_index.get(id(part.material))
        _write_part(stream, part, None if index is None else names[index], offset)
        offset += len(part.vertices)
    path.write_text(stream.getvalue(), encoding="utf-8")
    return written


def _header(provenance: Provenance) -> str:
    payload = json.dumps(provenance.as_dict(), ensure_ascii=True, separators=(",", ":"))
    return f"# {provenance.generator}\n{PROVENANCE_PREFIX}{payload}"


def _material_names(materials: list[Material]) -> list[str]:
    names, used = [], set()
    for index, material in enumerate(materials):
        name = material.name if material.name not in used else f"{material.name}_{index}"
        used.add(name)
        names.append(name)
    return names


def _colors_only(part: Part) -> bool:
    """Vertex colours and no maps: the part is written without `usemtl`, because
    readers such as trimesh drop vertex colours from faces that have a material."""
    return part.colors is not None and not part.material.has_textures


def _write_part(stream: io.StringIO, part: Part, material: str | None, offset: int) -> None:
    stream.write(f"o {part.name}\n")
    if part.colors is not None:
        rows = np.column_stack([part.vertices, part.colors[:, :3] / 255.0])
        np.savetxt(stream, rows, fmt="v %.7g %.7g %.7g %.4f %.4f %.4f")
    else:
        np.savetxt(stream, part.vertices, fmt="v %.7g %.7g %.7g")
    if part.uv is not None:
        np.savetxt(stream, part.uv, fmt="vt %.7g %.7g")
    np.savetxt(stream, part.normals, fmt="vn %.6f %.6f %.6f")
    if material is not None:
        stream.write(f"usemtl {material}\n")
    stream.write("s off\n")
    faces = np.repeat(part.faces + offset, 3 if part.uv is not None else 2, axis=1)
    fmt = "f %d/%d/%d %d/%d/%d %d/%d/%d" if part.uv is not None else "f %d//%d %d//%d %d//%d"
    np.savetxt(stream, faces, fmt=fmt)


def _mtl_entry(material: Material, name: str, stem: str, images: dict) -> str:
    """MTL lines for one material; adds its maps to `images` (file name -> image)."""
    color, roughness, metallic = material.base_color[:3], material.roughness, material.metallic
    maps: list[tuple[str, str, Image.Image]] = []  # (MTL key, file suffix, image)
    if material.base_color_texture is not None:
        texture = material.base_color_texture
        if any(abs(v - 1.0) > 1e-6 for v in color):
            texture = scale_srgb_image(texture, (*color, 1.0))
            color = (1.0, 1.0, 1.0)
        maps.append(("map_Kd", "basecolor", texture))
    if material.metallic_roughness_texture is not None:
        mr = material.metallic_roughness_texture
        maps.append(("map_Pr", "roughness", scale_channel(mr, "G", roughness)))
        maps.append(("map_Pm", "metallic", scale_channel(mr, "B", metallic)))
        roughness = metallic = 1.0
    if material.normal_texture is not None:
        maps.append(("norm", "normal", material.normal_texture))
    if material.emissive_texture is not None:
        maps.append(("map_Ke", "emissive", material.emissive_texture))

    specular = 0.04 * (1 - material.metallic) + material.metallic
    # Inverse of trimesh's roughness = (2 / (Ns + 2)) ** 0.25, for Phong-only readers.
    shininess = min(2.0 / max(material.roughness, 1e-3) ** 4 - 2.0, 1000.0)
    lines = [
        f"newmtl {name}",
        "Ka 0 0 0",
        "Kd {:.6f} {:.6f} {:.6f}".format(*color),
        f"Ks {specular:.6f} {specular:.6f} {specular:.6f}",
        f"Ns {shininess:.4f}",
        f"d {material.base_color[3]:.6f}",
        "illum 2",
        f"Pr {roughness:.6f}",
        f"Pm {metallic:.6f}",
    ]
    if any(material.emissive):
        lines.append("Ke {:.6f} {:.6f} {:.6f}".format(*material.emissive))
    for key, suffix, image in maps:
        file_name = f"{stem}_{suffix}.png"
        images[file_name] = image
        lines.append(f"{key} {file_name}")
        if key == "norm":
            lines.append(f"map_Bump -bm 1 {file_name}")
    return "\n".join(lines) + "\n"


def read_obj_provenance(path: Path) -> dict[str, Any] | None:
    """The provenance comment of an OBJ or MTL file written by meshsmith, or None."""
    with open(path, encoding="utf-8", errors="replace") as stream:
        for line in stream:
            if line.startswith(PROVENANCE_PREFIX):
                found = json.loads(line[len(PROVENANCE_PREFIX) :])
                return found if isinstance(found, dict) else None
            if not line.startswith("#") and line.strip():
                return None
    return None


def apply_mtl_pbr(scene: trimesh.Scene, obj_path: Path) -> None:
    """Turn trimesh's OBJ materials into PBR ones where the MTL has PBR extension lines.

    trimesh reads `Kd`, `Ns` and `map_Kd` and keeps every other MTL key, split on
    whitespace, in `SimpleMaterial.kwargs`; this reads `Pr`, `Pm`, `map_Pr`, `map_Pm`,
    `norm`/`map_Bump`/`bump`, `Ke` and `map_Ke` from there. Maps are resolved
    relative to the OBJ file; a map that cannot be read is skipped.
    """
    upgraded: dict[int, PBRMaterial] = {}
    for mesh in scene.geometry.values():
        visual = mesh.visual
        if not isinstance(visual, trimesh.visual.TextureVisuals):
            continue
        source = visual.material
        if not isinstance(source, SimpleMaterial):
            continue
        options = {k.lower(): v for k, v in (getattr(source, "kwargs", None) or {}).items()}
        if not any(key in options for key in PBR_KEYS):
            continue
        if id(source) not in upgraded:
            upgraded[id(source)] = _pbr_from_mtl(source, options, obj_path.parent)
        visual.material = upgraded[id(source)]


def _pbr_from_mtl(source: SimpleMaterial, options: dict, folder: Path) -> PBRMaterial:
    def number(key: str, default: float) -> float:
        try:
            return float(options[key][0])
        except (KeyError, IndexError, ValueError, TypeError):
            return default

    def image(*keys: str) -> Image.Image | None:
        for key in keys:
            value = options.get(key) or []
            # The whole rest of the line (a name with spaces), or its last word when
            # options such as `-bm 1` come before the file name.
            for name in dict.fromkeys([" ".join(value), value[-1] if value else ""]):
                try:
                    with Image.open(folder / name) as opened:
                        return opened.convert("L" if key in ("map_pr", "map_pm") else "RGB")
                except (OSError, ValueError):
                    continue
        return None

    alpha = number("d", 1.0)
    diffuse = np.asarray(source.diffuse, dtype=np.float64)
    # Without Pr, trimesh's conversion of the Phong exponent Ns is the best guess.
    roughness = number("pr", (2.0 / (source.glossiness + 2.0)) ** 0.25)
    metallic = number("pm", 0.0)
    roughness_map, metallic_map = image("map_pr"), image("map_pm")
    metallic_roughness = None
    if roughness_map is not None or metallic_map is not None:
        # A missing channel is filled with 255 so that its factor alone applies.
        size = (roughness_map or metallic_map).size
        white = Image.new("L", size, 255)
        green = roughness_map.resize(size) if roughness_map is not None else white
        blue = metallic_map.resize(size) if metallic_map is not None else white
        metallic_roughness = Image.merge("RGB", (white, green, blue))
    ke = options.get("ke")
    emissive = [float(v) for v in ke[:3]] if ke and len(ke) >= 3 else None
    emissive_map = image("map_ke")
    if emissive is None and emissive_map is not None:
        emissive = [1.0, 1.0, 1.0]
    return PBRMaterial(
        name=source.name,
        baseColorFactor=np.append(diffuse[:3], 255.0 * alpha).round().astype(np.uint8),
        baseColorTexture=source.image,
        metallicFactor=metallic if metallic_map is None else 1.0,
        roughnessFactor=roughness if roughness_map is None else 1.0,
        metallicRoughnessTexture=metallic_roughness,
        normalTexture=image("norm", "map_bump", "bump"),
        emissiveFactor=emissive,
        emissiveTexture=emissive_map,
    )
