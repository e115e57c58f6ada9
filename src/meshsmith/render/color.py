"""Colour specs and sRGB transfer functions."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import ImageColor

from meshsmith.errors import InputError

TRANSPARENT = (1.0, 1.0, 1.0, 0.0)


def parse_background(spec: str | Sequence[float] | None) -> tuple[float, float, float, float]:
    """Turn a background spec into sRGB RGBA in [0, 1].

    Parameters
    ----------
    spec : str, (3,) or (4,) sequence, or None
        ``"transparent"`` or None (alpha 0), a CSS colour name (``"white"``), hex
        (``"#rrggbb"``, ``"#rgb"``), or a tuple: integers are 0–255, floats 0–1.

    Returns
    -------
    rgba : (4,) tuple of float
        sRGB-encoded colour; alpha 0 means transparent.

    Raises
    ------
    InputError
        For anything else.
    """
    if spec is None or (isinstance(spec, str) and spec.strip().lower() == "transparent"):
        return TRANSPARENT
    if isinstance(spec, str):
        try:
            rgb = ImageColor.getrgb(spec.strip())
        except ValueError:
            raise InputError(
                f"bad background colour {spec!r}; use 'transparent', a name or #rrggbb"
            ) from None
        return (rgb[0] / 255, rgb[1] / 255, rgb[2] / 255, 1.0)
    values = list(spec)
    if len(values) not in (3, 4) or not all(isinstance(v, int | float) for v in values):
        raise InputError(f"bad background colour {spec!r}; expected (r, g, b) or (r, g, b, a)")
    scale = 255.0 if all(isinstance(v, int) for v in values) else 1.0
    rgba = [float(v) / scale for v in values] + [1.0] * (4 - len(values))
    if not all(0.0 <= v <= 1.0 for v in rgba):
        raise InputError(f"bad background colour {spec!r}; components out of range")
    return (rgba[0], rgba[1], rgba[2], rgba[3])
