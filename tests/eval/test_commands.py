"""`meshsmith compare` and `meshsmith eval` as a user runs them."""

from __future__ import annotations

import json

import pytest
import trimesh

from tests.conftest import run_meshsmith

COMPARE_KEYS = {
    "chamfer_l1", "chamfer_l2", "accuracy", "completeness", "fscore@0.01", "fscore@0.02",
    "fscore@0.05", "fscore@0.1", "normal_consistency", "iou",
}  # fmt: skip


def _one_line_error(done) -> str:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("meshsmith: error:"), done.stderr
    return lines[0]


def test_compare_json(tmp_path):
    a, b = tmp_path / "a.obj", tmp_path / "b.ply"
    trimesh.creation.icosphere(subdivisions=4, radius=0.5).export(a)
    trimesh.creation.icosphere(subdivisions=4, radius=0.54).export(b)
    done = run_meshsmith("compare", a, b, "--json", "--points", "20000")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= COMPARE_KEYS
    assert report["points"] == 20000
    assert report["chamfer_l1"] == pytest.approx(0.04, abs=2e-3)
    assert report["fscore@0.02"] == 0.0 and report["fscore@0.1"] == 1.0
    assert report["iou"] == pytest.approx((0.5 / 0.54) ** 3, abs=0.02)


def test_compare_same_file_is_perfect(spot_path):
    done = run_meshsmith("compare", spot_path, spot_path, "--points", "5000")
    assert done.returncode == 0, done.stderr
    assert "chamfer_l1           0" in done.stdout


def test_compare_bad_file(tmp_path):
    bad = tmp_path / "bad.stl"
    bad.write_bytes(b"\x00" * 10)
    good = tmp_path / "good.obj"
    trimesh.creation.box().export(good)
    assert "bad.stl" in _one_line_error(run_meshsmith("compare", good, bad))


def _numbers(metrics: dict) -> dict:
    """metrics.json without what differs between identical runs (times, paths)."""
    skip = {"run", "timings", "seconds_per_shape", "config", "classifier"}
    return {
        k: _numbers(v) if isinstance(v, dict) else v for k, v in metrics.items() if k not in skip
    }


def test_eval_quick_writes_a_report(tiny_dataset, tmp_path):
    out, cache = tmp_path / "report", tmp_path / "cache"
    args = ("eval", "--data", tiny_dataset, "--quick", "--steps", "5", "--cache-dir", cache)
    done = run_meshsmith(*args, "-o", out)
    assert done.returncode == 0, done.stderr
    for name in ("report.md", "metrics.json", "per_shape.jsonl", "classifier.safetensors"):
        assert (out / name).is_file(), name
    for name in ("fscore", "chamfer", "memorization", "classifier_loss"):
        assert (out / "plots" / f"{name}.png").stat().st_size > 1000, name
    assert (out / "samples.png").is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test_shapes"] == 2 and metrics["categories"] == ["chair"]
    assert set(metrics["methods"]) == {"retrieval", "medoid"}
    assert set(metrics["methods"]["retrieval"]) == {"text", "paraphrase", "image", "sketch"}
    run = metrics["methods"]["retrieval"]["text"]
    assert run["shapes"] == 2 and run["failures"] == 0
    assert 0.0 < run["reconstruction"]["chamfer_l1"] < 0.5
    # Retrieval by a test chair's sketch finds a chair (of the training set).
    sketch = metrics["methods"]["retrieval"]["sketch"]
    assert sketch["shapes"] == 2 and sketch["failures"] == 0
    for summary in (run, sketch, metrics["methods"]["medoid"]["sketch"]):
        recon = summary["reconstruction"]
        assert 0.0 < recon["chamfer_l1_ownbox"] < 0.5 and 0.0 < recon["iou_ownbox"] <= 1.0
    # Baselines return training shapes: every output is a memorised copy.
    assert run["memorization"]["memorised_share"] == 1.0
    assert metrics["ground_truth"]["memorization"]["memorised_share"] == 0.0
    assert metrics["ground_truth"]["quality"]["watertight"] == 1.0
    report = (out / "report.md").read_text()
    for heading in (
        "## Reconstruction",
        "## Reconstruction, own box (scale-free)",
        "## Generation",
        "## Semantics",
        "## Conventions",
    ):
        assert heading in report
    assert "| retrieval | sketch | 2 |" in report and "## Autoencoder" not in report
    rows = [json.loads(line) for line in (out / "per_shape.jsonl").read_text().splitlines()]
    assert len(rows) == 2 * 4 * 2 and all("predicted_category" in r for r in rows)
    assert all("chamfer_l1_ownbox" in r for r in rows)
    # Again from the cache it wrote, in one thread: the same numbers.
    assert metrics["run"]["cache"].startswith(str(cache)) and any(cache.rglob("*.npz"))
    classifier = out / "classifier.safetensors"
    again = run_meshsmith(
        *args, "-o", tmp_path / "again", "--workers", "1", "--classifier", classifier
    )
    assert again.returncode == 0, again.stderr
    repeated = json.loads((tmp_path / "again" / "metrics.json").read_text())
    assert _numbers(repeated) == _numbers(metrics)


def test_eval_autoencoder_of_the_default_model(tiny_dataset, tmp_path):
    out = tmp_path / "report"
    done = run_meshsmith(
        "eval", "--data", tiny_dataset, "-o", out, "--model", "default", "--autoencoder",
        "--routes", "sketch", "--baseline", "retrieval", "--quick", "--steps", "2",
        "--max-shapes", "1", "--no-cache",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["methods"]) == {"default", "retrieval"}
    assert all(set(routes) == {"sketch"} for routes in metrics["methods"].values())
    model = metrics["methods"]["default"]["sketch"]
    assert model["shapes"] == 1 and model["failures"] == 0
    recon = model["reconstruction"]
    assert 0.0 < recon["chamfer_l1_ownbox"] < 0.5 and 0.0 <= recon["iou_ownbox"] <= 1.0
    autoencoder = metrics["autoencoder"]
    assert autoencoder["summary"]["shapes"] == 1 and autoencoder["summary"]["failures"] == 0
    assert [row["id"] for row in autoencoder["rows"]] == ["chair-00000"]
    # A trained autoencoder keeps the shape (a failed one is far off, CD-L1 > 0.1).
    assert autoencoder["summary"]["chamfer_l1"] < 0.05
    # ... and its colour (the shipped decoder averages ΔE 11-12 over 60 ds30 test shapes).
    assert 0.0 < autoencoder["summary"]["albedo_delta_e"] < 25.0
    assert autoencoder["settings"]["resolution"] == 64
    paired = metrics["paired"]["default"]["retrieval"]["sketch"]
    assert paired["F@0.05"]["n"] == 1 and paired["category"]["n"] == 1
    assert paired["F@0.05"]["mean"] == pytest.approx(
        model["reconstruction"]["fscore@0.05"]
        - metrics["methods"]["retrieval"]["sketch"]["reconstruction"]["fscore@0.05"]
    )
    report = (out / "report.md").read_text()
    assert "## Autoencoder" in report and "| **all** | 1 |" in report
    assert "albedo_delta_e" in report
    assert "## Model against baseline (paired by test shape)" in report
    assert "autoencoder (1 shapes, 0 failed)" in done.stdout


def test_eval_autoencoder_needs_a_model(tiny_dataset, tmp_path):
    done = run_meshsmith("eval", "--data", tiny_dataset, "-o", tmp_path, "--autoencoder")
    assert "--autoencoder needs a trained model" in _one_line_error(done)
    done = run_meshsmith("eval", "--data", tiny_dataset, "-o", tmp_path, "--routes", "audio")
    assert "unknown route 'audio'" in _one_line_error(done)


def test_eval_unknown_model_fails_cleanly(tiny_dataset, tmp_path):
    done = run_meshsmith("eval", "--data", tiny_dataset, "-o", tmp_path, "--model", "tiny-v9")
    assert "no model named tiny-v9; models arrive with training" in _one_line_error(done)


def test_eval_needs_data_and_output(tmp_path):
    assert "--data" in _one_line_error(run_meshsmith("eval", "-o", tmp_path))
    done = run_meshsmith("eval", "--data", tmp_path, "-o", tmp_path / "r")
    assert "manifest" in _one_line_error(done)
