"""`make demo`: repair, convert, inspect and preview sample meshes with the real CLI.

Runs the `meshsmith` command exactly as a user would and prints each command,
its time and where the results are. Sample meshes come from the shared real
test meshes when they are beside the checkout, else from tests/data.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "outputs" / "demo"
SAMPLES = ("spot", "stanford-bunny", "teapot", "fandisk")
MESHSMITH = str(Path(sys.executable).with_name("meshsmith"))


def sample_meshes() -> list[Path]:
    shared = ROOT.parent / "shared" / "testdata" / "real-meshes"
    found = [shared / f"{name}.obj" for name in SAMPLES if (shared / f"{name}.obj").is_file()]
    return found or [ROOT / "tests" / "data" / "spot.obj"]


def run(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([MESHSMITH, *args], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"demo: `meshsmith {' '.join(args)}` failed: {done.stderr.strip()}")
    return seconds, done.stdout


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    print(f"meshsmith demo: results in {OUT.relative_to(ROOT)}/\n")
    for source in sample_meshes():
        name = source.stem
        _, before = run("inspect", str(source), "--json")
        before = json.loads(before)
        steps = [
            ("convert", str(source), str(OUT / f"{name}.glb"), "--repair", "--size", "0.3"),
            ("convert", str(OUT / f"{name}.glb"), str(OUT / f"{name}.stl")),
            ("convert", str(OUT / f"{name}.glb"), str(OUT / f"{name}.usdz")),
            ("convert", str(OUT / f"{name}.glb"), str(OUT / f"{name}_lod.obj"), "--faces", "2000"),
            ("render", str(OUT / f"{name}.glb"), "-o", str(OUT / f"{name}.png"), "--views", "4"),
        ]
        print(
            f"{name}: {before['faces']} faces, watertight {before['watertight']}, "
            f"manifold {before['manifold']}, components {before['components']}"
        )
        for step in steps:
            seconds, _ = run(*step)
            print(f"  {seconds:6.2f} s  meshsmith {' '.join(_short(a) for a in step)}")
        _, after = run("inspect", str(OUT / f"{name}.glb"), "--json")
        after = json.loads(after)
        print(
            f"  -> {after['faces']} faces, watertight {after['watertight']}, "
            f"manifold {after['manifold']}, size {[round(s, 3) for s in after['bbox']['size']]} m\n"
        )
    print(f"done: open {OUT.relative_to(ROOT)}/*.png for previews, *.glb in any glTF viewer.")


def _short(arg: str) -> str:
    path = Path(arg)
    return str(path.relative_to(ROOT)) if path.is_absolute() and ROOT in path.parents else arg


if __name__ == "__main__":
    main()
