"""Binary STL writer: +Z up, millimetres (see `axes`), provenance in the 80-byte header.

The header is ASCII `key=value` words after the generator, dropped from the end
when they do not fit, e.g.
`meshsmith 0.1.0 ai_generated=true seed=42 model=1a2b3c4d src=5e6f7a8b`
(hashes cut to 8 hex digits). It never starts with "solid", which would make readers
take the file for ASCII STL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from meshsmith.export.axes import STL_METRES_PER_UNIT, to_print_frame
from meshsmith.export.parts import collect_parts
from meshsmith.export.provenance import Provenance

HEADER_SIZE = 80
RECORD = np.dtype([("normal", "<f4", (3,)), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])


def export_stl(
    obj: trimesh.Trimesh | trimesh.Scene,
    path: str | os.PathLike,
    provenance: Provenance | None = None,
) -> list[Path]:
    """Write all parts of `obj` as one binary STL; returns `[path]`."""
    path = Path(path)
    parts = collect_parts(obj)
    triangles = np.concatenate([part.vertices[part.faces] for part in parts])
    corners = to_print_frame(triangles.reshape(-1, 3), STL_METRES_PER_UNIT).reshape(-1, 3, 3)
    normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    # Degenerate triangles get a zero normal, which readers recompute.
    normals = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)

    records = np.zeros(len(corners), dtype=RECORD)
    records["normal"] = normals
    records["corners"] = corners
    with open(path, "wb") as stream:
        stream.write(stl_header(provenance or Provenance.create()))
        stream.write(np.uint32(len(records)).astype("<u4").tobytes())
        stream.write(records.tobytes())
    return [path]


def stl_header(provenance: Provenance) -> bytes:
    """80 ASCII bytes: generator, then as many `key=value` words as fit."""
    words = [provenance.generator, f"ai_generated={str(provenance.ai_generated).lower()}"]
    if provenance.seed is not None:
        words.append(f"seed={provenance.seed}")
    if provenance.model_sha256:
        words.append(f"model={provenance.model_sha256[:8]}")
    if provenance.source_sha256:
        words.append(f"src={provenance.source_sha256[:8]}")
    text = ""
    for word in words:
        candidate = f"{text} {word}".strip()
        if len(candidate.encode("ascii", "replace")) > HEADER_SIZE:
            break
        text = candidate
    return text.encode("ascii", "replace").ljust(HEADER_SIZE, b" ")


def read_stl_provenance(path: Path) -> dict[str, Any] | None:
    """What `stl_header` wrote, as a dict, or None for an STL not written by meshsmith.

    Keys: `generator`, `ai_generated`, and where they fitted `seed`,
    `model_sha256_prefix`, `source_sha256_prefix`.
    """
    with open(path, "rb") as stream:
        header = stream.read(HEADER_SIZE).decode("ascii", "replace")
    words = header.split()
    if len(words) < 2 or words[0] != "meshsmith":
        return None
    found: dict[str, Any] = {"generator": f"{words[0]} {words[1]}"}
    names = {"model": "model_sha256_prefix", "src": "source_sha256_prefix"}
    for word in words[2:]:
        key, _, value = word.partition("=")
        if key == "ai_generated":
            found["ai_generated"] = value == "true"
        elif key == "seed":
            found["seed"] = int(value)
        elif key in names:
            found[names[key]] = value
    return found
