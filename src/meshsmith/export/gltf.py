"""GLB writer: glTF 2.0 binary with PBR metallic-roughness materials.

Our own writer rather than trimesh's so that every byte is under our control: the
output is identical for identical input and passes the Khronos glTF-Validator with no
errors or warnings. Each part becomes one named node and mesh with one primitive:
POSITION, NORMAL (always), TEXCOORD_0 (when the part has UVs), TANGENT (with a
normal map, so viewers need not generate their own), COLOR_0 (vertex
colours, converted from sRGB to linear as glTF requires) and indices. Textures are
embedded as PNG; identical images are stored once.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from meshsmith.export.images import encode_png, encode_pngs, srgb_to_linear
from meshsmith.export.parts import Material, Part, collect_parts
from meshsmith.export.provenance import Provenance
from meshsmith.export.tangents import vertex_tangents

GLB_MAGIC = b"glTF"
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
ARRAY_BUFFER = 34962
ELEMENT_ARRAY_BUFFER = 34963
FLOAT = 5126
UNSIGNED_SHORT = 5123
UNSIGNED_INT = 5125
LINEAR = 9729
LINEAR_MIPMAP_LINEAR = 9987
REPEAT = 10497


def export_glb(
    obj: trimesh.Trimesh | trimesh.Scene,
    path: str | os.PathLike,
    provenance: Provenance | None = None,
) -> list[Path]:
    """Write `obj` as a GLB file; returns `[path]`."""
    path = Path(path)
    path.write_bytes(glb_bytes(collect_parts(obj), provenance or Provenance.create()))
    return [path]


def glb_bytes(parts: list[Part], provenance: Provenance) -> bytes:
    """The complete GLB file for `parts`."""
    builder = _GltfBuilder()
    nodes = [builder.add_part(part) for part in parts]
    tree = {
        "asset": {
            "version": "2.0",
            "generator": provenance.generator,
            "extras": {"meshsmith": provenance.as_dict()},
        },
        "scene": 0,
        "scenes": [{"nodes": nodes}],
        "nodes": builder.nodes,
        "meshes": builder.meshes,
        "materials": builder.materials,
        "textures": builder.textures,
        "images": builder.images,
        "samplers": [{"magFilter": LINEAR, "minFilter": LINEAR_MIPMAP_LINEAR}]
        if builder.textures
        else [],
        "accessors": builder.accessors,
        "bufferViews": builder.views,
        "buffers": [{"byteLength": builder.length}],
    }
    tree = {key: value for key, value in tree.items() if value != []}
    text = json.dumps(tree, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    text += b" " * (-len(text) % 4)
    binary = b"".join(builder.blobs)
    total = 12 + 8 + len(text) + 8 + len(binary)
    return b"".join(
        [
            GLB_MAGIC,
            struct.pack("<II", 2, total),
            struct.pack("<II", len(text), CHUNK_JSON),
            text,
            struct.pack("<II", len(binary), CHUNK_BIN),
            binary,
        ]
    )


class _GltfBuilder:
    """Accumulates the glTF JSON arrays and the binary buffer, deduplicating images."""

    def __init__(self) -> None:
        self.blobs: list[bytes] = []
        self.length = 0
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []
        self.images: list[dict[str, Any]] = []
        self.textures: list[dict[str, Any]] = []
        self.materials: list[dict[str, Any]] = []
        self.meshes: list[dict[str, Any]] = []
        self.nodes: list[dict[str, Any]] = []
        self._image_by_hash: dict[str, int] = {}
        # PNG bytes encoded ahead by `_material`, by id of the image object.
        self._encoded: dict[int, bytes] = {}
        self._material_by_id: dict[int, int] = {}

    def add_part(self, part: Part) -> int:
        """Append mesh and node for `part`; returns the node index."""
        attributes = {
            "POSITION": self._accessor(part.vertices, "VEC3", ARRAY_BUFFER, bounds=True),
            "NORMAL": self._accessor(part.normals, "VEC3", ARRAY_BUFFER),
        }
        if part.uv is not None:
            # glTF puts the UV origin at the top-left of the image, trimesh at the bottom-left.
            flipped = np.column_stack([part.uv[:, 0], 1.0 - part.uv[:, 1]])
            attributes["TEXCOORD_0"] = self._accessor(flipped, "VEC2", ARRAY_BUFFER)
            if part.material.normal_texture is not None:
                tangents = vertex_tangents(part.vertices, part.faces, part.normals, part.uv)
                attributes["TANGENT"] = self._accessor(tangents, "VEC4", ARRAY_BUFFER)
        if part.colors is not None:
            attributes["COLOR_0"] = self._accessor(
                srgb_to_linear(part.colors), "VEC4", ARRAY_BUFFER
            )
        primitive = {
            "attributes": attributes,
            "indices": self._indices(part.faces, len(part.vertices)),
            "material": self._material(part.material, has_uv=part.uv is not None),
            "mode": 4,
        }
        self.meshes.append({"name": part.name, "primitives": [primitive]})
        self.nodes.append({"name": part.name, "mesh": len(self.meshes) - 1})
        return len(self.nodes) - 1

    def _view(self, data: bytes, target: int | None) -> int:
        view: dict[str, Any] = {"buffer": 0, "byteOffset": self.length, "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        padded = data + b"\x00" * (-len(data) % 4)
        self.blobs.append(padded)
        self.length += len(padded)
        self.views.append(view)
        return len(self.views) - 1

    def _accessor(self, array: np.ndarray, kind: str, target: int, bounds: bool = False) -> int:
        data = np.ascontiguousarray(array, dtype="<f4")
        accessor: dict[str, Any] = {
            "bufferView": self._view(data.tobytes(), target),
            "componentType": FLOAT,
            "count": len(data),
            "type": kind,
        }
        if bounds:
            accessor["min"] = [float(v) for v in data.min(axis=0)]
            accessor["max"] = [float(v) for v in data.max(axis=0)]
        self.accessors.append(accessor)
        return len(self.accessors) - 1

    def _indices(self, faces: np.ndarray, vertex_count: int) -> int:
        # 65535 is the primitive-restart value, not a legal index for UNSIGNED_SHORT.
        small = vertex_count < 65535
        data = np.ascontiguousarray(faces.reshape(-1), dtype="<u2" if small else "<u4")
        self.accessors.append(
            {
                "bufferView": self._view(data.tobytes(), ELEMENT_ARRAY_BUFFER),
                "componentType": UNSIGNED_SHORT if small else UNSIGNED_INT,
                "count": len(data),
                "type": "SCALAR",
            }
        )
        return len(self.accessors) - 1

    def _texture(self, image) -> dict[str, int]:
        png = self._encoded.pop(id(image), None) or encode_png(image)
        digest = hashlib.sha256(png).hexdigest()
        index = self._image_by_hash.get(digest)
        if index is None:
            self.images.append({"bufferView": self._view(png, None), "mimeType": "image/png"})
            self.textures.append({"sampler": 0, "source": len(self.images) - 1})
            index = self._image_by_hash[digest] = len(self.textures) - 1
        return {"index": index}

    def _material(self, material: Material, has_uv: bool) -> int:
        key = id(material)
        if key in self._material_by_id:
            return self._material_by_id[key]
        pbr: dict[str, Any] = {
            "baseColorFactor": [float(v) for v in material.base_color],
            "metallicFactor": float(material.metallic),
            "roughnessFactor": float(material.roughness),
        }
        entry: dict[str, Any] = {"name": material.name, "pbrMetallicRoughness": pbr}
        if has_uv:
            maps = [
                image
                for image in (
                    material.base_color_texture,
                    material.metallic_roughness_texture,
                    material.normal_texture,
                    material.occlusion_texture,
                    material.emissive_texture,
                )
                if image is not None
            ]
            self._encoded.update(zip(map(id, maps), encode_pngs(maps), strict=True))
            if material.base_color_texture is not None:
                pbr["baseColorTexture"] = self._texture(material.base_color_texture)
            if material.metallic_roughness_texture is not None:
                pbr["metallicRoughnessTexture"] = self._texture(material.metallic_roughness_texture)
            if material.normal_texture is not None:
                entry["normalTexture"] = self._texture(material.normal_texture)
            if material.occlusion_texture is not None:
                entry["occlusionTexture"] = self._texture(material.occlusion_texture)
            if material.emissive_texture is not None:
                entry["emissiveTexture"] = self._texture(material.emissive_texture)
        if any(material.emissive):
            entry["emissiveFactor"] = [float(v) for v in material.emissive]
        if material.alpha_mode != "OPAQUE":
            entry["alphaMode"] = material.alpha_mode
            if material.alpha_mode == "MASK" and material.alpha_cutoff is not None:
                entry["alphaCutoff"] = float(material.alpha_cutoff)
        if material.double_sided:
            entry["doubleSided"] = True
        self.materials.append(entry)
        index = self._material_by_id[key] = len(self.materials) - 1
        return index


def read_glb_provenance(path: Path) -> dict[str, Any] | None:
    """`asset.extras["meshsmith"]` of a .glb or .gltf file, or None."""
    data = path.read_bytes()
    if data[:4] == GLB_MAGIC:
        length, kind = struct.unpack_from("<II", data, 12)
        if kind != CHUNK_JSON:
            return None
        data = data[20 : 20 + length]
    tree = json.loads(data.decode("utf-8"))
    meta = tree.get("asset", {}).get("extras", {})
    found = meta.get("meshsmith") if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else None
