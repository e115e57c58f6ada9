"""The worker registry: which workers are alive, what model they run, what they work on.

Each worker writes a heartbeat every few seconds. The API process reads it for /readyz and
for the model version that goes into cache keys, so it never has to load the model (or
torch) itself. Kept beside the job records: in the data dir's SQLite database, or in Redis.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Protocol

import redis

from meshsmith.service.db import Database, now
from meshsmith.service.store_redis import PREFIX, redis_now


@dataclass(frozen=True)
class WorkerInfo:
    id: str
    host: str
    pid: int
    model: str
    model_version: str
    queue: str
    started: float
    heartbeat: float
    job: str | None


class WorkerRegistry(Protocol):
    """Live workers: a worker is live while its heartbeat is recent."""

    def register(self, worker_id: str, model: str, model_version: str, queue: str) -> None: ...
    def heartbeat(self, worker_id: str, job: str | None) -> None: ...
    def unregister(self, worker_id: str) -> None: ...
    def live(self) -> list[WorkerInfo]:
        """Live workers, oldest first."""
        ...

    def forget_dead(self, older_than: float) -> int:
        """Drop workers silent for `older_than` seconds (killed without a goodbye)."""
        ...


def live_model_version(registry: WorkerRegistry) -> str | None:
    """The model version of the most recently started live worker, if any."""
    workers = registry.live()
    return workers[-1].model_version if workers else None


class SqliteWorkerRegistry:
    """Rows of the `workers` table in the data dir's database."""

    def __init__(self, db: Database, live_seconds: float) -> None:
        self.db = db
        self.live_seconds = live_seconds

    def register(self, worker_id: str, model: str, model_version: str, queue: str) -> None:
        t = now()
        self.db.execute(
            "INSERT OR REPLACE INTO workers (id, host, pid, model, model_version, queue, started,"
            " heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (worker_id, socket.gethostname(), os.getpid(), model, model_version, queue, t, t),
        )

    def heartbeat(self, worker_id: str, job: str | None) -> None:
        self.db.execute(
            "UPDATE workers SET heartbeat = ?, job = ? WHERE id = ?", (now(), job, worker_id)
        )

    def unregister(self, worker_id: str) -> None:
        self.db.execute("DELETE FROM workers WHERE id = ?", (worker_id,))

    def live(self) -> list[WorkerInfo]:
        rows = self.db.query(
            "SELECT * FROM workers WHERE heartbeat > ? ORDER BY started",
            (now() - self.live_seconds,),
        )
        return [WorkerInfo(**dict(row)) for row in rows]

    def forget_dead(self, older_than: float) -> int:
        return self.db.execute("DELETE FROM workers WHERE heartbeat < ?", (now() - older_than,))


class RedisWorkerRegistry:
    """A hash per worker (`worker:<id>`) and the ids by last heartbeat (`workers`)."""

    def __init__(self, client: redis.Redis, live_seconds: float) -> None:
        self.client = client
        self.live_seconds = live_seconds
        self._ids = f"{PREFIX}workers"

    def register(self, worker_id: str, model: str, model_version: str, queue: str) -> None:
        t = redis_now(self.client)
        fields = {
            "id": worker_id, "host": socket.gethostname(), "pid": os.getpid(), "model": model,
            "model_version": model_version, "queue": queue, "started": t, "heartbeat": t,
        }  # fmt: skip
        pipe = self.client.pipeline()
        pipe.delete(_key(worker_id))
        pipe.hset(_key(worker_id), mapping=fields)
        pipe.zadd(self._ids, {worker_id: t})
        pipe.execute()

    def heartbeat(self, worker_id: str, job: str | None) -> None:
        t = redis_now(self.client)
        if not self.client.zadd(self._ids, {worker_id: t}, xx=True, ch=True):
            return  # forgotten as dead, like the SQL registry's UPDATE of a deleted row
        pipe = self.client.pipeline()
        pipe.hset(_key(worker_id), "heartbeat", t)
        if job is None:
            pipe.hdel(_key(worker_id), "job")
        else:
            pipe.hset(_key(worker_id), "job", job)
        pipe.execute()

    def unregister(self, worker_id: str) -> None:
        pipe = self.client.pipeline()
        pipe.zrem(self._ids, worker_id)
        pipe.delete(_key(worker_id))
        pipe.execute()

    def live(self) -> list[WorkerInfo]:
        since = redis_now(self.client) - self.live_seconds
        ids = self.client.zrangebyscore(self._ids, f"({since}", "+inf")
        pipe = self.client.pipeline(transaction=False)
        for worker_id in ids:
            pipe.hgetall(_key(worker_id))
        workers = [_worker(fields) for fields in pipe.execute() if fields]
        return sorted(workers, key=lambda w: w.started)

    def forget_dead(self, older_than: float) -> int:
        before = redis_now(self.client) - older_than
        ids = self.client.zrangebyscore(self._ids, "-inf", f"({before}")
        for worker_id in ids:
            self.unregister(worker_id)
        return len(ids)


def _key(worker_id: str) -> str:
    return f"{PREFIX}worker:{worker_id}"


def _worker(fields: dict[str, str]) -> WorkerInfo:
    return WorkerInfo(
        id=fields["id"],
        host=fields["host"],
        pid=int(fields["pid"]),
        model=fields["model"],
        model_version=fields["model_version"],
        queue=fields["queue"],
        started=float(fields["started"]),
        heartbeat=float(fields["heartbeat"]),
        job=fields.get("job"),
    )
