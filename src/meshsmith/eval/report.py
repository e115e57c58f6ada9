"""Write an evaluation to a folder: report.md, metrics.json, per_shape.jsonl, plots, samples.

Layout of REPORT_DIR::

    report.md          tables, figures and the conventions behind every number
    metrics.json       the numbers (see `meshsmith.eval.evaluate.Evaluation.metrics`;
                       ``autoencoder`` with ``eval --autoencoder``)
    per_shape.jsonl    one row per output: metrics, QA, predictions
    plots/*.png        F-score curves, Chamfer boxes, memorisation, classifier loss
    samples.png        ground truth beside every output (every route)
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from meshsmith.errors import MeshsmithError
from meshsmith.eval import paired, plots
from meshsmith.eval.evaluate import Evaluation
from meshsmith.eval.memorization import CANDIDATES, PREFILTER_POINTS
from meshsmith.eval.reconstruction import THRESHOLDS, fscore_key, own_box_key
from meshsmith.eval.sheet import write_sheet

log = logging.getLogger(__name__)

RECON_COLUMNS = [
    ("CD-L1 ↓", "chamfer_l1"),
    ("CD-L2 ↓", "chamfer_l2"),
    *((f"F@{t:g} ↑", fscore_key(t)) for t in THRESHOLDS),
    ("NC ↑", "normal_consistency"),
    ("IoU ↑", "iou"),
]
GENERATION_COLUMNS = [
    ("MMD-CD ↓", "mmd-cd"),
    ("MMD-EMD ↓", "mmd-emd"),
    ("COV-CD ↑", "cov-cd"),
    ("COV-EMD ↑", "cov-emd"),
    ("1-NNA-CD →0.5", "1nna-cd"),
    ("1-NNA-EMD →0.5", "1nna-emd"),
]

CONVENTIONS = """\
## Conventions

- **Reconstruction** (Occupancy Networks): each output B is moved, with its test
  shape A, by the similarity that maps A's bounding box to [-0.5, 0.5]³ (longest side
  1); distances are fractions of A's longest side. {points} surface samples per mesh.
  CD-L1 = ½(accuracy + completeness) of mean Euclidean nearest distances; CD-L2 = ½ of
  the two mean *squared* distances; F@τ from precision (B within τ of A) and recall (A
  within τ of B); NC = mean |dot| of nearest-sample normals; IoU from fast winding
  number occupancy at {points} shared uniform points in [-0.55, 0.55]³ (grown to hold B).
  Retrieval and medoid outputs keep their real size, so a wrong size costs them here.
- **Reconstruction, own box** (scale-free): the same metrics after each output B is
  first moved and uniformly scaled so that its bounding box has A's centre and A's
  longest side, ``x' = c_A + (L_A / L_B)(x - c_B)``, then normalised with A as above;
  B's shape is scored whatever its size and position. A photo or a sketch does not
  say how big the object is (the pipeline sizes those by rule), so read the image and
  sketch routes here; every route and method is measured both ways.
- **Generation** (PointFlow): {cloud} points per shape, each cloud normalised on its
  own to its unit box (centre 0, longest side 1). CD = sum of the two mean squared
  nearest distances (no ½); EMD = mean Euclidean length of the exact optimal
  assignment on {emd}-point subsamples. MMD/COV/1-NNA per category (outputs against
  that category's test shapes), then averaged over categories; 1-NNA only over
  categories with ≥ 2 shapes on each side.
- **FPD**: Fréchet distance between Gaussians fitted to the evaluation classifier's
  {feature}-d features of outputs and of test shapes (all categories together).
- **Semantics**: the evaluation classifier (PointNet on position, albedo, roughness,
  metallic and log size, trained on the training split only, with noise and
  dropout on roughness and metallic so that shape, not exact material values,
  names the category) labels each output; accuracy against the test shape's
  category and manifest attributes.
- **Memorisation**: point-to-surface Chamfer-L1 between an output and its nearest
  training shape (any category; {candidates} candidates by a voxel-descriptor shortlist
  and a {prefilter}-point Chamfer distance, measured exactly), both in their own unit
  boxes; below
  {threshold:g} counts as a copy. The ground-truth row gives the test shapes' own distances to the
  training set: procedural categories with few parameters have near-duplicates
  across splits, so read a model's share against that row.
- **Stability**: the solid's centre of mass projects inside the convex hull of the
  contacts (vertices within 0.5 % of the longest side of the lowest point); a point or
  knife-edge support counts as unstable.
- Routes: *text* = first caption of each test shape; *paraphrase* = its first
  held-out caption (templates never used in training captions); *image* = its first
  rendered view; *sketch* = its first sketch render (same camera as that view).
  Retrieval by image or sketch: nearest training view or training sketch render by
  silhouette (ink) and colour embedding.
"""

AUTOENCODER = """## Autoencoder

Test shapes encoded from their dataset surface samples ({encoder} points, posterior
mean) and decoded back; the field's surface extracted at {resolution}³ cells, put in
metres with the shape's own scale and offset, and scored like the reconstruction
table in the test shape's frame ({points} surface samples); albedo (linear RGB),
roughness and metallic are mean absolute errors at the ground truth's surface
samples, and albedo_delta_e the albedo's mean CIE76 colour difference there
(CIELAB; about 2 is a just-noticeable difference). Shapes: {shapes} ({failures}
without a surface); {seconds:.1f} s.
"""


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:.0f}"
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _runs(metrics: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, route, summary)
        for method, routes in metrics["methods"].items()
        for route, summary in routes.items()
    ]


def _semantic_heads(metrics: dict) -> list[str]:
    heads = list(metrics["ground_truth"]["semantics"])
    return [h for h in heads if h != "attributes_mean"] + ["attributes_mean"]


def markdown(metrics: dict, figures: list[str], sheet: str | None) -> str:
    """The report text for `metrics` (see `write_report`)."""
    info, config, classifier = metrics["run"], metrics["config"], metrics["classifier"]
    lines = [
        "# meshsmith evaluation",
        "",
        f"- dataset: `{info['dataset']}` ({metrics['train_shapes']} training shapes; "
        f"{metrics['test_shapes']} test shapes evaluated over {len(metrics['categories'])} "
        f"categories)",
        f"- command: `{info['command']}`",
        f"- meshsmith {info['version']}, {info['seconds']:.1f} s"
        + (
            " (quick: fewer shapes and points; not comparable to a full run)"
            if info["quick"]
            else ""
        ),
        f"- evaluation classifier: {classifier['source']}; its own test accuracy "
        f"({classifier.get('test_split', 'test')} split, dataset samples): "
        + ", ".join(f"{k} {_fmt(v, 3)}" for k, v in classifier.get("test_accuracy", {}).items()),
        "",
    ]
    runs = _runs(metrics)
    lines += ["## Reconstruction", ""] + _recon_table(runs, own_box=False)
    lines += ["", "## Reconstruction, own box (scale-free)", ""] + _recon_table(runs, own_box=True)
    lines += ["", "## Generation", ""]
    lines += _table(
        ["method", "route", "categories", *(c for c, _ in GENERATION_COLUMNS), "FPD ↓"],
        [
            [m, r, str((s.get("generation") or {}).get("categories", "–"))]
            + [_fmt((s.get("generation") or {}).get(k)) for _, k in GENERATION_COLUMNS]
            + [_fmt(s.get("fpd"))]
            for m, r, s in runs
        ],
    )
    heads = _semantic_heads(metrics)
    truth = metrics["ground_truth"]
    lines += ["", "## Semantics (evaluation classifier accuracy)", ""]
    lines += _table(
        ["method", "route", *heads],
        [["ground truth", "–", *(_fmt(truth["semantics"].get(h), 3) for h in heads)]]
        + [
            [m, r, *(_fmt((s.get("semantics") or {}).get(h), 3) for h in heads)] for m, r, s in runs
        ],
    )
    lines += ["", "## Memorisation, mesh quality, stability, speed", ""]
    lines += _table(
        [
            "method",
            "route",
            "memorised",
            "median dist.",
            "watertight",
            "manifold",
            "median faces",
            "stable",
            "s/shape",
            "failures",
        ],
        [_shape_row("ground truth", "–", truth)] + [_shape_row(m, r, s) for m, r, s in runs],
    )
    if metrics.get("paired"):
        lines += ["", *paired.markdown(metrics["paired"])]
    if "autoencoder" in metrics:
        lines += [""] + _autoencoder_section(metrics["autoencoder"])
    lines += ["", "## Figures", ""] + [f"![{Path(f).stem}]({f})" for f in figures]
    if sheet:
        lines += ["", "## Samples (ground truth first)", "", f"![samples]({sheet})"]
    lines += [
        "",
        CONVENTIONS.format(
            points=config["recon_points"],
            cloud=config["cloud_points"],
            emd=config["emd_points"],
            feature=classifier.get("feature", "–"),
            threshold=truth["memorization"]["threshold"],
            candidates=CANDIDATES,
            prefilter=PREFILTER_POINTS,
        ),
    ]
    return "\n".join(lines) + "\n"


def _recon_table(runs: list[tuple[str, str, dict]], own_box: bool) -> list[str]:
    """The reconstruction table in the test shape's frame, or in the output's own box."""
    rows = []
    for method, route, summary in runs:
        recon = summary.get("reconstruction") or {}
        cells = [_fmt(recon.get(own_box_key(k) if own_box else k)) for _, k in RECON_COLUMNS]
        rows.append([method, route, str(summary["shapes"] - summary["failures"]), *cells])
    return _table(["method", "route", "n", *(c for c, _ in RECON_COLUMNS)], rows)


def _autoencoder_section(result: dict) -> list[str]:
    """The Autoencoder section: how it was measured, then `format_table`."""
    from meshsmith.eval.autoencoding import format_table  # imports torch

    summary, settings = result["summary"], result["settings"]
    text = AUTOENCODER.format(
        encoder=settings["encoder_points"],
        resolution=settings["resolution"],
        points=settings["recon_points"],
        shapes=summary["shapes"],
        failures=summary["failures"],
        seconds=result["seconds"],
    )
    return [text, *format_table(result)]


def _shape_row(method: str, route: str, s: dict) -> list[str]:
    memo, quality = s.get("memorization") or {}, s.get("quality") or {}
    return [
        method,
        route,
        _fmt(memo.get("memorised_share"), 3),
        _fmt(memo.get("median_distance")),
        _fmt(quality.get("watertight"), 3),
        _fmt(quality.get("manifold"), 3),
        _fmt(quality.get("faces_median"), 6),
        _fmt(s.get("stable_share"), 3),
        _fmt(s.get("seconds_per_shape"), 3),
        str(s.get("failures", 0)),
    ]


def write_report(
    evaluation: Evaluation, out: Path, losses: list[float] | None = None, sheet_size: int = 128
) -> dict:
    """Write the report folder; returns the metrics written to metrics.json.

    `evaluation.metrics` must already hold ``run``, ``config`` and ``classifier``
    (what the report header shows). A renderer failure drops the sample sheet with
    a warning instead of failing the report.
    """
    out.mkdir(parents=True, exist_ok=True)
    metrics = evaluation.metrics
    labels = {f"{m} {r}": s for m, r, s in _runs(metrics)}
    figures = [
        plots.fscore_curves(labels, out / "plots" / "fscore.png"),
        plots.chamfer_boxes(evaluation.rows, out / "plots" / "chamfer.png"),
        plots.memorization_histogram(_distances(evaluation), out / "plots" / "memorization.png"),
    ]
    if losses:
        figures.append(plots.loss_curve(losses, out / "plots" / "classifier_loss.png"))
    sheet = _sheet(evaluation, out / "samples.png", sheet_size)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    with open(out / "per_shape.jsonl", "w", encoding="utf-8") as stream:
        for label, rows in evaluation.rows.items():
            for row in rows:
                stream.write(json.dumps({"run": label, **row}, sort_keys=True) + "\n")
    relative = [str(f.relative_to(out)) for f in figures]
    (out / "report.md").write_text(markdown(metrics, relative, sheet), encoding="utf-8")
    return metrics


def _distances(evaluation: Evaluation) -> dict[str, list[float]]:
    out = {
        "test shapes (novel)": [
            t.measure.memorization
            for t in evaluation.truths.values()
            if t.measure.memorization is not None
        ]
    }
    for label, rows in evaluation.rows.items():
        if not label.endswith(" paraphrase"):
            out[label] = [r["memorization"] for r in rows if r.get("memorization") is not None]
    return out


def _sheet(evaluation: Evaluation, path: Path, size: int) -> str | None:
    columns = list(evaluation.sheet)
    shown = sorted({i for label in columns for i in evaluation.sheet[label]})
    rows = [
        (
            i,
            {
                "ground truth": evaluation.truths[i].mesh,
                **{c: evaluation.sheet[c].get(i) for c in columns},
            },
        )
        for i in shown
    ]
    if not rows:
        return None
    try:
        write_sheet(rows, ["ground truth", *columns], path, size)
    except MeshsmithError as error:
        log.warning("no sample sheet: %s", error)
        return None
    return path.name
