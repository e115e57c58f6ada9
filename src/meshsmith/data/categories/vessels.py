"""Shared pieces of tableware: hollow bodies of revolution, handles, glazes."""

from __future__ import annotations

import numpy as np
from manifold3d import CrossSection, JoinType, Manifold

from meshsmith.data import materials as M
from meshsmith.data.solids import tube

GLAZES = ("porcelain", "terracotta") + M.names(
    "ceramic",
    (
        "white",
        "cream",
        "blue",
        "light blue",
        "red",
        "green",
        "yellow",
        "black",
        "teal",
        "pink",
        "navy",
        "grey",
    ),
)


def vessel(radii: np.ndarray, heights: np.ndarray, wall: float, base: float) -> Manifold:
    """Open-topped hollow body of revolution with walls ``wall`` thick (normal to the surface).

    Parameters
    ----------
    radii, heights : (n,) float
        Outer profile from the foot (heights[0] = 0) up to the rim, heights increasing.
    wall : float
        Wall thickness.
    base : float
        Floor thickness (at least ``wall``).
    """
    outer = np.column_stack([radii, heights])
    # The cavity is the wall's inward offset of the profile continued past the rim along its last
    # direction, so it always breaks through the top, however flared the rim.
    direction = outer[-1] - outer[-2]
    longer = np.vstack([outer, outer[-1] + direction / np.linalg.norm(direction) * 4.0 * wall])
    # Offsetting the full-width section (both sides of the axis) leaves no core on the axis.
    full = CrossSection([_both_sides(outer)])
    width = 4.0 * float(radii.max())
    below_floor = CrossSection.square((width, base)).translate((-width / 2.0, 0.0))
    cavity = (
        CrossSection([_both_sides(longer)]).offset(-wall, JoinType.Round, 2.0, 16) - below_floor
    )
    shell = (full - cavity).simplify(1e-6)
    return Manifold.revolve(shell, 40).rotate((-90.0, 0.0, 0.0))


def _both_sides(profile: np.ndarray) -> np.ndarray:
    """Closed (2n, 2) section of a (radius, height) profile mirrored across the axis."""
    return np.vstack([profile[::-1] * np.array([-1.0, 1.0]), profile])


def handle(
    r_top: float,
    r_bottom: float,
    y_top: float,
    y_bottom: float,
    reach: float,
    thickness: float,
    angle: float = 0.0,
) -> Manifold:
    """C-shaped handle on the +x side of a round body, its ends sunk just inside the outer wall.

    ``r_top`` and ``r_bottom`` are the body's outer radius at the two attachment heights.
    """
    t = np.linspace(0.0, np.pi, 13)
    mid, half = (y_top + y_bottom) / 2, (y_top - y_bottom) / 2
    x = r_top + (r_bottom - r_top) * t / np.pi - 0.0012 + reach * np.sin(t) ** 0.8
    y = mid + half * np.cos(t)
    path = np.column_stack([x, y, np.zeros_like(x)])
    return tube(path, thickness, 10).rotate((0.0, angle, 0.0))
