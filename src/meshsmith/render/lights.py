"""Lighting presets: a few directional lights plus a sky/ground hemisphere.

Lights are placed relative to the camera's heading (the light rig turns with the
camera, as on a photographer's turntable) but keep world "up": a low sunset sun
stays low whatever the camera's elevation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from meshsmith.errors import InputError

MAX_LIGHTS = 4


@dataclass(frozen=True)
class DirectionalLight:
    """A light at infinity.

    Attributes
    ----------
    azimuth : float
        Degrees about world +Y; 0 is the camera's side (front light), +90 the
        camera's right, 180 behind the object (rim light).
    elevation : float
        Degrees above the horizon.
    color : (3,) float
        Linear RGB.
    intensity : float
        Radiance a white diffuse surface facing the light reflects (before exposure).
    """

    azimuth: float
    elevation: float
    color: tuple[float, float, float]
    intensity: float


@dataclass(frozen=True)
class LightRig:
    """A preset: directional lights, hemisphere ambient, exposure.

    Attributes
    ----------
    sky, ground : (3,) float
        Linear RGB radiance of the upper and lower hemispheres (ambient light).
    exposure : float
        Multiplier on the linear result before tone mapping.
    """

    name: str
    lights: tuple[DirectionalLight, ...]
    sky: tuple[float, float, float]
    ground: tuple[float, float, float]
    exposure: float = 1.0


PRESETS: dict[str, LightRig] = {
    "studio": LightRig(
        "studio",
        (
            DirectionalLight(-40.0, 35.0, (1.0, 0.98, 0.95), 0.9),  # key
            DirectionalLight(55.0, 10.0, (0.95, 0.97, 1.0), 0.3),  # fill
            DirectionalLight(165.0, 40.0, (1.0, 1.0, 1.0), 0.6),  # rim
        ),
        sky=(0.21, 0.22, 0.24),
        ground=(0.09, 0.085, 0.08),
    ),
    "sunset": LightRig(
        "sunset",
        (
            DirectionalLight(-65.0, 10.0, (1.0, 0.52, 0.25), 1.3),  # low warm sun
            DirectionalLight(110.0, 30.0, (0.45, 0.55, 1.0), 0.3),  # cool sky fill
        ),
        sky=(0.20, 0.19, 0.30),
        ground=(0.12, 0.07, 0.045),
    ),
    "overcast": LightRig(
        "overcast",
        (DirectionalLight(-20.0, 70.0, (0.95, 0.97, 1.0), 0.25),),  # bright diffuse zenith
        sky=(0.62, 0.65, 0.70),
        ground=(0.20, 0.19, 0.18),
    ),
    "night": LightRig(
        "night",
        (
            DirectionalLight(-55.0, 45.0, (0.45, 0.6, 1.0), 0.45),  # cool moon, front-left
            DirectionalLight(105.0, 5.0, (1.0, 0.5, 0.18), 0.4),  # warm practical, low right
        ),
        sky=(0.03, 0.045, 0.1),
        ground=(0.015, 0.012, 0.01),
    ),
}


def get_rig(light: str | LightRig) -> LightRig:
    """The preset named `light`, or `light` itself when it is already a rig."""
    if isinstance(light, LightRig):
        rig = light
    else:
        try:
            rig = PRESETS[light]
        except (KeyError, TypeError):
            names = ", ".join(PRESETS)
            raise InputError(f"unknown light preset {light!r}; choose one of {names}") from None
    if len(rig.lights) > MAX_LIGHTS:
        raise InputError(f"a light rig holds at most {MAX_LIGHTS} lights")
    return rig


def random_rig(rng: np.random.Generator | int | None = None) -> LightRig:
    """A preset chosen at random, turned by a random azimuth and rescaled ±20 %."""
    rng = np.random.default_rng(rng)
    base = PRESETS[rng.choice(list(PRESETS))]
    turn = rng.uniform(-60.0, 60.0)
    scale = rng.uniform(0.8, 1.2)
    lights = tuple(
        replace(li, azimuth=li.azimuth + turn, intensity=li.intensity * scale) for li in base.lights
    )
    return replace(base, lights=lights)


def light_directions(rig: LightRig, camera_to_world: np.ndarray) -> np.ndarray:
    """World directions from a surface toward each light, for one camera.

    Parameters
    ----------
    camera_to_world : (4, 4) float
        Camera pose, OpenGL convention.

    Returns
    -------
    directions : (len(rig.lights), 3) float32
        Unit vectors.
    """
    back = camera_to_world[:3, 2].astype(np.float64)  # camera +Z points from the object to it
    back[1] = 0.0
    if np.linalg.norm(back) < 1e-6:  # looking straight down or up: use the camera's up
        back = camera_to_world[:3, 1].astype(np.float64) * -np.sign(camera_to_world[1, 2] or 1.0)
        back[1] = 0.0
    back /= np.linalg.norm(back)
    right = np.cross([0.0, 1.0, 0.0], back)
    out = np.zeros((len(rig.lights), 3), dtype=np.float32)
    for i, li in enumerate(rig.lights):
        az, el = math.radians(li.azimuth), math.radians(li.elevation)
        horizontal = math.cos(az) * back + math.sin(az) * right
        out[i] = math.cos(el) * horizontal + np.array([0.0, math.sin(el), 0.0])
    return out
