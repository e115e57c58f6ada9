"""Refresh docs/gallery/generated.png: what the shipped default model makes today.

    .venv/bin/python tools/gallery_generated.py [--data DATASET]

Eight text prompts (seed 0), then, when a dataset is given, a test shape's first
rendered view and first sketch next to what the image and sketch routes make of
them. Each cell is one view rendered by meshsmith's own renderer, labelled.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

from meshsmith import Pipeline
from meshsmith.render import render_to_file

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "gallery" / "generated.png"
PROMPTS = (
    "a red plastic chair",
    "a rusty iron sword",
    "a wooden barrel",
    "a blue ceramic mug",
    "a green glass bottle",
    "a small wooden stool",
    "a white passenger airplane",
    "a tall pine tree",
)
CELL = 256


def cell(mesh, label: str, folder: Path) -> Image.Image:
    path = render_to_file(mesh, folder / f"{len(list(folder.iterdir()))}.png", views=1, size=CELL)
    return labelled(Image.open(path).convert("RGBA"), label)


def labelled(image: Image.Image, label: str) -> Image.Image:
    canvas = Image.new("RGB", (CELL, CELL + 20), "white")
    image = image.resize((CELL, CELL))
    canvas.paste(image, (0, 20), image if image.mode == "RGBA" else None)
    ImageDraw.Draw(canvas).text((4, 4), label, fill="black")
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="dataset for the photo and sketch examples")
    args = parser.parse_args()
    pipe = Pipeline.load()
    cells = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for prompt in PROMPTS:
            start = time.perf_counter()
            asset = pipe.text(prompt, seed=0)
            print(f"{prompt}: {time.perf_counter() - start:.2f} s")
            cells.append(cell(asset.mesh, prompt, folder))
        if args.data is not None:
            from meshsmith.data.dataset import Dataset

            dataset = Dataset(args.data)
            for record in dataset.records(split="test")[::97][:2]:
                view = dataset.views(record)[0]
                photo, sketch = view["rgb"], view["sketch"]
                cells.append(labelled(Image.fromarray(photo), f"photo ({record.category})"))
                cells.append(cell(pipe.image(photo, seed=0).mesh, "-> image route", folder))
                cells.append(labelled(Image.fromarray(sketch).convert("RGB"), "sketch"))
                cells.append(cell(pipe.sketch(sketch, seed=0).mesh, "-> sketch route", folder))
    columns = 4
    rows = -(-len(cells) // columns)
    sheet = Image.new("RGB", (columns * CELL, rows * (CELL + 20)), "white")
    for i, image in enumerate(cells):
        sheet.paste(image, ((i % columns) * CELL, (i // columns) * (CELL + 20)))
    sheet.save(OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
