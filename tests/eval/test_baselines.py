"""Retrieval and medoid baselines, memorisation and dataset meshes on a real tiny dataset."""

from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

from meshsmith.data.dataset import Dataset
from meshsmith.errors import InputError
from meshsmith.eval import memorization
from meshsmith.eval.baselines import MedoidBaseline, RetrievalBaseline, TrainingIndex, medoid
from meshsmith.eval.frame import apply_transform, unit_box_transform
from meshsmith.eval.generators import Generator, load_generator
from meshsmith.eval.memorization import THRESHOLD, TrainingShapes, surface_chamfer
from meshsmith.eval.sampling import sample_surface


@pytest.fixture(scope="module")
def dataset(tiny_dataset) -> Dataset:
    return Dataset(tiny_dataset)


@pytest.fixture(scope="module")
def index(dataset) -> TrainingIndex:
    return TrainingIndex(dataset)


def _unit_samples(mesh: trimesh.Trimesh, seed: int = 1) -> np.ndarray:
    return apply_transform(
        sample_surface(mesh, 2048, seed)["points"], unit_box_transform(mesh.bounds)
    )


def test_retrieval_finds_the_shape_of_a_unique_caption(index):
    counts = Counter(c for r in index.records for c in r.captions)
    record = next(r for r in index.records if counts[r.captions[0]] == 1)
    baseline = RetrievalBaseline(index)
    assert isinstance(baseline, Generator)
    assert baseline.text_source(record.captions[0]) == record.id
    mesh = baseline.text(record.captions[0])
    np.testing.assert_allclose(mesh.bounds, index.dataset.mesh(record).bounds)


def test_retrieval_finds_the_shape_of_its_own_view(index, dataset):
    record = index.records[3]
    rgb = dataset.views(record)[0]["rgb"]
    assert RetrievalBaseline(index).image_source(rgb) == record.id


def test_retrieval_finds_the_shape_of_its_own_sketch(index, dataset):
    for record in index.records[2:5]:
        sketch = dataset.views(record)[0]["sketch"]
        assert sketch.ndim == 2  # the dataset's sketch renders are grey
        assert RetrievalBaseline(index).sketch_source(sketch) == record.id
    assert index.sketch_vectors.shape == index.view_vectors.shape


def test_medoid_of_hand_made_clouds():
    clouds = [np.array([[x, 0.0, 0.0]]) for x in (0.0, 1.0, 10.0)]
    assert medoid(clouds) == 1  # summed CD 164 against 202 and 362


def test_medoid_baseline_answers_with_the_prompt_category(index):
    baseline = MedoidBaseline(index)
    assert sorted(baseline.medoids) == ["chair", "mug", "table"]
    mug = next(r for r in index.records if r.category == "mug")
    source = baseline.text_source(mug.captions[0])
    assert source == baseline.medoids["mug"]
    assert isinstance(baseline.text(mug.captions[0]), trimesh.Trimesh)
    sketch = index.dataset.views(mug)[0]["sketch"]
    assert baseline.sketch_source(sketch) == baseline.medoids["mug"]
    assert isinstance(baseline.sketch(sketch), trimesh.Trimesh)


def test_memorisation_flags_copies_only(dataset):
    shapes = TrainingShapes(dataset)
    train = dataset.records(split="train")[0]
    copy = dataset.mesh(train)
    distance, nearest = shapes.nearest(copy, _unit_samples(copy))
    assert nearest == train.id and distance < 1e-6
    test = dataset.records(split="test")[0]
    novel = dataset.mesh(test)
    distance, _ = shapes.nearest(novel, _unit_samples(novel))
    assert distance > THRESHOLD


@pytest.mark.parametrize("descriptor_candidates", [memorization.DESCRIPTOR_CANDIDATES, 0])
def test_every_training_shape_finds_itself(dataset, monkeypatch, descriptor_candidates):
    # With one rough-Chamfer candidate, the 128-point distance's sampling noise would
    # pick a neighbour over the copy; the descriptor's own best keep every copy found.
    monkeypatch.setattr(memorization, "CANDIDATES", 1)
    monkeypatch.setattr(memorization, "DESCRIPTOR_CANDIDATES", descriptor_candidates)
    shapes = TrainingShapes(dataset)
    found = []
    for record in shapes.records:
        mesh = dataset.mesh(record)
        distance, nearest = shapes.nearest(mesh, _unit_samples(mesh))
        found.append(nearest == record.id and distance < 1e-6)
    if descriptor_candidates:
        assert all(found)
    else:
        assert not all(found)  # what the descriptor candidates are there for


def test_surface_chamfer_of_parallel_planes():
    plane = trimesh.creation.box((1.0, 1.0, 1e-6))
    lifted = plane.copy()
    lifted.apply_translation((0.0, 0.0, 0.1))
    points = sample_surface(plane, 500, 0)["points"]
    inner = np.abs(points[:, :2]).max(axis=1) < 0.5  # away from the rims
    d = surface_chamfer(
        points[inner], (plane.vertices, plane.faces), points[inner] + [0, 0, 0.1],
        (lifted.vertices, lifted.faces),
    )  # fmt: skip
    assert d == pytest.approx(0.1, abs=1e-5)


def test_dataset_meshes_keep_their_colours(dataset):
    # trimesh's material packing garbles merged base colours; load_mesh must not.
    record = dataset.records()[0]
    samples = dataset.surface(record)
    mesh = dataset.mesh(record)
    ours = sample_surface(mesh, 2048, 0, appearance=True)
    nearest = cKDTree(samples["points"]).query(_unit_samples(mesh, 0))[1]
    difference = np.abs(ours["albedo"] - samples["albedo"][nearest]).mean()
    assert difference < 0.05


def test_unknown_model_is_an_input_error():
    with pytest.raises(InputError, match="no model named tiny-v9; models arrive with training"):
        load_generator("tiny-v9")


def test_a_run_folder_or_its_model_file_loads_as_a_generator(tmp_path):
    from meshsmith.models.model import BUILTIN_DIR

    run = tmp_path / "my-run"
    run.mkdir()
    shutil.copyfile(BUILTIN_DIR / "default.safetensors", run / "model.safetensors")
    for spec in (run, run / "model.safetensors"):
        generator = load_generator(str(spec))
        assert isinstance(generator, Generator) and generator.name == "my-run"
    with pytest.raises(InputError, match="no model named"):
        load_generator(str(tmp_path))  # a folder without a model file
