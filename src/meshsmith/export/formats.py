"""The format registry and `save`, the one entry point for writing assets.

Every writer has the signature `export_<fmt>(obj, path, provenance) -> list[Path]`
and is listed in `EXPORTERS`; `PROVENANCE_READERS` holds the matching readers.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trimesh

from meshsmith.errors import ExportError, MeshsmithError, UnsupportedFormatError
from meshsmith.export.gltf import export_glb, read_glb_provenance
from meshsmith.export.load import format_of
from meshsmith.export.obj import export_obj, read_obj_provenance
from meshsmith.export.ply import export_ply, read_ply_provenance
from meshsmith.export.provenance import Provenance
from meshsmith.export.stl import export_stl, read_stl_provenance
from meshsmith.export.threemf import export_3mf, read_3mf_provenance
from meshsmith.export.usdz import export_usdz, read_usdz_provenance

log = logging.getLogger(__name__)

Exporter = Callable[[trimesh.Trimesh | trimesh.Scene, Path, Provenance | None], list[Path]]

EXPORTERS: dict[str, Exporter] = {
    "glb": export_glb,
    "obj": export_obj,
    "usdz": export_usdz,
    "stl": export_stl,
    "3mf": export_3mf,
    "ply": export_ply,
}

PROVENANCE_READERS: dict[str, Callable[[Path], dict[str, Any] | None]] = {
    "glb": read_glb_provenance,
    "gltf": read_glb_provenance,
    "obj": read_obj_provenance,
    "mtl": read_obj_provenance,
    "usdz": read_usdz_provenance,
    "usd": read_usdz_provenance,
    "usda": read_usdz_provenance,
    "usdc": read_usdz_provenance,
    "stl": read_stl_provenance,
    "3mf": read_3mf_provenance,
    "ply": read_ply_provenance,
    "off": lambda path: None,  # OFF has no room for metadata; readable, so not an error
}


def save(
    obj: trimesh.Trimesh | trimesh.Scene,
    path: str | os.PathLike,
    provenance: Provenance | None = None,
    fmt: str | None = None,
) -> list[Path]:
    """Write `obj` to `path` in the format named by `fmt` or by the extension.

    Parent folders are created. Files are written into a temporary folder beside
    `path` and moved into place with `os.replace`, so a failed export leaves no
    partial file and never clobbers an existing one; formats with several files
    (OBJ + MTL + PNG) move them one by one once all are written.

    Returns
    -------
    paths : list of Path
        Every file written, the main file first.

    Raises
    ------
    UnsupportedFormatError
        Unknown format or extension.
    InvalidMeshError
        Nothing to write (no triangles) or NaN/inf coordinates.
    ExportError
        Any other failure while writing.
    """
    path = Path(path)
    fmt = (fmt or "").lower().lstrip(".") or format_of(path, tuple(EXPORTERS))
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        known = ", ".join(EXPORTERS)
        raise UnsupportedFormatError(f"unknown export format '{fmt}'; supported: {known}")
    provenance = provenance or Provenance.create()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"cannot create folder {path.parent}: {error.strerror}") from error

    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        written = exporter(obj, staging / path.name, provenance)
        final = [path.parent / item.name for item in written]
        for item, target in zip(written, final, strict=True):
            os.replace(item, target)
    except MeshsmithError:
        raise
    except Exception as error:
        raise ExportError(f"writing {path.name} failed: {error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.debug("wrote %s", ", ".join(str(item) for item in final))
    return final


def provenance_reader(path: Path) -> Callable[[Path], dict[str, Any] | None]:
    """The provenance reader for `path`'s extension."""
    return PROVENANCE_READERS[format_of(path, tuple(PROVENANCE_READERS))]
