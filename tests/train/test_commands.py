"""`meshsmith train` argument errors: one line on stderr, exit code 2."""

from __future__ import annotations

import subprocess
import sys


def run_train(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "meshsmith.train", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unknown_config_is_one_line_and_exit_2(tiny_dataset, tmp_path):
    done = run_train("medium", "--data", str(tiny_dataset), "--out", str(tmp_path / "r"))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "unknown config 'medium'" in done.stderr


def test_missing_dataset_folder_is_exit_2(tmp_path):
    done = run_train("tiny", "--data", str(tmp_path / "nope"), "--out", str(tmp_path / "r"))
    assert done.returncode == 2
    assert "no such directory" in done.stderr


def test_folder_that_is_not_a_dataset_is_exit_2(tmp_path):
    done = run_train("tiny", "--data", str(tmp_path), "--out", str(tmp_path / "r"))
    assert done.returncode == 2
    assert "manifest.jsonl" in done.stderr and "Traceback" not in done.stderr
