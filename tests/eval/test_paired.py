"""Paired differences between a model and a baseline on the same test shapes."""

from __future__ import annotations

import numpy as np
import pytest

from meshsmith.eval.paired import difference, markdown, paired_comparisons


def test_a_clear_gain_excludes_zero_and_noise_does_not():
    rng = np.random.default_rng(1)
    base = rng.uniform(0.3, 0.9, 60)
    gain = difference(base + 0.1 + rng.normal(0, 0.05, 60), base)
    assert 0.0 < gain["low"] < gain["mean"] < gain["high"]
    assert abs(gain["mean"] - 0.1) < 0.03 and gain["wins"] > 50
    noise = difference(base + rng.normal(0, 0.2, 60), base)
    assert noise["low"] < 0.0 < noise["high"]
    same = difference(base, base)
    assert same["mean"] == same["low"] == same["high"] == 0.0
    assert same["wins"] == same["losses"] == 0


def test_lower_is_better_counts_wins_the_other_way():
    d = difference([0.01, 0.02, 0.05], [0.02, 0.02, 0.03], sign=-1)
    assert (d["wins"], d["losses"], d["n"]) == (1, 1, 3)
    assert d["mean"] == pytest.approx((-0.01 + 0.0 + 0.02) / 3)
    assert d["model"] == pytest.approx(0.08 / 3) and d["baseline"] == pytest.approx(0.07 / 3)


def test_series_must_pair():
    with pytest.raises(ValueError, match="equally long"):
        difference([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="non-empty"):
        difference([], [])


def _row(shape, category, predicted, f, cd=None):
    return {
        "id": shape,
        "category": category,
        "predicted_category": predicted,
        "fscore@0.05": f,
        "chamfer_l1": cd,
    }


def test_pairs_by_shape_per_route_and_baseline():
    rows = {
        "model text": [_row("a", "chair", "chair", 0.8, 0.02), _row("b", "car", "sofa", 0.4)],
        "retrieval text": [_row("b", "car", "car", 0.6), _row("a", "chair", "stool", 0.5, 0.03)],
        "retrieval sketch": [_row("a", "chair", "chair", 0.9)],
        "medoid text": [_row("a", "chair", "chair", 0.7)],
    }
    paired = paired_comparisons(rows, baselines=["retrieval", "medoid"])
    # Baselines are not compared with each other, and a route only one side ran is left out.
    assert list(paired) == ["model"] and set(paired["model"]) == {"retrieval", "medoid"}
    assert list(paired["model"]["retrieval"]) == ["text"]
    text = paired["model"]["retrieval"]["text"]
    # Rows are matched by shape id, not by position.
    assert text["F@0.05"]["mean"] == pytest.approx(((0.8 - 0.5) + (0.4 - 0.6)) / 2)
    assert (text["category"]["wins"], text["category"]["losses"]) == (1, 1)
    # Only shape "a" has a Chamfer distance on both sides.
    assert text["CD-L1"]["n"] == 1 and text["CD-L1"]["mean"] == pytest.approx(-0.01)
    assert "CD-L1, own box" not in text
    medoid = paired["model"]["medoid"]["text"]
    assert medoid["F@0.05"]["n"] == 1 and medoid["category"]["mean"] == 0.0


def test_markdown_lists_every_comparison():
    rows = {
        "model text": [_row("a", "chair", "chair", 0.8)],
        "retrieval text": [_row("a", "chair", "stool", 0.5)],
    }
    lines = markdown(paired_comparisons(rows, baselines=["retrieval"]))
    assert lines[0].startswith("## Model against baseline")
    assert "| model | retrieval | text | F@0.05 | 1 | 0.8000 | 0.5000 | +0.3000 |" in "\n".join(
        lines
    )
    assert any("| category | 1 | 1.000 | 0.000 | +1.000 |" in line for line in lines)
    assert markdown({}) == []
