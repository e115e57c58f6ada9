"""`meshsmith generate` (registered by meshsmith.cli).

    meshsmith generate [PROMPT] [--image PATH] [--sketch PATH] [-o OUT]
                       [--format glb,obj,usdz,stl,3mf,ply] [--seed N] [--faces N]
                       [--texture-size N] [--preview PNG] [--json] [--model NAME|PATH]
                       [--steps N] [--guidance G] [--no-memory] [--base SHARE]
                       [--precision fp32|bf16|int8]
    meshsmith generate --batch PROMPTS.txt [-o DIR] [--batch-size N] ...

Every argument is checked (and an image or sketch read) before the model loads,
so bad input fails in a fraction of a second with one line and exit code 2.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshsmith.cli_types import emit, positive_int

FORMATS = ("glb", "obj", "usdz", "stl", "3mf", "ply")
DEFAULT_OUT = Path("outputs")
#: Prompts sampled together in --batch mode (CFG doubles the prior's batch).
DEFAULT_BATCH_SIZE = 4
_SLUG_CHARS = 48
#: What a run imports after the model has loaded: `Pipeline._build`'s and
#: `Asset.save`'s lazy imports. Imported up front, they join the frozen startup.
STAGE_MODULES = (
    "meshsmith.pipeline.surface",
    "meshsmith.pipeline.texture",
    "meshsmith.geometry.normalize",
    "meshsmith.geometry.qa",
    "meshsmith.geometry.uv",
    "meshsmith.export",
)


@dataclass(frozen=True)
class Targets:
    """Where one asset goes: a stem (folder + name) and the formats to write."""

    stem: Path
    formats: tuple[str, ...]

    def paths(self) -> list[Path]:
        return [self.stem.with_name(f"{self.stem.name}.{fmt}") for fmt in self.formats]


def slug(text: str) -> str:
    """A file-name-safe short form of a prompt or file name ("a red stool" → "a-red-stool")."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = "-".join(words)[:_SLUG_CHARS].strip("-")
    return out or "asset"


def parse_formats(text: str | None) -> tuple[str, ...] | None:
    """``"glb,usdz"`` → ("glb", "usdz"); None when not given."""
    from meshsmith.errors import InputError

    if text is None:
        return None
    formats = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in text.split(",")))
    unknown = [f for f in formats if f not in FORMATS]
    if not formats or unknown or "" in formats:
        raise InputError(
            f"unknown format {', '.join(unknown) or text!r}; choose from {', '.join(FORMATS)}"
        )
    return formats


def single_targets(out: Path | None, formats: tuple[str, ...] | None, name: str) -> Targets:
    """Files for one asset: OUT's suffix picks the format unless --format is given.

    Without OUT the asset goes to ``./outputs/<name>.glb``; with several formats
    OUT's stem names each file.
    """
    from meshsmith.errors import InputError

    if out is None:
        return Targets(DEFAULT_OUT / name, formats or ("glb",))
    suffix = out.suffix.lower().lstrip(".")
    if formats is None:
        if not suffix:
            return Targets(out, ("glb",))
        if suffix not in FORMATS:
            raise InputError(
                f"unknown format {out.suffix!r} of {out.name}; choose from {', '.join(FORMATS)}"
            )
        return Targets(out.with_suffix(""), (suffix,))
    return Targets(out.with_suffix("") if suffix in FORMATS else out, formats)


def read_prompts(path: Path) -> list[str]:
    """One prompt per line; blank lines and lines starting with # are skipped."""
    from meshsmith.errors import InputError
    from meshsmith.pipeline.request import Request

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read prompts from {path}: {error}") from None
    prompts = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            prompts.append(Request.from_text(line).prompt)
        except InputError as error:
            raise InputError(f"{path}:{number}: {error}") from None
    if not prompts:
        raise InputError(f"{path} holds no prompts")
    return prompts


def _config(args: argparse.Namespace):
    from meshsmith.pipeline.config import GenerationConfig

    given = {
        "faces": args.faces,
        "texture_size": args.texture_size,
        "steps": args.steps,
        "guidance": args.guidance,
        "memory": False if args.no_memory else None,
        "base": args.base,
        "precision": args.precision,
    }
    return GenerationConfig(**{k: v for k, v in given.items() if v is not None}).validated()


def _asset_payload(asset: Any, outputs: list[Path]) -> dict[str, Any]:
    return {
        "outputs": [str(p) for p in outputs],
        "seed": asset.seed,
        "model": asset.model,
        "model_version": asset.model_version,
        "condition": asset.condition,
        "timings": {k: round(v, 4) for k, v in asset.timings.items()},
        "qa": asset.qa,
    }


def load_pipeline(model: str, config: Any) -> Any:
    """`Pipeline.load` with the stages' modules imported, everything kept (`long_lived`)."""
    with long_lived():
        from meshsmith.pipeline.pipeline import Pipeline

        for module in STAGE_MODULES:
            importlib.import_module(module)
        return Pipeline.load(model, config)


@contextmanager
def long_lived() -> Iterator[None]:
    """Run the block with the cyclic GC off, then freeze all objects that exist.

    For startup work whose objects live to the end of the process. A cold `generate`
    imports and loads ~220k of them (torch, scipy, trimesh, the model): every full
    collection walks them all, four times while they are made and again at exit
    (0.9 s of CPU in all); frozen, no collection visits them again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def cmd_generate(args: argparse.Namespace) -> int:
    from meshsmith.errors import InputError

    if args.batch is not None:
        return _generate_batch(args)
    conditions = [c for c in (args.prompt, args.image, args.sketch) if c is not None]
    if len(conditions) != 1:
        raise InputError(
            "give exactly one of PROMPT, --image or --sketch"
            + (f" (got {len(conditions)})" if conditions else "")
        )
    config = _config(args)
    formats = parse_formats(args.format)
    from meshsmith.pipeline.request import Request

    if args.prompt is not None:
        request = Request.from_text(args.prompt)
        name = slug(request.prompt or "")
    elif args.image is not None:
        request = Request.from_image(args.image)
        name = slug(Path(args.image).stem)
    else:
        request = Request.from_sketch(args.sketch)
        name = slug(Path(args.sketch).stem)
    targets = single_targets(args.output, formats, f"{name}-{args.seed}")
    if args.preview is not None and args.preview.suffix.lower() != ".png":
        raise InputError(f"--preview must name a .png file, got {args.preview.name}")

    start = time.perf_counter()
    pipe = load_pipeline(args.model, config)
    load_seconds = time.perf_counter() - start
    with _stage_progress(args.json) as progress:
        asset = pipe.run([request], args.seed, progress)[0]
    outputs = [p for path, fmt in zip(targets.paths(), targets.formats, strict=True)
               for p in asset.save(path, fmt)]  # fmt: skip
    if args.preview is not None:
        asset.preview(args.preview)
    payload = _asset_payload(asset, outputs)
    payload["load_seconds"] = round(load_seconds, 4)
    if args.preview is not None:
        payload["preview"] = str(args.preview)
    total = sum(asset.timings.values())
    lines = [f"wrote {', '.join(payload['outputs'])} in {total:.2f} s (+{load_seconds:.2f} s load)"]
    if args.preview is not None:
        lines.append(f"  preview {args.preview}")
    lines.append(
        f"  faces {asset.qa['faces']}, watertight {asset.qa['watertight']}, "
        f"manifold {asset.qa['manifold']}, size "
        + " × ".join(f"{s:.2f}" for s in asset.qa["bbox"]["size"])
        + " m"
    )
    lines.append("  " + ", ".join(f"{k} {v:.2f}" for k, v in asset.timings.items()))
    emit(payload, args.json, lines)
    return 0


def _generate_batch(args: argparse.Namespace) -> int:
    from meshsmith.errors import InputError

    if args.prompt is not None or args.image is not None or args.sketch is not None:
        raise InputError(
            "--batch takes its prompts from the file; give no PROMPT, --image or --sketch"
        )
    if args.preview is not None:
        raise InputError("--preview names one file; it cannot be used with --batch")
    config = _config(args)
    formats = parse_formats(args.format) or ("glb",)
    prompts = read_prompts(args.batch)
    folder = args.output or DEFAULT_OUT
    if folder.suffix.lower().lstrip(".") in FORMATS:
        raise InputError(f"with --batch, -o names a folder, got {folder}")

    start = time.perf_counter()
    pipe = load_pipeline(args.model, config)
    rows = []
    with _batch_progress(len(prompts), args.json) as advance:
        for first in range(0, len(prompts), args.batch_size):
            chunk = prompts[first : first + args.batch_size]
            assets = pipe.text_batch(chunk, seed=args.seed + first)
            for prompt, asset in zip(chunk, assets, strict=True):
                targets = Targets(folder / f"{slug(prompt)}-{asset.seed}", formats)
                outputs = [p for path, fmt in zip(targets.paths(), formats, strict=True)
                           for p in asset.save(path, fmt)]  # fmt: skip
                rows.append({"prompt": prompt, **_asset_payload(asset, outputs)})
                advance()
    seconds = time.perf_counter() - start
    payload = {
        "assets": rows,
        "seconds": round(seconds, 3),
        "assets_per_minute": round(60.0 * len(rows) / seconds, 2),
    }
    lines = [f"wrote {len(rows)} assets to {folder} in {seconds:.1f} s"]
    lines += [f"  {row['outputs'][0]}  ({row['prompt']})" for row in rows]
    emit(payload, args.json, lines)
    return 0


class _stage_progress:
    """A one-line rich progress bar of the pipeline's stages on stderr (terminals only).

    Off a terminal rich is not even imported (50 ms of a cold start).
    """

    def __init__(self, quiet: bool) -> None:
        self.progress = None
        if quiet or not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self.task = self.progress.add_task("load", total=1.0)

    def __enter__(self):
        if self.progress is None:
            return None
        self.progress.__enter__()

        def update(stage: str, fraction: float) -> None:
            self.progress.update(self.task, description=stage, completed=fraction)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.__exit__(*exc)


class _batch_progress:
    """A rich progress bar over the assets of a --batch run (terminals only)."""

    def __init__(self, total: int, quiet: bool) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("generating"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=quiet or not console.is_terminal,
        )
        self.task = self.progress.add_task("generate", total=total)

    def __enter__(self):
        self.progress.__enter__()
        return lambda: self.progress.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)


def texture_size(text: str) -> int:
    """--texture-size: a power of two in 64..4096 (checked again by the config)."""
    value = int(text)
    if value < 64 or value > 4096 or value & (value - 1):
        raise argparse.ArgumentTypeError(f"must be a power of two in 64..4096, got {text}")
    return value


def faces(text: str) -> int:
    value = int(text)
    if value < 100:
        raise argparse.ArgumentTypeError(f"must be at least 100, got {text}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0 or value >= 2**31:
        raise argparse.ArgumentTypeError(f"must be an integer in 0..2^31-1, got {text}")
    return value


def guidance(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 20.0:
        raise argparse.ArgumentTypeError(f"must be a number in 0..20, got {text}")
    return value


def base_share(text: str) -> float:
    """--base: the most of the height trimmed to make an asset stand."""
    from meshsmith.pipeline.config import MAX_BASE

    value = float(text)
    if not 0.0 <= value <= MAX_BASE:
        raise argparse.ArgumentTypeError(f"must be a number in 0..{MAX_BASE}, got {text}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `meshsmith generate` to the `meshsmith` parser."""
    p = subparsers.add_parser(
        "generate", help="text, a photo or a sketch to a textured, watertight 3D asset"
    )
    p.add_argument("prompt", nargs="?", help="what to make, e.g. 'a red plastic chair'")
    p.add_argument("--image", type=Path, help="a photo of the object (plain background)")
    p.add_argument("--sketch", type=Path, help="a line drawing (canvas PNG or photo of paper)")
    p.add_argument("--batch", type=Path, help="a text file of prompts, one per line")
    p.add_argument(
        "-o", "--output", type=Path, help="output file (its extension picks the format) or folder"
    )
    p.add_argument("--format", help=f"comma-separated formats: {','.join(FORMATS)}")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--faces", type=faces, help="face budget (default 10000)")
    p.add_argument("--texture-size", type=texture_size, help="texture side (default 1024)")
    p.add_argument("--preview", type=Path, help="also write a preview sheet (PNG)")
    p.add_argument("--model", default="default", help="built-in name, .safetensors or run folder")
    p.add_argument("--steps", type=positive_int, help="sampling steps, 1-32 (default 16)")
    p.add_argument("--guidance", type=guidance, help="classifier-free guidance (default 3)")
    p.add_argument(
        "--no-memory",
        action="store_true",
        help="start from noise, not from the blend of the nearest training shapes",
    )
    p.add_argument(
        "--base",
        type=base_share,
        help="most of the height trimmed off an asset that would tip over, so it stands "
        "on a flat base (default 0.03; 0 keeps every bottom as generated)",
    )
    p.add_argument(
        "--precision", choices=("fp32", "bf16", "int8"), help="CPU arithmetic (default bf16)"
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE, help="prompts per batch"
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_generate)
