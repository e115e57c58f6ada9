"""On-disk cache of what an evaluation derives from a dataset's training split.

Embedding thousands of training views, subsampling thousands of surface sample
files and finding category medoids cost minutes, and give the same arrays on every
run over the same dataset. `EvalCache` keeps them as ``.npz`` files (no pickle)
under ``CACHE_DIR/eval/<fingerprint>/``, where the fingerprint is the SHA-256 of
the dataset's ``manifest.jsonl``. The manifest lists every file's SHA-256, so a
rebuilt or edited dataset has a new fingerprint and never meets a stale entry;
an entry's name also hashes the parameters it was computed with (seed, point
counts, embedder settings).

The cache folder is ``$MESHSMITH_CACHE_DIR``, else ``$XDG_CACHE_HOME/meshsmith``,
else ``~/.cache/meshsmith``. A folder that cannot be written is not an error: the
arrays are computed as without a cache, with one warning.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from meshsmith.data.manifest import MANIFEST

log = logging.getLogger(__name__)

CACHE_ENV = "MESHSMITH_CACHE_DIR"
#: Bumped when the meaning of a cached array changes.
FORMAT = 1
_META = "__meta__"

Arrays = dict[str, np.ndarray]


def default_cache_dir() -> Path:
    """``$MESHSMITH_CACHE_DIR``, else ``$XDG_CACHE_HOME/meshsmith``, else ``~/.cache/meshsmith``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "meshsmith"


def dataset_fingerprint(dataset) -> str:
    """Hex SHA-256 of the dataset's manifest (which holds the hash of every file)."""
    return hashlib.sha256((Path(dataset.root) / MANIFEST).read_bytes()).hexdigest()


class EvalCache:
    """Arrays derived from one dataset, computed once and kept on disk.

    Parameters
    ----------
    dataset : meshsmith.data.dataset.Dataset
    root : Path or None
        Cache folder (`default_cache_dir`); None keeps nothing on disk.
    """

    def __init__(self, dataset, root: Path | None):
        self.fingerprint = dataset_fingerprint(dataset)
        self.folder = None if root is None else Path(root) / "eval" / self.fingerprint[:24]
        self._warned = False

    def path(self, name: str, params: dict) -> Path | None:
        """Where the entry `name` computed with `params` lives (None without a folder)."""
        if self.folder is None:
            return None
        digest = hashlib.sha256(_meta(self.fingerprint, params).encode()).hexdigest()[:16]
        return self.folder / f"{name}-{digest}.npz"

    def arrays(self, name: str, params: dict, compute: Callable[[], Arrays]) -> Arrays:
        """The arrays of entry `name`: read from disk, or computed by `compute` and stored.

        Parameters
        ----------
        name : str
            Entry name (a file-name stem).
        params : dict
            JSON-able settings the arrays depend on, besides the dataset.
        compute : callable returning dict of str to ndarray
            Numeric or string arrays (no objects).
        """
        path = self.path(name, params)
        meta = _meta(self.fingerprint, params)
        if path is not None and path.is_file():
            cached = _read(path, meta)
            if cached is not None:
                return cached
        arrays = compute()
        if path is not None:
            self._write(path, meta, arrays)
        return arrays

    def _write(self, path: Path, meta: str, arrays: Arrays) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written beside the target and renamed: a reader never sees half a file.
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as f:
                np.savez(f, **arrays, **{_META: np.array(meta)})
            os.replace(f.name, path)
        except OSError as error:
            if not self._warned:
                log.warning("evaluation cache not written (%s); continuing without it", error)
                self._warned = True


def cached_arrays(
    cache: EvalCache | None, name: str, params: dict, compute: Callable[[], Arrays]
) -> Arrays:
    """``cache.arrays(name, params, compute)``, or just ``compute()`` without a cache."""
    return compute() if cache is None else cache.arrays(name, params, compute)


def _meta(fingerprint: str, params: dict) -> str:
    return json.dumps({"format": FORMAT, "dataset": fingerprint, **params}, sort_keys=True)


def _read(path: Path, meta: str) -> Arrays | None:
    """The arrays of a cache file, or None when it is unreadable or for other settings."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if _META not in data.files or str(data[_META]) != meta:
                return None
            return {key: data[key] for key in data.files if key != _META}
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        log.warning("ignoring unreadable cache file %s: %s", path, error)
        return None
