"""Render views of a mesh: colour, mask, depth and normals, many views per upload.

Each view is deferred-shaded: a depth pre-pass, a G-buffer pass (see
:mod:`meshsmith.render.shaders`) and one lighting pass over covered pixels,
then one read of the colour target and one of the geometry target. Output
conventions are in :mod:`meshsmith.render.views`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import moderngl
import numpy as np
import trimesh

from meshsmith.errors import InputError, RenderError
from meshsmith.render.camera import Camera, gl_projection
from meshsmith.render.color import parse_background
from meshsmith.render.context import get_context
from meshsmith.render.gpu_mesh import TEXTURE_SLOTS, GpuMesh, GpuPart
from meshsmith.render.lights import MAX_LIGHTS, LightRig, get_rig, light_directions
from meshsmith.render.shaders import (
    DEPTH_FRAGMENT,
    LIGHT_FRAGMENT,
    LIGHT_VERTEX,
    SURFACE_VERTEX,
    surface_fragment,
)
from meshsmith.render.shadows import (
    ShadowMap,
    key_light,
    light_matrices,
    map_resolution,
    shadow_lookup,
)
from meshsmith.render.views import RenderBatch, View

_MAX_CACHED_SIZES = 8


class _Targets:
    """G-buffer and colour target for one image size, reused by every view of that size."""

    def __init__(self, ctx: moderngl.Context, size: tuple[int, int]):
        self.albedo = ctx.texture(size, 4)
        self.geometry = ctx.texture(size, 4, dtype="f4")
        self.shading = ctx.texture(size, 4)
        self.extra = ctx.texture(size, 4)
        self.gbuffer_textures = (self.albedo, self.geometry, self.shading, self.extra)
        for tex in self.gbuffer_textures:
            tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self.depth = ctx.depth_renderbuffer(size)
        self.color = ctx.renderbuffer(size, 4, dtype="f1")
        self.gbuffer = ctx.framebuffer(list(self.gbuffer_textures), self.depth)
        self.depth_only = ctx.framebuffer(depth_attachment=self.depth)
        self.output = ctx.framebuffer([self.color], self.depth)
        self.color_only = ctx.framebuffer([self.color])  # clears colour, keeps depth
        self.framebuffers = (self.gbuffer, self.depth_only, self.output, self.color_only)
        self.shadow = ShadowMap(ctx, map_resolution(size))

    def release(self) -> None:
        for obj in (*self.framebuffers, self.depth, self.color, *self.gbuffer_textures):
            obj.release()
        self.shadow.release()


# The lighting pass's samplers, in the order of _Targets.gbuffer_textures, and the
# first texture unit they use: clear of the material textures' units 0-4.
GBUFFER_SAMPLERS = ("u_albedo", "u_geometry", "u_shading", "u_extra")
GBUFFER_UNIT = 8
SHADOW_UNIT = 12


def _set(program: moderngl.Program, name: str, value) -> None:
    # The GLSL compiler drops uniforms it can prove unused; skip those.
    if name in program:
        program[name].value = value


def _write(program: moderngl.Program, name: str, array: np.ndarray) -> None:
    if name in program:
        program[name].write(np.ascontiguousarray(array, dtype=np.float32).tobytes())


class Renderer:
    """Owns the shader program and render targets; renders many views cheaply.

    Parameters
    ----------
    ctx : moderngl.Context, optional
        Defaults to the calling thread's shared EGL context.
    """

    def __init__(self, ctx: moderngl.Context | None = None):
        self.ctx = ctx or get_context()
        try:
            self.depth_program = self.ctx.program(
                vertex_shader=SURFACE_VERTEX, fragment_shader=DEPTH_FRAGMENT
            )
            self.surface = self.ctx.program(
                vertex_shader=SURFACE_VERTEX, fragment_shader=surface_fragment(False)
            )
            self.surface_masked = self.ctx.program(
                vertex_shader=SURFACE_VERTEX, fragment_shader=surface_fragment(True)
            )
            self.lighting = self.ctx.program(
                vertex_shader=LIGHT_VERTEX, fragment_shader=LIGHT_FRAGMENT
            )
        except moderngl.Error as exc:
            raise RenderError(f"shader compilation failed: {exc}") from exc
        self._fullscreen = self.ctx.vertex_array(self.lighting, [])
        self._targets: OrderedDict[tuple[int, int], _Targets] = OrderedDict()
        for prog in (self.surface, self.surface_masked):
            for _, name, unit, _ in TEXTURE_SLOTS:
                _set(prog, name, unit)
        for unit, name in enumerate(GBUFFER_SAMPLERS, start=GBUFFER_UNIT):
            _set(self.lighting, name, unit)
        _set(self.lighting, "u_shadow_map", SHADOW_UNIT)
        self._white = self.ctx.texture((1, 1), 4, b"\xff\xff\xff\xff")

    def upload(self, obj: trimesh.Trimesh | trimesh.Scene) -> GpuMesh:
        """Upload a mesh or scene once, to render it from many cameras."""
        return GpuMesh(self.ctx, obj)

    def targets(self, size: tuple[int, int]) -> _Targets:
        """The framebuffers for `size` = (width, height), made on first use."""
        if size not in self._targets:
            limit = self.ctx.info["GL_MAX_RENDERBUFFER_SIZE"]
            if max(size) > limit:
                raise InputError(f"image size {size} exceeds the driver's limit of {limit}")
            if len(self._targets) >= _MAX_CACHED_SIZES:
                self._targets.popitem(last=False)[1].release()
            self._targets[size] = _Targets(self.ctx, size)
        self._targets.move_to_end(size)
        return self._targets[size]

    def _set_lights(
        self, rig: LightRig, camera: Camera, gpu: GpuMesh, shadow: ShadowMap | None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Set light uniforms; return the shadow light's view and projection, if any."""
        directions = np.zeros((MAX_LIGHTS, 3), dtype=np.float32)
        radiance = np.zeros((MAX_LIGHTS, 3), dtype=np.float32)
        directions[: len(rig.lights)] = light_directions(rig, camera.camera_to_world)
        for i, li in enumerate(rig.lights):
            radiance[i] = np.asarray(li.color) * li.intensity
        _write(self.lighting, "u_light_dir", directions)
        _write(self.lighting, "u_light_radiance", radiance)
        key = key_light(rig) if shadow is not None else -1
        _set(self.lighting, "u_shadow_light", key)
        if shadow is None or key < 0:
            return None
        centre, radius = gpu.bounding_sphere
        light_view = light_matrices(directions[key], centre, radius)
        _write(self.lighting, "u_shadow_matrix", shadow_lookup(*light_view).T)
        # Offsetting lookups along the normal by ~1.5 texels (texel = 2 r / resolution)
        # keeps lit surfaces from shadowing themselves.
        _set(self.lighting, "u_shadow_offset", 3.0 * radius / shadow.resolution)
        _set(self.lighting, "u_shadow_texel", 1.0 / shadow.resolution)
        return light_view

    def _surface_program(self, part: GpuPart) -> moderngl.Program:
        return self.surface if part.material.alpha_cutoff is None else self.surface_masked

    def _set_material(self, part: GpuPart) -> None:
        mat, prog = part.material, self._surface_program(part)
        _set(prog, "u_base_color", mat.base_color)
        _set(prog, "u_metallic", mat.metallic)
        _set(prog, "u_roughness", mat.roughness)
        _set(prog, "u_emissive", mat.emissive)
        _set(prog, "u_alpha_cutoff", -1.0 if mat.alpha_cutoff is None else mat.alpha_cutoff)
        _set(prog, "u_normal_scale", mat.normal_scale)
        _set(prog, "u_use_vertex_color", part.has_color)
        flags = ("u_has_base_color_tex", "u_has_mr_tex", "u_has_normal_tex")
        flags += ("u_has_occlusion_tex", "u_has_emissive_tex")
        for flag, (_, _, unit, _) in zip(flags, TEXTURE_SLOTS, strict=True):
            tex = part.textures.get(unit)
            _set(prog, flag, tex is not None)
            (tex or self._white).use(location=unit)

    def _set_rig(self, rig: LightRig) -> None:
        prog = self.lighting
        _set(prog, "u_num_lights", len(rig.lights))
        _write(prog, "u_sky", np.asarray(rig.sky))
        _write(prog, "u_ground", np.asarray(rig.ground))
        _set(prog, "u_exposure", rig.exposure)

    def _set_camera(self, camera: Camera) -> tuple[np.ndarray, np.ndarray]:
        """Set camera uniforms; return the camera's view and projection matrices."""
        view, proj = camera.world_to_camera, gl_projection(camera)
        for prog in (self.surface, self.surface_masked):
            _write(prog, "u_view", view.T)
            _write(prog, "u_proj", proj.T)
            _write(prog, "u_camera_pos", camera.position)
        _write(self.lighting, "u_camera_to_world_cv", np.linalg.inv(camera.extrinsics_cv).T)
        _write(self.lighting, "u_inv_K", np.linalg.inv(camera.K).T)
        return view, proj

    def _draw_depth(self, gpu: GpuMesh, view: np.ndarray, proj: np.ndarray, cull: bool) -> None:
        """Depth of every opaque part as seen through `view` and `proj` ((4, 4) each)."""
        _write(self.depth_program, "u_view", view.T)
        _write(self.depth_program, "u_proj", proj.T)
        for part in gpu.parts:
            if part.material.alpha_cutoff is None:
                if cull:
                    self._cull(part)
                part.vao(self.ctx, self.depth_program).render(moderngl.TRIANGLES)

    def _cull(self, part: GpuPart) -> None:
        if part.front_face is None:
            self.ctx.disable(moderngl.CULL_FACE)
        else:
            self.ctx.enable(moderngl.CULL_FACE)
            self.ctx.front_face = part.front_face

    def _draw(
        self,
        gpu: GpuMesh,
        targets: _Targets,
        camera_view: tuple[np.ndarray, np.ndarray],
        light_view: tuple[np.ndarray, np.ndarray] | None,
        background: tuple[float, float, float, float],
        set_materials: bool,
    ) -> None:
        """Draw one view into `targets`; camera and light uniforms must be set."""
        ctx = self.ctx
        # Clearing the G-buffer to 0 leaves depth 0 (= background) off the object.
        targets.gbuffer.use()  # its depth mask lets the clear reach the depth buffer
        targets.gbuffer.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        targets.color_only.clear(*background)
        ctx.enable_only(moderngl.DEPTH_TEST)
        ctx.depth_func = "<"
        if light_view is not None:
            # The light's projection does not flip Y, so the camera's culling rule
            # does not apply: draw both sides.
            targets.shadow.framebuffer.use()
            targets.shadow.framebuffer.clear(depth=1.0)
            self._draw_depth(gpu, *light_view, cull=False)
        # Pass 0: depth of opaque parts, so pass 1 shades each pixel about once.
        targets.depth_only.use()
        self._draw_depth(gpu, *camera_view, cull=True)
        # Pass 1: G-buffer.
        ctx.depth_func = "<="
        targets.gbuffer.use()
        for part in gpu.parts:
            if set_materials:
                self._set_material(part)
            self._cull(part)
            part.vao(ctx, self._surface_program(part)).render(moderngl.TRIANGLES)
        # Pass 2: light covered pixels once; the far-plane triangle passes ">" only there.
        ctx.disable(moderngl.CULL_FACE)
        ctx.depth_func = ">"
        targets.output.use()
        self._fullscreen.render(moderngl.TRIANGLES, vertices=3)
        ctx.depth_func = "<"

    def render(
        self,
        mesh: GpuMesh | trimesh.Trimesh | trimesh.Scene,
        cameras: Sequence[Camera],
        *,
        light: str | LightRig = "studio",
        background: str | Sequence[float] | None = "transparent",
        geometry: bool = True,
        shadows: bool = True,
    ) -> RenderBatch:
        """Render `mesh` from every camera.

        Parameters
        ----------
        mesh : GpuMesh, trimesh.Trimesh or trimesh.Scene
            Upload once with :meth:`upload` to render the same mesh many times.
        cameras : sequence of Camera
            All of one image size.
        light : preset name or LightRig
        background : colour spec
            See :func:`meshsmith.render.color.parse_background`.
        geometry : bool
            Also read back depth, normals and mask; False reads colour only.
        shadows : bool
            Shadow the rig's brightest light with a shadow map (costs one more
            depth pass per view). Alpha-masked parts receive shadows but cast none.

        Returns
        -------
        RenderBatch
            Holds n × H × W × 20 bytes (4 of colour, 16 of geometry): render big
            datasets in chunks of views.
        """
        cameras = list(cameras)
        if not cameras:
            raise InputError("no cameras to render")
        size = cameras[0].size
        if any(c.size != size for c in cameras):
            raise InputError("all cameras of one batch must share an image size")
        rig = get_rig(light)
        bg = parse_background(background)
        owned = not isinstance(mesh, GpuMesh)
        gpu = self.upload(mesh) if owned else mesh
        width, height = size
        rgba = np.empty((len(cameras), height, width, 4), dtype=np.uint8)
        geo = np.empty((len(cameras), height, width, 4), dtype=np.float32) if geometry else None
        targets = self.targets(size)
        try:
            self._set_rig(rig)
            for unit, tex in enumerate(targets.gbuffer_textures, start=GBUFFER_UNIT):
                tex.use(location=unit)
            targets.shadow.texture.use(location=SHADOW_UNIT)
            for i, camera in enumerate(cameras):
                camera_view = self._set_camera(camera)
                light_view = self._set_lights(rig, camera, gpu, targets.shadow if shadows else None)
                self._draw(gpu, targets, camera_view, light_view, bg, i == 0 or len(gpu.parts) > 1)
                targets.output.read_into(rgba[i], components=4, attachment=0)
                if geo is not None:
                    targets.gbuffer.read_into(geo[i], components=4, attachment=1, dtype="f4")
        finally:
            if owned:
                gpu.release()
        return RenderBatch(rgba=rgba, geometry=geo, cameras=cameras)

    def render_view(
        self,
        mesh: GpuMesh | trimesh.Trimesh | trimesh.Scene,
        camera: Camera,
        **kwargs,
    ) -> View:
        """Render one view; keyword arguments as for :meth:`render`."""
        return self.render(mesh, [camera], **kwargs).view(0)

    def release(self) -> None:
        """Free the program and render targets."""
        for targets in self._targets.values():
            targets.release()
        self._targets.clear()
        self._white.release()
        self._fullscreen.release()
        for prog in (self.depth_program, self.surface, self.surface_masked, self.lighting):
            prog.release()


_local = threading.local()


def default_renderer() -> Renderer:
    """The calling thread's shared Renderer (on the thread's shared context)."""
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = Renderer()
        _local.renderer = renderer
    return renderer


def render_views(
    obj: GpuMesh | trimesh.Trimesh | trimesh.Scene, cameras: Sequence[Camera], **kwargs
) -> RenderBatch:
    """Render `obj` from `cameras` with the shared renderer; see :meth:`Renderer.render`."""
    return default_renderer().render(obj, cameras, **kwargs)
