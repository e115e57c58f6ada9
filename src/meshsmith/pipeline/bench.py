"""`meshsmith bench --only generate`: speed, memory and precision trade-offs of generation.

Figures, never assertions. Wall-clock seconds and, beside them, CPU seconds (this
process's, or the child's for the cold start), which stay meaningful when other work
shares the machine. The model is MESHSMITH_BENCH_MODEL or the built-in default.

- ``warm``: text → 10k-face GLB with 1024² PBR maps in a loaded pipeline, p50/p90/p95
  per stage and in total (export included), and the process's peak resident memory.
- ``cold``: ``meshsmith generate PROMPT -o x.glb`` from a fresh process to the file
  (the prompts in turn), with the largest peak resident memory among them.
- ``throughput``: assets per minute with sampling batched 1 vs 4 at a time.
- ``precision``: fp32, bf16 autocast and int8 dynamic quantisation: seconds of the
  model-bound stages (sample, field) and Chamfer-L1 / IoU / F@1% of their final
  meshes against fp32's and against bf16's (the default) for the same prompts and
  seeds; ``other_seed`` is bf16 against bf16 with another seed, the scale of a
  change that makes a different object.
- ``resolution`` (full run only): finest extraction grid vs field time and quality
  against a 256³ extraction.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

PROMPTS = (
    "a red plastic chair",
    "a rusty iron sword",
    "a wooden barrel",
    "a blue ceramic mug",
    "a tall wooden bookshelf",
    "a green cactus in a pot",
    "a small wooden stool",
    "a stone well",
)
RESOLUTIONS = (64, 96, 128, 192, 256)
#: How often a cold run's memory is read while it runs.
COLD_POLL_SECONDS = 0.05


def bench_generate(quick: bool) -> dict[str, Any]:
    """Every figure in the module docstring (`quick`: fewer repetitions, no resolution sweep)."""
    from meshsmith.errors import InputError
    from meshsmith.pipeline.config import GenerationConfig
    from meshsmith.pipeline.pipeline import Pipeline

    model = os.environ.get("MESHSMITH_BENCH_MODEL", "default")
    try:
        pipe = Pipeline.load(model)
    except InputError as error:
        return {"skipped": str(error)}
    runs = 3 if quick else 10
    figures: dict[str, Any] = {
        "model": pipe.model_name,
        "model_version": pipe.model_version,
        "precision": pipe.config.precision,
        "threads": _threads(),
    }
    figures["warm"] = _warm(pipe, runs)
    figures["cold"] = _cold(model, 1 if quick else 5)
    figures["throughput"] = _throughput(pipe, 4 if quick else 8)
    figures["precision"] = _precisions(model, PROMPTS[: 2 if quick else 4])
    if not quick:
        figures["resolution"] = _resolutions(Pipeline.load(model, GenerationConfig()), PROMPTS[:3])
    figures["peak_rss_mb_this_process"] = round(_peak_rss_mb(resource.RUSAGE_SELF), 1)
    return figures


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def _percentiles(values: list[float]) -> dict[str, float]:
    """Median, and the 90th and 95th percentiles as the nearest rank of the sorted values."""
    ordered = sorted(values)

    def rank(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 3)

    return {"p50": round(statistics.median(ordered), 3), "p90": rank(0.9), "p95": rank(0.95)}


def _warm(pipe, runs: int) -> dict[str, Any]:
    """Stage latencies of text → GLB in a warm process (one untimed warm-up call)."""
    stages: dict[str, list[float]] = {}
    totals, cpu = [], []
    with tempfile.TemporaryDirectory() as tmp:
        pipe.text(PROMPTS[0], seed=0).save(Path(tmp) / "warmup.glb")
        for i in range(runs):
            start, cpu_start = time.perf_counter(), time.process_time()
            asset = pipe.text(PROMPTS[i % len(PROMPTS)], seed=i)
            asset.save(Path(tmp) / f"{i}.glb")
            totals.append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu_start)
            for stage, seconds in asset.timings.items():
                stages.setdefault(stage, []).append(seconds)
    return {
        "runs": runs,
        "faces": 10_000,
        "texture": 1024,
        "stages": {name: _percentiles(values) for name, values in stages.items()},
        "total": _percentiles(totals),
        "cpu_seconds": _percentiles(cpu),
        "peak_rss_mb": round(_peak_rss_mb(resource.RUSAGE_SELF), 1),
    }


def _cold(model: str, runs: int) -> dict[str, Any]:
    """Fresh `meshsmith generate` processes, shell to file, and their peak memory."""
    meshsmith = str(Path(sys.executable).with_name("meshsmith"))
    walls, cpus, peaks = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            prompt = PROMPTS[i % len(PROMPTS)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            process = subprocess.Popen(
                [meshsmith, "generate", prompt, "--model", model, "--seed", str(i),
                 "-o", str(Path(tmp) / f"{i}.glb")],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            peak = 0.0
            while True:
                try:
                    _, stderr = process.communicate(timeout=COLD_POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    peak = max(peak, _high_water_mb(process.pid))
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            peaks.append(peak)
            if process.returncode != 0:
                return {"error": stderr.strip()}
    return {
        "runs": runs,
        "seconds": _percentiles(walls),
        "cpu_seconds": _percentiles(cpus),
        "peak_rss_mb": round(max(peaks), 1),
    }


def _high_water_mb(pid: int) -> float:
    """Peak resident memory of a running process (VmHWM; 0 once it has exited).

    Not getrusage: on Linux a child's ru_maxrss starts from its parent's resident
    size at the fork, which here is a loaded pipeline's.
    """
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0  # kB
    return 0.0


def _peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux reports kB


def _throughput(pipe, count: int) -> dict[str, Any]:
    """Assets per minute generating `count` prompts one at a time vs in batches of 4."""
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(count)]
    out = {}
    for batch in (1, 4):
        start, cpu_start = time.perf_counter(), time.process_time()
        for first in range(0, count, batch):
            pipe.text_batch(prompts[first : first + batch], seed=first)
        seconds = time.perf_counter() - start
        out[f"batch_{batch}"] = {
            "assets_per_minute": round(60.0 * count / seconds, 2),
            "cpu_seconds_per_asset": round((time.process_time() - cpu_start) / count, 3),
        }
    return out


def _precisions(model: str, prompts: tuple[str, ...]) -> dict[str, Any]:
    """Model-bound stage times and mesh agreement with fp32 and bf16 for each precision."""
    from meshsmith.pipeline.config import GenerationConfig
    from meshsmith.pipeline.pipeline import Pipeline

    meshes: dict[str, list] = {}
    out: dict[str, Any] = {}
    for precision in ("fp32", "bf16", "int8"):
        pipe = Pipeline.load(model, GenerationConfig(precision=precision))
        pipe.text(prompts[0], seed=0)  # warm-up
        sample, field, total, cpu = [], [], [], []
        meshes[precision] = []
        for seed, prompt in enumerate(prompts):
            start, cpu_start = time.perf_counter(), time.process_time()
            asset = pipe.text(prompt, seed=seed)
            total.append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu_start)
            sample.append(asset.timings["sample"])
            field.append(asset.timings["field"])
            meshes[precision].append(asset.mesh)
        row: dict[str, Any] = {
            "sample_seconds": round(statistics.median(sample), 3),
            "field_seconds": round(statistics.median(field), 3),
            "total_seconds": round(statistics.median(total), 3),
            "cpu_seconds": round(statistics.median(cpu), 3),
        }
        for reference in ("fp32", "bf16"):
            if reference in meshes and reference != precision:
                row.update(_agreement(meshes[reference], meshes[precision], f"_vs_{reference}"))
        if precision == "bf16":
            others = [
                pipe.text(prompt, seed=seed + len(prompts)).mesh
                for seed, prompt in enumerate(prompts)
            ]
            out["other_seed"] = _agreement(meshes["bf16"], others, "")
        out[precision] = row
    return out


def _agreement(references: list, candidates: list, suffix: str) -> dict[str, float]:
    """Mean Chamfer-L1, IoU and F@1% of each candidate mesh against its reference."""
    from meshsmith.eval.reconstruction import compare_meshes

    scores = [
        compare_meshes(a, b, points=20_000) for a, b in zip(references, candidates, strict=True)
    ]
    return {
        f"{key}{suffix}": round(float(np.mean([s[key] for s in scores])), 4)
        for key in ("chamfer_l1", "iou", "fscore@0.01")
    }


def _resolutions(pipe, prompts: tuple[str, ...]) -> dict[str, Any]:
    """Field-stage time and agreement with a 256³ extraction, per finest resolution."""
    from meshsmith.eval.reconstruction import compare_meshes

    reference = {p: pipe.text(p, seed=0, resolution=256).mesh for p in prompts}
    out = {}
    for resolution in RESOLUTIONS:
        field, scores = [], []
        for prompt in prompts:
            asset = pipe.text(prompt, seed=0, resolution=resolution)
            field.append(asset.timings["field"])
            scores.append(compare_meshes(reference[prompt], asset.mesh, points=20_000))
        out[str(resolution)] = {
            "field_seconds": round(statistics.median(field), 3),
            "chamfer_l1_vs_256": round(float(np.mean([s["chamfer_l1"] for s in scores])), 5),
            "fscore@0.01_vs_256": round(float(np.mean([s["fscore@0.01"] for s in scores])), 4),
        }
    return out
