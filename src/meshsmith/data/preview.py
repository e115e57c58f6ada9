"""`meshsmith data preview`: a labelled contact sheet of a dataset, to eyeball it.

One row per category, the first N shapes (by id) of each. A tile is the shape's
first stored view when the dataset has views (no rendering needed), otherwise a
studio render of its GLB. Tiles are labelled with the shape id and split.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from meshsmith.data.dataset import Dataset, ShapeRecord
from meshsmith.errors import ExportError

LABEL_WIDTH = 110
CAPTION_HEIGHT = 14


def _stored_tile(ds: Dataset, record: ShapeRecord, cell: int) -> Image.Image:
    with Image.open(ds.path(record.files["views"][0])) as image:
        rgba = image.convert("RGBA")
    tile = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    tile.alpha_composite(rgba)
    return tile.convert("RGB").resize((cell, cell), Image.Resampling.LANCZOS)


def _rendered_tile(ds: Dataset, record: ShapeRecord, cell: int) -> Image.Image:
    from meshsmith.export.load import load_scene
    from meshsmith.render.camera import orbit_cameras
    from meshsmith.render.renderer import default_renderer

    scene = load_scene(ds.path(record.files["mesh"]))
    camera = orbit_cameras(scene, 1, size=2 * cell, elevation=20, start_azimuth=35)[0]
    view = default_renderer().render_view(scene, camera, light="studio", background="white")
    image = Image.fromarray(np.ascontiguousarray(view.rgba[..., :3]), "RGB")
    return image.resize((cell, cell), Image.Resampling.BOX)


def contact_sheet(ds: Dataset, per_category: int = 6, cell: int = 128) -> Image.Image:
    """The sheet as an RGB image: rows = categories, columns = shapes."""
    categories = ds.categories
    row_height = cell + CAPTION_HEIGHT
    sheet = Image.new(
        "RGB", (LABEL_WIDTH + cell * per_category, row_height * len(categories)), "white"
    )
    draw = ImageDraw.Draw(sheet)
    for row, category in enumerate(categories):
        top = row * row_height
        records = ds.records(category=category)
        draw.text((6, top + cell // 2 - 12), category, fill=(0, 0, 0))
        draw.text((6, top + cell // 2 + 2), f"{len(records)} shapes", fill=(120, 120, 120))
        for column, record in enumerate(records[:per_category]):
            left = LABEL_WIDTH + column * cell
            if record.files.get("views"):
                tile = _stored_tile(ds, record, cell)
            else:
                tile = _rendered_tile(ds, record, cell)
            sheet.paste(tile, (left, top))
            label = f"{record.id.rsplit('-', 1)[-1]} {record.split}"
            draw.text((left + 3, top + cell + 1), label, fill=(90, 90, 90))
        draw.line([(0, top), (sheet.width, top)], fill=(210, 210, 210))
    return sheet


def write_preview(
    dataset: str | os.PathLike, output: str | os.PathLike, per_category: int = 6, cell: int = 128
) -> Path:
    """Write the contact sheet of `dataset` to `output` (PNG); return the path."""
    sheet = contact_sheet(Dataset(dataset), per_category, cell)
    output = Path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        sheet.save(output, format="PNG", optimize=True)
    except (OSError, ValueError) as error:
        raise ExportError(f"cannot write {output}: {error}") from error
    return output
