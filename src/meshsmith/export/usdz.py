"""USDZ writer (usd-core): UsdGeom meshes with UsdPreviewSurface materials, ARKit-style.

Package layout: `model.usdc` (root layer: defaultPrim `/Root`, upAxis Y, metersPerUnit
1, `customLayerData["meshsmith"]` = provenance) then `textures/*.png`; entries stored
uncompressed at 64-byte offsets as ARKit requires, with fixed entry times (see `archive`).
Prims: `/Root/Geom/<part>` (UsdGeom.Mesh: points, normals, primvars:st, displayColor)
and `/Root/Materials/<material>` (PreviewSurface fed by UsdUVTexture nodes: base colour
in sRGB, roughness and metallic from the G and B channels of the glTF
metallicRoughness map in raw colour space, normal map raw with scale 2 and bias -1).
Vertex colours (converted to linear) drive diffuseColor through a primvar reader.

`pxr` is imported inside the functions: it is a heavy import that only this format needs.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from meshsmith.errors import MeshLoadError
from meshsmith.export.archive import write_zip, zip_time
from meshsmith.export.images import encode_png, srgb_to_linear
from meshsmith.export.parts import Material, Part, collect_parts
from meshsmith.export.provenance import Provenance

ROOT_LAYER = "model.usdc"
ROOT_PRIM = "/Root"


def export_usdz(
    obj: trimesh.Trimesh | trimesh.Scene,
    path: str | os.PathLike,
    provenance: Provenance | None = None,
) -> list[Path]:
    """Write `obj` as an ARKit-compatible USDZ package; returns `[path]`."""
    path = Path(path)
    parts = collect_parts(obj)
    provenance = provenance or Provenance.create()
    with tempfile.TemporaryDirectory(prefix="meshsmith-usdz-") as folder:
        root = Path(folder) / ROOT_LAYER
        textures = _write_stage(parts, root, provenance)
        members = [(ROOT_LAYER, root.read_bytes())]
        members += [(name, (root.parent / name).read_bytes()) for name in textures]
    write_zip(path, members, zip_time(provenance.created), compress=False, alignment=64)
    return [path]


def _write_stage(parts: list[Part], root: Path, provenance: Provenance) -> list[str]:
    """Write the root layer at `root` and its textures beside it; returns the texture
    paths relative to `root`'s folder."""
    from pxr import Kind, Sdf, Usd, UsdGeom

    stage = Usd.Stage.CreateNew(str(root))
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.y)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    asset = UsdGeom.Xform.Define(stage, ROOT_PRIM)
    Usd.ModelAPI(asset.GetPrim()).SetKind(Kind.Tokens.component)
    stage.SetDefaultPrim(asset.GetPrim())
    layer = stage.GetRootLayer()
    layer.customLayerData = {"meshsmith": provenance.as_dict()}
    layer.documentation = provenance.generator
    UsdGeom.Scope.Define(stage, f"{ROOT_PRIM}/Geom")
    UsdGeom.Scope.Define(stage, f"{ROOT_PRIM}/Materials")

    writer = _MaterialWriter(stage, root.parent)
    used: set[str] = set()
    for part in parts:
        mesh_path = Sdf.Path(f"{ROOT_PRIM}/Geom/{_identifier(part.name, used)}")
        mesh = _define_mesh(stage, mesh_path, part)
        material = writer.material_for(part)
        _bind(mesh.GetPrim(), material)
    layer.Save()
    return list(writer.textures.values())


def _identifier(name: str, used: set[str]) -> str:
    """A unique valid USD prim name built from `name`."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", name)
    base = base if base and not base[0].isdigit() else f"_{base}"
    candidate, counter = base, 1
    while candidate in used:
        candidate = f"{base}_{counter}"
        counter += 1
    used.add(candidate)
    return candidate


def _define_mesh(stage: Any, prim_path: Any, part: Part) -> Any:
    from pxr import Sdf, UsdGeom, Vt

    mesh = UsdGeom.Mesh.Define(stage, prim_path)
    points = np.ascontiguousarray(part.vertices, dtype=np.float32)
    mesh.CreatePointsAttr(Vt.Vec3fArray.FromNumpy(points))
    mesh.CreateFaceVertexCountsAttr(Vt.IntArray.FromNumpy(np.full(len(part.faces), 3, np.int32)))
    mesh.CreateFaceVertexIndicesAttr(
        Vt.IntArray.FromNumpy(np.ascontiguousarray(part.faces.reshape(-1), dtype=np.int32))
    )
    mesh.CreateNormalsAttr(
        Vt.Vec3fArray.FromNumpy(np.ascontiguousarray(part.normals, dtype=np.float32))
    )
    mesh.SetNormalsInterpolation(UsdGeom.Tokens.vertex)
    mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
    mesh.CreateOrientationAttr(UsdGeom.Tokens.rightHanded)
    mesh.CreateExtentAttr(Vt.Vec3fArray.FromNumpy(np.stack([points.min(0), points.max(0)])))
    mesh.CreateDoubleSidedAttr(bool(part.material.double_sided))
    primvars = UsdGeom.PrimvarsAPI(mesh)
    if part.uv is not None:
        st = primvars.CreatePrimvar("st", Sdf.ValueTypeNames.TexCoord2fArray, UsdGeom.Tokens.vertex)
        st.Set(Vt.Vec2fArray.FromNumpy(np.ascontiguousarray(part.uv, dtype=np.float32)))
    if part.colors is not None:
        linear = srgb_to_linear(part.colors)
        color = mesh.CreateDisplayColorPrimvar(UsdGeom.Tokens.vertex)
        color.Set(Vt.Vec3fArray.FromNumpy(np.ascontiguousarray(linear[:, :3])))
    else:
        color = mesh.CreateDisplayColorPrimvar(UsdGeom.Tokens.constant)
        color.Set(Vt.Vec3fArray.FromNumpy(np.asarray([part.material.base_color[:3]], np.float32)))
    return mesh


def _bind(prim: Any, material: Any) -> None:
    from pxr import UsdShade

    UsdShade.MaterialBindingAPI.Apply(prim).Bind(material)


class _MaterialWriter:
    """Defines one UsdShade.Material per (material, has UVs, has colours) combination."""

    def __init__(self, stage: Any, folder: Path) -> None:
        self.stage = stage
        self.folder = folder
        self.used: set[str] = set()
        self.defined: dict[tuple[int, bool, bool], Any] = {}
        self.textures: dict[int, str] = {}

    def material_for(self, part: Part) -> Any:
        key = (id(part.material), part.uv is not None, part.colors is not None)
        if key not in self.defined:
            self.defined[key] = self._define(part.material, *key[1:])
        return self.defined[key]

    def _define(self, source: Material, has_uv: bool, has_colors: bool) -> Any:
        from pxr import Gf, Sdf, UsdShade

        name = _identifier(source.name, self.used)
        material = UsdShade.Material.Define(self.stage, f"{ROOT_PRIM}/Materials/{name}")
        surface = self._shader(material, "PreviewSurface", "UsdPreviewSurface")
        material.CreateSurfaceOutput().ConnectToSource(surface.ConnectableAPI(), "surface")
        inputs = Sdf.ValueTypeNames
        r, g, b, a = source.base_color
        surface.CreateInput("useSpecularWorkflow", inputs.Int).Set(0)
        diffuse = surface.CreateInput("diffuseColor", inputs.Color3f)
        diffuse.Set(Gf.Vec3f(r, g, b))
        surface.CreateInput("metallic", inputs.Float).Set(float(source.metallic))
        surface.CreateInput("roughness", inputs.Float).Set(float(source.roughness))
        opacity = surface.CreateInput("opacity", inputs.Float)
        opacity.Set(float(a))
        if source.alpha_mode == "MASK":
            cutoff = 0.5 if source.alpha_cutoff is None else source.alpha_cutoff
            surface.CreateInput("opacityThreshold", inputs.Float).Set(float(cutoff))
        if any(source.emissive):
            surface.CreateInput("emissiveColor", inputs.Color3f).Set(Gf.Vec3f(*source.emissive))

        if has_colors and source.base_color_texture is None:
            reader = self._shader(material, "colorReader", "UsdPrimvarReader_float3")
            reader.CreateInput("varname", inputs.String).Set("displayColor")
            output = reader.CreateOutput("result", inputs.Float3)
            diffuse.ConnectToSource(output)
        if has_uv and source.has_textures:
            self._connect_textures(material, surface, source)
        return material

    def _connect_textures(self, material: Any, surface: Any, source: Material) -> None:
        from pxr import Sdf

        types = Sdf.ValueTypeNames
        reader = self._shader(material, "stReader", "UsdPrimvarReader_float2")
        reader.CreateInput("varname", types.String).Set("st")
        st = reader.CreateOutput("result", types.Float2)
        r, g, b, a = source.base_color

        def texture(slot: str, image: Any, color_space: str, scale: tuple, bias=None) -> Any:
            shader = self._shader(material, f"{slot}Texture", "UsdUVTexture")
            shader.CreateInput("file", types.Asset).Set(self._texture_file(image))
            shader.CreateInput("st", types.Float2).ConnectToSource(st)
            shader.CreateInput("sourceColorSpace", types.Token).Set(color_space)
            shader.CreateInput("wrapS", types.Token).Set("repeat")
            shader.CreateInput("wrapT", types.Token).Set("repeat")
            shader.CreateInput("scale", types.Float4).Set(scale)
            if bias is not None:
                shader.CreateInput("bias", types.Float4).Set(bias)
            return shader

        def connect(input_name: str, input_type: Any, shader: Any, output: str) -> None:
            # Input types follow the UsdPreviewSurface Sdr definition; outputs UsdUVTexture's.
            output_type = types.Float3 if output == "rgb" else types.Float
            target = surface.CreateInput(input_name, input_type)
            target.ConnectToSource(shader.CreateOutput(output, output_type))

        if source.base_color_texture is not None:
            shader = texture("baseColor", source.base_color_texture, "sRGB", (r, g, b, a))
            connect("diffuseColor", types.Color3f, shader, "rgb")
            if source.alpha_mode != "OPAQUE" and source.base_color_texture.mode == "RGBA":
                connect("opacity", types.Float, shader, "a")
        if source.metallic_roughness_texture is not None:
            scale = (1.0, float(source.roughness), float(source.metallic), 1.0)
            shader = texture("metallicRoughness", source.metallic_roughness_texture, "raw", scale)
            connect("roughness", types.Float, shader, "g")
            connect("metallic", types.Float, shader, "b")
        if source.normal_texture is not None:
            shader = texture(
                "normal",
                source.normal_texture,
                "raw",
                (2.0, 2.0, 2.0, 1.0),
                (-1.0, -1.0, -1.0, 0.0),
            )
            connect("normal", types.Normal3f, shader, "rgb")
        if source.emissive_texture is not None:
            shader = texture("emissive", source.emissive_texture, "sRGB", (*source.emissive, 1.0))
            connect("emissiveColor", types.Color3f, shader, "rgb")
        if source.occlusion_texture is not None:
            shader = texture("occlusion", source.occlusion_texture, "raw", (1.0, 1.0, 1.0, 1.0))
            connect("occlusion", types.Float, shader, "r")

    def _shader(self, material: Any, name: str, shader_id: str) -> Any:
        from pxr import UsdShade

        shader = UsdShade.Shader.Define(self.stage, material.GetPath().AppendChild(name))
        shader.CreateIdAttr(shader_id)
        return shader

    def _texture_file(self, image: Any) -> str:
        """Relative path of `image` as a PNG in textures/, written once per image."""
        if id(image) not in self.textures:
            relative = f"textures/texture_{len(self.textures)}.png"
            target = self.folder / relative
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(encode_png(image))
            self.textures[id(image)] = relative
        return self.textures[id(image)]


def read_usdz_provenance(path: Path) -> dict[str, Any] | None:
    """`customLayerData["meshsmith"]` of the root layer of a USD file, or None."""
    from pxr import Sdf

    layer = Sdf.Layer.FindOrOpen(str(path))
    if layer is None:
        raise MeshLoadError(f"USD cannot open {path.name}")
    found = layer.customLayerData.get("meshsmith")
    return dict(found) if found is not None else None
