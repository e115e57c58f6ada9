"""Real `meshsmith serve` processes on free loopback ports, each with its own data dir.

`server` (session-scoped, auth auto on loopback = no keys, one worker) is shared by the API
tests and the web UI's Playwright tests. The model is $MESHSMITH_TEST_MODEL (a name, a
.safetensors file or a run folder), "default" when unset. Tests use small jobs
(`SMALL_JOB`) so each takes seconds. `redis_server` is a private redis-server: its
database 0 is `backend_config`'s scratch space, `fresh_url()` hands out the others.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from meshsmith.service.config import ServiceConfig
from meshsmith.service.registry import WorkerInfo, WorkerRegistry
from tests.conftest import run_meshsmith

MESHSMITH = str(Path(sys.executable).with_name("meshsmith"))
TEST_MODEL = os.environ.get("MESHSMITH_TEST_MODEL", "default")
SMALL_JOB = {"faces": 2000, "texture_size": 256}
TERMINAL = ("succeeded", "failed", "cancelled")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running `meshsmith serve`: its URL, data dir, process and log file."""

    url: str
    data_dir: Path
    process: subprocess.Popen
    log_path: Path
    args: list[str] = field(default_factory=list)

    def client(self, key: str | None = None, timeout: float = 30.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.process)


def start_server(
    data_dir: Path, *extra: str, workers: int = 1, ready: bool = True, timeout: float = 240.0
) -> Server:
    """Start `meshsmith serve` and wait for /readyz (a worker loaded the model)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    args = [
        MESHSMITH, "-v", "serve", "--port", str(port), "--data-dir", str(data_dir),
        "--workers", str(workers), "--model", TEST_MODEL, *extra,
    ]  # fmt: skip
    log_path = data_dir.parent / f"{data_dir.name}-serve-{port}.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", data_dir, process, log_path, args)
    wait_until_up(server, "/readyz" if ready else "/healthz", timeout)
    return server


def wait_until_up(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"meshsmith serve exited early:\n{server.log_tail()}")
        try:
            if httpx.get(server.url + path, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"meshsmith serve not ready in {timeout} s:\n{server.log_tail()}")


def start_worker(data_dir: Path, *extra: str) -> subprocess.Popen:
    """Start `meshsmith worker` with its own data dir; it logs beside that folder."""
    log_path = data_dir.parent / f"{data_dir.name}-worker.log"
    args = [MESHSMITH, "-v", "worker", "--data-dir", str(data_dir), "--model", TEST_MODEL, *extra]
    with open(log_path, "ab") as log:
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)


def live_worker(
    registry: WorkerRegistry, job_id: str | None = None, timeout: float = 240.0
) -> WorkerInfo:
    """The newest live worker (the one running `job_id` when given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = [w for w in registry.live() if job_id is None or w.job == job_id]
        if workers:
            return workers[-1]
        time.sleep(0.1)
    raise AssertionError(f"no live worker{' running ' + job_id if job_id else ''}")


def stop_process(process: subprocess.Popen, timeout: float = 30.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(client: httpx.Client, job_id: str, statuses=TERMINAL, timeout=180.0) -> dict:
    """Poll GET /v1/jobs/{id} until its status is one of `statuses`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s: {job}")


def create_key(data_dir: Path, *options: str) -> str:
    """`meshsmith keys create` in `data_dir`; returns the key."""
    result = run_meshsmith("keys", "create", "--data-dir", data_dir, "--json", *options)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["key"]


def submit_text(client: httpx.Client, prompt: str, **options) -> dict:
    response = client.post("/v1/jobs", json={"prompt": prompt, **SMALL_JOB, **options})
    assert response.status_code == 202, response.text
    return response.json()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared API server: loopback, no keys needed, one worker, SQLite queue."""
    server = start_server(tmp_path_factory.mktemp("service") / "data")
    yield server
    server.stop()


@dataclass
class RedisServer:
    """A private redis-server: `url(db)` for one of its 16 databases."""

    port: int
    process: subprocess.Popen
    _next_db: int = 1

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def fresh_url(self) -> str:
        """A database no other test has used (1 to 15; 0 is `backend_config`'s)."""
        assert self._next_db < 16, "out of Redis databases: reuse one per module"
        self._next_db += 1
        return self.url(self._next_db - 1)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A private redis-server on a free port, in a temporary folder."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (make test installs it through apt)")
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    yield RedisServer(port, process)
    stop_process(process)


@pytest.fixture(params=["sqlite", "redis"])
def backend_config(request, tmp_path) -> ServiceConfig:
    """A config for each store: the data dir (SQLite, files) or Redis (database 0, emptied)."""
    if request.param == "sqlite":
        return ServiceConfig(data_dir=tmp_path / "data")
    url = request.getfixturevalue("redis_server").url(0)
    redis.Redis.from_url(url).flushdb()
    return ServiceConfig(data_dir=tmp_path / "data", queue_url=url)
