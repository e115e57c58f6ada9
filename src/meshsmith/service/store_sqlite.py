"""Job records in the data dir's SQLite database (jobs.db): one host, any number of processes.

Each step of the claim/lease protocol (see `meshsmith.service.store`) is one conditional
UPDATE: a claim holds a job while the row still names its attempt and its worker.
The purge deletes rows and then, before it commits, the files no remaining row names: a
cache hit (which checks that its source's files are still named) waits for the database's
write lock, so it sees either the files or no row naming them.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

from meshsmith.service.db import Database, now
from meshsmith.service.files import DiskFiles
from meshsmith.service.metrics import stage_observations
from meshsmith.service.store import STATUSES, Job, new_job_id

# A claim holds a job while the record still names its attempt and its worker.
HELD = " WHERE id = ? AND attempts = ? AND worker = ? AND status = 'running'"


def job_from_row(row) -> Job:
    """A `jobs` row as a Job, JSON columns decoded."""
    values = dict(row)
    for name in ("request", "stages", "timings", "assets"):
        values[name] = json.loads(values[name])
    values["cache_hit"] = bool(values["cache_hit"])
    values["cancel_requested"] = bool(values["cancel_requested"])
    return Job(**values)


# Whether any job names a result folder or an upload (each query uses an index).
NAMES_ASSET_DIR = "SELECT 1 FROM jobs WHERE asset_dir = ? LIMIT 1"
NAMES_INPUT = "SELECT 1 FROM jobs WHERE json_extract(request, '$.input.sha256') = ? LIMIT 1"


class SqliteJobStore:
    """Job records in the data dir's SQLite database (`JobStore` protocol).

    `files` are the data dir's results and uploads, which `purge_finished` deletes.
    """

    def __init__(self, db: Database, files: DiskFiles) -> None:
        self.db = db
        self.files = files

    # ---- API side -------------------------------------------------------------------
    def create(self, owner: str, kind: str, request: dict, cache_key: str | None = None) -> Job:
        """A new queued job."""
        job_id, t = new_job_id(), now()
        self.db.execute(
            "INSERT INTO jobs (id, owner, kind, status, request, cache_key, created, queued_at,"
            " updated) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)",
            (job_id, owner, kind, json.dumps(request), cache_key, t, t, t),
        )
        return self.get(job_id)

    def create_from_cache(self, owner: str, kind: str, request: dict, source: Job) -> Job | None:
        """A new job that is already succeeded, sharing `source`'s files; None if purged."""
        job_id, t = new_job_id(), now()
        with self.db.transaction() as conn:
            if conn.execute("SELECT 1 FROM jobs WHERE id = ?", (source.id,)).fetchone() is None:
                return None
            conn.execute(
                "INSERT INTO jobs (id, owner, kind, status, request, cache_key, model_version,"
                " fraction, stages, timings, assets, asset_dir, cache_hit, created, queued_at,"
                " started, finished, updated)"
                " VALUES (?, ?, ?, 'succeeded', ?, ?, ?, 1, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                (
                    job_id, owner, kind, json.dumps(request), source.cache_key,
                    source.model_version, json.dumps(source.stages), json.dumps(source.timings),
                    json.dumps(source.assets), source.asset_dir, t, t, t, t, t,
                ),
            )  # fmt: skip
            self.db.add_counter("cache_hits", conn=conn)
        return self.get(job_id)

    def get(self, job_id: str) -> Job | None:
        rows = self.db.query("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return job_from_row(rows[0]) if rows else None

    def get_owned(self, job_id: str, owner: str) -> Job | None:
        """The job if `owner` owns it; None otherwise (the API answers 404 either way)."""
        rows = self.db.query("SELECT * FROM jobs WHERE id = ? AND owner = ?", (job_id, owner))
        return job_from_row(rows[0]) if rows else None

    def list_owned(self, owner: str, limit: int, before: int | None = None) -> list[Job]:
        """Newest first; `before` is the `seq` of the last job of the previous page."""
        rows = self.db.query(
            "SELECT * FROM jobs WHERE owner = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
            (owner, before if before is not None else 2**62, limit),
        )
        return [job_from_row(row) for row in rows]

    def active_count(self, owner: str) -> int:
        rows = self.db.query(
            "SELECT COUNT(*) AS n FROM jobs WHERE owner = ? AND status IN ('queued', 'running')",
            (owner,),
        )
        return rows[0]["n"]

    def find_cached(self, cache_key: str) -> Job | None:
        """The first succeeded job with this cache key."""
        rows = self.db.query(
            "SELECT * FROM jobs WHERE cache_key = ? AND status = 'succeeded' ORDER BY seq LIMIT 1",
            (cache_key,),
        )
        return job_from_row(rows[0]) if rows else None

    def request_cancel(self, job_id: str) -> Job | None:
        """Queued → cancelled now; running → cancelled by its worker at the next stage."""
        t = now()
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE jobs SET status = 'cancelled', finished = ?, updated = ?"
                " WHERE id = ? AND status = 'queued'",
                (t, t, job_id),
            )
            conn.execute(
                "UPDATE jobs SET cancel_requested = 1, updated = ?"
                " WHERE id = ? AND status = 'running'",
                (t, job_id),
            )
        return self.get(job_id)

    def status_counts(self) -> dict[str, int]:
        rows = self.db.query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status")
        counts = dict.fromkeys(STATUSES, 0)
        counts.update({row["status"]: row["n"] for row in rows})
        return counts

    def counters(self) -> dict[str, float]:
        return self.db.counters()

    def check(self) -> None:
        self.db.query("SELECT 1")

    # ---- worker side ----------------------------------------------------------------
    def claim(self, job_id: str, worker: str, lease_seconds: float) -> Job | None:
        """Take a queued job for this worker; None when it is no longer queued."""
        t = now()
        changed = self.db.execute(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, worker = ?,"
            " lease_until = ?, started = COALESCE(started, ?), stage = NULL, fraction = 0,"
            " stages = '{}', updated = ? WHERE id = ? AND status = 'queued'",
            (worker, t + lease_seconds, t, t, job_id),
        )
        return self.get(job_id) if changed else None

    def renew(self, job: Job, lease_seconds: float) -> bool:
        """Extend the lease of a claimed job; False when this claim no longer holds it."""
        return self._update_held(job, "lease_until = ?", (now() + lease_seconds,))

    def report_progress(self, job: Job, stage: str, fraction: float, stages: dict) -> bool:
        return self._update_held(
            job, "stage = ?, fraction = ?, stages = ?", (stage, fraction, json.dumps(stages))
        )

    def cancel_requested(self, job_id: str) -> bool:
        rows = self.db.query("SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,))
        return bool(rows and rows[0]["cancel_requested"])

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
        """Record the result of attempt `job.attempts`; False if the job was taken away.

        A cache hit's `asset_dir` must still be named by a job (False when it was purged).
        """
        with self.db.transaction() as conn:
            if cache_hit and conn.execute(NAMES_ASSET_DIR, (asset_dir,)).fetchone() is None:
                return False
            changed = conn.execute(
                "UPDATE jobs SET status = 'succeeded', assets = ?, asset_dir = ?, timings = ?,"
                " stages = ?, stage = NULL, fraction = 1, model_version = ?, cache_key = ?,"
                " cache_hit = ?, lease_until = NULL, finished = ?, updated = ?" + HELD,
                (
                    json.dumps(assets), asset_dir, json.dumps(timings), json.dumps(stages),
                    model_version, cache_key, int(cache_hit), now(), now(),
                    job.id, job.attempts, job.worker,
                ),
            ).rowcount  # fmt: skip
            if changed:
                counted = {"cache_hits": 1.0} if cache_hit else stage_observations(timings)
                for name, amount in counted.items():
                    self.db.add_counter(name, amount, conn=conn)
        return bool(changed)

    def fail(self, job: Job, code: str, message: str) -> bool:
        with self.db.transaction() as conn:
            changed = conn.execute(
                "UPDATE jobs SET status = 'failed', error_code = ?, error_message = ?,"
                " lease_until = NULL, finished = ?, updated = ?" + HELD,
                (code, message, now(), now(), job.id, job.attempts, job.worker),
            ).rowcount
            if changed:
                self.db.add_counter(f"failures:{code}", conn=conn)
        return bool(changed)

    def mark_cancelled(self, job: Job) -> bool:
        return self._update_held(
            job, "status = 'cancelled', lease_until = NULL, finished = ?", (now(),)
        )

    def release(self, job: Job) -> bool:
        """Give a running job back to the queue (worker shutting down); not a failed attempt."""
        return self._update_held(
            job,
            "status = 'queued', attempts = attempts - 1, lease_until = NULL, worker = NULL,"
            " queued_at = ?",
            (now(),),
        )

    def _update_held(self, job: Job, assignments: str, params: tuple) -> bool:
        """Update `job` only while the claim it came from still holds it."""
        return bool(
            self.db.execute(
                f"UPDATE jobs SET {assignments}, updated = ?" + HELD,
                (*params, now(), job.id, job.attempts, job.worker),
            )
        )

    # ---- reaper side ----------------------------------------------------------------
    def expired(self) -> list[Job]:
        """Running jobs whose worker stopped renewing the lease."""
        rows = self.db.query(
            "SELECT * FROM jobs WHERE status = 'running' AND lease_until < ?", (now(),)
        )
        return [job_from_row(row) for row in rows]

    def requeue_expired(self, job: Job) -> bool:
        """Expired → queued again, exactly once however many reapers race for it."""
        t = now()
        return bool(
            self.db.execute(
                "UPDATE jobs SET status = 'queued', lease_until = NULL, worker = NULL,"
                " queued_at = ?, updated = ?" + HELD + " AND lease_until < ?",
                (t, t, job.id, job.attempts, job.worker, t),
            )
        )

    def stale_queued(self, older_than: float) -> list[str]:
        """Queued jobs not picked up for `older_than` seconds; their queue time is reset."""
        t = now()
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT id FROM jobs WHERE status = 'queued' AND queued_at < ?",
                (t - older_than,),
            ).fetchall()
            conn.executemany(
                "UPDATE jobs SET queued_at = ? WHERE id = ?", [(t, row["id"]) for row in rows]
            )
        return [row["id"] for row in rows]

    # ---- retention ------------------------------------------------------------------
    def purge_finished(self, older_than: float, limit: int) -> int:
        """Delete up to `limit` jobs finished more than `older_than` seconds ago, oldest first.

        Their result folders (their own id's, which a lost attempt may have left, and the
        `asset_dir` they name) and uploads go too unless a remaining job names them.
        """
        with self.db.transaction() as conn:
            rows = conn.execute(
                "SELECT id, status, asset_dir, json_extract(request, '$.input.sha256') AS input"
                " FROM jobs WHERE finished < ? AND status IN ('succeeded', 'failed', 'cancelled')"
                " ORDER BY finished LIMIT ?",
                (now() - older_than, limit),
            ).fetchall()
            if not rows:
                return 0
            conn.executemany("DELETE FROM jobs WHERE id = ?", [(row["id"],) for row in rows])
            dirs = {name for row in rows for name in (row["id"], row["asset_dir"]) if name}
            inputs = {row["input"] for row in rows if row["input"]}
            for status, n in Counter(row["status"] for row in rows).items():
                self.db.add_counter(f"purged:{status}", n, conn=conn)
            # Still holding the write lock: no job can name these files before they are gone.
            self.files.remove(
                _unnamed(conn, NAMES_ASSET_DIR, dirs), _unnamed(conn, NAMES_INPUT, inputs)
            )
        return len(rows)


def _unnamed(conn: sqlite3.Connection, query: str, names: set[str]) -> list[str]:
    """The `names` that no job names any more (`query` asks for one)."""
    return [name for name in names if conn.execute(query, (name,)).fetchone() is None]
