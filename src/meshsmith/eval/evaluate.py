"""Run generators over a dataset's test shapes and measure every output.

Routes (what a generator is asked):

- ``text``: each test shape's first caption;
- ``paraphrase``: its first held-out caption (phrasings from templates never used
  in any training caption), so the text route's robustness to new wording shows;
- ``image``: its first rendered view (when the dataset has views).

Every output is compared with its test shape (`meshsmith.eval.reconstruction`) and
measured alone (`meshsmith.eval.measure`); `meshsmith.eval.aggregate` turns the
rows into the report's numbers. When a generator says which training shape it
returned (the baselines' ``text_source``/``image_source``), measurements of a
shape already seen are reused, which makes the baselines cheap to evaluate.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import trimesh

from meshsmith.errors import InputError, MeshsmithError
from meshsmith.eval.classifier import EvalClassifier
from meshsmith.eval.generation import EMD_POINTS
from meshsmith.eval.generators import Generator
from meshsmith.eval.measure import ShapeMeasure, measure_shape
from meshsmith.eval.memorization import TrainingShapes
from meshsmith.eval.reconstruction import DEFAULT_POINTS, Reference, compare_to_reference

log = logging.getLogger(__name__)

ROUTES = ("text", "paraphrase", "image")


@dataclass(frozen=True)
class EvalConfig:
    """What an evaluation measures and how finely.

    Attributes
    ----------
    recon_points : int
        Surface samples per mesh and IoU query points (100k: Occupancy Networks).
    cloud_points : int
        Points per cloud for the generative metrics (2048: PointFlow).
    emd_points : int
        Subsample for the exact EMD assignment (`meshsmith.eval.generation`).
    max_shapes : int or None
        Test shapes evaluated, taken in turn from each category; None for all.
    sheet_shapes : int
        Test shapes shown on the sample sheet.
    routes : tuple of str
    seed : int
    """

    recon_points: int = DEFAULT_POINTS
    cloud_points: int = 2048
    emd_points: int = EMD_POINTS
    max_shapes: int | None = None
    sheet_shapes: int = 8
    routes: tuple[str, ...] = ROUTES
    seed: int = 0

    @classmethod
    def quick(cls) -> EvalConfig:
        """A smoke-test evaluation: 12 shapes, 10k-point reconstruction metrics."""
        return cls(recon_points=10_000, emd_points=128, max_shapes=12, sheet_shapes=4)


@dataclass
class Item:
    """One request to a generator: a test shape and the prompt or image for it."""

    route: str
    record: object
    prompt: str | None = None
    image: np.ndarray | None = None


@dataclass
class Truth:
    """A test shape, prepared once for every generator."""

    record: object
    mesh: trimesh.Trimesh
    reference: Reference
    measure: ShapeMeasure


@dataclass
class RouteRun:
    """One generator on one route: per-shape rows and what aggregation needs."""

    rows: list[dict] = field(default_factory=list)
    measures: list[ShapeMeasure] = field(default_factory=list)
    sheet: dict[str, trimesh.Trimesh] = field(default_factory=dict)


def select_test_records(dataset, max_shapes: int | None) -> list:
    """Test records, round-robin over categories when capped (every category shows)."""
    records = dataset.records(split="test")
    if not records:
        raise InputError(f"{dataset.root} has no test shapes to evaluate on")
    if max_shapes is None or len(records) <= max_shapes:
        return records
    queues: dict[str, list] = {}
    for record in records:
        queues.setdefault(record.category, []).append(record)
    chosen: list = []
    while len(chosen) < max_shapes:
        for queue in queues.values():
            if queue and len(chosen) < max_shapes:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=lambda r: r.id)


def route_items(dataset, records: list, route: str) -> list[Item]:
    """The requests of `route` for `records` (shapes lacking its input are skipped)."""
    if route == "text":
        return [Item(route, r, prompt=r.captions[0]) for r in records if r.captions]
    if route == "paraphrase":
        return [
            Item(route, r, prompt=r.held_out_captions[0]) for r in records if r.held_out_captions
        ]
    if route == "image":
        items = []
        for record in records:
            views = dataset.views(record)
            if views:
                items.append(Item(route, record, image=views[0]["rgb"]))
        return items
    raise InputError(f"unknown route {route!r}; choose from {', '.join(ROUTES)}")


class Evaluator:
    """Test shapes and training shapes of a dataset, prepared once for many generators.

    Parameters
    ----------
    dataset : meshsmith.data.dataset.Dataset
    classifier : EvalClassifier
    config : EvalConfig
    """

    def __init__(self, dataset, classifier: EvalClassifier, config: EvalConfig):
        self.dataset = dataset
        self.classifier = classifier
        self.config = config
        start = time.perf_counter()
        self.training = TrainingShapes(dataset, config.seed)
        self.records = select_test_records(dataset, config.max_shapes)
        self.truths = {r.id: self._truth(r) for r in self.records}
        self.items = {route: route_items(dataset, self.records, route) for route in config.routes}
        self.prepare_seconds = time.perf_counter() - start
        # Outputs that are training shapes (baselines) are measured once, whichever
        # generator or route returned them: by (test id, source) and by source.
        self._recon_cache: dict[tuple[str, str], dict] = {}
        self._measure_cache: dict[str, ShapeMeasure] = {}

    def _measure(self, mesh: trimesh.Trimesh) -> ShapeMeasure:
        c = self.config
        return measure_shape(
            mesh, self.training, c.cloud_points, self.classifier.config.points, c.seed
        )

    def _truth(self, record) -> Truth:
        mesh = self.dataset.mesh(record)
        reference = Reference.from_mesh(mesh, self.config.recon_points, self.config.seed)
        return Truth(record, mesh, reference, self._measure(mesh))

    def run(self, generator: Generator, route: str) -> RouteRun:
        """Ask `generator` for every item of `route` and measure the outputs.

        A generator error (or an output that cannot be measured, such as an empty
        mesh) becomes a row with ``error``; a generator without the route
        (NotImplementedError) gives an empty run.
        """
        run = RouteRun()
        source_of = getattr(generator, "image_source" if route == "image" else "text_source", None)
        for index, item in enumerate(self.items.get(route, [])):
            truth = self.truths[item.record.id]
            row = {"id": truth.record.id, "category": truth.record.category, "prompt": item.prompt}
            start = time.perf_counter()
            try:
                mesh = self._generate(generator, item)
                row["seconds"] = time.perf_counter() - start
                if source_of is not None:
                    row["source"] = source_of(item.image if route == "image" else item.prompt)
                recon, measured = self._score(truth, mesh, row.get("source"))
            except NotImplementedError:
                log.info("%s has no %s route", generator.name, route)
                return RouteRun()
            except MeshsmithError as error:
                run.rows.append({**row, "error": str(error)})
                continue
            run.rows.append({**row, **recon, **measured.row()})
            run.measures.append(measured)
            if index < self.config.sheet_shapes:
                run.sheet[truth.record.id] = mesh
        return run

    def _score(
        self, truth: Truth, mesh: trimesh.Trimesh, source: str | None
    ) -> tuple[dict, ShapeMeasure]:
        """Reconstruction metrics and measurements of an output (reused by `source`)."""
        recon = self._recon_cache.get((truth.record.id, source)) if source else None
        if recon is None:
            recon = compare_to_reference(truth.reference, mesh)
        measured = self._measure_cache.get(source) if source else None
        if measured is None:
            measured = self._measure(mesh)
        if source:
            self._recon_cache[(truth.record.id, source)] = recon
            self._measure_cache[source] = measured
        return recon, measured

    def _generate(self, generator: Generator, item: Item) -> trimesh.Trimesh:
        if item.route == "image":
            return generator.image(item.image, seed=self.config.seed)
        return generator.text(item.prompt, seed=self.config.seed)


@dataclass
class Evaluation:
    """Everything a report shows.

    Attributes
    ----------
    metrics : dict
        ``ground_truth`` (the test shapes measured like outputs), ``methods``
        (generator name -> route -> summary), ``timings`` (seconds) and the counts.
    rows : dict of str to list of dict
        Per-shape rows by ``"<generator> <route>"``.
    sheet : dict of str to dict of str to Trimesh
        Outputs shown on the sample sheet, by run label and test shape id.
    truths : dict of str to Truth
    """

    metrics: dict
    rows: dict[str, list[dict]]
    sheet: dict[str, dict[str, trimesh.Trimesh]]
    truths: dict[str, Truth]


def evaluate_generators(
    dataset,
    generators: list[Generator],
    classifier: EvalClassifier,
    config: EvalConfig | None = None,
) -> Evaluation:
    """Evaluate every generator on every route of `config` against `dataset`'s test split."""
    from meshsmith.eval.aggregate import ReferenceSets, summarize_run, truth_summary

    config = config or EvalConfig()
    evaluator = Evaluator(dataset, classifier, config)
    truth, truth_features = truth_summary(evaluator.truths, classifier)
    refs = ReferenceSets(evaluator.truths, config.emd_points)
    methods: dict[str, dict] = {}
    rows: dict[str, list[dict]] = {}
    sheet: dict[str, dict[str, trimesh.Trimesh]] = {}
    timings = {"prepare": evaluator.prepare_seconds}
    for generator in generators:
        for route in config.routes:
            label = f"{generator.name} {route}"
            start = time.perf_counter()
            run = evaluator.run(generator, route)
            if not run.rows:
                continue
            summary = summarize_run(run, evaluator.truths, classifier, refs, truth_features)
            methods.setdefault(generator.name, {})[route] = summary
            rows[label], sheet[label] = run.rows, run.sheet
            timings[label] = time.perf_counter() - start
            log.info("evaluated %s in %.1f s", label, timings[label])
    metrics = {
        "test_shapes": len(evaluator.records),
        "categories": sorted({r.category for r in evaluator.records}),
        "train_shapes": len(dataset.records(split="train")),
        "ground_truth": truth,
        "methods": methods,
        "timings": timings,
    }
    return Evaluation(metrics, rows, sheet, evaluator.truths)
