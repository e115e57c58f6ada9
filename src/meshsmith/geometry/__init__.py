"""Field extraction, cleanup, QA, repair, simplification, normalisation and UV unwrapping.

The public functions are re-exported here lazily: importing
`meshsmith.geometry.qa` does not pay for scikit-image, xatlas or Instant Meshes.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "require_valid_mesh": "checks",
    "Extraction": "extract",
    "extract_mesh": "extract",
    "clean_mesh": "cleanup",
    "QAReport": "qa",
    "inspect_mesh": "qa",
    "RepairResult": "repair",
    "repair_mesh": "repair",
    "simplify_mesh": "simplify",
    "lod_chain": "simplify",
    "QuadRemesh": "remesh",
    "quad_remesh": "remesh",
    "normalize_mesh": "normalize",
    "UVUnwrap": "uv",
    "unwrap": "uv",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
    return getattr(module, name)
