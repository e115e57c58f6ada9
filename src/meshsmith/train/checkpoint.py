"""Resumable training checkpoints: one safetensors file, no pickle.

``RUN_DIR/checkpoint.safetensors`` holds the live weights (``model.*``), their
exponential moving average (``ema.*``) and the optimizer's per-parameter moments
(``optim.<i>.<name>``); its metadata holds JSON: the step, the recipe and the
optimizer's parameter groups. Data order and noise come from generators seeded
by (seed, rank, step), so no RNG state needs saving. ``RUN_DIR/model.safetensors``
is the EMA model for inference (float16 weights), rewritten with each checkpoint.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import Tensor

from meshsmith import __version__
from meshsmith.errors import InputError
from meshsmith.models.model import Model, load_model
from meshsmith.models.weights import load_state, load_tensors, metadata_json, save_tensors

FORMAT = "meshsmith-checkpoint/1"
CHECKPOINT = "checkpoint.safetensors"
MODEL = "model.safetensors"
#: Model settings a run derives from its data when it builds the latent memory.
_DERIVED = {("memory", "entries"), ("memory", "views"), ("memory", "groups")}


def optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, Tensor], list]:
    """An optimizer's state as flat tensors plus its JSON-ready parameter groups."""
    state = optimizer.state_dict()
    tensors = {}
    for index, values in state["state"].items():
        for name, value in values.items():
            tensors[f"optim.{index}.{name}"] = torch.as_tensor(value)
    return tensors, state["param_groups"]


def restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict[str, Tensor], groups: list):
    """Inverse of `optimizer_tensors`, with a clear error if the groups do not match."""
    own = optimizer.state_dict()["param_groups"]
    if [len(g["params"]) for g in own] != [len(g["params"]) for g in groups]:
        raise InputError("checkpoint optimizer state does not fit this training stage")
    state: dict[int, dict[str, Tensor]] = {}
    for key, value in tensors.items():
        _, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = value
    try:
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    except (ValueError, KeyError, RuntimeError) as exc:
        raise InputError(f"checkpoint optimizer state does not fit: {exc}") from None


def save_checkpoint(
    run_dir: Path,
    model: Model,
    ema: Model,
    optimizer: torch.optim.Optimizer,
    step: int,
    stage: str,
    config: dict,
) -> None:
    """Write the checkpoint and the EMA inference model (both atomically)."""
    # The latent memory is derived (rebuilt when a run ends), so checkpoints leave it out.
    tensors = {f"model.{k}": v for k, v in model.state_dict().items() if not _memory(k)}
    tensors.update({f"ema.{k}": v for k, v in ema.state_dict().items() if not _memory(k)})
    optim, groups = optimizer_tensors(optimizer)
    tensors.update(optim)
    metadata = {
        "format": FORMAT,
        "step": str(step),
        "stage": stage,
        "config": json.dumps(config),
        "param_groups": json.dumps(groups),
        "meshsmith": __version__,
    }
    save_tensors(run_dir / CHECKPOINT, tensors, metadata)
    info = {"step": step, "stage": stage, "recipe": config.get("name")}
    ema.save(run_dir / MODEL, info=info, half=True)


def _memory(name: str) -> bool:
    return name.startswith("memory.")


def read_checkpoint(path: Path) -> tuple[dict[str, Tensor], dict]:
    """Tensors and parsed metadata (``step``, ``stage``, ``config``, ``param_groups``)."""
    tensors, metadata = load_tensors(path)
    if metadata.get("format") != FORMAT:
        raise InputError(f"{path}: not a meshsmith training checkpoint")
    try:
        step = int(metadata["step"])
    except (KeyError, ValueError):
        raise InputError(f"{path}: checkpoint metadata has no valid step") from None
    info = {
        "step": step,
        "stage": metadata.get("stage"),
        "config": metadata_json(metadata, "config", path),
        "param_groups": json.loads(metadata.get("param_groups", "[]")),
    }
    return tensors, info


def restore_weights(
    tensors: dict[str, Tensor], model: Model, ema: Model, path: Path, fresh: tuple[str, ...] = ()
) -> None:
    """Load ``model.*`` and ``ema.*`` from checkpoint tensors, checking every shape.

    Weights under the `fresh` prefixes may be absent (a part the recipe adds to a run
    that has not trained it yet); they keep their initial values.
    """
    for prefix, target in (("model.", model), ("ema.", ema)):
        part = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        load_state(target, part, f"{path} ({prefix[:-1]} weights)", fresh)


def optimizer_part(tensors: dict[str, Tensor]) -> dict[str, Tensor]:
    return {k: v for k, v in tensors.items() if k.startswith("optim.")}


def initial_weights(path_or_name: str | Path, model: Model, ema: Model) -> None:
    """Load a trained model's weights (a built-in name, a model file or a run folder,
    read by `load_model`) into `model` and `ema`, for a run that continues it
    (``meshsmith train --init``).

    The latent memory is left out: the run rebuilds it when it ends.

    Raises
    ------
    InputError
        A missing or foreign file, or one whose architecture is not the recipe's.
    """
    source = load_model(path_or_name)
    saved, wanted = source.config.to_dict(), model.config.to_dict()
    differ = sorted(
        f"{part}.{key}"
        for part in wanted
        for key in wanted[part]
        if (part, key) not in _DERIVED and saved[part][key] != wanted[part][key]
    )
    if differ:
        raise InputError(
            f"{path_or_name}: its architecture is not the recipe's ({', '.join(differ[:4])} differ)"
        )
    weights = {k: v for k, v in source.state_dict().items() if not _memory(k)}
    for target in (model, ema):
        load_state(target, weights, str(path_or_name), fresh=("memory.",))
