"""3MF writer: +Z up, millimetres (`unit="millimeter"`), one object per part.

Each part's vertices are merged by position so that slicers see closed, manifold
meshes rather than the seams a UV layout cuts. Part colours go into a
`m:basematerials` group (the material's base colour, or the mean of its base colour
texture) and vertex colours into a `m:colorgroup`, both from the 3MF Materials
extension. Metadata: `Application`, `CreationDate` and the provenance JSON as
`meshsmith:provenance` in meshsmith's own namespace. The zip is deterministic:
fixed entry order, and entry times from the provenance timestamp.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import trimesh

from meshsmith.export.archive import write_zip, zip_time
from meshsmith.export.axes import to_print_frame
from meshsmith.export.parts import Part, collect_parts
from meshsmith.export.provenance import Provenance

CORE_NS = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
MATERIAL_NS = "http://schemas.microsoft.com/3dmanufacturing/material/2015/02"
MESHSMITH_NS = "urn:meshsmith:3mf:provenance:1"
PROVENANCE_NAME = "meshsmith:provenance"
MODEL_PATH = "3D/3dmodel.model"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
</Types>
"""
RELATIONSHIPS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Target="/{MODEL_PATH}" Id="rel0" \
Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
</Relationships>
"""


def export_3mf(
    obj: trimesh.Trimesh | trimesh.Scene,
    path: str | os.PathLike,
    provenance: Provenance | None = None,
) -> list[Path]:
    """Write `obj` as a 3MF package; returns `[path]`."""
    path = Path(path)
    provenance = provenance or Provenance.create()
    model = model_xml(collect_parts(obj), provenance)
    members = [
        ("[Content_Types].xml", CONTENT_TYPES.encode("utf-8")),
        ("_rels/.rels", RELATIONSHIPS.encode("utf-8")),
        (MODEL_PATH, model.encode("utf-8")),
    ]
    write_zip(path, members, zip_time(provenance.created))
    return [path]


def model_xml(parts: list[Part], provenance: Provenance) -> str:
    """The 3D model part of the package (`3D/3dmodel.model`)."""
    payload = json.dumps(provenance.as_dict(), ensure_ascii=True, separators=(",", ":"))
    out = io.StringIO()
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        f'<model unit="millimeter" xml:lang="en-US" xmlns="{CORE_NS}" '
        f'xmlns:m="{MATERIAL_NS}" xmlns:meshsmith="{MESHSMITH_NS}">\n'
    )
    out.write(f'<metadata name="Application">{escape(provenance.generator)}</metadata>\n')
    out.write(f'<metadata name="CreationDate">{provenance.created[:10]}</metadata>\n')
    out.write(f'<metadata name="{PROVENANCE_NAME}" preserve="1">{escape(payload)}</metadata>\n')
    out.write("<resources>\n")
    out.write('<m:basematerials id="1">\n')
    for part in parts:
        out.write(f'<m:base name={quoteattr(part.name)} displaycolor="{_display(part)}"/>\n')
    out.write("</m:basematerials>\n")

    next_id = 2
    objects = []
    for index, part in enumerate(parts):
        color_group = None
        if part.colors is not None:
            color_group = next_id
            next_id += 1
            out.write(f'<m:colorgroup id="{color_group}">\n')
            for rgba in part.colors:
                out.write('<m:color color="#{:02X}{:02X}{:02X}{:02X}"/>\n'.format(*rgba))
            out.write("</m:colorgroup>\n")
        objects.append(next_id)
        out.write(
            f'<object id="{next_id}" type="model" name={quoteattr(part.name)} '
            f'pid="1" pindex="{index}">\n<mesh>\n'
        )
        _write_mesh(out, part, color_group)
        out.write("</mesh>\n</object>\n")
        next_id += 1
    out.write("</resources>\n<build>\n")
    for object_id in objects:
        out.write(f'<item objectid="{object_id}"/>\n')
    out.write("</build>\n</model>\n")
    return out.getvalue()


def _display(part: Part) -> str:
    """sRGB hex colour that stands for the part's material in a slicer."""
    factor = np.asarray(part.material.base_color, dtype=np.float64)
    texture = part.material.base_color_texture
    if texture is not None and part.uv is not None:
        mean = np.asarray(texture.convert("RGBA"), dtype=np.float64).reshape(-1, 4).mean(0) / 255
        factor = factor * mean
    rgba = np.clip(np.round(factor * 255), 0, 255).astype(int)
    return "#{:02X}{:02X}{:02X}{:02X}".format(*rgba)


def _write_mesh(out: io.StringIO, part: Part, color_group: int | None) -> None:
    # Merge by position: UV seams must not open the mesh for a slicer.
    points = to_print_frame(part.vertices)
    unique, inverse = np.unique(points, axis=0, return_inverse=True)
    merged = inverse.reshape(-1)[part.faces]
    keep = (
        (merged[:, 0] != merged[:, 1])
        & (merged[:, 1] != merged[:, 2])
        & (merged[:, 0] != merged[:, 2])
    )
    out.write("<vertices>\n")
    np.savetxt(out, unique, fmt='<vertex x="%.7g" y="%.7g" z="%.7g"/>')
    out.write("</vertices>\n<triangles>\n")
    if color_group is None:
        np.savetxt(out, merged[keep], fmt='<triangle v1="%d" v2="%d" v3="%d"/>')
    else:
        rows = np.column_stack([merged[keep], part.faces[keep]])
        fmt = f'<triangle v1="%d" v2="%d" v3="%d" pid="{color_group}" p1="%d" p2="%d" p3="%d"/>'
        np.savetxt(out, rows, fmt=fmt)
    out.write("</triangles>\n")


def read_3mf_provenance(path: Path) -> dict[str, Any] | None:
    """The `meshsmith:provenance` metadata of a 3MF file, or None."""
    with zipfile.ZipFile(path) as archive:
        if MODEL_PATH not in archive.namelist():
            return None
        root = ElementTree.fromstring(archive.read(MODEL_PATH))
    for element in root.findall(f"{{{CORE_NS}}}metadata"):
        if element.get("name") == PROVENANCE_NAME and element.text:
            found = json.loads(element.text)
            return found if isinstance(found, dict) else None
    return None
