"""The worker registry: which workers are alive, what model they run, what they work on.

Each worker writes a heartbeat every few seconds. The API process reads it for /readyz and
for the model version that goes into cache keys, so it never has to load the model (or
torch) itself.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from meshsmith.service.db import Database, now


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


class WorkerRegistry:
    """Rows of the `workers` table; a worker is live while its heartbeat is recent."""

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

    def model_version(self) -> str | None:
        """The model version of the most recently started live worker, if any."""
        workers = self.live()
        return workers[-1].model_version if workers else None

    def forget_dead(self, older_than: float) -> int:
        """Drop rows of workers silent for `older_than` seconds (killed without a goodbye)."""
        return self.db.execute("DELETE FROM workers WHERE heartbeat < ?", (now() - older_than,))
