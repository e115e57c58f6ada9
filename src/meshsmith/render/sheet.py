"""Preview files: a contact sheet (PNG) or a turntable (GIF, MP4) of orbit views.

This is what ``meshsmith render FILE -o OUT [--views N] [--size S] [--light
PRESET] [--background COLOR|transparent] [--sketch]`` writes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import trimesh
from PIL import Image

from meshsmith.errors import ExportError, InputError
from meshsmith.render.camera import orbit_cameras
from meshsmith.render.color import parse_background
from meshsmith.render.lights import get_rig
from meshsmith.render.renderer import default_renderer
from meshsmith.render.sketch import sketch_from_buffers
from meshsmith.render.views import View

SUFFIXES = (".png", ".gif", ".mp4")
MIN_SIZE, MAX_SIZE = 16, 4096
# Views render at this multiple of the output size and are downsampled (anti-aliasing).
SUPERSAMPLE = 2
TURNTABLE_SECONDS = 4.0
BOX = Image.Resampling.BOX
SKETCH_WIDTH = 1.5


def _render_frames(
    obj: trimesh.Trimesh | trimesh.Scene,
    views: int,
    size: int,
    light: str,
    background: tuple[float, float, float, float],
    sketch: bool,
) -> list[Image.Image]:
    """`views` orbit views as RGBA images of `size` × `size`."""
    ss = SUPERSAMPLE if size * SUPERSAMPLE <= MAX_SIZE else 1
    renderer = default_renderer()
    gpu = renderer.upload(obj)
    frames = []
    try:
        for camera in orbit_cameras(obj, views, size=size * ss):
            # One view at a time: a batch of supersampled 4096² views would not fit in memory.
            view = renderer.render_view(
                gpu, camera, light=light, background=background, geometry=sketch
            )
            frames.append(_frame(view, background, sketch, ss).resize((size, size), BOX))
    finally:
        gpu.release()
    return frames


def _frame(
    view: View, background: tuple[float, float, float, float], sketch: bool, ss: int
) -> Image.Image:
    if not sketch:
        return Image.fromarray(view.rgba, "RGBA")
    paper = sketch_from_buffers(view.depth, view.normals, view.mask, width=SKETCH_WIDTH * ss)
    ink = 1.0 - paper.astype(np.float32) / 255.0
    rgba = np.empty(paper.shape + (4,), dtype=np.uint8)
    if background[3] == 0.0:  # transparent paper: black lines, alpha = ink
        rgba[..., :3] = 0
        rgba[..., 3] = np.round(255 * ink)
    else:
        bg = np.asarray(background[:3]) * 255.0
        rgba[..., :3] = np.round(bg * (1.0 - ink[..., None]))
        rgba[..., 3] = 255
    return Image.fromarray(rgba, "RGBA")


def _contact_sheet(
    frames: list[Image.Image], size: int, background: tuple[float, float, float, float]
) -> Image.Image:
    cols = math.ceil(math.sqrt(len(frames)))
    rows = math.ceil(len(frames) / cols)
    fill = tuple(round(255 * c) for c in background)
    sheet = Image.new("RGBA", (cols * size, rows * size), fill)
    for i, frame in enumerate(frames):
        sheet.paste(frame, ((i % cols) * size, (i // cols) * size))
    return sheet


def _flatten(frame: Image.Image) -> Image.Image:
    """RGB over white, for formats without alpha."""
    canvas = Image.new("RGBA", frame.size, (255, 255, 255, 255))
    return Image.alpha_composite(canvas, frame).convert("RGB")


def _write_gif(frames: list[Image.Image], path: Path, transparent: bool) -> None:
    duration = max(20, round(1000 * TURNTABLE_SECONDS / len(frames)))
    if transparent:
        # GIF has 1-bit alpha: palette index 255 is reserved for clear pixels.
        palettes = []
        for frame in frames:
            rgb = frame.convert("RGB").quantize(colors=255, method=Image.Quantize.MEDIANCUT)
            alpha = np.asarray(frame)[..., 3]
            indices = np.asarray(rgb).copy()
            indices[alpha < 128] = 255
            out = Image.fromarray(indices, "P")
            palette = rgb.getpalette()[: 255 * 3]
            out.putpalette(palette + [0] * (768 - len(palette)))
            palettes.append(out)
        extra = {"transparency": 255, "disposal": 2}
        images = palettes
    else:
        images, extra = [_flatten(f) for f in frames], {}
    images[0].save(
        path, save_all=True, append_images=images[1:], duration=duration, loop=0, **extra
    )


def _write_mp4(frames: list[Image.Image], path: Path) -> None:
    import imageio.v2 as imageio  # imports ffmpeg plumbing; only MP4 needs it

    fps = max(1.0, len(frames) / TURNTABLE_SECONDS)
    arrays = [np.asarray(_flatten(f)) for f in frames]
    h, w = arrays[0].shape[:2]
    # yuv420p needs even sides; odd sizes repeat their last row/column.
    pad = ((0, h % 2), (0, w % 2), (0, 0))
    with imageio.get_writer(
        path, fps=fps, codec="libx264", pixelformat="yuv420p", macro_block_size=1, quality=8
    ) as writer:
        for array in arrays:
            writer.append_data(np.pad(array, pad, mode="edge"))


def render_to_file(
    obj: trimesh.Trimesh | trimesh.Scene,
    out_path: str | Path,
    views: int = 8,
    size: int = 512,
    light: str = "studio",
    background: str | Sequence[float] = "white",
    sketch: bool = False,
) -> Path:
    """Write a contact sheet (.png) or a turntable (.gif, .mp4) of `obj`.

    Parameters
    ----------
    obj : trimesh.Trimesh or trimesh.Scene
    out_path : str or Path
        Its suffix picks the format: ``.png`` a grid of `views` views
        (``ceil(sqrt(views))`` columns, each cell `size` square; alpha kept for a
        transparent background), ``.gif`` / ``.mp4`` one turn in `views` frames
        over four seconds (MP4 flattens transparency onto white).
    views : int
        Number of views (≥ 1), evenly spaced in azimuth at 20° elevation.
    size : int
        Side of one view in pixels, 16–4096.
    light : str
        Lighting preset: studio, sunset, overcast or night.
    background : str or tuple
        ``"transparent"``, a colour name, ``"#rrggbb"`` or an (r, g, b) tuple.
    sketch : bool
        Draw black line drawings instead of shaded views.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        For an unknown suffix or preset, a bad colour, `views` < 1 or `size` out of range.
    ExportError
        When the file cannot be written.
    """
    path = Path(out_path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"cannot write {path.name!r}: output must end in {', '.join(SUFFIXES)}")
    if not isinstance(views, int) or views < 1:
        raise InputError(f"--views must be at least 1, got {views}")
    if not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE:
        raise InputError(f"--size must be within {MIN_SIZE}..{MAX_SIZE}, got {size}")
    get_rig(light)
    bg = parse_background(background)

    frames = _render_frames(obj, views, size, light, bg, sketch)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".png":
            _contact_sheet(frames, size, bg).save(path)
        elif suffix == ".gif":
            _write_gif(frames, path, transparent=bg[3] == 0.0)
        else:
            _write_mp4(frames, path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc}") from exc
    return path
