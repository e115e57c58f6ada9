"""`meshsmith data ...` subcommands (registered by meshsmith.cli).

    meshsmith data build OUT --per-category N [--views K] [--workers W] [--shard I/N]
                             [--seed S] [--categories a,b] [--surface-points P]
                             [--volume-points Q] [--image-size R]
    meshsmith data merge OUT
    meshsmith data ingest SRC OUT [--captions CSV] [--category NAME] [--views K] ...
    meshsmith data preview DATASET -o sheet.png [--per-category N]

Heavy modules are imported inside the command functions.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from meshsmith.cli_types import emit, existing_dir, existing_file, positive_int

MAX_IMAGE_SIZE = 1024


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or a positive integer, got {text}")
    return value


def image_size(text: str) -> int:
    value = int(text)
    if not 8 <= value <= MAX_IMAGE_SIZE:
        raise argparse.ArgumentTypeError(f"must be 8 to {MAX_IMAGE_SIZE} pixels, got {text}")
    return value


def volume_points(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {text}")
    return value


def shard_spec(text: str) -> tuple[int, int]:
    """``I/N`` with 0 <= I < N."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be I/N (e.g. 0/4), got {text}") from None
    if not (count >= 1 and 0 <= index < count):
        raise argparse.ArgumentTypeError(f"must be I/N with 0 <= I < N, got {text}")
    return index, count


def category_list(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("must name at least one category")
    return names


def _artefacts(args: argparse.Namespace):
    from meshsmith.data.artefacts import ArtefactConfig

    return ArtefactConfig(
        surface_points=args.surface_points,
        volume_points=args.volume_points,
        views=args.views,
        image_size=args.image_size,
    )


def _workers(args: argparse.Namespace) -> int:
    from meshsmith.data.pool import available_cores

    return args.workers or available_cores()


def _report(kind: str, out: Path, summary, seconds: float, as_json: bool) -> None:
    rate = summary.shapes / seconds if seconds > 0 else 0.0
    payload = {
        "output": str(out),
        "shapes": summary.shapes,
        "skipped": [f"{f['id']}: {f['error']}" for f in summary.failures],
        "merged": summary.merged,
        "missing_shards": summary.missing_shards,
        "seconds": round(seconds, 3),
        "shapes_per_second": round(rate, 3),
    }
    lines = [f"{kind} {summary.shapes} shapes into {out} in {seconds:.1f} s ({rate:.2f}/s)"]
    if summary.failures:
        lines.append(f"  skipped {len(summary.failures)} (listed in {out / 'README.md'})")
    if not summary.merged:
        lines.append(f"  manifest not merged yet: shards {summary.missing_shards} missing")
    emit(payload, as_json, lines)


def cmd_build(args: argparse.Namespace) -> int:
    from meshsmith.data.build import BuildConfig, build_dataset

    config = BuildConfig(
        per_category=args.per_category,
        categories=args.categories or (),
        seed=args.seed,
        artefacts=_artefacts(args),
    )
    start = time.perf_counter()
    summary = build_dataset(args.out, config, _workers(args), args.shard)
    _report("built", args.out, summary, time.perf_counter() - start, args.json)
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from meshsmith.data.manifest import merge

    rows, failures = merge(args.out)
    emit(
        {"output": str(args.out), "shapes": len(rows), "skipped": len(failures)},
        args.json,
        [f"merged {len(rows)} shapes into {args.out / 'manifest.jsonl'}"],
    )
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from meshsmith.data.ingest import IngestConfig, ingest_dataset

    config = IngestConfig(category=args.category, seed=args.seed, artefacts=_artefacts(args))
    command = (
        f"meshsmith data ingest {args.src} {args.out}"
        + (f" --captions {args.captions}" if args.captions else "")
        + f" --category {args.category} --views {args.views} --seed {args.seed}"
        f" --surface-points {args.surface_points} --volume-points {args.volume_points}"
        f" --image-size {args.image_size}"
    )
    start = time.perf_counter()
    summary = ingest_dataset(args.src, args.out, config, args.captions, _workers(args), command)
    _report("ingested", args.out, summary, time.perf_counter() - start, args.json)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from meshsmith.data.preview import write_preview

    out = write_preview(args.dataset, args.output, args.per_category, args.cell)
    emit({"output": str(out)}, False, [f"wrote {out}"])
    return 0


def _add_artefact_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--views", type=non_negative_int, default=8, help="renders per shape (0: none)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="dataset seed")
    p.add_argument("--surface-points", type=positive_int, default=16384)
    p.add_argument("--volume-points", type=volume_points, default=16384)
    p.add_argument("--image-size", type=image_size, default=128, help="pixels per view side")
    p.add_argument("--workers", type=positive_int, help="processes (default: all cores)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``meshsmith data`` and its subcommands to the `meshsmith` parser."""
    data = subparsers.add_parser("data", help="build, ingest, merge and preview datasets")
    sub = data.add_subparsers(dest="data_command", required=True, parser_class=type(data))

    p = sub.add_parser("build", help="procedural dataset: meshes, samples, renders, captions")
    p.add_argument("out", type=Path, help="dataset folder")
    p.add_argument("--per-category", type=positive_int, required=True)
    p.add_argument("--categories", type=category_list, help="comma-separated (default: all)")
    p.add_argument("--shard", type=shard_spec, help="build shard I of N (0-based), e.g. 0/4")
    _add_artefact_options(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("merge", help="join the manifest parts of a sharded build")
    p.add_argument("out", type=existing_dir)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("ingest", help="dataset artefacts from a folder of your own meshes")
    p.add_argument("src", type=existing_dir)
    p.add_argument("out", type=Path)
    p.add_argument("--captions", type=existing_file, help="CSV with file and caption columns")
    p.add_argument("--category", default="ingested", help="category of files the CSV names none")
    _add_artefact_options(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("preview", help="contact sheet of a dataset, one row per category")
    p.add_argument("dataset", type=existing_dir)
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--per-category", type=positive_int, default=6)
    p.add_argument("--cell", type=image_size, default=128, help="pixels per tile")
    p.set_defaults(func=cmd_preview)
