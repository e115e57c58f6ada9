"""The sample sheet: each test shape's ground truth beside every generator's output.

One studio-lit view per cell, all from the same angle (30° azimuth, 20° elevation),
each mesh framed by its own bounding sphere; a caption row names the columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
from PIL import Image, ImageDraw

LABEL_HEIGHT = 18


def render_cell(mesh: trimesh.Trimesh, size: int) -> Image.Image:
    """One RGB view of `mesh` on white, `size` × `size` pixels."""
    from meshsmith.render import orbit_cameras, render_views

    batch = render_views(
        mesh, orbit_cameras(mesh, 1, size=size), background="white", geometry=False
    )
    return Image.fromarray(batch.rgba[0], "RGBA").convert("RGB")


def write_sheet(
    rows: list[tuple[str, dict[str, trimesh.Trimesh | None]]],
    columns: list[str],
    path: Path,
    size: int = 128,
) -> Path:
    """Render a grid of meshes to a PNG.

    Parameters
    ----------
    rows : list of (label, {column: mesh or None})
        One row per test shape; a missing or None mesh leaves its cell grey.
    columns : list of str
        Column titles, in order.
    path : Path
    size : int
        Pixels per cell.

    Raises
    ------
    meshsmith.errors.RenderError
        When no rendering context can be made.
    """
    label_width = size
    sheet = Image.new(
        "RGB", (label_width + size * len(columns), LABEL_HEIGHT + size * len(rows)), "white"
    )
    draw = ImageDraw.Draw(sheet)
    for c, title in enumerate(columns):
        draw.text((label_width + c * size + 4, 3), title[: size // 6], fill="black")
    for r, (label, meshes) in enumerate(rows):
        top = LABEL_HEIGHT + r * size
        draw.text((4, top + size // 2 - 6), label[: size // 6], fill="black")
        for c, title in enumerate(columns):
            mesh = meshes.get(title)
            cell = render_cell(mesh, size) if mesh is not None else _blank(size)
            sheet.paste(cell, (label_width + c * size, top))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path


def _blank(size: int) -> Image.Image:
    return Image.fromarray(np.full((size, size, 3), 220, dtype=np.uint8), "RGB")
