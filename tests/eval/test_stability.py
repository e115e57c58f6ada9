"""Standing stably on the ground: centre of mass over the support polygon."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from meshsmith.eval.stability import centre_of_mass, stability


def _leaning_prism(lean: float) -> trimesh.Trimesh:
    """A 0.2 x 1 x 0.2 box sheared so its top moves `lean` along x; base flat on y = 0."""
    box = trimesh.creation.box((0.2, 1.0, 0.2))
    box.apply_translation((0.0, 0.5, 0.0))
    vertices = box.vertices.copy()
    vertices[:, 0] += lean * vertices[:, 1]
    return trimesh.Trimesh(vertices, box.faces)


def test_cube_is_stable_with_centred_mass():
    result = stability(trimesh.creation.box((1.0, 1.0, 1.0)))
    assert result.stable and result.contacts == 4
    assert result.margin == pytest.approx(0.5)  # centre to the nearest base edge / side


def test_tilted_tall_box_is_unstable():
    box = trimesh.creation.box((0.2, 1.0, 0.2))
    box.apply_transform(trimesh.transformations.rotation_matrix(np.radians(20), (0, 0, 1)))
    result = stability(box)
    assert not result.stable
    assert result.contacts == 2 and result.margin is None  # resting on an edge


def test_leaning_prism_topples_once_its_mass_overhangs():
    # Centre of mass at x = lean / 2; the base spans x in [-0.1, 0.1].
    assert stability(_leaning_prism(0.1)).stable
    over = stability(_leaning_prism(0.5))
    assert not over.stable
    assert over.centre_of_mass[0] == pytest.approx(0.25)
    assert over.margin == pytest.approx(-0.15 / 1.0)  # 0.15 beyond the edge, side ~1


def test_open_surface_falls_back_to_area_centroid():
    plane = trimesh.Trimesh(
        [[0, 0, 0], [1, 0, 0], [1, 0, 1], [0, 0, 1]], [[0, 2, 1], [0, 3, 2]], process=False
    )
    np.testing.assert_allclose(centre_of_mass(plane), [0.5, 0.0, 0.5])
    assert stability(plane).stable
