"""Independent validators for written assets, shared by every test module.

`gltf_report` runs the Khronos glTF-Validator (node + npm package) and
`usd_validation_errors` runs every validator registered with `pxr.UsdValidation`.
Outside CI a missing validator skips the test; in CI (env var CI set) it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GLTF_VALIDATE = REPO / "tools" / "gltf_validate.mjs"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


def gltf_report(path: str | os.PathLike) -> dict:
    """The Khronos glTF-Validator's report for one .glb/.gltf file.

    Returns
    -------
    report : dict
        {"file", "errors", "warnings", "messages": [str, ...]}.
    """
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not installed")
    if not (REPO / "node_modules" / "gltf-validator").is_dir():
        _unavailable("node_modules/gltf-validator is missing (run `npm ci`)")
    result = subprocess.run(
        [node, str(GLTF_VALIDATE), str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise AssertionError(f"glTF-Validator gave no report: {result.stderr.strip()}")
    return json.loads(lines[-1])


def usd_validation_errors(path: str | os.PathLike, include_warnings: bool = False) -> list[str]:
    """Errors from every validator registered with `pxr.UsdValidation`, run on the stage.

    usd-core ships no `usdchecker` binary; this is its library equivalent: all
    registered validators (core, UsdGeom, UsdShade, USDZ package rules, ...) in one
    `ValidationContext`.

    Returns
    -------
    errors : list of str
        "ErrorName: message" per error (and per warning with `include_warnings`);
        empty when the file is valid.
    """
    try:
        from pxr import Tf, Usd, UsdValidation
    except ImportError:
        _unavailable("usd-core (pxr) is not installed")
    try:
        stage = Usd.Stage.Open(str(path))
    except Tf.ErrorException as error:
        return [f"StageOpen: {' '.join(str(error).split())}"]
    if stage is None:
        return [f"StageOpen: Usd.Stage.Open failed for {path}"]
    registry = UsdValidation.ValidationRegistry()
    context = UsdValidation.ValidationContext(registry.GetOrLoadAllValidators())
    kinds = {UsdValidation.ValidationErrorType.Error}
    if include_warnings:
        kinds.add(UsdValidation.ValidationErrorType.Warn)
    return [
        f"{error.GetName()}: {error.GetMessage()}"
        for error in context.Validate(stage)
        if error.GetType() in kinds
    ]
