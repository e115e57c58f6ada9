"""Run generators over a dataset's test shapes and measure every output.

Routes (what a generator is asked):

- ``text``: each test shape's first caption;
- ``paraphrase``: its first held-out caption (phrasings from templates never used
  in any training caption), so the text route's robustness to new wording shows;
- ``image``: its first rendered view (when the dataset has views);
- ``sketch``: its first sketch render (drawn from the same camera as that view).

Every output is compared with its test shape (`meshsmith.eval.reconstruction`), in
the test shape's frame and in its own box (scale-free), and measured alone
(`meshsmith.eval.measure`); `meshsmith.eval.aggregate` turns the rows into the
report's numbers. When a generator says which training shape it returned (the
baselines' ``text_source``/``image_source``/``sketch_source``), measurements of a
shape already seen are reused, which makes the baselines cheap to evaluate.

Generators are called from one thread, in order; preparing the test shapes and
scoring outputs run on `EvalConfig.workers` threads (their heavy parts, k-d tree,
winding-number and distance queries and large array operations, release the
GIL). Every computation is seeded by itself, so the numbers do not depend on the
number of workers.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import trimesh

from meshsmith.data.dataset import interleave_categories
from meshsmith.errors import InputError, MeshsmithError
from meshsmith.eval.cache import EvalCache
from meshsmith.eval.classifier import EvalClassifier
from meshsmith.eval.generation import EMD_POINTS
from meshsmith.eval.generators import Generator
from meshsmith.eval.measure import ShapeMeasure, measure_shape
from meshsmith.eval.memorization import TrainingShapes
from meshsmith.eval.paired import paired_comparisons
from meshsmith.eval.reconstruction import (
    DEFAULT_POINTS,
    Candidate,
    Reference,
    compare_to_reference,
)

log = logging.getLogger(__name__)

ROUTES = ("text", "paraphrase", "image", "sketch")
#: Routes whose input is a picture (`Item.image`) rather than a prompt.
PICTURE_ROUTES = ("image", "sketch")
#: The `Generator` method (and ``<method>_source``) that answers each route.
ROUTE_METHODS = {"text": "text", "paraphrase": "text", "image": "image", "sketch": "sketch"}
#: Prepared outputs (`Candidate`, ~10 MB each at 100k samples) kept for reuse, by source.
CANDIDATE_CACHE = 32


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
    workers : int
        Threads preparing test shapes and scoring outputs; 1 does it all in the
        calling thread. The numbers do not depend on it.
    autoencoder_resolution : int
        Extraction grid of the autoencoder evaluation (``eval --autoencoder``,
        `meshsmith.eval.autoencoding`).
    """

    recon_points: int = DEFAULT_POINTS
    cloud_points: int = 2048
    emd_points: int = EMD_POINTS
    max_shapes: int | None = None
    sheet_shapes: int = 8
    routes: tuple[str, ...] = ROUTES
    seed: int = 0
    workers: int = 2
    autoencoder_resolution: int = 128

    @classmethod
    def quick(cls) -> EvalConfig:
        """A smoke-test evaluation: 12 shapes, 10k-point reconstruction metrics."""
        return cls(
            recon_points=10_000,
            emd_points=128,
            max_shapes=12,
            sheet_shapes=4,
            autoencoder_resolution=64,
        )


@dataclass
class Item:
    """One request to a generator: a test shape and the prompt or picture for it.

    Attributes
    ----------
    route : str
    record : meshsmith.data.dataset.ShapeRecord
    prompt : str or None
        Text routes.
    image : ndarray or None
        Picture routes: an (H, W, 3 or 4) uint8 sRGB view, or an (H, W) uint8 sketch
        (black lines on white).
    """

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
    return sorted(interleave_categories(records, max_shapes), key=lambda r: r.id)


def route_items(dataset, records: list, route: str) -> list[Item]:
    """The requests of `route` for `records` (shapes lacking its input are skipped)."""
    if route == "text":
        return [Item(route, r, prompt=r.captions[0]) for r in records if r.captions]
    if route == "paraphrase":
        return [
            Item(route, r, prompt=r.held_out_captions[0]) for r in records if r.held_out_captions
        ]
    if route in PICTURE_ROUTES:
        key = "rgb" if route == "image" else "sketch"
        items = []
        for record in records:
            views = dataset.views(record)
            if views:
                items.append(Item(route, record, image=views[0][key]))
        return items
    raise InputError(f"unknown route {route!r}; choose from {', '.join(ROUTES)}")


class Evaluator:
    """Test shapes and training shapes of a dataset, prepared once for many generators.

    Parameters
    ----------
    dataset : meshsmith.data.dataset.Dataset
    classifier : EvalClassifier
    config : EvalConfig
    cache : EvalCache, optional
        Keeps the training clouds between runs.
    """

    def __init__(
        self,
        dataset,
        classifier: EvalClassifier,
        config: EvalConfig,
        cache: EvalCache | None = None,
    ):
        self.dataset = dataset
        self.classifier = classifier
        self.config = config
        start = time.perf_counter()
        self.training = TrainingShapes(dataset, config.seed, cache)
        self.records = select_test_records(dataset, config.max_shapes)
        with _pool(config.workers) as pool:
            truths = [_submit(pool, self._truth, record) for record in self.records]
            self.truths = {r.id: t.result() for r, t in zip(self.records, truths, strict=True)}
        self.items = {route: route_items(dataset, self.records, route) for route in config.routes}
        self.prepare_seconds = time.perf_counter() - start
        # Outputs that are training shapes (baselines) are measured once, whichever
        # generator or route returned them: by (test id, source) and by source.
        # A training shape's sampled side (`Candidate`) is kept for the next test shapes
        # it is compared with (a medoid serves its whole category).
        self._recon_cache: dict[tuple[str, str], Future] = {}
        self._measure_cache: dict[str, Future] = {}
        self._candidates: OrderedDict[str, Future] = OrderedDict()

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
        (NotImplementedError, or no such method) gives an empty run.
        """
        run = RouteRun()
        method = ROUTE_METHODS[route]
        answer = getattr(generator, method, None)  # None: a generator older than the route
        source_of = getattr(generator, f"{method}_source", None)
        if answer is None:
            log.info("%s has no %s route", generator.name, route)
            return run
        # Outputs being scored, oldest first; a few at most, so meshes do not pile up.
        pending: list[tuple[int, dict, trimesh.Trimesh | None, Future | None, Future | None]] = []
        with _pool(self.config.workers) as pool:
            for index, item in enumerate(self.items.get(route, [])):
                truth = self.truths[item.record.id]
                record = truth.record
                row = {"id": record.id, "category": record.category, "prompt": item.prompt}
                start = time.perf_counter()
                try:
                    mesh = self._generate(answer, item)
                    row["seconds"] = time.perf_counter() - start
                    if source_of is not None:
                        picture = route in PICTURE_ROUTES
                        row["source"] = source_of(item.image if picture else item.prompt)
                except NotImplementedError:
                    log.info("%s has no %s route", generator.name, route)
                    return RouteRun()
                except MeshsmithError as error:
                    pending.append((index, {**row, "error": str(error)}, None, None, None))
                    continue
                recon, measured = self._score(pool, truth, mesh, row.get("source"))
                pending.append((index, row, mesh, recon, measured))
                while len(pending) > 4 * self.config.workers:
                    self._collect(run, *pending.pop(0))
            for entry in pending:
                self._collect(run, *entry)
        return run

    def _score(
        self, pool: ThreadPoolExecutor | None, truth: Truth, mesh: trimesh.Trimesh, source
    ) -> tuple[Future, Future]:
        """Reconstruction metrics and measurements of an output, as futures (reused by
        `source`, a training shape's id or None)."""
        if not source:
            return (
                _submit(pool, compare_to_reference, truth.reference, mesh, True),
                _submit(pool, self._measure, mesh),
            )
        key = (truth.record.id, source)
        if key not in self._recon_cache:
            candidate = self._candidate(pool, source, mesh)
            self._recon_cache[key] = _submit(pool, _compare, truth.reference, candidate)
        if source not in self._measure_cache:
            self._measure_cache[source] = _submit(pool, self._measure, mesh)
        return self._recon_cache[key], self._measure_cache[source]

    def _candidate(self, pool: ThreadPoolExecutor | None, source: str, mesh) -> Future:
        """The prepared `Candidate` of training shape `source` (kept for the last
        `CANDIDATE_CACHE` sources), as a future submitted before any task that waits on
        it, so a pool thread never waits on a task still queued behind it."""
        if source in self._candidates:
            self._candidates.move_to_end(source)
            return self._candidates[source]
        c = self.config
        future = _submit(pool, Candidate.from_mesh, mesh, c.recon_points, c.seed)
        self._candidates[source] = future
        while len(self._candidates) > CANDIDATE_CACHE:
            self._candidates.popitem(last=False)
        return future

    def _collect(
        self,
        run: RouteRun,
        index: int,
        row: dict,
        mesh: trimesh.Trimesh | None,
        recon: Future | None,
        measured: Future | None,
    ) -> None:
        """Add one output's row (and its measure and sheet mesh) to `run`."""
        if recon is None or measured is None:
            run.rows.append(row)
            return
        try:
            metrics, measure = recon.result(), measured.result()
        except MeshsmithError as error:
            run.rows.append({**row, "error": str(error)})
            return
        run.rows.append({**row, **metrics, **measure.row()})
        run.measures.append(measure)
        if index < self.config.sheet_shapes:
            run.sheet[row["id"]] = mesh

    def _generate(self, answer: Callable[..., trimesh.Trimesh], item: Item) -> trimesh.Trimesh:
        """`answer` (a generator's ``text``, ``image`` or ``sketch``) for `item`."""
        if item.route in PICTURE_ROUTES:
            return answer(item.image, seed=self.config.seed)
        return answer(item.prompt, seed=self.config.seed)


def _compare(reference: Reference, candidate: Future) -> dict[str, float]:
    """`compare_to_reference` (with own-box metrics) of a prepared candidate's future."""
    return compare_to_reference(reference, candidate.result(), own_box=True)


def _pool(workers: int) -> contextlib.AbstractContextManager:
    """A pool of `workers` threads; for one worker none (the context gives None)."""
    return ThreadPoolExecutor(workers) if workers > 1 else contextlib.nullcontext()


def _submit(pool: ThreadPoolExecutor | None, fn: Callable, *args) -> Future:
    """`fn(*args)` on the pool, or right now in this thread without one."""
    if pool is not None:
        return pool.submit(fn, *args)
    future: Future = Future()
    try:
        future.set_result(fn(*args))
    except Exception as error:  # handed to whoever reads the result, as a pool would
        future.set_exception(error)
    return future


@dataclass
class Evaluation:
    """Everything a report shows.

    Attributes
    ----------
    metrics : dict
        ``ground_truth`` (the test shapes measured like outputs), ``methods``
        (generator name -> route -> summary), ``paired`` (each model against each
        baseline, shape by shape: `meshsmith.eval.paired.paired_comparisons`),
        ``timings`` (seconds) and the counts.
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
    cache: EvalCache | None = None,
) -> Evaluation:
    """Evaluate every generator on every route of `config` against `dataset`'s test split
    (`cache`: see `Evaluator`)."""
    from meshsmith.eval.aggregate import ReferenceSets, summarize_run, truth_summary
    from meshsmith.eval.baselines import BASELINES

    config = config or EvalConfig()
    evaluator = Evaluator(dataset, classifier, config, cache)
    truth, truth_features = truth_summary(evaluator.truths, classifier)
    refs = ReferenceSets(evaluator.truths, config.emd_points, config.seed)
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
        "paired": paired_comparisons(rows, BASELINES),
        "timings": timings,
    }
    return Evaluation(metrics, rows, sheet, evaluator.truths)
