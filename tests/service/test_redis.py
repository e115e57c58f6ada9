"""Workers on other machines: an API server and workers that share nothing but Redis.

Each process gets its own data dir, standing for its own machine's disk: job records,
uploads and results must travel through Redis, and a worker's data dir stays unused.
"""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from meshsmith.service.config import ServiceConfig
from meshsmith.service.registry import RedisWorkerRegistry
from meshsmith.service.store_redis import RedisJobStore
from tests.service.conftest import (
    SMALL_JOB,
    Server,
    live_worker,
    start_server,
    start_worker,
    stop_process,
    submit_text,
    wait_for,
    wait_until_up,
)
from tests.service.images import sketch_png
from tests.validators import gltf_report

LEASE = "10"  # short, so a killed worker's job is retried soon; renewals every 3.3 s


@dataclass
class Machines:
    """The API server on "machine A" and workers on machines of their own."""

    root: Path
    redis_url: str
    server: Server
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start_worker(self, machine: str) -> None:
        self.workers[machine] = start_worker(
            self.root / machine, "--queue", self.redis_url, "--lease-seconds", LEASE
        )

    def registry(self) -> RedisWorkerRegistry:
        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        return RedisWorkerRegistry(client, ServiceConfig(lease_seconds=float(LEASE)).live_seconds)

    def worker_dirs_untouched(self) -> bool:
        return not any((self.root / machine).exists() for machine in self.workers)


@pytest.fixture(scope="module")
def machines(tmp_path_factory, redis_server):
    root = tmp_path_factory.mktemp("machines")
    url = redis_server.fresh_url()
    server = start_server(
        root / "a", "--queue", url, "--lease-seconds", LEASE, workers=0, ready=False
    )
    machines = Machines(root, url, server)
    yield machines
    for process in machines.workers.values():
        stop_process(process)
    machines.server.stop()


@pytest.mark.slow
def test_a_worker_on_another_machine_runs_jobs_and_the_app_serves_its_files(machines, tmp_path):
    with machines.server.client() as client:
        assert client.get("/readyz").status_code == 503  # no worker yet
        response = client.post(
            "/v1/jobs",
            files={"sketch": ("stool.png", sketch_png(), "image/png")},
            data={"seed": "3", "formats": "glb,obj", **{k: str(v) for k, v in SMALL_JOB.items()}},
        )
        assert response.status_code == 202, response.text
        job = response.json()
        queue = redis.Redis.from_url(machines.redis_url)
        assert queue.llen("huey.redis.meshsmith") == 1

        machines.start_worker("b")
        wait_until_up(machines.server, "/readyz", timeout=600)
        done = wait_for(client, job["id"], timeout=600)
        assert done["status"] == "succeeded", done["error"]
        assert queue.llen("huey.redis.meshsmith") == 0

        names = {a["name"]: a for a in done["assets"]}
        assert {"model.glb", "model.obj", "model.mtl"} <= set(names)
        for asset in done["assets"]:  # every file, from Redis through the app
            body = client.get(asset["url"])
            assert body.status_code == 200 and len(body.content) == asset["bytes"], asset
        glb = client.get(names["model.glb"]["url"])
        assert glb.headers["content-type"] == "model/gltf-binary"
        assert glb.headers["content-disposition"] == 'attachment; filename="model.glb"'
        (tmp_path / "model.glb").write_bytes(glb.content)
        assert gltf_report(tmp_path / "model.glb")["errors"] == 0
        assert b"newmtl" in client.get(names["model.mtl"]["url"]).content

        again = client.post(
            "/v1/jobs",
            files={"sketch": ("same.png", sketch_png(), "image/png")},
            data={"seed": "3", "formats": "obj,glb", **{k: str(v) for k, v in SMALL_JOB.items()}},
        ).json()
        assert again["status"] == "succeeded" and again["cache_hit"]
        assert client.get(f"/v1/assets/{again['id']}/model.glb").content == glb.content
        metrics = client.get("/metrics").text
        assert "meshsmith_workers_live 1.0" in metrics  # counted from the worker's machine
        assert 'meshsmith_job_stage_seconds_count{stage="field"} 1.0' in metrics

    assert machines.worker_dirs_untouched()
    # The API server's own disk holds only the API keys' database: no queue, assets, uploads.
    assert {p.name for p in (machines.root / "a").iterdir()} <= {
        "jobs.db", "jobs.db-wal", "jobs.db-shm"
    }  # fmt: skip


@pytest.mark.slow
def test_a_job_whose_worker_is_killed_finishes_on_another_machine(machines, tmp_path):
    for machine in ("b", "c"):
        if machine not in machines.workers:
            machines.start_worker(machine)
    registry = machines.registry()
    with machines.server.client() as client:
        job = submit_text(client, "a tall floor lamp", seed=6, texture_size=1024)
        victim = live_worker(registry, job_id=job["id"], timeout=600)  # names its job
        running = client.get(f"/v1/jobs/{job['id']}").json()
        assert running["status"] == "running" and running["attempts"] == 1
        os.kill(victim.pid, signal.SIGKILL)

        final = wait_for(client, job["id"], timeout=600)
        assert final["status"] == "succeeded", final["error"]
        assert final["attempts"] == 2
        store = RedisJobStore(redis.Redis.from_url(machines.redis_url, decode_responses=True))
        successor = store.get(job["id"]).worker
        assert successor != victim.id and successor in {w.id for w in registry.live()}
        glb = client.get(f"/v1/assets/{job['id']}/model.glb")
        assert glb.status_code == 200
        (tmp_path / "recovered.glb").write_bytes(glb.content)
        assert gltf_report(tmp_path / "recovered.glb")["errors"] == 0
        before = client.get("/v1/jobs").json()["jobs"]

    machines.server.stop()  # the API server restarts: everything it shows is in Redis
    machines.server = start_server(
        machines.root / "a", "--queue", machines.redis_url, workers=0, ready=True
    )
    with machines.server.client() as client:
        assert client.get("/v1/jobs").json()["jobs"] == before
        assert client.get(f"/v1/assets/{job['id']}/model.glb").content == glb.content
    assert machines.worker_dirs_untouched()
