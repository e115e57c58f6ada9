"""`meshsmith` subcommands of the eval stage (registered by meshsmith.cli).

- ``meshsmith compare A B [--json] [--points N]``: reconstruction metrics of B against A.
- ``meshsmith eval --data DIR -o REPORT_DIR [--model NAME|PATH [--autoencoder]]
  [--baseline B] [--routes R] [--quick] [--max-shapes N] [--cache-dir DIR | --no-cache]``
- ``meshsmith eval train-classifier --data DIR -o PATH [--steps N]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from meshsmith.cli_types import emit, existing_dir, existing_file, positive_int
from meshsmith.errors import InputError

BASELINE_NAMES = ("retrieval", "medoid")
QUICK_CLASSIFIER_STEPS = 100


def cmd_compare(args: argparse.Namespace) -> int:
    from meshsmith.eval.reconstruction import compare_meshes
    from meshsmith.export.load import load_mesh

    start = time.perf_counter()
    metrics = compare_meshes(
        load_mesh(args.a), load_mesh(args.b), points=args.points, seed=args.seed
    )
    payload = {"a": str(args.a), "b": str(args.b), "points": args.points, **metrics}
    payload["seconds"] = round(time.perf_counter() - start, 3)
    emit(
        payload,
        args.json,
        [
            f"{args.b} against {args.a} ({args.points} points, A's unit box)",
            *(f"  {key:<20} {value:.6g}" for key, value in metrics.items()),
        ],
    )
    return 0


def _train(dataset, steps: int, seed: int):
    from meshsmith.eval.classifier_train import TrainConfig, train_classifier

    return train_classifier(dataset, train=TrainConfig(steps=steps, seed=seed))


def cmd_train_classifier(args: argparse.Namespace) -> int:
    from meshsmith.data.dataset import Dataset
    from meshsmith.eval.classifier_train import TrainConfig

    start = time.perf_counter()
    classifier = _train(Dataset(args.data), args.steps or TrainConfig().steps, args.seed)
    path = classifier.save(args.output)
    metrics = classifier.metrics
    payload = {
        "output": str(path),
        "steps": metrics["steps"],
        "final_loss": metrics["losses"][-1] if metrics["losses"] else None,
        "test_split": metrics["test_split"],
        "test_accuracy": metrics["test_accuracy"],
        "heads": {head: len(names) for head, names in classifier.vocabulary.heads.items()},
        "seconds": round(time.perf_counter() - start, 2),
    }
    accuracy = ", ".join(
        f"{k} {v:.3f}" if v is not None else f"{k} n/a" for k, v in metrics["test_accuracy"].items()
    )
    emit(
        payload,
        args.json,
        [
            f"wrote {path} in {payload['seconds']:.1f} s ({metrics['steps']} steps)",
            f"  {metrics['test_split']} accuracy: {accuracy or 'no held-out shapes'}",
        ],
    )
    return 0


def _baselines(spec: str | None) -> list[str]:
    if spec is None:
        return list(BASELINE_NAMES)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = sorted(set(names) - set(BASELINE_NAMES))
    if unknown or not names:
        raise InputError(f"unknown baseline {','.join(unknown)!r}; choose from retrieval, medoid")
    return names


def _routes(spec: str | None) -> tuple[str, ...] | None:
    """The routes of ``--routes`` (None: the default, every route)."""
    if spec is None:
        return None
    from meshsmith.eval.evaluate import ROUTES

    names = tuple(dict.fromkeys(name.strip() for name in spec.split(",") if name.strip()))
    unknown = [name for name in names if name not in ROUTES]
    if unknown or not names:
        raise InputError(f"unknown route {','.join(unknown)!r}; choose from {', '.join(ROUTES)}")
    return names


def cmd_eval(args: argparse.Namespace) -> int:
    if args.data is None or args.output is None:
        raise InputError("eval needs --data DIR and -o REPORT_DIR (or: eval train-classifier)")
    if args.autoencoder and not args.model:
        raise InputError("--autoencoder needs a trained model: --model NAME|PATH")
    from meshsmith.eval.generators import load_generator

    start, cpu_start = time.perf_counter(), time.process_time()
    # Bad options fail before the heavy imports (torch, the renderer).
    generators = [load_generator(args.model)] if args.model else []
    autoencoder = getattr(generators[0], "autoencoder", None) if args.autoencoder else None
    if args.autoencoder and autoencoder is None:
        raise InputError(f"model {args.model} has no autoencoder to evaluate")
    names = _baselines(args.baseline)
    routes = _routes(args.routes)

    from dataclasses import asdict, replace

    from meshsmith import __version__
    from meshsmith.data.dataset import Dataset
    from meshsmith.eval.baselines import BASELINES, TrainingIndex
    from meshsmith.eval.cache import EvalCache, default_cache_dir
    from meshsmith.eval.classifier import EvalClassifier
    from meshsmith.eval.classifier_train import TrainConfig
    from meshsmith.eval.evaluate import EvalConfig, evaluate_generators
    from meshsmith.eval.report import write_report

    dataset = Dataset(args.data)
    config = EvalConfig.quick() if args.quick else EvalConfig()
    overrides = {
        "max_shapes": args.max_shapes,
        "recon_points": args.points,
        "emd_points": args.emd_points,
        "workers": args.workers,
        "routes": routes,
    }
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})
    losses = None
    if args.classifier:
        classifier = EvalClassifier.load(args.classifier)
        source = f"`{args.classifier}`"
    else:
        steps = args.steps or (QUICK_CLASSIFIER_STEPS if args.quick else TrainConfig().steps)
        classifier = _train(dataset, steps, config.seed)
        path = classifier.save(args.output / "classifier.safetensors")
        losses = classifier.metrics["losses"]
        source = f"trained for this report ({steps} steps), `{path.name}`"
    cache = EvalCache(dataset, None if args.no_cache else args.cache_dir or default_cache_dir())
    index = TrainingIndex(dataset, cache=cache)
    generators += [BASELINES[name](index) for name in names]
    evaluation = evaluate_generators(dataset, generators, classifier, config, cache)
    if autoencoder is not None:
        from meshsmith.eval.autoencoding import evaluate_autoencoder

        result = evaluate_autoencoder(
            dataset,
            autoencoder,
            max_shapes=config.max_shapes,
            recon_points=config.recon_points,
            resolution=config.autoencoder_resolution,
            seed=config.seed,
        )
        evaluation.metrics["autoencoder"] = result
        evaluation.metrics["timings"]["autoencoder"] = result["seconds"]
    evaluation.metrics["run"] = {
        "dataset": str(args.data),
        "command": "meshsmith " + " ".join(sys.argv[1:]),
        "version": __version__,
        "quick": bool(args.quick),
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu_start,
        "cache": None if cache.folder is None else str(cache.folder),
    }
    evaluation.metrics["config"] = asdict(config)
    evaluation.metrics["classifier"] = {
        "source": source,
        "feature": classifier.config.feature,
        **{k: v for k, v in classifier.metrics.items() if k != "losses"},
    }
    metrics = write_report(evaluation, args.output, losses, sheet_size=96 if args.quick else 128)
    lines = [f"wrote {args.output / 'report.md'} in {time.perf_counter() - start:.1f} s"]
    for method, routes in metrics["methods"].items():
        for route, summary in routes.items():
            recon = summary.get("reconstruction") or {}
            lines.append(
                f"  {method} {route}: CD-L1 {_num(recon.get('chamfer_l1'), 4)}, "
                f"F@0.01 {_num(recon.get('fscore@0.01'), 3)}, "
                f"IoU {_num(recon.get('iou'), 3)}; own box: "
                f"CD-L1 {_num(recon.get('chamfer_l1_ownbox'), 4)}, "
                f"IoU {_num(recon.get('iou_ownbox'), 3)}"
            )
    if "autoencoder" in metrics:
        ae = metrics["autoencoder"]["summary"]
        lines.append(
            f"  autoencoder ({ae['shapes']} shapes, {ae['failures']} failed): "
            f"CD-L1 {_num(ae.get('chamfer_l1'), 4)}, IoU {_num(ae.get('iou'), 3)}"
        )
    emit(metrics, args.json, lines)
    return 0


def _num(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this stage's subcommands to the `meshsmith` parser."""
    p = subparsers.add_parser("compare", help="reconstruction metrics of mesh B against mesh A")
    p.add_argument("a", type=existing_file, help="reference mesh (sets the unit-box frame)")
    p.add_argument("b", type=existing_file, help="mesh to score, in the same world frame")
    p.add_argument("--points", type=positive_int, default=100_000, help="samples per mesh")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.set_defaults(func=cmd_compare)

    p = subparsers.add_parser(
        "eval", help="evaluate baselines (and a model) on a dataset; write a report folder"
    )
    p.add_argument("--data", type=existing_dir, help="dataset folder (meshsmith data build)")
    p.add_argument("-o", "--output", type=Path, help="report folder")
    p.add_argument("--model", help="registered model name or checkpoint file")
    p.add_argument(
        "--autoencoder",
        action="store_true",
        help="also encode and decode test shapes with the model's autoencoder "
        "(2 per category, or --max-shapes; quick: 12) and report it",
    )
    p.add_argument("--baseline", help="retrieval, medoid or both comma-separated (default both)")
    p.add_argument(
        "--routes",
        help="comma-separated routes to evaluate (default text,paraphrase,image,sketch)",
    )
    p.add_argument("--classifier", type=existing_file, help="evaluation classifier to use")
    p.add_argument("--steps", type=positive_int, help="classifier steps when training one")
    p.add_argument(
        "--max-shapes",
        type=positive_int,
        help="evaluate at most this many test shapes, taken in turn from each category",
    )
    p.add_argument("--points", type=positive_int, help="reconstruction samples (default 100000)")
    p.add_argument("--emd-points", type=positive_int, help="EMD subsample size (default 256)")
    p.add_argument("--quick", action="store_true", help="few shapes and points: a smoke test")
    p.add_argument(
        "--workers", type=positive_int, help="threads scoring outputs (default 2; same numbers)"
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        help="where training-set embeddings and clouds are kept between runs "
        "(default $MESHSMITH_CACHE_DIR or ~/.cache/meshsmith)",
    )
    p.add_argument("--no-cache", action="store_true", help="recompute them; write no cache")
    p.add_argument("--json", action="store_true", help="print metrics.json")
    p.set_defaults(func=cmd_eval)
    sub = p.add_subparsers(dest="eval_command", parser_class=type(p))
    t = sub.add_parser("train-classifier", help="train the evaluation classifier")
    t.add_argument("--data", type=existing_dir, required=True, help="dataset folder")
    t.add_argument("-o", "--output", type=Path, required=True, help="weights (.safetensors)")
    t.add_argument("--steps", type=positive_int, help="optimisation steps (default 4000)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--json", action="store_true")
    t.set_defaults(func=cmd_train_classifier)
