"""The `meshsmith` command.

Each subcommand is a small function that parses nothing itself: argparse fills
`args`, the function calls the library and prints a result. Heavy modules are
imported inside the functions so `meshsmith --help` starts fast.

Exit codes: 0 success, 2 bad input (one line on stderr, never a traceback),
1 internal failure (one line; set MESHSMITH_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
from pathlib import Path

from meshsmith import __version__
from meshsmith.cli_types import Parser, emit, existing_file, positive_float, positive_int
from meshsmith.errors import InputError, MeshsmithError

log = logging.getLogger("meshsmith")

# Stages that own their subcommands: each module has `register(subparsers)` and
# imports nothing heavy at module level, so `meshsmith --help` stays fast.
STAGE_COMMANDS = (
    "meshsmith.data.commands",
    "meshsmith.train.commands",
    "meshsmith.eval.commands",
    "meshsmith.pipeline.commands",
    "meshsmith.service.commands",
)


def cmd_inspect(args: argparse.Namespace) -> int:
    from meshsmith.export.load import load_scene
    from meshsmith.export.provenance import read_provenance
    from meshsmith.geometry.qa import inspect_mesh

    scene = load_scene(args.file)
    report = inspect_mesh(scene).as_dict()
    report["file"] = str(args.file)
    report["bytes"] = args.file.stat().st_size
    report["provenance"] = read_provenance(args.file)
    emit(report, args.json, _format_report(report))
    return 0


def _format_report(report: dict) -> list[str]:
    size = " × ".join(f"{s:.4g}" for s in report["bbox"]["size"])
    volume = "n/a (not closed)" if report["volume"] is None else f"{report['volume']:.6g}"
    genus = "n/a" if report.get("genus") is None else report["genus"]
    provenance = report["provenance"]
    return [
        f"{report['file']}  ({report['bytes']} bytes)",
        f"  faces {report['faces']}, vertices {report['vertices']}, parts {report['parts']}",
        f"  watertight {report['watertight']}, manifold {report['manifold']} "
        f"(non-manifold edges {report['non_manifold_edges']}, "
        f"vertices {report['non_manifold_vertices']}, boundary edges {report['boundary_edges']})",
        f"  components {report['components']}, genus {genus}, "
        f"degenerate faces {report['degenerate_faces']}",
        f"  bbox size {size}, volume {volume}",
        f"  uv {report['has_uv']}, texture {report['has_texture']}, "
        f"materials {', '.join(report['materials']) or 'none'}",
        "  provenance " + (json.dumps(provenance, sort_keys=True) if provenance else "none"),
    ]


def cmd_convert(args: argparse.Namespace) -> int:
    from meshsmith.export import save
    from meshsmith.export.load import load_scene
    from meshsmith.export.provenance import Provenance
    from meshsmith.geometry.convert import ConvertOptions, convert_asset
    from meshsmith.geometry.qa import inspect_mesh

    options = ConvertOptions(
        repair=args.repair, max_faces=args.faces, quad=args.quad, size=args.size
    )
    start = time.perf_counter()
    asset, steps = convert_asset(load_scene(args.input), options)
    written = save(asset, args.output, provenance=Provenance.for_file(args.input))
    seconds = time.perf_counter() - start
    report = inspect_mesh(asset).as_dict()
    payload = {
        "input": str(args.input),
        "outputs": [str(p) for p in written],
        "steps": steps,
        "seconds": round(seconds, 3),
        "qa": report,
    }
    emit(
        payload,
        args.json,
        [
            f"wrote {', '.join(payload['outputs'])} in {seconds:.2f} s",
            f"  steps: {', '.join(steps) or 'none'}",
            f"  faces {report['faces']}, watertight {report['watertight']}, "
            f"manifold {report['manifold']}, components {report['components']}",
        ],
    )
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from meshsmith.export.load import load_scene
    from meshsmith.render.sheet import render_to_file

    start = time.perf_counter()
    out = render_to_file(
        load_scene(args.file),
        args.output,
        views=args.views,
        size=args.size,
        light=args.light,
        background=args.background,
        sketch=args.sketch,
    )
    sys.stdout.write(f"wrote {out} in {time.perf_counter() - start:.2f} s\n")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from meshsmith.eval.bench import SECTIONS, format_results, run_benchmarks

    only = args.only.split(",") if args.only else list(SECTIONS)
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        raise InputError(f"unknown bench section(s) {unknown}; choose from {sorted(SECTIONS)}")
    results = run_benchmarks(only, quick=args.quick)
    emit(results, args.json, format_results(results))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="meshsmith",
        description="Text, photos and sketches to clean, textured, watertight 3D assets.",
    )
    parser.add_argument("--version", action="version", version=f"meshsmith {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser("inspect", help="QA report of a mesh file")
    p.add_argument("file", type=existing_file)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("convert", help="convert, repair, simplify or resize a mesh file")
    p.add_argument("input", type=existing_file)
    p.add_argument("output", type=Path, help="output file; its extension picks the format")
    p.add_argument("--repair", action="store_true", help="make the mesh watertight and manifold")
    p.add_argument("--faces", type=positive_int, help="simplify to at most this many faces")
    p.add_argument("--quad", action="store_true", help="quad-dominant remesh (instant meshes)")
    p.add_argument("--size", type=positive_float, help="longest side in metres; stand on y=0")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("render", help="contact sheet (.png) or turntable (.gif/.mp4) of a mesh")
    p.add_argument("file", type=existing_file)
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--views", type=positive_int, default=8)
    p.add_argument("--size", type=positive_int, default=512, help="pixels per view")
    p.add_argument("--light", default="studio", help="studio, sunset, overcast or night")
    p.add_argument("--background", default="white", help="a colour (#rrggbb, name) or transparent")
    p.add_argument("--sketch", action="store_true", help="line drawing instead of shading")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("bench", help="measure speed of the pipeline stages")
    p.add_argument("--only", help="comma-separated sections to run")
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)

    for module in STAGE_COMMANDS:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    debug = os.environ.get("MESHSMITH_DEBUG") == "1"
    try:
        args = build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="%(name)s: %(message)s",
        )
        return args.func(args)
    except MeshsmithError as exc:
        if debug:
            raise
        sys.stderr.write(f"meshsmith: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("meshsmith: interrupted\n")
        return 130
    except Exception as exc:  # an internal failure: one line unless debugging
        if debug:
            raise
        sys.stderr.write(
            f"meshsmith: internal error: {type(exc).__name__}: {exc} "
            "(set MESHSMITH_DEBUG=1 for the traceback)\n"
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
