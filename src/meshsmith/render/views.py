"""What a render returns: per-view images and the cameras that made them.

Output conventions
------------------
- ``rgba`` : (H, W, 4) uint8, sRGB. Alpha is 255 on the object; off the object it
  is the background's alpha (0 for a transparent background).
- ``mask`` : (H, W) bool, True where the object covers the pixel centre.
- ``depth`` : (H, W) float32, metres along the camera's viewing axis (OpenCV
  z, not the distance to the camera centre); **0 on background pixels**.
- ``normals`` : (H, W, 3) float32, world space, unit length on the object,
  turned toward the camera for faces seen from behind; **0 on background**.
  They are the mesh's (crease-aware smoothed) normals, without normal maps.
- Row 0 is the top of the image; see :mod:`meshsmith.render.camera` for K and
  the extrinsics.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from meshsmith.render.camera import Camera


@dataclass
class View:
    """One rendered view (see the module docstring for conventions)."""

    rgba: np.ndarray
    mask: np.ndarray | None
    depth: np.ndarray | None
    normals: np.ndarray | None
    camera: Camera

    @property
    def K(self) -> np.ndarray:
        """Intrinsics, `(3, 3) float64`, pixels."""
        return self.camera.K

    @property
    def extrinsics_gl(self) -> np.ndarray:
        """World→camera, OpenGL convention, `(4, 4) float64`."""
        return self.camera.extrinsics_gl

    @property
    def extrinsics_cv(self) -> np.ndarray:
        """World→camera, OpenCV convention, `(4, 4) float64`."""
        return self.camera.extrinsics_cv


@dataclass
class RenderBatch:
    """Views of one mesh rendered at one size.

    Attributes
    ----------
    rgba : (n, H, W, 4) uint8
    geometry : (n, H, W, 4) float32 or None
        World normal xyz and depth w; None when only colour was asked for.
    cameras : list of Camera
    """

    rgba: np.ndarray
    geometry: np.ndarray | None
    cameras: list[Camera]

    def __len__(self) -> int:
        return len(self.cameras)

    @property
    def depth(self) -> np.ndarray | None:
        """`(n, H, W) float32` metres along the viewing axis, 0 off the object."""
        return None if self.geometry is None else self.geometry[..., 3]

    @property
    def normals(self) -> np.ndarray | None:
        """`(n, H, W, 3) float32` unit world normals, 0 off the object."""
        return None if self.geometry is None else self.geometry[..., :3]

    @cached_property
    def mask(self) -> np.ndarray | None:
        """`(n, H, W) bool` object coverage (computed once)."""
        return None if self.geometry is None else self.geometry[..., 3] > 0.0

    @property
    def K(self) -> np.ndarray:
        """`(n, 3, 3) float64` intrinsics."""
        return np.stack([c.K for c in self.cameras])

    @property
    def extrinsics_gl(self) -> np.ndarray:
        """`(n, 4, 4) float64` world→camera, OpenGL convention."""
        return np.stack([c.extrinsics_gl for c in self.cameras])

    @property
    def extrinsics_cv(self) -> np.ndarray:
        """`(n, 4, 4) float64` world→camera, OpenCV convention."""
        return np.stack([c.extrinsics_cv for c in self.cameras])

    def view(self, i: int) -> View:
        """The `i`-th view on its own (arrays are views into the batch)."""
        mask, depth, normals = self.mask, self.depth, self.normals
        return View(
            rgba=self.rgba[i],
            mask=None if mask is None else mask[i],
            depth=None if depth is None else depth[i],
            normals=None if normals is None else normals[i],
            camera=self.cameras[i],
        )
