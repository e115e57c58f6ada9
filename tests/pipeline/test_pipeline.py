"""The generation pipeline end to end with a real model: guarantees of every asset."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from meshsmith import Pipeline as TopLevelPipeline
from meshsmith.data.registry import SPECS
from meshsmith.errors import InputError
from meshsmith.eval.reconstruction import compare_meshes
from meshsmith.export import load_mesh, read_provenance
from meshsmith.export.provenance import sha256_file
from meshsmith.geometry.qa import inspect_mesh
from meshsmith.pipeline import STAGES, GenerationConfig, Pipeline
from meshsmith.pipeline.colour import MATCH_SHARE, colour_share, prompt_albedo, surface_albedo
from meshsmith.pipeline.request import Request
from meshsmith.pipeline.size import asset_size
from tests.pipeline.conftest import SMALL, TEST_MODEL
from tests.validators import gltf_report, usd_validation_errors

PROMPT = "a red plastic chair"


@pytest.fixture(scope="module")
def generated(pipe):
    """One small text asset and the progress reports made while generating it."""
    reports = []
    asset = pipe.text(PROMPT, seed=3, progress=lambda stage, f: reports.append((stage, f)))
    return asset, reports


def check_closed_and_textured(asset, faces: int, texture: int) -> None:
    qa = inspect_mesh(asset.mesh)
    assert qa.watertight and qa.manifold and qa.winding_consistent and qa.normals_outward
    assert qa.self_intersections == 0
    assert 100 <= qa.faces <= faces
    assert asset.qa == qa.as_dict()
    material = asset.mesh.visual.material
    for image in (
        material.baseColorTexture,
        material.metallicRoughnessTexture,
        material.normalTexture,
    ):
        assert image.size == (texture, texture)
    low, high = asset.mesh.bounds
    assert low[1] == pytest.approx(0.0, abs=1e-9)  # stands on the ground
    assert (low[[0, 2]] + high[[0, 2]]) == pytest.approx([0.0, 0.0], abs=1e-9)


def test_text_asset(generated, pipe):
    asset, reports = generated
    check_closed_and_textured(asset, SMALL["faces"], SMALL["texture_size"])
    assert list(asset.timings) == list(STAGES)
    assert all(seconds >= 0 for seconds in asset.timings.values())
    assert asset.condition == {"kind": "text", "prompt": PROMPT}
    assert (asset.seed, asset.model, asset.model_version) == (
        3,
        pipe.model_name,
        pipe.model_version,
    )
    assert len(asset.model_version) == 12
    # A chair is sized as the data engine's chairs are (longest side, metres): as the
    # training chairs the latent memory recalls, or by the prompt's rule without one.
    low, high = SPECS["chair"].size_range
    assert low <= max(asset.mesh.extents) <= high
    # Each stage reported as it starts and ends, the fraction rising to 1.
    assert [stage for stage, _ in reports[::2]] == list(STAGES)
    fractions = [f for _, f in reports]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_saved_files_pass_validators(generated, tmp_path):
    asset, _ = generated
    glb = asset.save(tmp_path / "chair.glb")
    usdz = asset.save(tmp_path / "chair.usdz")
    obj = asset.save(tmp_path / "chair.obj")
    assert list(asset.timings)[-1] == "export"
    report = gltf_report(glb[0])
    assert report["errors"] == 0, report["messages"]
    assert usd_validation_errors(usdz[0]) == []
    assert {p.suffix for p in obj} == {".obj", ".mtl", ".png"}
    loaded = load_mesh(glb[0])
    qa = inspect_mesh(loaded)
    assert qa.watertight and qa.manifold and qa.has_texture and qa.faces == asset.qa["faces"]
    provenance = read_provenance(glb[0])
    assert provenance["ai_generated"] is True
    assert provenance["prompt"] == PROMPT and provenance["seed"] == 3
    assert provenance["model_id"] == asset.model
    assert provenance["model_sha256"].startswith(asset.model_version)


def test_same_seed_gives_identical_files(generated, pipe, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    asset, _ = generated
    again = pipe.text(PROMPT, seed=3)
    for fmt in ("glb", "usdz", "obj"):
        first = asset.save(tmp_path / "a" / f"chair.{fmt}")
        second = again.save(tmp_path / "b" / f"chair.{fmt}")
        assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_batch_matches_one_by_one(generated, pipe):
    """Prompt i of a batch gets seed + i and the shape it gets alone.

    Batched matrix products round differently (bf16 most), so the latents agree to
    rounding and the meshes to a fraction of a percent, not bit for bit; a different
    seed gives a Chamfer distance of 4-11% here.
    """
    asset, _ = generated
    batch = pipe.text_batch([PROMPT, "a rusty iron sword"], seed=3)
    assert [a.seed for a in batch] == [3, 4]
    assert [a.condition["prompt"] for a in batch] == [PROMPT, "a rusty iron sword"]
    assert compare_meshes(asset.mesh, batch[0].mesh, points=20_000)["chamfer_l1"] < 0.01
    check_closed_and_textured(batch[1], SMALL["faces"], SMALL["texture_size"])


def test_defaults_give_10k_faces_and_1024_maps(pipe):
    defaults = GenerationConfig()
    assert (defaults.faces, defaults.texture_size) == (10_000, 1024)
    asset = pipe.text(
        "a wooden barrel", seed=0, faces=10_000, texture_size=1024, steps=defaults.steps
    )
    check_closed_and_textured(asset, 10_000, 1024)


def test_image_and_sketch_inputs(pipe, pictures):
    photo = pipe.image(pictures["photo"], seed=1)
    check_closed_and_textured(photo, SMALL["faces"], SMALL["texture_size"])
    assert photo.condition == {
        "kind": "image",
        "prompt": None,
        "source_sha256": sha256_file(pictures["photo"]),
    }
    assert photo.provenance().source_name == "chair.png"
    sketch = pipe.sketch(pictures["sketch"].read_bytes(), seed=1)
    check_closed_and_textured(sketch, SMALL["faces"], SMALL["texture_size"])
    assert sketch.condition["kind"] == "sketch"
    # Sized as the training shapes the memory recalls for the photo; without a
    # memory, as an object of unknown kind: a metre along its longest side.
    model = pipe.runtime.model
    pixels = Request.from_image(pictures["photo"]).pixels
    (hint,) = model.recall_hints(model.encode_image([pixels]))
    expected = 1.0 if hint.size is None else round(hint.size, 3)
    assert max(photo.mesh.extents) == pytest.approx(expected)


def test_the_colour_a_prompt_names_is_the_assets(generated):
    asset, _ = generated
    red = prompt_albedo(PROMPT)
    assert colour_share(asset.mesh, red) >= MATCH_SHARE
    albedo = surface_albedo(asset.mesh, asset.mesh.visual.material.baseColorTexture)
    assert albedo[0] > 5 * max(albedo[1], albedo[2])


def test_a_stated_size_is_the_assets(pipe):
    asset = pipe.text("a wooden stool about 45 cm tall", seed=2)
    assert asset.mesh.extents[1] == pytest.approx(0.45)
    with pytest.raises(InputError, match="sizes must be between"):
        pipe.text("a wooden stool 0 cm tall")


def test_memory_start_is_an_option(generated, pipe):
    if not len(pipe.runtime.model.memory):
        pytest.skip(f"{TEST_MODEL} has no latent memory")
    # A prompt that names no colour: the map is tinted towards the recalled shapes'
    # mean albedo.
    plain = "a tall chair"
    asset = pipe.text(plain, seed=3)
    model = pipe.runtime.model
    (hint,) = model.recall_hints(model.encode_text([plain]))
    albedo = surface_albedo(asset.mesh, asset.mesh.visual.material.baseColorTexture)
    assert albedo == pytest.approx(hint.albedo, rel=0.05, abs=0.005)
    fresh = pipe.text(plain, seed=3, memory=False)
    check_closed_and_textured(fresh, SMALL["faces"], SMALL["texture_size"])
    # Without the memory, the size comes from the prompt's rule.
    assert max(fresh.mesh.extents) == pytest.approx(asset_size(plain))
    # Starting from noise lands on another shape than starting from the recalled blend.
    assert compare_meshes(asset.mesh, fresh.mesh, points=20_000)["chamfer_l1"] > 0.01
    with pytest.raises(InputError, match="memory"):
        pipe.text(plain, memory="yes")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: p.text("   "), "empty"),
        (lambda p: p.text("x" * 301), "301 characters"),
        (lambda p: p.text(PROMPT, faces=99), "faces"),
        (lambda p: p.text(PROMPT, texture_size=1000), "power of two"),
        (lambda p: p.text(PROMPT, texture_size=8192), "power of two"),
        (lambda p: p.text(PROMPT, seed=-1), "seed"),
        (lambda p: p.text(PROMPT, colour="red"), "unknown option"),
        (lambda p: p.image(b"not an image"), "not a readable image"),
        (lambda p: p.text_batch([]), "non-empty"),
    ],
)
def test_bad_input_is_an_input_error(pipe, call, message):
    with pytest.raises(InputError, match=message):
        call(pipe)


def test_int8_precision_and_top_level_import():
    assert TopLevelPipeline is Pipeline
    pipe = Pipeline.load(TEST_MODEL, GenerationConfig(precision="int8", **SMALL))
    asset = pipe.text(PROMPT, seed=3)
    check_closed_and_textured(asset, SMALL["faces"], SMALL["texture_size"])
    assert isinstance(asset.mesh, trimesh.Trimesh)
    assert np.isfinite(asset.mesh.vertices).all()
