"""Refresh docs/gallery/: what the geometry core and renderer make today, to look at.

    .venv/bin/python tools/gallery.py

- repair.png: each real test mesh before (left) and after `convert --repair` (right)
- presets.png: spot under the four light presets, shaded and as a sketch
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

from meshsmith.export.load import load_scene
from meshsmith.geometry.convert import ConvertOptions, convert_asset
from meshsmith.render.sheet import render_to_file

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "gallery"
REAL = ROOT.parent / "shared" / "testdata" / "real-meshes"
TILE = 192


def tile(obj, label: str, tmp: Path, **options) -> Image.Image:
    path = render_to_file(obj, tmp / "tile.png", views=1, size=TILE, **options)
    image = Image.open(path).convert("RGB")
    ImageDraw.Draw(image).text((6, 4), label, fill=(40, 40, 40))
    return image


def grid(tiles: list[Image.Image], columns: int) -> Image.Image:
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (columns * TILE, rows * TILE), "white")
    for i, image in enumerate(tiles):
        sheet.paste(image, ((i % columns) * TILE, (i // columns) * TILE))
    return sheet


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sources = sorted(REAL.glob("*.obj")) or [ROOT / "tests" / "data" / "spot.obj"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tiles = []
        for source in sources:
            scene = load_scene(source)
            repaired, _ = convert_asset(scene, ConvertOptions(repair=True))
            tiles.append(tile(scene, f"{source.stem} (input)", tmp))
            tiles.append(tile(repaired, "repaired", tmp))
        grid(tiles, 6).save(OUT / "repair.png", optimize=True)
        spot = load_scene(ROOT / "tests" / "data" / "spot.obj")
        presets = ["studio", "sunset", "overcast", "night"]
        tiles = [tile(spot, light, tmp, light=light, background="#9aa0a6") for light in presets]
        tiles += [tile(spot, "sketch", tmp, sketch=True)]
        grid(tiles, 5).save(OUT / "presets.png", optimize=True)
    print(f"wrote {OUT.relative_to(ROOT)}/repair.png and presets.png")


if __name__ == "__main__":
    main()
