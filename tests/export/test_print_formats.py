"""STL and 3MF: +Z up millimetres on disk, header and metadata, watertight parts."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

import numpy as np
import pytest
import trimesh

from meshsmith.export import load_mesh, save
from meshsmith.export.threemf import CORE_NS, MODEL_PATH
from tests.export.assets import make_textured_sphere, make_two_part_scene


def read_binary_stl(path) -> tuple[bytes, np.ndarray, np.ndarray]:
    """(header, normals (n, 3), corners (n, 3, 3)) straight from the bytes."""
    data = path.read_bytes()
    count = int.from_bytes(data[80:84], "little")
    assert len(data) == 84 + 50 * count
    records = np.frombuffer(
        data[84:], dtype=[("n", "<f4", 3), ("c", "<f4", (3, 3)), ("a", "<u2")], count=count
    )
    return data[:80], records["n"], records["c"]


def front_marker() -> trimesh.Trimesh:
    """A box 1 m up (+Y) and 2 m to the front (+Z) in glTF terms."""
    return trimesh.creation.box(
        extents=(0.1, 0.1, 0.1), transform=trimesh.transformations.translation_matrix([0, 1, 2])
    )


def test_stl_is_z_up_millimetres_and_front_faces_minus_y(tmp_path):
    _, normals, corners = read_binary_stl(save(front_marker(), tmp_path / "m.stl")[0])
    centre = corners.reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(centre, [0, -2000, 1000], atol=1e-3)
    # Outward normals: every facet normal points away from the box centre.
    facet_centres = corners.mean(axis=1)
    assert (np.einsum("ij,ij->i", normals, facet_centres - centre) > 0).all()


def test_stl_chair_stands_on_the_build_plate(tmp_path):
    _, _, corners = read_binary_stl(save(make_two_part_scene(), tmp_path / "chair.stl")[0])
    z = corners[..., 2]
    assert z.min() == pytest.approx(0.0, abs=1e-3) and z.max() == pytest.approx(400.0, abs=1e-3)


def test_stl_header(provenance, tmp_path):
    header, _, _ = read_binary_stl(save(trimesh.creation.box(), tmp_path / "b.stl", provenance)[0])
    text = header.decode("ascii").rstrip()
    assert text == f"{provenance.generator} ai_generated=true seed=1234 model=abababab src=cdcdcdcd"
    assert not header.startswith(b"solid")


def test_3mf_is_z_up_millimetres_with_metadata(provenance, tmp_path):
    path = save(front_marker(), tmp_path / "m.3mf", provenance)[0]
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["[Content_Types].xml", "_rels/.rels", MODEL_PATH]
        root = ElementTree.fromstring(archive.read(MODEL_PATH))
    assert root.get("unit") == "millimeter"
    metadata = {m.get("name"): m.text for m in root.iter(f"{{{CORE_NS}}}metadata")}
    assert metadata["Application"] == provenance.generator
    assert metadata["CreationDate"] == "2023-11-14"
    assert "meshsmith:provenance" in metadata
    points = np.array([[float(v.get(k)) for k in "xyz"] for v in root.iter(f"{{{CORE_NS}}}vertex")])
    np.testing.assert_allclose(points.mean(axis=0), [0, -2000, 1000], atol=1e-3)


def test_3mf_parts_are_merged_watertight_objects(tmp_path):
    # The textured sphere has UV seams in general; here its 3MF object must be closed.
    sphere = make_textured_sphere(2)
    vertices = sphere.vertices.copy()
    faces = sphere.faces.copy()
    # Split one vertex to simulate a UV seam: a copy at the same position.
    vertices = np.vstack([vertices, vertices[faces[0, 0]]])
    faces[0, 0] = len(vertices) - 1
    seamed = trimesh.Trimesh(vertices, faces, process=False)
    assert not seamed.is_watertight
    path = save(seamed, tmp_path / "s.3mf")[0]
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read(MODEL_PATH))
    assert len(list(root.iter(f"{{{CORE_NS}}}vertex"))) == len(sphere.vertices)
    assert load_mesh(path).is_watertight


def test_3mf_part_colours(tmp_path):
    path = save(make_two_part_scene(), tmp_path / "chair.3mf")[0]
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read(MODEL_PATH))
    material_ns = "http://schemas.microsoft.com/3dmanufacturing/material/2015/02"
    bases = {b.get("name"): b.get("displaycolor") for b in root.iter(f"{{{material_ns}}}base")}
    assert bases == {"seat": "#DC1414FF", "leg": "#1E28E6FF"}
    objects = [o.get("name") for o in root.iter(f"{{{CORE_NS}}}object")]
    assert objects == ["seat", "leg"]
