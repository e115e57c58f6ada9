"""Safetensors I/O with checks that turn a bad file into one clear message.

No pickle anywhere: weights, optimizer moments and RNG states are tensors in
safetensors files, everything else is JSON (in the file's metadata or beside it).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from torch import Tensor, nn

from meshsmith.errors import InputError


def save_tensors(path: Path, tensors: dict[str, Tensor], metadata: dict[str, str]) -> None:
    """Write `tensors` to `path` atomically (a crash never leaves a half-written file)."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # safetensors refuses tensors that share memory (tied or expanded views): store copies.
    save_file({k: v.detach().contiguous().clone() for k, v in tensors.items()}, str(tmp), metadata)
    os.replace(tmp, path)


def load_tensors(path: Path) -> tuple[dict[str, Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file.

    Raises
    ------
    InputError
        If the file is missing, truncated or not safetensors.
    """
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise InputError(f"no such weights file: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 - not a dict
    except Exception as exc:  # safetensors raises its own error types and OSError
        raise InputError(
            f"{path}: not a readable safetensors file (truncated or corrupt?): {exc}"
        ) from None
    return tensors, metadata


def metadata_json(metadata: dict[str, str], key: str, path: Path) -> dict:
    """Parse the JSON stored under `key` in a file's metadata."""
    try:
        return json.loads(metadata[key])
    except (KeyError, json.JSONDecodeError):
        raise InputError(f"{path}: metadata has no valid {key!r} entry") from None


def load_state(
    module: nn.Module, tensors: dict[str, Tensor], what: str, fresh: tuple[str, ...] = ()
) -> None:
    """Copy `tensors` into `module` after checking names and shapes exactly.

    Tensors of `module` whose names start with one of the `fresh` prefixes may be
    missing from `tensors`; they keep their current values.

    Raises
    ------
    InputError
        Naming the first mismatching tensors (missing, unexpected, or wrong shape).
    """
    expected = module.state_dict()
    # A tensor with no elements (an empty latent memory) carries nothing to miss.
    missing = sorted(
        k for k in set(expected) - set(tensors) if expected[k].numel() and not k.startswith(fresh)
    )
    unexpected = sorted(set(tensors) - set(expected))
    wrong = [
        f"{k} {tuple(tensors[k].shape)} != {tuple(v.shape)}"
        for k, v in expected.items()
        if k in tensors and tensors[k].shape != v.shape
    ]
    problems = []
    if missing:
        problems.append(f"missing {missing[:3]}{' ...' if len(missing) > 3 else ''}")
    if unexpected:
        problems.append(f"unexpected {unexpected[:3]}{' ...' if len(unexpected) > 3 else ''}")
    if wrong:
        problems.append(f"wrong shape {wrong[:3]}{' ...' if len(wrong) > 3 else ''}")
    if problems:
        raise InputError(f"{what} does not fit this model: {'; '.join(problems)}")
    with torch.no_grad():
        for k, v in expected.items():
            if k in tensors:
                v.copy_(tensors[k])
