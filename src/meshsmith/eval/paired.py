"""A model against a baseline on the same test shapes: paired differences with intervals.

Both methods answer the same prompts, photos and sketches, so each test shape gives
one difference (model minus baseline) per metric. The report shows the mean
difference with a 95 % percentile-bootstrap interval over shapes, and how many
shapes each side wins. An interval that excludes 0 is a difference this many
shapes can tell apart; one that spans 0 is not, however the two means compare.
At 60 shapes a single output whose size is off by half moves a route's mean
F-score by about 0.015, as much as most gaps between methods.

    >>> rows = {
    ...     "m text": [{"id": "a", "fscore@0.05": 0.9}, {"id": "b", "fscore@0.05": 0.5}],
    ...     "b text": [{"id": "a", "fscore@0.05": 0.7}, {"id": "b", "fscore@0.05": 0.5}],
    ... }
    >>> d = paired_comparisons(rows, baselines=["b"], metrics=(("F@0.05", "fscore@0.05", 1),))
    >>> f = d["m"]["b"]["text"]["F@0.05"]
    >>> f["wins"], f["losses"], round(f["mean"], 3)
    (1, 0, 0.1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

#: (label, per-shape key, sign): sign +1 where higher is better, -1 where lower is.
#: ``category`` is 1 where the classifier names the test shape's category, else 0.
METRICS = (
    ("CD-L1", "chamfer_l1", -1),
    ("F@0.05", "fscore@0.05", 1),
    ("CD-L1, own box", "chamfer_l1_ownbox", -1),
    ("F@0.05, own box", "fscore@0.05_ownbox", 1),
    ("category", "category", 1),
)
RESAMPLES = 4000
LEVEL = 0.95


def _value(row: dict, key: str) -> float | None:
    if key == "category":
        predicted = row.get("predicted_category")
        return None if predicted is None else float(predicted == row.get("category"))
    value = row.get(key)
    return None if value is None else float(value)


def difference(
    model: Sequence[float], baseline: Sequence[float], sign: int = 1, seed: int = 0
) -> dict:
    """Mean of ``model - baseline`` over paired shapes, a bootstrap interval, wins and losses.

    A win is a shape where the model is better by the metric's `sign` (+1: higher is
    better, -1: lower is); ties count for neither side.
    """
    a, b = np.asarray(model, float), np.asarray(baseline, float)
    if a.shape != b.shape or a.ndim != 1 or not len(a):
        raise ValueError("need two equally long, non-empty series of paired values")
    d = a - b
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), (RESAMPLES, len(d)))].mean(1)
    tail = (1.0 - LEVEL) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    better = sign * d
    return {
        "n": len(d),
        "model": float(a.mean()),
        "baseline": float(b.mean()),
        "mean": float(d.mean()),
        "low": float(low),
        "high": float(high),
        "wins": int((better > 0).sum()),
        "losses": int((better < 0).sum()),
    }


def paired_comparisons(
    rows: dict[str, list[dict]],
    baselines: Iterable[str],
    metrics: Sequence[tuple[str, str, int]] = METRICS,
) -> dict:
    """Every non-baseline method against every baseline, per route and metric.

    Parameters
    ----------
    rows : dict of str to list of dict
        Per-shape rows by ``"<method> <route>"`` (`meshsmith.eval.evaluate.Evaluation.rows`),
        each with the test shape's ``id``.
    baselines : names of the baseline methods

    Returns
    -------
    dict
        ``{model: {baseline: {route: {metric label: difference(...)}}}}``, only where
        both answered the route; shapes where either lacks the value are left out.
    """
    baselines = set(baselines)
    runs: dict[str, dict[str, list[dict]]] = {}
    for label, run_rows in rows.items():
        method, _, route = label.rpartition(" ")
        runs.setdefault(method, {})[route] = run_rows
    out: dict = {}
    for model in sorted(set(runs) - baselines):
        for baseline in sorted(set(runs) & baselines):
            for route, model_rows in runs[model].items():
                if route not in runs[baseline]:
                    continue
                by_id = {r["id"]: r for r in runs[baseline][route]}
                table = {}
                for label, key, sign in metrics:
                    pairs = [
                        (_value(r, key), _value(by_id[r["id"]], key))
                        for r in model_rows
                        if r["id"] in by_id
                    ]
                    pairs = [p for p in pairs if None not in p]
                    if pairs:
                        a, b = zip(*pairs, strict=True)
                        table[label] = difference(a, b, sign)
                if table:
                    out.setdefault(model, {}).setdefault(baseline, {})[route] = table
    return out


def markdown(paired: dict) -> list[str]:
    """The report's section for `paired_comparisons`' result (empty if there is none)."""
    if not paired:
        return []
    lines = [
        "## Model against baseline (paired by test shape)",
        "",
        f"Mean of model minus baseline over the shapes both answered, with a "
        f"{LEVEL:.0%} bootstrap interval ({RESAMPLES} resamples of shapes); wins and "
        "losses count shapes where the model is better or worse (for CD, lower is "
        "better). An interval that spans 0 means these shapes cannot tell the two apart.",
        "",
        "| model | baseline | route | metric | n | model | baseline | difference | "
        f"{LEVEL:.0%} interval | wins / losses |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for model, against in paired.items():
        for baseline, routes in against.items():
            for route, table in routes.items():
                for label, d in table.items():
                    digits = 3 if label == "category" else 4
                    lines.append(
                        f"| {model} | {baseline} | {route} | {label} | {d['n']} | "
                        f"{d['model']:.{digits}f} | {d['baseline']:.{digits}f} | "
                        f"{d['mean']:+.{digits}f} | "
                        f"{d['low']:+.{digits}f} … {d['high']:+.{digits}f} | "
                        f"{d['wins']} / {d['losses']} |"
                    )
    return lines
