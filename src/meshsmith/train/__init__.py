"""Training: recipes, data in memory, objectives, the loop, checkpoints, DDP.

- ``config``: `TrainConfig` and the ``tiny`` / ``small`` / ``base`` presets.
- ``data``, ``augment``, ``prior_data``: batches for each stage.
- ``objectives``: the autoencoder and flow-matching losses.
- ``loop``: `train` (the curriculum, EMA, schedules, logging).
- ``checkpoint``, ``logger``, ``validate``, ``distributed``: around the loop.
- ``commands``: ``meshsmith train``.
"""
