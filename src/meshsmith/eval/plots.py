"""Figures of an evaluation report (matplotlib, Agg backend, PNG)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from meshsmith.eval.memorization import THRESHOLD
from meshsmith.eval.reconstruction import THRESHOLDS, fscore_key


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fscore_curves(summaries: dict[str, dict], path: Path) -> Path:
    """Mean F-score against τ, one line per run (``summaries``: label -> run summary)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    for label, summary in summaries.items():
        recon = summary.get("reconstruction") or {}
        values = [recon.get(fscore_key(t)) for t in THRESHOLDS]
        if all(v is not None for v in values):
            ax.plot(THRESHOLDS, values, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("τ (fraction of the reference's longest side)")
    ax.set_ylabel("F-score")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return _save(fig, path)


def chamfer_boxes(rows: dict[str, list[dict]], path: Path) -> Path:
    """Per-shape Chamfer-L1 distributions, one box per run (label -> per-shape rows)."""
    plt = _pyplot()
    labels = [k for k, v in rows.items() if any("chamfer_l1" in r for r in v)]
    data = [[r["chamfer_l1"] for r in rows[k] if "chamfer_l1" in r] for k in labels]
    fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(labels) + 1), 3.5), dpi=100)
    if data:
        ax.boxplot(data)
        ax.set_xticks(range(1, len(labels) + 1), labels, rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("Chamfer-L1 (unit box)")
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, path)


def memorization_histogram(distances: dict[str, list[float]], path: Path) -> Path:
    """Distance to the nearest training shape per shape, one histogram per set."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    every = [d for values in distances.values() for d in values]
    top = max(every + [2 * THRESHOLD])
    bins = np.linspace(0.0, top * 1.05, 30)
    for label, values in distances.items():
        if values:
            ax.hist(values, bins=bins, alpha=0.5, label=label)
    ax.axvline(THRESHOLD, color="black", linestyle="--", label=f"threshold {THRESHOLD:g}")
    ax.set_xlabel("distance to nearest training shape (point-to-surface Chamfer-L1)")
    ax.set_ylabel("shapes")
    ax.legend(fontsize=7)
    return _save(fig, path)


def loss_curve(losses: list[float], path: Path) -> Path:
    """The evaluation classifier's training loss per step."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=100)
    ax.plot(np.arange(1, len(losses) + 1), losses, linewidth=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("summed cross-entropy")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    _pyplot().close(fig)
    return path
