"""The generation pipeline: condition → latent → field → mesh → textures → asset.

    pipe = Pipeline.load()                       # once
    asset = pipe.text("a red stool", seed=1)     # many times
    asset.save("stool.glb")

Stages, each timed (`STAGES`): encode the condition; sample a latent (flow prior,
classifier-free guidance, seeded noise); evaluate the field coarse-to-fine and run
marching cubes a little above its zero level; clean up and prove the mesh
watertight and manifold (repairing it if not); simplify to the face budget, settle
onto the zero level (thin parts stay whole), trim a flat base and place it in
metres; unwrap UVs; bake baseColor, metallicRoughness and normal maps. Saving adds
"export", a preview "preview".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import trimesh

from meshsmith.errors import GeometryError, InputError
from meshsmith.models.memory import RecallHint
from meshsmith.pipeline.colour import follow_colour, match_albedo, prompt_albedo
from meshsmith.pipeline.config import GenerationConfig
from meshsmith.pipeline.field import GridField
from meshsmith.pipeline.request import Request
from meshsmith.pipeline.runtime import ModelRuntime
from meshsmith.pipeline.size import longest_side

STAGES = ("encode", "sample", "field", "cleanup", "simplify", "unwrap", "bake")
#: ``progress(stage, fraction_done_overall)``, called as each stage starts and ends.
Progress = Callable[[str, float], None]


@dataclass
class Asset:
    """A generated, textured, watertight mesh and how it was made.

    Attributes
    ----------
    mesh : trimesh.Trimesh
        Metres, +Y up, standing on y = 0, centred on x and z; a PBR material with
        baseColor, metallicRoughness and normal textures.
    seed : int
    model, model_version : str
        Model name and the short hash of its weights.
    condition : dict
        ``{"kind": "text" | "image" | "sketch", "prompt": str | None}``, plus
        ``"source_sha256"`` for an image or sketch.
    timings : dict
        Seconds per stage, in pipeline order (`STAGES`, then "export" / "preview").
    qa : dict
        `meshsmith.geometry.qa.inspect_mesh` of `mesh`, as a dict.
    """

    mesh: trimesh.Trimesh
    seed: int
    model: str
    model_version: str
    condition: dict[str, Any]
    timings: dict[str, float]
    qa: dict[str, Any]
    model_sha256: str = field(default="", repr=False)
    source_name: str | None = field(default=None, repr=False)

    def provenance(self):
        """The `meshsmith.export.Provenance` every saved file carries."""
        from meshsmith.export.provenance import Provenance

        return Provenance.create(
            source_sha256=self.condition.get("source_sha256"),
            source_name=self.source_name,
            prompt=self.condition.get("prompt"),
            model_id=self.model,
            model_sha256=self.model_sha256 or None,
            seed=self.seed,
            ai_generated=True,
        )

    def save(self, path: str | Path, fmt: str | None = None) -> list[Path]:
        """Write the asset (glb, obj, usdz, stl, 3mf or ply; `fmt` or the suffix).

        Returns every file written, the main one first. With SOURCE_DATE_EPOCH set,
        the same asset gives byte-identical files.
        """
        from meshsmith.export import save

        start = time.perf_counter()
        written = save(self.mesh, path, self.provenance(), fmt=fmt)
        self.timings["export"] = self.timings.get("export", 0.0) + time.perf_counter() - start
        return written

    def preview(self, path: str | Path, size: int = 512) -> Path:
        """Render a contact sheet of four views to `path` (PNG); returns the path."""
        from meshsmith.render.sheet import render_to_file

        start = time.perf_counter()
        out = render_to_file(self.mesh, path, views=4, size=size)
        self.timings["preview"] = self.timings.get("preview", 0.0) + time.perf_counter() - start
        return out


class Pipeline:
    """A loaded model and the stages that turn its latents into assets.

    Use `Pipeline.load`; one pipeline serves any number of calls (not concurrently
    from several threads).

    Parameters
    ----------
    runtime : ModelRuntime
    config : GenerationConfig
        Defaults for every call; per-call arguments override them.
    """

    def __init__(self, runtime: ModelRuntime, config: GenerationConfig | None = None) -> None:
        self.runtime = runtime
        self.config = (config or GenerationConfig()).validated()

    @classmethod
    def load(
        cls, model: str | Path = "default", config: GenerationConfig | None = None
    ) -> Pipeline:
        """Load `model`: a built-in name, a ``.safetensors`` file or a training run folder.

        Raises
        ------
        InputError
            If there is no such model or the file is not a meshsmith model.
        """
        config = (config or GenerationConfig()).validated()
        return cls(ModelRuntime.load(model, config.precision), config)

    @property
    def model_name(self) -> str:
        return self.runtime.name

    @property
    def model_version(self) -> str:
        return self.runtime.version

    # -- public entry points -------------------------------------------------------------
    def text(
        self, prompt: str, seed: int = 0, progress: Progress | None = None, **options: Any
    ) -> Asset:
        """An asset for a text prompt. `options`: any `GenerationConfig` field (faces, ...)."""
        return self.run([Request.from_text(prompt)], seed, progress, **options)[0]

    def image(
        self, source: Any, seed: int = 0, progress: Progress | None = None, **options: Any
    ) -> Asset:
        """An asset for a photo: a path, bytes, an ``(H, W, 3|4) uint8`` array or a PIL image.

        A plain background is removed; the photo's colours are projected onto the
        surfaces it shows, the appearance field fills the rest.
        """
        return self.run([Request.from_image(source)], seed, progress, **options)[0]

    def sketch(
        self, source: Any, seed: int = 0, progress: Progress | None = None, **options: Any
    ) -> Asset:
        """An asset for a line drawing (a canvas PNG or a photo of paper)."""
        return self.run([Request.from_sketch(source)], seed, progress, **options)[0]

    def text_batch(
        self,
        prompts: Sequence[str],
        seed: int = 0,
        progress: Progress | None = None,
        **options: Any,
    ) -> list[Asset]:
        """Assets for several prompts with batched encoding and sampling.

        Prompt i gets seed ``seed + i``, so ``text_batch(p, seed)[i]`` is the shape
        of ``text(p[i], seed + i)``. Not bit for bit: batched matrix products round
        differently (bf16 most), which moves the surface by a fraction of a percent
        of the object's size, so files differ. Encode and sample timings are the
        batch's, shared equally among its assets.
        """
        if isinstance(prompts, str) or not len(prompts):
            raise InputError("text_batch takes a non-empty list of prompts")
        return self.run([Request.from_text(p) for p in prompts], seed, progress, **options)

    def run(
        self,
        requests: Sequence[Request],
        seed: int = 0,
        progress: Progress | None = None,
        **options: Any,
    ) -> list[Asset]:
        """Assets for checked `Request`s of one kind, encoded and sampled as one batch.

        The entry points above build the requests; callers that check input before
        loading the model (the CLI, the service) build them with
        `Request.from_text` / `from_image` / `from_sketch` and call this.
        """
        requests = list(requests)
        if not requests:
            raise InputError("nothing to generate: no requests")
        config = self._options(options)
        seed = _check_seed(seed, len(requests))
        kinds = {r.kind for r in requests}
        if len(kinds) != 1:
            raise InputError("a batch must hold one kind of condition")
        tracker = _Tracker(progress, len(requests))
        shared: dict[str, float] = {}
        with tracker.stage("encode", shared):
            condition = self.runtime.encode(requests)
            # One recall serves the sampler's start and the sizes and colours.
            recalled = self.runtime.model.recall(condition) if config.memory else None
            if recalled is None:
                hints = [RecallHint(None, None)] * len(requests)
            else:
                hints = recalled.hints(self.runtime.model.config.memory.groups)
        with tracker.stage("sample", shared):
            latents = self.runtime.sample(
                condition, seed, config.steps, config.guidance, config.memory, recalled
            )
        share = {k: v / len(requests) for k, v in shared.items()}
        assets = []
        for i, request in enumerate(requests):
            timings = dict(share)
            mesh, qa = self._build(
                latents[i], request, hints[i], config, tracker, timings, seed + i
            )
            assets.append(
                Asset(
                    mesh=mesh,
                    seed=seed + i,
                    model=self.model_name,
                    model_version=self.model_version,
                    condition=request.describe(),
                    timings=timings,
                    qa=qa,
                    model_sha256=self.runtime.sha256,
                    source_name=request.source_name,
                )
            )
        return assets

    def _build(
        self,
        latent: Any,
        request: Request,
        hint: RecallHint,
        config: GenerationConfig,
        tracker: _Tracker,
        timings: dict[str, float],
        seed: int,
    ) -> tuple[trimesh.Trimesh, dict[str, Any]]:
        """Latent → textured mesh and its QA report.

        The mesh's size is the one the prompt states, else the recalled training
        shapes' (`hint`), else the prompt's rule (`longest_side`); its baseColor map
        takes the colour the prompt names (`follow_colour`), else it is tinted towards
        their mean albedo (`match_albedo`), except for photos, whose own colours count.
        """
        from meshsmith.geometry.normalize import normalization_matrix
        from meshsmith.geometry.qa import inspect_mesh
        from meshsmith.geometry.uv import unwrap
        from meshsmith.pipeline.surface import clean_closed, extract_whole, simplify_closed
        from meshsmith.pipeline.texture import bake_material

        with tracker.stage("field", timings):
            grid = GridField(self.runtime.field_query(latent), config.bound, config.resolution)
            mesh, offset = extract_whole(grid, config, seed)
        with tracker.stage("cleanup", timings):
            mesh = clean_closed(mesh, grid.spacing)
        with tracker.stage("simplify", timings):
            mesh = simplify_closed(mesh, grid, config, seed, offset)
            photo = request.photo_colours(mesh)
            size = longest_side(request.prompt, mesh.extents, hint.size, hint.category)
            to_metres = normalization_matrix(mesh.bounds, size)
        with tracker.stage("unwrap", timings):
            mesh.apply_transform(to_metres)
            mesh = unwrap(mesh, resolution=config.texture_size).mesh
        with tracker.stage("bake", timings):
            material = bake_material(
                mesh, grid, config.texture_size, np.linalg.inv(to_metres), photo
            )
            mesh.visual = trimesh.visual.TextureVisuals(uv=mesh.visual.uv, material=material)
            named = prompt_albedo(request.prompt) if request.kind == "text" else None
            if named is not None:
                follow_colour(mesh, named)
            elif hint.albedo is not None and request.kind != "image":
                match_albedo(mesh, hint.albedo)
            report = inspect_mesh(mesh)
            if not (report.watertight and report.manifold):
                raise GeometryError("the generated mesh is not watertight and manifold")
        return mesh, report.as_dict()

    def _options(self, options: dict[str, Any]) -> GenerationConfig:
        known = GenerationConfig.call_options()
        unknown = sorted(set(options) - known)
        if unknown:
            raise InputError(f"unknown option(s) {unknown}; choose from {sorted(known)}")
        given = {k: v for k, v in options.items() if v is not None}
        return replace(self.config, **given).validated()


def _check_seed(seed: Any, count: int) -> int:
    """`seed` as an int; the batch's seeds ``seed .. seed + count - 1`` must fit 31 bits."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InputError(f"seed must be an integer, got {seed!r}")
    if not 0 <= seed <= 2**31 - count:
        raise InputError(f"seed must be in 0..{2**31 - count}, got {seed}")
    return int(seed)


class _Tracker:
    """Times stages and reports progress as a fraction of all stages of all assets."""

    def __init__(self, progress: Progress | None, assets: int) -> None:
        self.progress = progress
        # encode and sample run once for the batch, the other stages once per asset.
        self.total = 2 + (len(STAGES) - 2) * assets
        self.done = 0

    @contextmanager
    def stage(self, name: str, timings: dict[str, float]) -> Iterator[None]:
        if self.progress is not None:
            self.progress(name, self.done / self.total)
        start = time.perf_counter()
        yield
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - start
        self.done += 1
        if self.progress is not None:
            self.progress(name, self.done / self.total)
