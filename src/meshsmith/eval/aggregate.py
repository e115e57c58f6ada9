"""Per-shape rows of an evaluation turned into the report's numbers.

- Reconstruction metrics: means over shapes (`meshsmith.eval.reconstruction`), in
  the test shape's frame (``chamfer_l1`` …, `RECON_KEYS`) and with each output first
  put in the test shape's box (``chamfer_l1_ownbox`` …, `OWN_BOX_KEYS`), side by
  side in a run's ``reconstruction`` dict.
- Generative metrics: MMD, COV, 1-NNA under CD and EMD per category, generated
  outputs of a category against that category's test shapes, then the mean over
  categories (PointFlow reports per category). 1-NNA needs two shapes in each set,
  so categories with fewer are left out of its mean (``categories_1nna`` counts
  those used).
- FPD between classifier features of all outputs and of all test shapes.
- Semantic accuracy: the classifier's label for each output against the test
  shape's category and attributes.
- Memorisation, mesh quality, stability: shares and medians over outputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from meshsmith.eval.classifier import EvalClassifier
from meshsmith.eval.fpd import frechet_distance
from meshsmith.eval.generation import CloudDistances, set_metrics
from meshsmith.eval.measure import ShapeMeasure
from meshsmith.eval.memorization import THRESHOLD
from meshsmith.eval.quality import quality_summary
from meshsmith.eval.reconstruction import THRESHOLDS, fscore_key, own_box_key

RECON_KEYS = (
    "chamfer_l1",
    "chamfer_l2",
    "accuracy",
    "completeness",
    *(fscore_key(t) for t in THRESHOLDS),
    "normal_consistency",
    "iou",
)
OWN_BOX_KEYS = tuple(own_box_key(key) for key in RECON_KEYS)
GENERATION_KEYS = ("mmd-cd", "mmd-emd", "cov-cd", "cov-emd", "1nna-cd", "1nna-emd")


def _mean(values: Sequence) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


class ReferenceSets:
    """Test clouds per category, and every CD and EMD computed for any run.

    The distances are remembered by cloud (`CloudDistances`), so the test clouds'
    own matrices are computed once, and a generated cloud that recurs (a baseline
    returning one training shape on several routes or for several prompts) is
    compared with each test cloud once.
    """

    def __init__(self, truths: dict, emd_points: int, seed: int = 0):
        self.emd_points = emd_points
        self.distances = CloudDistances(emd_points, seed)
        self.clouds: dict[str, list[np.ndarray]] = {}
        for truth in truths.values():
            self.clouds.setdefault(truth.record.category, []).append(truth.measure.cloud)

    def matrices(self, category: str) -> tuple[np.ndarray, np.ndarray]:
        """(CD, EMD) distance matrices among the test clouds of `category`."""
        clouds = self.clouds[category]
        return self.distances.chamfer(clouds), self.distances.emd(clouds)


def classify(
    classifier: EvalClassifier, measures: list[ShapeMeasure]
) -> tuple[dict[str, list[str]], np.ndarray]:
    """`EvalClassifier.predict` of each measure, running each distinct one once (an
    output that recurs, a baseline's training shape, is the same `ShapeMeasure`)."""
    slot: dict[int, int] = {}
    distinct: list[ShapeMeasure] = []
    for measure in measures:
        if id(measure) not in slot:
            slot[id(measure)] = len(distinct)
            distinct.append(measure)
    labels, features = classifier.predict(
        [m.classifier_input for m in distinct], [m.size for m in distinct]
    )
    rows = [slot[id(m)] for m in measures]
    return {head: [names[i] for i in rows] for head, names in labels.items()}, features[rows]


def generation_summary(rows: list[dict], measures: list[ShapeMeasure], refs: ReferenceSets) -> dict:
    """Per-category generative metrics and their mean over categories."""
    by_category: dict[str, list[np.ndarray]] = {}
    for row, measure in zip(rows, measures, strict=True):
        by_category.setdefault(row["category"], []).append(measure.cloud)
    per_category = {}
    for category, clouds in sorted(by_category.items()):
        ref = refs.clouds[category]
        ref_cd, ref_emd = refs.matrices(category)
        pairs = refs.distances
        metrics = set_metrics(pairs.chamfer(clouds), ref_cd, pairs.chamfer(clouds, ref), "cd")
        metrics |= set_metrics(pairs.emd(clouds), ref_emd, pairs.emd(clouds, ref), "emd")
        if min(len(clouds), len(ref)) < 2:
            metrics["1nna-cd"] = metrics["1nna-emd"] = None
        per_category[category] = {"generated": len(clouds), "reference": len(ref), **metrics}
    summary = {key: _mean([m[key] for m in per_category.values()]) for key in GENERATION_KEYS}
    summary["categories"] = len(per_category)
    summary["categories_1nna"] = sum(m["1nna-cd"] is not None for m in per_category.values())
    summary["per_category"] = per_category
    return summary


def true_label(record, head: str) -> str | None:
    """The test shape's label for a classifier head (None when the manifest lacks it)."""
    if head == "category":
        return record.category
    value = record.attributes.get(head)
    return None if value is None else str(value)


def semantic_accuracy(records: list, predicted: dict[str, list[str]]) -> dict[str, float | None]:
    """Accuracy per head and the mean over attribute heads (``attributes_mean``)."""
    out: dict[str, float | None] = {}
    for head, labels in predicted.items():
        hits = [
            label == truth
            for record, label in zip(records, labels, strict=True)
            if (truth := true_label(record, head)) is not None
        ]
        out[head] = float(np.mean(hits)) if hits else None
    out["attributes_mean"] = _mean([v for k, v in out.items() if k != "category"])
    return out


def shape_summary(records: list, measures: list[ShapeMeasure], predicted: dict) -> dict:
    """Semantics, memorisation, quality and stability of a set of shapes."""
    distances = [m.memorization for m in measures if m.memorization is not None]
    return {
        "semantics": semantic_accuracy(records, predicted),
        "memorization": {
            "threshold": THRESHOLD,
            "memorised_share": float(np.mean(np.array(distances) < THRESHOLD))
            if distances
            else None,
            "median_distance": float(np.median(distances)) if distances else None,
            "min_distance": float(np.min(distances)) if distances else None,
        },
        "quality": quality_summary([m.quality for m in measures]),
        "stable_share": _mean([float(m.stability.stable) for m in measures]),
    }


def summarize_run(
    run,
    truths: dict,
    classifier: EvalClassifier,
    refs: ReferenceSets,
    truth_features: np.ndarray,
) -> dict:
    """The numbers of one generator on one route; adds predictions to `run.rows`."""
    ok = [row for row in run.rows if "error" not in row]
    summary: dict = {"shapes": len(run.rows), "failures": len(run.rows) - len(ok)}
    if not ok:
        return summary
    records = [truths[row["id"]].record for row in ok]
    predicted, features = classify(classifier, run.measures)
    for i, row in enumerate(ok):
        row.update({f"predicted_{head}": labels[i] for head, labels in predicted.items()})
    summary["reconstruction"] = {
        key: _mean([row.get(key) for row in ok]) for key in (*RECON_KEYS, *OWN_BOX_KEYS)
    }
    summary["generation"] = generation_summary(ok, run.measures, refs)
    summary["fpd"] = (
        frechet_distance(features, truth_features)
        if min(len(features), len(truth_features)) >= 2
        else None
    )
    summary |= shape_summary(records, run.measures, predicted)
    summary["seconds_per_shape"] = _mean([row["seconds"] for row in ok])
    return summary


def truth_summary(truths: dict, classifier: EvalClassifier) -> tuple[dict, np.ndarray]:
    """The test shapes measured like outputs (the ceiling), and their classifier features."""
    values = list(truths.values())
    measures = [t.measure for t in values]
    predicted, features = classify(classifier, measures)
    summary = {
        "shapes": len(values),
        **shape_summary([t.record for t in values], measures, predicted),
    }
    return summary, features
