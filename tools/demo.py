"""`make demo`: repair, convert, inspect and preview sample meshes, then generate assets.

Runs the `meshsmith` command exactly as a user would and prints each command,
its time and where the results are. Sample meshes come from the shared real
test meshes when they are beside the checkout, else from tests/data. Generation
(`meshsmith generate`, built-in model) makes assets from text prompts, from a
photo (a data-engine shape rendered on a plain background) and from a sketch
(a data-engine sketch render), each with a preview sheet.
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
PROMPTS = ("a red plastic chair", "a rusty iron sword", "a wooden barrel", "a blue ceramic mug")
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
    generate_assets(OUT / "generated")
    print(f"done: open {OUT.relative_to(ROOT)}/**/*.png for previews, *.glb in any glTF viewer.")


def generate_assets(folder: Path) -> None:
    """Text, photo and sketch → GLB + preview with `meshsmith generate`."""
    from meshsmith.errors import InputError
    from meshsmith.models.model import resolve_model_path

    try:
        resolve_model_path("default")
    except InputError as error:
        print(f"generation skipped: {error}")
        return
    folder.mkdir(parents=True)
    photo, sketch = input_pictures(folder)
    print(f"generate: assets in {_short(str(folder))}/ (each run loads the model: cold start)")
    jobs = [(prompt.replace(" ", "-"), (prompt,)) for prompt in PROMPTS]
    jobs += [("from-photo", ("--image", str(photo))), ("from-sketch", ("--sketch", str(sketch)))]
    for name, condition in jobs:
        out, preview = folder / f"{name}.glb", folder / f"{name}.png"
        seconds, report = run("generate", *condition, "-o", str(out), "--preview", str(preview),
                              "--seed", "1", "--json")  # fmt: skip
        report = json.loads(report)
        inside = sum(report["timings"].values())
        print(
            f"  {seconds:6.2f} s  {_short(str(out))} + {_short(str(preview))}  "
            f"({inside:.2f} s generating, {report['qa']['faces']} faces, "
            f"watertight {report['qa']['watertight']})"
        )
    print()


def input_pictures(folder: Path) -> tuple[Path, Path]:
    """A data-engine stool rendered as a photo on a plain background, and as a sketch."""
    import numpy as np
    from PIL import Image

    from meshsmith.data.registry import generate
    from meshsmith.render.camera import random_cameras
    from meshsmith.render.renderer import default_renderer
    from meshsmith.render.sketch import render_sketches

    scene = generate("stool", 4).scene()
    camera = random_cameras(scene, 1, 2, size=384)[0]
    view = default_renderer().render_view(scene, camera, light="studio")
    alpha = view.rgba[..., 3:].astype(np.float32) / 255.0
    photo = view.rgba[..., :3] * alpha + np.float32(235.0) * (1.0 - alpha)
    Image.fromarray(np.round(photo).astype(np.uint8)).save(folder / "input-photo.png")
    Image.fromarray(render_sketches(scene, [camera])[0]).save(folder / "input-sketch.png")
    return folder / "input-photo.png", folder / "input-sketch.png"


def _short(arg: str) -> str:
    path = Path(arg)
    return str(path.relative_to(ROOT)) if path.is_absolute() and ROOT in path.parents else arg


if __name__ == "__main__":
    main()
