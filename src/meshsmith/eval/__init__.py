"""Evaluation: metrics, baselines, reports and benchmarks.

Modules, in the order data flows through them:

- ``frame``, ``sampling``: the unit-box frame, area-uniform surface samples with
  material.
- ``nearest``: the k-d tree behind every nearest-sample distance.
- ``cache``: training-split arrays (clouds, view embeddings, medoids) kept on disk
  per dataset between runs.
- ``reconstruction``: Chamfer-L1/L2, accuracy, completeness, F-score, normal
  consistency, IoU (Occupancy Networks); ``meshsmith compare``.
- ``generation``, ``fpd``: MMD, COV, 1-NNA under CD and EMD (PointFlow); Fréchet
  point-cloud distance.
- ``classifier``, ``classifier_train``: the evaluation PointNet (category and
  attributes; features for FPD); ``meshsmith eval train-classifier``.
- ``memorization``, ``quality``, ``stability``, ``measure``: per-shape checks.
- ``embedders``, ``generators``, ``baselines``: what is evaluated (the `Generator`
  protocol, the model registry, retrieval and medoid baselines).
- ``evaluate``, ``aggregate``, ``plots``, ``sheet``, ``report``: ``meshsmith eval``.
- ``bench``: ``meshsmith bench``.
"""
