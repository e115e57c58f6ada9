"""Shadow map for the strongest light: an orthographic depth render from the light."""

from __future__ import annotations

import moderngl
import numpy as np

from meshsmith.render.camera import look_at
from meshsmith.render.lights import LightRig

# Maps normalised device coordinates [-1, 1] to shadow-map coordinates [0, 1].
_NDC_TO_UNIT = np.array(
    [[0.5, 0, 0, 0.5], [0, 0.5, 0, 0.5], [0, 0, 0.5, 0.5], [0, 0, 0, 1.0]], dtype=np.float64
)


def key_light(rig: LightRig) -> int:
    """Index of the light that casts shadows (the brightest), -1 for a rig without lights."""
    if not rig.lights:
        return -1
    power = [li.intensity * float(np.dot(li.color, (0.2126, 0.7152, 0.0722))) for li in rig.lights]
    return int(np.argmax(power))


def light_matrices(
    direction: np.ndarray, centre: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """View and orthographic projection of a light looking at a bounding sphere.

    Parameters
    ----------
    direction : (3,) float
        Unit vector from the scene toward the light.
    centre : (3,) float
    radius : float
        The sphere every shadow caster lies in.

    Returns
    -------
    view, projection : (4, 4) float64
        OpenGL conventions; the sphere fills the map and its depth range.
    """
    eye = np.asarray(centre) + 2.0 * radius * np.asarray(direction)
    view = look_at(eye, centre)
    near, far = 0.9 * radius, 3.1 * radius
    projection = np.array(
        [
            [1.0 / radius, 0, 0, 0],
            [0, 1.0 / radius, 0, 0],
            [0, 0, -2.0 / (far - near), -(far + near) / (far - near)],
            [0, 0, 0, 1.0],
        ]
    )
    return view, projection


def shadow_lookup(view: np.ndarray, projection: np.ndarray) -> np.ndarray:
    """World → shadow-map coordinates ([0, 1]³), `(4, 4) float64`."""
    return _NDC_TO_UNIT @ projection @ view


def map_resolution(size: tuple[int, int]) -> int:
    """Shadow-map side for a view of `size`: twice the view, within 512..2048."""
    return int(np.clip(2 * max(size), 512, 2048))


class ShadowMap:
    """A depth texture with hardware comparison, and its framebuffer."""

    def __init__(self, ctx: moderngl.Context, resolution: int):
        self.resolution = resolution
        self.texture = ctx.depth_texture((resolution, resolution))
        self.texture.compare_func = "<="
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.texture.repeat_x = self.texture.repeat_y = False
        self.framebuffer = ctx.framebuffer(depth_attachment=self.texture)

    def release(self) -> None:
        self.framebuffer.release()
        self.texture.release()
