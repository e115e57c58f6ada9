"""Uploads and result files on each store: the data dir's folders and Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshsmith.service.backend import open_backend
from meshsmith.service.config import ServiceConfig

JOB_ID = "0123456789abcdef0123456789abcdef"


def read(body: Path | bytes | None) -> bytes | None:
    return body.read_bytes() if isinstance(body, Path) else body


def test_inputs_are_kept_by_their_hash(backend_config):
    files = open_backend(backend_config).files
    files.put_input("ab" * 32, b"first")
    files.put_input("ab" * 32, b"first")  # identical uploads share one copy
    assert files.read_input("ab" * 32) == b"first"
    with pytest.raises(FileNotFoundError):
        files.read_input("cd" * 32)


def publish(files, names: list[str], content: bytes) -> Path:
    """One attempt's files, published; returns the staging folder it used."""
    with files.staging(JOB_ID) as staging:
        for name in names:
            (staging / name).write_bytes(content)
        files.publish(JOB_ID, staging)
    return staging


def test_a_published_set_replaces_the_previous_one_whole(backend_config):
    files = open_backend(backend_config).files
    assert files.asset(JOB_ID, "model.glb") is None
    staging = publish(files, ["model.glb", "model.obj"], b"first")
    assert not staging.exists()
    assert read(files.asset(JOB_ID, "model.obj")) == b"first"
    publish(files, ["model.glb"], b"second")
    assert read(files.asset(JOB_ID, "model.glb")) == b"second"
    assert files.asset(JOB_ID, "model.obj") is None  # the earlier attempt's file is gone
    assert files.asset(JOB_ID, "../jobs.db") is None and files.asset("f" * 32, "model.glb") is None


def test_redis_keeps_nothing_on_the_workers_disk(redis_server, tmp_path):
    config = ServiceConfig(data_dir=tmp_path / "data", queue_url=redis_server.url(0))
    files = open_backend(config).files
    files.put_input("ab" * 32, b"upload")
    publish(files, ["model.glb"], b"glTF")
    assert files.asset(JOB_ID, "model.glb") == b"glTF"
    assert not config.data_dir.exists()
