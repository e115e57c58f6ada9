"""The task queue: Huey on SQLite (a file in the data dir) or on Redis.

A queued task carries only a job id; everything else lives in the job record. Huey's
default serializer is pickle, which would let anyone who can write to the queue run code
in the workers: tasks here are JSON. Huey drops a task once a worker dequeues it (no
acknowledgement), so the job record's lease, not the queue, is what recovers a killed
worker's job (see `meshsmith.service.reaper`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.registry import Message
from huey.serializer import Serializer

from meshsmith.errors import InputError

QUEUE_NAME = "meshsmith"


class JsonSerializer(Serializer):
    """Huey messages as JSON: ids, names, numbers and the job id, nothing executable."""

    def _serialize(self, data: Message) -> bytes:
        if not isinstance(data, Message):
            raise TypeError(f"only task messages are queued, not {type(data).__name__}")
        return json.dumps(list(data)).encode()

    def _deserialize(self, data: bytes) -> Message:
        fields = json.loads(data)
        message = Message(*fields)
        return message._replace(args=tuple(message.args or ()), kwargs=message.kwargs or {})


class JobQueue:
    """Enqueue job ids; in a worker, hand dequeued ids to `handler`.

    Parameters
    ----------
    url : str or None
        None or "sqlite" for `default_path`, "sqlite:///PATH" for another file
        ("sqlite:////srv/queue.db" for an absolute path),
        "redis://host:port/db" for Redis.
    default_path : Path
        The SQLite queue file used when `url` names no file.
    """

    def __init__(self, url: str | None, default_path: Path) -> None:
        self.url = url or "sqlite"
        self.huey = make_huey(self.url, default_path)
        self._handler: Callable[[str], None] | None = None

        @self.huey.task(name="run_job")
        def run_job(job_id: str) -> None:
            if self._handler is None:
                raise RuntimeError("this process enqueues jobs but does not run them")
            self._handler(job_id)

        self._task = run_job

    def enqueue(self, job_id: str) -> None:
        self._task(job_id)

    def set_handler(self, handler: Callable[[str], None]) -> None:
        self._handler = handler

    def depth(self) -> int:
        """Tasks waiting in the queue (including ones for jobs since cancelled)."""
        return self.huey.pending_count()

    def check(self) -> None:
        """Raise InputError if the queue storage cannot be reached."""
        try:
            self.depth()
        except Exception as exc:  # redis and sqlite3 raise their own types
            raise InputError(f"cannot reach the queue {self.display_url}: {exc}") from None

    @property
    def display_url(self) -> str:
        """The URL without a password, for logs and the worker registry."""
        parsed = urlparse(self.url)
        if parsed.password:
            return self.url.replace(f":{parsed.password}@", ":***@")
        return self.url


def is_redis_url(url: str) -> bool:
    """redis://, rediss:// (TLS) or unix:// (a Redis socket)."""
    return urlparse(url).scheme in ("redis", "rediss", "unix")


def make_huey(url: str, default_path: Path) -> Huey:
    """A Huey instance for a queue URL (no results kept: job records hold them)."""
    common = {"name": QUEUE_NAME, "results": False, "serializer": JsonSerializer()}
    if url == "sqlite":
        return SqliteHuey(filename=str(default_path), **common)
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return SqliteHuey(filename=url[len("sqlite:///") :], **common)
    if is_redis_url(url):
        return RedisHuey(url=url, **common)
    raise InputError(f"unsupported queue URL {url!r}: use sqlite, sqlite:///PATH or redis://HOST")
