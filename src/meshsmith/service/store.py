"""Job records: the `Job` shape and the `JobStore` protocol that both stores implement.

A job moves queued → running → succeeded | failed | cancelled. A worker *claims* a queued
job (attempts + 1, a lease until now + lease seconds) and must renew the lease while it
works; every later write from that worker names the attempt and the worker it holds, so a
worker that lost its lease (declared dead by the reaper, job re-run elsewhere) can no
longer change the record. Huey has no acknowledgement: the lease is what makes a kill -9
recoverable.

Finished jobs are deleted after the retention (`purge_finished`) with the files that no
remaining job names: a cache hit shares its source's result files and identical uploads
share one copy, so a file goes with the last job that names it. Whatever takes a new
reference to existing files (a cache hit) checks, in the same step, that they are still
named; the purge decides and deletes in one step too, so a cache hit never points at a
deleted result.

Two implementations: `store_sqlite.SqliteJobStore` (the data dir's jobs.db: one host) and
`store_redis.RedisJobStore` (workers on several machines that share only Redis).
`backend.open_backend` picks one from the queue URL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Protocol

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


@dataclass(frozen=True)
class Job:
    """One job record.

    `stages` maps stage name → "running" | "done"; `fraction` is the overall progress in
    [0, 1]; `assets` is [{"name", "format", "role", "bytes"}] of the files published under
    `asset_dir` (the id of the job that computed them: cache hits share a source's files).
    `seq` orders jobs by creation; times are Unix seconds.
    """

    seq: int
    id: str
    owner: str
    kind: str
    status: str
    request: dict[str, Any]
    cache_key: str | None
    model_version: str | None
    stage: str | None
    fraction: float
    stages: dict[str, str]
    timings: dict[str, float]
    assets: list[dict[str, Any]]
    asset_dir: str | None
    cache_hit: bool
    attempts: int
    lease_until: float | None
    worker: str | None
    cancel_requested: bool
    error_code: str | None
    error_message: str | None
    created: float
    queued_at: float
    started: float | None
    finished: float | None
    updated: float


def new_job_id() -> str:
    """128 random bits as hex: unguessable, and safe as a folder name."""
    return secrets.token_hex(16)


class JobStore(Protocol):
    """Job records, the cache index and the durable counters behind /metrics.

    Every method that takes a claimed `job` changes the record only while it still names
    that claim's attempt and worker (and the job is running), and says whether it did.
    """

    # ---- API side
    def create(self, owner: str, kind: str, request: dict, cache_key: str | None = None) -> Job: ...
    def create_from_cache(self, owner: str, kind: str, request: dict, source: Job) -> Job | None:
        """A new job that is already succeeded, sharing `source`'s files; counts a cache hit.

        None when `source` has been purged since it was looked up (its files may be gone).
        """
        ...

    def get(self, job_id: str) -> Job | None: ...
    def get_owned(self, job_id: str, owner: str) -> Job | None:
        """The job if `owner` owns it; None otherwise (the API answers 404 either way)."""
        ...

    def list_owned(self, owner: str, limit: int, before: int | None = None) -> list[Job]:
        """Newest first; `before` is the `seq` of the last job of the previous page."""
        ...

    def active_count(self, owner: str) -> int:
        """The owner's jobs that are queued or running."""
        ...

    def find_cached(self, cache_key: str) -> Job | None:
        """The first job that succeeded with this cache key."""
        ...

    def request_cancel(self, job_id: str) -> Job | None:
        """Queued → cancelled now; running → cancelled by its worker at the next stage."""
        ...

    def status_counts(self) -> dict[str, int]: ...
    def counters(self) -> dict[str, float]:
        """Durable counters: cache_hits, failures:<code>, stage_{bucket,sum,count}:..."""
        ...

    def check(self) -> None:
        """Raise if the store cannot be reached."""
        ...

    # ---- worker side
    def claim(self, job_id: str, worker: str, lease_seconds: float) -> Job | None:
        """Take a queued job for this worker; None when it is no longer queued."""
        ...

    def renew(self, job: Job, lease_seconds: float) -> bool: ...
    def report_progress(self, job: Job, stage: str, fraction: float, stages: dict) -> bool: ...
    def cancel_requested(self, job_id: str) -> bool: ...
    def succeed(
        self,
        job: Job,
        *,
        assets: list[dict],
        asset_dir: str,
        timings: dict[str, float],
        stages: dict[str, str],
        model_version: str,
        cache_key: str,
        cache_hit: bool = False,
    ) -> bool:
        """Record the result; counts the stage timings (or a cache hit) in the metrics.

        With `cache_hit`, `asset_dir` holds an earlier job's files: False also when no job
        names them any more (purged since the lookup), and nothing is written.
        """
        ...

    def fail(self, job: Job, code: str, message: str) -> bool: ...
    def mark_cancelled(self, job: Job) -> bool: ...
    def release(self, job: Job) -> bool:
        """Give a running job back to the queue (worker shutting down); not a failed attempt."""
        ...

    # ---- reaper side
    def expired(self) -> list[Job]:
        """Running jobs whose worker stopped renewing the lease."""
        ...

    def requeue_expired(self, job: Job) -> bool:
        """Expired → queued again, exactly once however many reapers race for it."""
        ...

    def stale_queued(self, older_than: float) -> list[str]:
        """Queued jobs not picked up for `older_than` seconds; their queue time is reset."""
        ...

    # ---- retention
    def purge_finished(self, older_than: float, limit: int) -> int:
        """Delete jobs that finished more than `older_than` seconds ago; returns how many.

        At most `limit` per call (per status in Redis): call again until it returns 0.
        Result files and uploads that no remaining job names go with them, a cache entry
        moves to a remaining job with the same files (or goes), and `purged:<status>` is
        counted. Queued and running jobs are never touched.
        """
        ...
