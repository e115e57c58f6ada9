"""Contact sheet of the procedural categories: one row per category, several seeds.

    .venv/bin/python tools/category_sheet.py [--seeds 6] [--cell 144] [-o docs/categories.png]

Each tile is labelled with the shape's height in metres. Look at it after any
change to a generator.
"""

from __future__ import annotations

import argparse

from PIL import Image, ImageDraw

from meshsmith.data.registry import SPECS, generate
from meshsmith.render.camera import orbit_cameras
from meshsmith.render.renderer import default_renderer

LABEL_WIDTH = 96


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", default=",".join(SPECS))
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--cell", type=int, default=144)
    parser.add_argument("-o", "--output", default="docs/categories.png")
    args = parser.parse_args()
    categories, cell = args.categories.split(","), args.cell
    sheet = Image.new("RGB", (LABEL_WIDTH + cell * args.seeds, cell * len(categories)), "white")
    draw = ImageDraw.Draw(sheet)
    renderer = default_renderer()
    for row, category in enumerate(categories):
        top = row * cell
        draw.text((6, top + cell // 2 - 6), category, fill=(0, 0, 0))
        for seed in range(args.seeds):
            shape = generate(category, seed)
            scene = shape.scene(textured=True, texture_size=64)
            camera = orbit_cameras(scene, 1, size=cell * 2, elevation=20, start_azimuth=35)[0]
            view = renderer.render_view(scene, camera, light="studio", background=(1, 1, 1, 1))
            tile = Image.fromarray(view.rgba, "RGBA").convert("RGB")
            left = LABEL_WIDTH + seed * cell
            sheet.paste(tile.resize((cell, cell), Image.Resampling.BOX), (left, top))
            draw.text((left + 3, top + 2), f"{shape.extents[1]:.2f} m", fill=(120, 120, 120))
        draw.line([(0, top), (sheet.width, top)], fill=(220, 220, 220))
    sheet.save(args.output, optimize=True)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
