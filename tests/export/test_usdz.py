"""USDZ writer: USD's validators, stage metadata, shading network, package layout."""

from __future__ import annotations

import struct
import zipfile

import pytest
import trimesh

from meshsmith.export import save
from tests.export.assets import MR_RGB, NORMAL_RGB, make_textured_sphere, make_two_part_scene
from tests.validators import usd_validation_errors

pxr = pytest.importorskip("pxr")


def test_every_asset_passes_all_usd_validators(asset, provenance, tmp_path):
    name, obj = asset
    path = save(obj, tmp_path / f"{name}.usdz", provenance)[0]
    assert usd_validation_errors(path, include_warnings=True) == []


def test_validators_do_catch_a_broken_package(tmp_path):
    """Guards the guard: a package USD would reject must produce errors."""
    good = save(make_textured_sphere(1), tmp_path / "good.usdz")[0]
    bad = tmp_path / "bad.usdz"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr("notes.txt", "not allowed in a usdz")
    errors = usd_validation_errors(bad)
    assert any("notes.txt" in error for error in errors)
    assert any("Misalignment" in error or "offset" in error for error in errors)


def test_registry_has_the_validators_we_rely_on():
    from pxr import UsdValidation

    names = {m.name for m in UsdValidation.ValidationRegistry().GetAllValidatorMetadata()}
    assert {
        "usdUtilsValidators:UsdzPackageValidator",
        "usdShadeValidators:NormalMapTextureValidator",
        "usdShadeValidators:ShaderSdrCompliance",
        "usdGeomValidators:StageMetadataChecker",
    } <= names


def test_unopenable_package_is_reported_not_raised(tmp_path):
    bad = tmp_path / "deflated.usdz"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.usda", "#usda 1.0\n")
    errors = usd_validation_errors(bad)
    assert len(errors) == 1 and "compressed" in errors[0]


def test_stage_metadata(provenance, tmp_path):
    from pxr import Usd, UsdGeom

    stage = Usd.Stage.Open(str(save(trimesh.creation.box(), tmp_path / "b.usdz", provenance)[0]))
    assert UsdGeom.GetStageUpAxis(stage) == UsdGeom.Tokens.y
    assert UsdGeom.GetStageMetersPerUnit(stage) == 1.0
    assert stage.GetDefaultPrim().GetPath() == "/Root"
    assert dict(stage.GetRootLayer().customLayerData["meshsmith"]) == provenance.as_dict()


def test_package_is_stored_aligned_and_root_layer_first(tmp_path):
    path = save(make_textured_sphere(), tmp_path / "s.usdz")[0]
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    assert infos[0].filename.endswith(".usdc")
    assert sum(info.filename.endswith(".png") for info in infos) == 3
    for info in infos:
        assert info.compress_type == zipfile.ZIP_STORED
        name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
        assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0


def test_preview_surface_wiring(tmp_path):
    from tests.export.helpers import read_usdz

    package = read_usdz(save(make_textured_sphere(), tmp_path / "s.usdz")[0])
    textures = {path.rsplit("/", 1)[1]: t for path, t in package["textures"].items()}
    assert textures["baseColorTexture"]["sourceColorSpace"] == "sRGB"
    mr, normal = textures["metallicRoughnessTexture"], textures["normalTexture"]
    assert mr["sourceColorSpace"] == "raw"
    assert mr["image"].getpixel((3, 3)) == MR_RGB
    assert normal["sourceColorSpace"] == "raw"
    assert normal["scale"] == (2, 2, 2, 1) and normal["bias"] == (-1, -1, -1, 0)
    assert normal["image"].getpixel((3, 3)) == NORMAL_RGB

    from pxr import UsdShade

    stage = package["stage"]
    surface = UsdShade.Shader(stage.GetPrimAtPath("/Root/Materials/painted/PreviewSurface"))
    for name, output in [("roughness", "g"), ("metallic", "b"), ("diffuseColor", "rgb")]:
        source, source_output, _ = surface.GetInput(name).GetConnectedSource()
        assert source_output == output
    source, _, _ = surface.GetInput("roughness").GetConnectedSource()
    assert source.GetPrim().GetName() == "metallicRoughnessTexture"


def test_scene_parts_keep_names_and_materials(tmp_path):
    from pxr import Usd, UsdShade

    path = save(make_two_part_scene(), tmp_path / "chair.usdz")[0]
    stage = Usd.Stage.Open(str(path))
    colors = {}
    for part in ("seat", "leg"):
        prim = stage.GetPrimAtPath(f"/Root/Geom/{part}")
        assert prim.IsValid()
        material, _ = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()
        surface = UsdShade.Shader(material.GetPrim().GetChild("PreviewSurface"))
        colors[part] = tuple(round(v * 255) for v in surface.GetInput("diffuseColor").Get())
    assert colors == {"seat": (220, 20, 20), "leg": (30, 40, 230)}
