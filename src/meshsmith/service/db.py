"""The service's SQLite database: connections, schema, transactions and counters.

One file (`data_dir/jobs.db`) holds job records, API keys, the worker registry and the
counters behind /metrics, so that every process on the host (the API server, workers,
`meshsmith keys`) shares one durable view. WAL mode lets readers work beside a writer; it
needs every process on one host (shared memory). Workers on other machines use a Redis
queue, which moves everything but the API keys to Redis (`meshsmith.service.backend`).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    cache_key TEXT,
    model_version TEXT,
    stage TEXT,
    fraction REAL NOT NULL DEFAULT 0,
    stages TEXT NOT NULL DEFAULT '{}',
    timings TEXT NOT NULL DEFAULT '{}',
    assets TEXT NOT NULL DEFAULT '[]',
    asset_dir TEXT,
    cache_hit INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until REAL,
    worker TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    created REAL NOT NULL,
    queued_at REAL NOT NULL,
    started REAL,
    finished REAL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_owner_seq ON jobs (owner, seq);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE INDEX IF NOT EXISTS jobs_cache ON jobs (cache_key, status);
-- retention: finished jobs by age, and whether any job still names a result or an upload
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (status, finished);
CREATE INDEX IF NOT EXISTS jobs_asset_dir ON jobs (asset_dir);
CREATE INDEX IF NOT EXISTS jobs_input ON jobs (json_extract(request, '$.input.sha256'));
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    rate_per_min REAL,
    max_jobs INTEGER,
    created REAL NOT NULL,
    revoked REAL
);
CREATE TABLE IF NOT EXISTS workers (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    model TEXT NOT NULL,
    model_version TEXT NOT NULL,
    queue TEXT NOT NULL,
    started REAL NOT NULL,
    heartbeat REAL NOT NULL,
    job TEXT
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value REAL NOT NULL);
"""

JOURNAL_MODES = ("wal", "delete")


class Database:
    """Thread-local connections to one SQLite file, created with the schema on first use.

    Parameters
    ----------
    path : Path
        The database file; its folder must exist.
    journal : str
        "wal" (one host) or "delete" (data dir shared between hosts).
    """

    def __init__(self, path: Path, journal: str = "wal") -> None:
        self.path = Path(path)
        self.journal = journal
        self._local = threading.local()
        self.connection().executescript(SCHEMA)  # idempotent; executescript commits itself
        self._ensure_salt()

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA journal_mode={self.journal}")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that takes the lock up front (no upgrade deadlocks)."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self.connection().execute(sql, params).fetchall()

    def execute(self, sql: str, params: tuple = ()) -> int:
        """Run one statement in autocommit mode; returns the number of rows changed."""
        return self.connection().execute(sql, params).rowcount

    def meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def _ensure_salt(self) -> None:
        self.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('key_salt', ?)",
            (secrets.token_hex(32),),
        )

    def add_counter(self, name: str, amount: float = 1.0, conn: sqlite3.Connection | None = None):
        """Add to a durable counter (inside `conn`'s transaction when given)."""
        (conn or self.connection()).execute(
            "INSERT INTO counters (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            (name, amount),
        )

    def counters(self) -> dict[str, float]:
        return {row["name"]: row["value"] for row in self.query("SELECT name, value FROM counters")}


def now() -> float:
    """Wall-clock seconds; leases compare times written by different processes and hosts."""
    return time.time()
