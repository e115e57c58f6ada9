"""Training logs: ``metrics.jsonl`` always, TensorBoard when its package is installed.

``RUN_DIR/metrics.jsonl`` has one JSON object per logged step (``step``, ``stage``
and scalar values); ``RUN_DIR/tensorboard/`` holds the event files
(``tensorboard --logdir RUN_DIR/tensorboard``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger("meshsmith.train")


class TrainLogger:
    """Scalars and images of one run; a no-op on ranks other than 0."""

    def __init__(self, run_dir: Path, enabled: bool = True) -> None:
        self.enabled = enabled
        self.path = run_dir / "metrics.jsonl"
        self.writer = None
        if not enabled:
            return
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / "tensorboard"))
        except ImportError:
            log.warning("tensorboard is not installed; logging to metrics.jsonl only")

    def scalars(self, step: int, stage: str, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        row = {"step": step, "stage": stage, **{k: float(v) for k, v in values.items()}}
        with self.path.open("a") as f:
            f.write(json.dumps(row) + "\n")
        if self.writer is not None:
            for key, value in values.items():
                self.writer.add_scalar(f"{stage}/{key}", float(value), step)
        log.info(
            "step %d %s %s",
            step,
            stage,
            " ".join(f"{k}={float(v):.4g}" for k, v in values.items()),
        )

    def image(self, step: int, tag: str, image: np.ndarray) -> None:
        """Log an ``(H, W, 3|4) uint8`` image."""
        if self.enabled and self.writer is not None:
            self.writer.add_image(tag, image, step, dataformats="HWC")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def read_metrics(run_dir: Path) -> list[dict]:
    """The rows of a run's ``metrics.jsonl``."""
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
