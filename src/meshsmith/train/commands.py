"""`meshsmith train` (registered by meshsmith.cli).

    meshsmith train CONFIG --data DIR --out RUN_DIR [--steps N] [--resume] [--until STEP]
                    [--init MODEL] [--json]

CONFIG is a preset (tiny, small, base) or a JSON/TOML recipe file. Several
processes: ``torchrun --nproc_per_node 2 -m meshsmith.train train CONFIG ...``.
Heavy modules are imported inside the command function.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from meshsmith.cli_types import emit, existing_dir, positive_int


def cmd_train(args: argparse.Namespace) -> int:
    from meshsmith.train.config import load_config

    config = load_config(args.config)  # before importing torch: bad recipes fail fast
    if args.steps is not None:
        config = config.with_total_steps(args.steps)
    from meshsmith.train.loop import train

    result = train(
        config, args.data, args.out, resume=args.resume, until=args.until, init=args.init
    )
    if result.rank != 0:  # under torchrun, one report is enough
        return 0
    payload = {
        "run_dir": str(result.run_dir),
        "model": str(result.model),
        "step": result.step,
        "seconds": round(result.seconds, 2),
        "losses": result.losses,
        "validation": result.validation,
        "steps_per_second": result.steps_per_second,
    }
    lines = [f"trained {config.name} to step {result.step} in {result.seconds:.1f} s"]
    for stage, values in result.losses.items():
        speed = result.steps_per_second.get(stage, 0.0)
        lines.append(f"  {stage}: loss {values['total']:.4g} ({speed:.2f} steps/s)")
    for stage, metrics in result.validation.items():
        shown = ", ".join(f"{k} {v:.4g}" for k, v in sorted(metrics.items()))
        lines.append(f"  val {stage}: {shown}")
    lines.append(f"  model: {result.model}")
    emit(payload, args.json, lines)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this stage's subcommands to the `meshsmith` parser."""
    p = subparsers.add_parser("train", help="train the autoencoder and the prior on a dataset")
    p.add_argument("config", help="preset (tiny, small, base) or a .json/.toml recipe")
    p.add_argument("--data", type=existing_dir, required=True, help="dataset folder")
    p.add_argument("--out", type=Path, required=True, help="run folder (checkpoints, logs)")
    p.add_argument("--steps", type=positive_int, help="total steps, both stages scaled to fit")
    p.add_argument("--resume", action="store_true", help="continue from RUN_DIR's checkpoint")
    p.add_argument(
        "--until", type=positive_int, help="stop after this global step (continue with --resume)"
    )
    p.add_argument(
        "--init",
        metavar="MODEL",
        help="start from a trained model (name, file or run folder) at the decoder stage",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_train)
