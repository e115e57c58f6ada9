"""Light rigs and colour specs."""

import numpy as np
import pytest

from meshsmith.colorspace import linear_to_srgb, srgb_to_linear
from meshsmith.errors import InputError
from meshsmith.render.camera import orbit_camera
from meshsmith.render.color import parse_background
from meshsmith.render.lights import PRESETS, get_rig, light_directions, random_rig


def test_light_directions_follow_the_camera_heading():
    rig = PRESETS["studio"]
    front = orbit_camera(np.zeros(3), 1.0, 0.0, 20.0)
    side = orbit_camera(np.zeros(3), 1.0, 90.0, 20.0)
    d_front = light_directions(rig, front.camera_to_world)
    d_side = light_directions(rig, side.camera_to_world)
    np.testing.assert_allclose(np.linalg.norm(d_front, axis=1), 1.0, atol=1e-6)
    # The key light (azimuth -40, elevation 35) comes from the front, left and above.
    key = d_front[0]
    assert key[2] > 0 and key[0] < 0 and key[1] == pytest.approx(np.sin(np.radians(35)), abs=1e-6)
    # Turning the camera 90 degrees about +Y turns the rig with it.
    rot = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], dtype=float)
    np.testing.assert_allclose(d_side, d_front @ rot.T, atol=1e-6)


def test_get_rig_and_random_rig():
    assert get_rig("night").name == "night"
    with pytest.raises(InputError, match="studio"):
        get_rig("neon")
    a, b = random_rig(5), random_rig(5)
    assert a == b and a.name in PRESETS


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("transparent", (1.0, 1.0, 1.0, 0.0)),
        (None, (1.0, 1.0, 1.0, 0.0)),
        ("white", (1.0, 1.0, 1.0, 1.0)),
        ("#ff8000", (1.0, 128 / 255, 0.0, 1.0)),
        ((255, 0, 0), (1.0, 0.0, 0.0, 1.0)),
        ((0.5, 0.25, 1.0), (0.5, 0.25, 1.0, 1.0)),
    ],
)
def test_parse_background(spec, expected):
    assert parse_background(spec) == pytest.approx(expected)


@pytest.mark.parametrize("spec", ["#12", "no-such-colour", (1, 2), (300, 0, 0), (0.5, 2.0, 0.0)])
def test_parse_background_rejects(spec):
    with pytest.raises(InputError):
        parse_background(spec)


def test_srgb_round_trip():
    x = np.linspace(0.0, 1.0, 101)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(x)), x, atol=1e-12)
    assert srgb_to_linear(0.5) == pytest.approx(0.2140, abs=1e-4)
