"""Two-process data-parallel training with torchrun and gloo on the CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from meshsmith.models.model import load_model
from meshsmith.train.logger import read_metrics


@pytest.mark.slow  # two fresh interpreters importing torch: ~20 s
def test_torchrun_two_processes(tiny_dataset, tmp_path):
    run_dir = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
        "--standalone", "-m", "meshsmith.train", "tiny",
        "--data", str(tiny_dataset), "--out", str(run_dir), "--steps", "4", "--json",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # Rank 0 alone logs: every step once, in order, both stages.
    rows = [r for r in read_metrics(run_dir) if r["stage"] in ("autoencoder", "prior")]
    assert [(r["step"], r["stage"]) for r in rows] == [
        (1, "autoencoder"), (2, "autoencoder"), (3, "prior"), (4, "prior")
    ]  # fmt: skip
    assert load_model(run_dir).info["step"] == 4
    assert json.loads(done.stdout)["step"] == 4  # one report, from rank 0
