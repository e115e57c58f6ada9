"""Physical plausibility: does a shape stand stably on the ground plane y = 0?

A rigid body resting on a plane is statically stable when the vertical line through
its centre of mass passes through its support polygon. Here the centre of mass is
that of the solid (uniform density, trimesh's mass properties from the divergence
theorem; a surface without volume falls back to its area centroid), the body rests
on its lowest point (the shape need not sit exactly at y = 0), and the support
polygon is the convex hull, in the ground plane (x, z), of the vertices within
`CONTACT_EPSILON` × the longest side of the lowest one.

A support of fewer than three non-collinear contacts (a point or a knife edge) has
no area and counts as unstable: the slightest push topples it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh
from scipy.spatial import ConvexHull, QhullError

#: Contact band above the lowest vertex, as a fraction of the longest side.
CONTACT_EPSILON = 0.005


@dataclass(frozen=True)
class Stability:
    """Result of `stability`.

    Attributes
    ----------
    stable : bool
        The centre of mass projects inside the support polygon.
    centre_of_mass : (3,) float
    contacts : int
        Vertices in the contact band.
    margin : float or None
        Signed distance from the projected centre of mass to the support polygon's
        edge, as a fraction of the longest side: positive inside, negative outside;
        None for a support without area.
    """

    stable: bool
    centre_of_mass: tuple[float, float, float]
    contacts: int
    margin: float | None


def centre_of_mass(mesh: trimesh.Trimesh) -> np.ndarray:
    """(3,) centre of mass of the solid, or the area centroid when it encloses no volume."""
    extents = np.asarray(mesh.extents, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # zero volume: handled below
        props = mesh.mass_properties
    # The divergence-theorem volume of an open or flat surface is ~0 and its
    # "centre of mass" meaningless; the winding sign cancels out of the ratio.
    if abs(props.volume) > 1e-9 * max(float(np.prod(extents)), 1e-30):
        return np.asarray(props.center_mass, dtype=np.float64)
    centroids = np.asarray(mesh.triangles_center)
    return (centroids * mesh.area_faces[:, None]).sum(axis=0) / mesh.area


def stability(mesh: trimesh.Trimesh, epsilon: float = CONTACT_EPSILON) -> Stability:
    """Whether `mesh` (+Y up) stands stably on the plane under its lowest point.

    Parameters
    ----------
    mesh : trimesh.Trimesh
    epsilon : float
        Contact band as a fraction of the longest side.

    Returns
    -------
    Stability

    Examples
    --------
    >>> stability(trimesh.creation.box((1, 1, 1))).stable
    True
    """
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    size = float(np.asarray(mesh.extents).max())
    com = centre_of_mass(mesh)
    low = vertices[:, 1].min()
    contact = np.unique(vertices[vertices[:, 1] <= low + epsilon * size][:, [0, 2]], axis=0)
    margin = _support_margin(contact, com[[0, 2]])
    return Stability(
        stable=margin is not None and margin >= 0.0,
        centre_of_mass=(float(com[0]), float(com[1]), float(com[2])),
        contacts=len(contact),
        margin=None if margin is None else margin / size,
    )


def _support_margin(contact: np.ndarray, point: np.ndarray) -> float | None:
    """Signed distance of `point` (2,) to the hull of `contact` (n, 2); None if no area."""
    if len(contact) < 3:
        return None
    try:
        hull = ConvexHull(contact)
    except QhullError:  # collinear contacts: a knife edge
        return None
    # Facet equations are unit outward normals n and offsets c with n·p + c <= 0 inside.
    return float(-(hull.equations[:, :2] @ point + hull.equations[:, 2]).max())
