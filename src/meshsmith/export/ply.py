"""Binary little-endian PLY writer: +Y up, metres, all parts in one mesh.

Vertex properties: x y z, nx ny nz, then s t when every part has UVs, then red green
blue alpha (uchar, sRGB) when any part has vertex colours (parts without take their
material's base colour). When all parts share one base colour texture it is written
beside the file as `NAME_basecolor.png` and named in a `comment TextureFile` line,
which MeshLab and trimesh read. Provenance: `comment meshsmith provenance: {json}`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from meshsmith.export.images import encode_png
from meshsmith.export.parts import Part, collect_parts, safe_name
from meshsmith.export.provenance import Provenance

PROVENANCE_PREFIX = "comment meshsmith provenance: "


def export_ply(
    obj: trimesh.Trimesh | trimesh.Scene,
    path: str | os.PathLike,
    provenance: Provenance | None = None,
) -> list[Path]:
    """Write `obj` as one binary PLY (and its base colour texture, if any)."""
    path = Path(path)
    provenance = provenance or Provenance.create()
    parts = collect_parts(obj)
    with_uv = all(part.uv is not None for part in parts)
    with_colors = any(part.colors is not None for part in parts)
    textures = {id(p.material.base_color_texture): p.material.base_color_texture for p in parts}
    texture = next(iter(textures.values())) if with_uv and len(textures) == 1 else None

    fields = [(name, "<f4") for name in ("x", "y", "z", "nx", "ny", "nz")]
    if with_uv:
        fields += [("s", "<f4"), ("t", "<f4")]
    if with_colors:
        fields += [(name, "u1") for name in ("red", "green", "blue", "alpha")]
    vertices = np.zeros(sum(len(part.vertices) for part in parts), dtype=fields)
    faces = np.zeros(sum(len(part.faces) for part in parts), dtype=[("n", "u1"), ("v", "<i4", 3)])
    faces["n"] = 3

    v_start = f_start = 0
    for part in parts:
        v_slice = slice(v_start, v_start + len(part.vertices))
        for axis, name in enumerate("xyz"):
            vertices[name][v_slice] = part.vertices[:, axis]
            vertices[f"n{name}"][v_slice] = part.normals[:, axis]
        if with_uv:
            vertices["s"][v_slice], vertices["t"][v_slice] = part.uv[:, 0], part.uv[:, 1]
        if with_colors:
            colors = part.colors if part.colors is not None else _base_color(part)
            for channel, name in enumerate(("red", "green", "blue", "alpha")):
                vertices[name][v_slice] = colors[..., channel]
        faces["v"][f_start : f_start + len(part.faces)] = part.faces + v_start
        v_start += len(part.vertices)
        f_start += len(part.faces)

    written = [path]
    header = ["ply", "format binary_little_endian 1.0", f"comment {provenance.generator}"]
    header.append(PROVENANCE_PREFIX + json.dumps(provenance.as_dict(), ensure_ascii=True))
    if texture is not None:
        texture_path = path.with_name(f"{safe_name(path.stem, 'model')}_basecolor.png")
        texture_path.write_bytes(encode_png(texture))
        written.append(texture_path)
        header.append(f"comment TextureFile {texture_path.name}")
    header.append(f"element vertex {len(vertices)}")
    names = {"<f4": "float", "u1": "uchar"}
    header += [f"property {names[kind]} {name}" for name, kind in fields]
    header += [f"element face {len(faces)}", "property list uchar int vertex_indices"]
    header.append("end_header")
    with open(path, "wb") as stream:
        stream.write(("\n".join(header) + "\n").encode("ascii"))
        stream.write(vertices.tobytes())
        stream.write(faces.tobytes())
    return written


def _base_color(part: Part) -> np.ndarray:
    """(4,) uint8: the material's base colour factor as a stand-in vertex colour."""
    return np.clip(np.round(np.asarray(part.material.base_color) * 255), 0, 255).astype(np.uint8)


def read_ply_provenance(path: Path) -> dict[str, Any] | None:
    """The provenance comment in a PLY header, or None."""
    with open(path, "rb") as stream:
        for raw in stream:
            line = raw.decode("ascii", "replace").rstrip("\r\n")
            if line.startswith(PROVENANCE_PREFIX):
                found = json.loads(line[len(PROVENANCE_PREFIX) :])
                return found if isinstance(found, dict) else None
            if line == "end_header":
                return None
    return None
