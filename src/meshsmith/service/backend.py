"""Where the service keeps what its processes share: job records, live workers, files.

The queue URL decides. With SQLite (the default) everything is in the data dir, so every
process runs on one host. With Redis, everything is in Redis, so a worker on another
machine needs only the Redis URL: no shared filesystem, no data dir. API keys are the API
server's alone and stay in its data dir either way (`meshsmith.service.keys`).
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from meshsmith.service.config import ServiceConfig
from meshsmith.service.db import Database
from meshsmith.service.files import DiskFiles, FileStore, RedisFiles
from meshsmith.service.queue import is_redis_url
from meshsmith.service.registry import RedisWorkerRegistry, SqliteWorkerRegistry, WorkerRegistry
from meshsmith.service.store import JobStore
from meshsmith.service.store_redis import RedisJobStore
from meshsmith.service.store_sqlite import SqliteJobStore


@dataclass(frozen=True)
class Backend:
    jobs: JobStore
    registry: WorkerRegistry
    files: FileStore


def open_backend(config: ServiceConfig) -> Backend:
    """The stores for `config.queue_url`: Redis for a Redis queue, else the data dir."""
    if config.queue_url and is_redis_url(config.queue_url):
        text = redis.Redis.from_url(config.queue_url, decode_responses=True)
        return Backend(
            jobs=RedisJobStore(text),
            registry=RedisWorkerRegistry(text, config.live_seconds),
            files=RedisFiles(redis.Redis.from_url(config.queue_url)),
        )
    config.prepare()
    db = Database(config.db_path)
    files = DiskFiles(config.assets_dir, config.inputs_dir)
    return Backend(
        jobs=SqliteJobStore(db, files),
        registry=SqliteWorkerRegistry(db, config.live_seconds),
        files=files,
    )
