"""Typed configuration of the service: where state lives, how workers lease jobs, limits.

One `ServiceConfig` is built by `meshsmith serve` / `meshsmith worker` from their options
and handed to every part (app, store, queue, workers). With a SQLite queue (the default)
everything the service keeps lives under `data_dir`:

    data_dir/jobs.db      job records, API keys, workers, metrics counters (SQLite, WAL)
    data_dir/queue.db     the Huey task queue
    data_dir/assets/ID/   result files of the job ID that computed them
    data_dir/inputs/SHA   uploaded images and sketches, named by their sha256

With a Redis queue, job records, workers, counters, uploads and results live in Redis too
(`meshsmith.service.backend`); the API server's data dir keeps only the API keys (jobs.db)
and workers use no data dir at all.
"""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from meshsmith.errors import InputError

AUTH_MODES = ("auto", "required", "off")


def default_data_dir() -> Path:
    """$MESHSMITH_DATA_DIR, else $XDG_DATA_HOME/meshsmith, else ~/.local/share/meshsmith."""
    explicit = os.environ.get("MESHSMITH_DATA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "meshsmith"


@dataclass(frozen=True)
class Limits:
    """Request, upload and per-caller limits.

    Rates are job submissions per minute; `None` means unlimited. Keys created without
    `--rate`/`--max-jobs` get the `key_*` defaults; callers without a key (only possible
    when auth is off) get the `local_*` ones.
    """

    max_json_bytes: int = 64 * 1024
    max_upload_bytes: int = 10 * 1024 * 1024
    max_upload_pixels: int = 4096 * 4096
    key_rate_per_min: float = 30.0
    key_max_jobs: int = 4
    local_rate_per_min: float | None = None
    local_max_jobs: int | None = None

    @property
    def max_multipart_bytes(self) -> int:
        """One upload plus room for the option fields and multipart framing."""
        return self.max_upload_bytes + 64 * 1024


@dataclass(frozen=True)
class ServiceConfig:
    """Everything `meshsmith serve` and `meshsmith worker` need.

    `lease_seconds` is how long a worker's claim on a running job lasts without renewal;
    workers renew every third of it, and the reaper re-enqueues jobs whose lease expired
    (a worker killed mid-job) up to `max_attempts` runs in all. Jobs that finished more
    than `retention_days` ago (fractions allowed) are deleted with their files; None keeps
    everything.
    """

    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    queue_url: str | None = None
    auth: str = "auto"
    model: str = "default"
    lease_seconds: float = 30.0
    reaper_interval: float = 1.0
    max_attempts: int = 3
    stale_queued_seconds: float = 600.0
    retention_days: float | None = 30.0
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        if self.auth not in AUTH_MODES:
            raise InputError(f"--auth must be one of {', '.join(AUTH_MODES)}, got {self.auth!r}")
        if self.lease_seconds <= 0 or self.max_attempts < 1 or self.workers < 0:
            raise InputError("lease seconds and attempts must be positive, workers >= 0")
        if self.retention_days is not None and not self.retention_days > 0:
            raise InputError(f"retention must be positive days or off, got {self.retention_days}")

    @property
    def auth_required(self) -> bool:
        """`auto` requires keys unless the server listens on loopback only."""
        if self.auth == "auto":
            return not is_loopback(self.host)
        return self.auth == "required"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "jobs.db"

    @property
    def assets_dir(self) -> Path:
        return self.data_dir / "assets"

    @property
    def inputs_dir(self) -> Path:
        return self.data_dir / "inputs"

    @property
    def sqlite_queue_path(self) -> Path:
        return self.data_dir / "queue.db"

    @property
    def heartbeat_seconds(self) -> float:
        """A third of the lease (so two renewals can fail before it expires), at most 5 s."""
        return min(self.lease_seconds / 3.0, 5.0)

    @property
    def retention_seconds(self) -> float | None:
        return None if self.retention_days is None else self.retention_days * 86400.0

    @property
    def retention_sweep_seconds(self) -> float:
        """How often the API server looks for expired jobs: each minute, sooner for short
        retentions (a quarter of it, at most as often as the reaper runs)."""
        retention = self.retention_seconds or math.inf
        return min(60.0, max(self.reaper_interval, retention / 4.0))

    @property
    def live_seconds(self) -> float:
        """A worker silent for longer than this is considered gone."""
        return 3.0 * self.heartbeat_seconds + 2.0

    def prepare(self) -> ServiceConfig:
        """Create the data dir (private to this user when new) and return self."""
        if not self.data_dir.exists():
            self.data_dir.mkdir(parents=True, mode=0o700)
        return self


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses; false for 0.0.0.0, :: and real interfaces."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
