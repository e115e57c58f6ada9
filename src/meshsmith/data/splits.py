"""Train/val/test splits by shape, and per-shape seeds, from hashes (no global state).

A shape's split depends only on the dataset seed and its id, so it never changes
when the dataset grows (more shapes per category) or is built in shards.
"""

from __future__ import annotations

import hashlib

SPLITS = ("train", "val", "test")
#: Cumulative shares of train and val; the rest is test.
SPLIT_SHARES = (0.8, 0.9)


def _unit(text: str) -> float:
    """A number in [0, 1) fixed by `text`."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2.0**64


def split_of(shape_id: str, dataset_seed: int) -> str:
    """``"train"`` (80 %), ``"val"`` (10 %) or ``"test"`` (10 %) for a shape id."""
    u = _unit(f"meshsmith-split/{dataset_seed}/{shape_id}")
    if u < SPLIT_SHARES[0]:
        return "train"
    return "val" if u < SPLIT_SHARES[1] else "test"


def shape_seed(dataset_seed: int, category: str, index: int) -> int:
    """The generator seed of shape `index` of `category` (48 bits, JSON-safe)."""
    digest = hashlib.sha256(f"meshsmith-shape/{dataset_seed}/{category}/{index}".encode())
    return int.from_bytes(digest.digest()[:6], "big")
