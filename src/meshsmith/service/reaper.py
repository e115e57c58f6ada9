"""Housekeeping of job records: the reaper and the retention sweep.

The reaper puts jobs of dead workers back on the queue and gives up after max attempts.
It runs in the API server and in every worker (so jobs recover whichever processes are
up). Each step is a conditional update in the job store, so several reapers racing for
the same job re-enqueue it once.

The retention sweep deletes jobs that finished longer ago than the retention, with the
files no remaining job names (`JobStore.purge_finished`). It runs in the API server (in
each, when several share Redis: every purge step is atomic).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from meshsmith.service.queue import JobQueue
from meshsmith.service.store import JobStore

log = logging.getLogger(__name__)


class Reaper:
    """Handles expired leases and queued jobs that were never picked up.

    Parameters
    ----------
    max_attempts : int
        Runs allowed per job; a job whose worker died this many times fails.
    stale_queued_seconds : float
        A job queued this long is enqueued again (its task may have been lost, e.g. the
        server died between writing the record and enqueueing; Redis was flushed). Workers
        skip tasks of jobs that are no longer queued, so a duplicate costs nothing.
    """

    def __init__(
        self, jobs: JobStore, queue: JobQueue, max_attempts: int, stale_queued_seconds: float
    ) -> None:
        self.jobs = jobs
        self.queue = queue
        self.max_attempts = max_attempts
        self.stale_queued_seconds = stale_queued_seconds

    def run_once(self) -> dict[str, int]:
        """One pass; returns how many jobs were requeued, failed, cancelled and re-sent."""
        done = {"requeued": 0, "failed": 0, "cancelled": 0, "resent": 0}
        for job in self.jobs.expired():
            if job.cancel_requested:
                done["cancelled"] += self.jobs.mark_cancelled(job)
            elif job.attempts >= self.max_attempts:
                message = (
                    f"gave up after {job.attempts} attempts: the worker running the job "
                    "stopped (crashed, killed or lost its lease) each time"
                )
                done["failed"] += self.jobs.fail(job, "worker_lost", message)
            elif self.jobs.requeue_expired(job):
                log.warning("job %s: worker %s stopped renewing its lease; requeued", job.id,
                            job.worker)  # fmt: skip
                self.queue.enqueue(job.id)
                done["requeued"] += 1
        for job_id in self.jobs.stale_queued(self.stale_queued_seconds):
            self.queue.enqueue(job_id)
            done["resent"] += 1
        return done


class RetentionSweep:
    """Deletes finished jobs older than `retention_seconds`, `batch` jobs per step."""

    def __init__(self, jobs: JobStore, retention_seconds: float, batch: int = 500) -> None:
        self.jobs = jobs
        self.retention_seconds = retention_seconds
        self.batch = batch

    def run_once(self) -> int:
        """Purge until nothing is left to purge; returns how many jobs were deleted."""
        total = 0
        while purged := self.jobs.purge_finished(self.retention_seconds, self.batch):
            total += purged
        if total:
            log.info("retention: deleted %d finished job(s) and their unused files", total)
        return total


class PeriodicThread(threading.Thread):
    """Calls `task()` every `interval` seconds until `stop()` (the reaper, the sweep)."""

    def __init__(self, name: str, task: Callable[[], object], interval: float) -> None:
        super().__init__(name=name, daemon=True)
        self.task = task
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            try:
                self.task()
            except Exception:  # a locked database or an unreachable queue: try again later
                log.exception("%s: pass failed", self.name)

    def stop(self) -> None:
        self._stop_event.set()
