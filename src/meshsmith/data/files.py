"""Byte-reproducible dataset files: npz archives, PNG images, hashes.

`numpy.savez_compressed` stamps every member with the current time, so two runs
never give the same bytes; `npz_bytes` writes the same zip layout with a fixed
timestamp and fixed member order. PNGs are encoded with fixed settings and no
metadata chunks. Everything is produced in memory first so it can be hashed
and written in one go.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from meshsmith.errors import ExportError

#: Timestamp of every npz member (the earliest a zip file can hold).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
PNG_COMPRESS_LEVEL = 6


def npz_bytes(arrays: dict[str, np.ndarray], compress: bool = True) -> bytes:
    """An .npz archive of `arrays` (readable by `numpy.load`), identical for identical input.

    Members are written in the order of `arrays`, each as ``<key>.npy``.
    """
    buffer = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for key, value in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=ZIP_EPOCH)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()


def png_bytes(image: np.ndarray) -> bytes:
    """PNG of a (H, W) L, (H, W, 3) RGB or (H, W, 4) RGBA uint8 image."""
    modes = {2: "L", 3: "RGB", 4: "RGBA"}
    mode = modes[image.ndim] if image.ndim == 2 else modes[image.shape[2]]
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image), mode).save(
        buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL
    )
    return buffer.getvalue()


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` (parents created) through a temporary file and a rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from error
