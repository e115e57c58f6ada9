"""`meshsmith bench`: speed figures of the pipeline stages on this machine.

Each section is a function returning a JSON-safe dict; `SECTIONS` is the one
registry of them. Timings are wall-clock seconds on a warm process; figures,
not assertions (tests never check them).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REAL_MESH_DIRS = ("../shared/testdata/real-meshes", "tests/data")


def _timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median seconds of `repeats` calls and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_extract(quick: bool) -> dict:
    """Coarse-to-fine extraction vs a dense 256³ grid: field evaluations and time."""
    from meshsmith.geometry.extract import extract_mesh

    def sphere(points: np.ndarray) -> np.ndarray:
        return np.linalg.norm(points, axis=1) - 0.4

    repeats = 1 if quick else 3
    seconds, result = _timed(lambda: extract_mesh(sphere, resolution=256), repeats)
    return {
        "field": "sphere SDF, r=0.4",
        "resolution": 256,
        "evaluations": result.evaluations,
        "dense_evaluations": result.dense_evaluations,
        "savings": round(result.dense_evaluations / result.evaluations, 2),
        "seconds": round(seconds, 3),
        "faces": len(result.mesh.faces),
    }


def find_real_meshes() -> list[Path]:
    """The real test meshes beside the checkout (MESHSMITH_REAL_MESHES overrides)."""
    dirs = [os.environ["MESHSMITH_REAL_MESHES"]] if "MESHSMITH_REAL_MESHES" in os.environ else []
    for folder in [*dirs, *REAL_MESH_DIRS]:
        found = sorted(Path(folder).glob("*.obj"))
        if found:
            return found
    return []


def bench_repair(quick: bool) -> dict:
    """Load + repair + GLB export of each real mesh (`meshsmith convert --repair`)."""
    from meshsmith.export import save
    from meshsmith.export.load import load_scene
    from meshsmith.export.provenance import Provenance
    from meshsmith.geometry.convert import ConvertOptions, convert_asset
    from meshsmith.geometry.qa import inspect_mesh

    meshes = find_real_meshes()[: 3 if quick else None]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path in meshes:
            start = time.perf_counter()
            scene = load_scene(path)
            faces_in = inspect_mesh(scene).faces
            asset, steps = convert_asset(scene, ConvertOptions(repair=True))
            save(asset, Path(tmp) / f"{path.stem}.glb", provenance=Provenance.for_file(path))
            seconds = time.perf_counter() - start
            qa = inspect_mesh(asset)
            rows[path.name] = {
                "seconds": round(seconds, 3),
                "faces_in": faces_in,
                "faces_out": qa.faces,
                "method": steps[0] if steps else "",
                "watertight": qa.watertight,
                "manifold": qa.manifold,
            }
    return {"meshes": rows}


def bench_export(quick: bool) -> dict:
    """Export time per format: a ~10k-face textured mesh with 1024² PBR maps."""
    from meshsmith.export import EXPORTERS, save
    from meshsmith.export.provenance import Provenance
    from meshsmith.geometry.uv import unwrap

    mesh = _textured_test_mesh(unwrap)
    repeats = 1 if quick else 3
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in EXPORTERS:
            out = Path(tmp) / f"bench.{fmt}"
            seconds, written = _timed(lambda out=out: save(mesh, out, Provenance.create()), repeats)
            rows[fmt] = {
                "seconds": round(seconds, 3),
                "bytes": sum(Path(p).stat().st_size for p in written),
            }
    return {"faces": len(mesh.faces), "texture": 1024, "formats": rows}


def _textured_test_mesh(unwrap: Callable) -> object:
    import trimesh
    from PIL import Image

    sphere = trimesh.creation.icosphere(subdivisions=5, radius=0.5)  # 20,480 faces
    mesh = unwrap(trimesh.Trimesh(sphere.vertices, sphere.faces[::2]), resolution=1024).mesh
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8)
    mesh.visual.material = trimesh.visual.material.PBRMaterial(
        name="bench",
        baseColorTexture=Image.fromarray(noise),
        metallicRoughnessTexture=Image.fromarray(noise[::-1]),
        normalTexture=Image.fromarray(np.full((1024, 1024, 3), (128, 128, 255), np.uint8)),
    )
    return mesh


def bench_render(quick: bool) -> dict:
    """Renders per second at 256² and 512² for a 10k-face mesh."""
    from meshsmith.render.benchmark import benchmark_render

    return benchmark_render(faces=10_000, sizes=(256, 512), views=8 if quick else 32)


def bench_generate(quick: bool) -> dict:
    """Text → textured asset: per-stage latency, cold start, memory, batching, precision."""
    from meshsmith.pipeline.bench import bench_generate as run

    return run(quick)


SECTIONS: dict[str, Callable[[bool], dict]] = {
    "extract": bench_extract,
    "repair": bench_repair,
    "export": bench_export,
    "render": bench_render,
    "generate": bench_generate,
}


def run_benchmarks(names: list[str], quick: bool = False) -> dict:
    """Run the named sections; returns {section: figures}."""
    return {name: SECTIONS[name](quick) for name in names}


def format_results(results: dict) -> list[str]:
    """Plain-text lines for a terminal."""
    lines = []
    for section, figures in results.items():
        lines.append(f"[{section}]")
        lines.extend(_format_figures(figures, indent="  "))
    return lines


def _format_figures(figures: dict, indent: str) -> list[str]:
    lines = []
    for key, value in figures.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.extend(_format_figures(value, indent + "  "))
        else:
            lines.append(f"{indent}{key}: {value}")
    return lines
