"""Uploaded inputs and result files: in the data dir, or in Redis for workers elsewhere.

Both stores keep an upload under its sha256 and a job's results as one set of files under
the job's id (`asset_dir` in the record). A worker writes its files into a private staging
folder and publishes the folder in one step, so a record never points at half a set.
Names reaching a store come from job records (server-made ids, names the worker wrote),
never from a request. Files are deleted by the retention sweep with the last job that
names them: `DiskFiles.remove` for the SQLite store; in Redis the purge script deletes
the keys itself (`meshsmith.service.store`).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

import redis

from meshsmith.service.store_redis import PREFIX

ASSET_DIR = re.compile(r"^[0-9a-f]{32}$")  # a job id (`store.new_job_id`)
INPUT_NAME = re.compile(r"^[0-9a-f]{64}$")  # a sha256


class FileStore(Protocol):
    def put_input(self, sha256: str, data: bytes) -> None:
        """Keep an upload (identical uploads share one copy)."""
        ...

    def read_input(self, sha256: str) -> bytes:
        """An upload's bytes; FileNotFoundError if it is not stored."""
        ...

    def staging(self, job_id: str) -> AbstractContextManager[Path]:
        """An empty private folder for one attempt's files, removed afterwards."""
        ...

    def publish(self, asset_dir: str, folder: Path) -> None:
        """Make the files in `folder` the assets under `asset_dir`, replacing any, at once."""
        ...

    def asset(self, asset_dir: str, name: str) -> Path | bytes | None:
        """A published file (its path on disk or its bytes); None if there is none."""
        ...


class DiskFiles:
    """data_dir/inputs/<sha256> and data_dir/assets/<asset_dir>/<name>."""

    def __init__(self, assets_dir: Path, inputs_dir: Path) -> None:
        self.assets_dir = assets_dir
        self.inputs_dir = inputs_dir
        for folder in (assets_dir, inputs_dir):
            folder.mkdir(exist_ok=True)

    def put_input(self, sha256: str, data: bytes) -> None:
        path = self.inputs_dir / sha256
        if not path.exists():
            fd, tmp = tempfile.mkstemp(dir=self.inputs_dir, prefix=".upload-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)

    def read_input(self, sha256: str) -> bytes:
        return (self.inputs_dir / sha256).read_bytes()

    @contextmanager
    def staging(self, job_id: str) -> Iterator[Path]:
        """A folder beside the assets (same filesystem, so `publish` is one rename)."""
        folder = self.assets_dir / f".tmp-{job_id}-{os.getpid()}-{secrets.token_hex(3)}"
        folder.mkdir()
        try:
            yield folder
        finally:
            # this attempt's folder, and any left by attempts killed while saving
            for leftover in self.assets_dir.glob(f".tmp-{job_id}-*"):
                shutil.rmtree(leftover, ignore_errors=True)

    def publish(self, asset_dir: str, folder: Path) -> None:
        final = self.assets_dir / asset_dir
        if final.exists():  # an earlier attempt got this far before it died
            shutil.rmtree(final)
        os.replace(folder, final)

    def asset(self, asset_dir: str, name: str) -> Path | None:
        root = self.assets_dir.resolve()
        path = (root / asset_dir / name).resolve()
        return path if path.parent.parent == root and path.is_file() else None

    def remove(self, asset_dirs: Iterable[str], inputs: Iterable[str]) -> None:
        """Delete result folders and uploads (names from purged job records, checked here)."""
        for name in asset_dirs:
            if ASSET_DIR.match(name):
                shutil.rmtree(self.assets_dir / name, ignore_errors=True)
        for name in inputs:
            if INPUT_NAME.match(name):
                (self.inputs_dir / name).unlink(missing_ok=True)


class RedisFiles:
    """`input:<sha256>` strings and an `assets:<asset_dir>` hash of name → bytes.

    Results are a few MB a job and live in Redis memory until deleted; see docs/service.md
    for sizing and persistence.
    """

    def __init__(self, client: redis.Redis) -> None:
        self.client = client  # without decode_responses: values are bytes

    def put_input(self, sha256: str, data: bytes) -> None:
        key = f"{PREFIX}input:{sha256}"
        if not self.client.exists(key):  # a stored upload: do not send its bytes again
            self.client.set(key, data, nx=True)

    def read_input(self, sha256: str) -> bytes:
        data = self.client.get(f"{PREFIX}input:{sha256}")
        if data is None:
            raise FileNotFoundError(f"upload {sha256} is not in Redis")
        return data

    @contextmanager
    def staging(self, job_id: str) -> Iterator[Path]:
        """A temporary folder on this machine; `publish` sends its files to Redis."""
        with tempfile.TemporaryDirectory(prefix=f"meshsmith-{job_id}-") as folder:
            yield Path(folder)

    def publish(self, asset_dir: str, folder: Path) -> None:
        files = {path.name: path.read_bytes() for path in sorted(folder.iterdir())}
        key = f"{PREFIX}assets:{asset_dir}"
        pipe = self.client.pipeline()  # MULTI/EXEC: readers see the old set or the new one
        pipe.delete(key)
        pipe.hset(key, mapping=files)
        pipe.execute()

    def asset(self, asset_dir: str, name: str) -> bytes | None:
        return self.client.hget(f"{PREFIX}assets:{asset_dir}", name)
