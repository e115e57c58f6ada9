"""Deterministic zip writing for the zip-based formats (USDZ, 3MF).

Python's and USD's zip writers stamp the current time on each entry; here the time
comes from the asset's provenance timestamp, so identical inputs give identical bytes.
"""

from __future__ import annotations

import struct
import zipfile
from datetime import datetime
from pathlib import Path

from meshsmith.export.provenance import TIMESTAMP_FORMAT

# Extra-field id that USD's zip writer uses for alignment padding.
PADDING_EXTRA_ID = 0x1986
LOCAL_HEADER_SIZE = 30
EXTRA_HEADER_SIZE = 4


def zip_time(created: str) -> tuple[int, int, int, int, int, int]:
    """Zip entry time for a provenance timestamp ('YYYY-MM-DDTHH:MM:SSZ'); zip
    cannot store dates before 1980."""
    moment = datetime.strptime(created, TIMESTAMP_FORMAT)
    return max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0))


def write_zip(
    path: Path,
    members: list[tuple[str, bytes]],
    date_time: tuple[int, int, int, int, int, int],
    compress: bool = True,
    alignment: int = 0,
) -> None:
    """Write `members` (name, data) in the given order.

    Parameters
    ----------
    compress : bool
        Deflate (level 6) or store.
    alignment : int
        If > 0 (stored entries only), pad each local header with an extra field so the
        entry's data starts at a multiple of `alignment` bytes, as USDZ requires (64).
    """
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with open(path, "wb") as stream, zipfile.ZipFile(stream, "w", method, compresslevel=6) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = method
            info.create_system = 3
            if alignment:
                start = stream.tell() + LOCAL_HEADER_SIZE + len(name.encode("utf-8"))
                padding = -(start + EXTRA_HEADER_SIZE) % alignment
                info.extra = struct.pack("<HH", PADDING_EXTRA_ID, padding) + bytes(padding)
            zf.writestr(info, data)
