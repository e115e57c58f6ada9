"""Nothing is lost: a worker killed with kill -9 mid-job, and a full server restart."""

from __future__ import annotations

import os
import signal

import pytest

from meshsmith.service.db import Database
from meshsmith.service.registry import SqliteWorkerRegistry
from tests.service.conftest import live_worker, start_server, submit_text, wait_for
from tests.validators import gltf_report


@pytest.mark.slow
def test_killed_worker_job_finishes_and_restart_keeps_everything(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(data_dir, "--lease-seconds", "3")
    registry = SqliteWorkerRegistry(Database(data_dir / "jobs.db"), live_seconds=5.0)
    try:
        with server.client() as client:
            done = wait_for(client, submit_text(client, "a wooden barrel", seed=4)["id"])
            assert done["status"] == "succeeded", done["error"]

            job = submit_text(client, "a tall floor lamp", seed=6, texture_size=1024)
            victim = live_worker(registry, job_id=job["id"])  # heartbeat names its job
            running = client.get(f"/v1/jobs/{job['id']}").json()
            assert running["status"] == "running" and running["attempts"] == 1
            os.kill(victim.pid, signal.SIGKILL)

            final = wait_for(client, job["id"], timeout=300)
            assert final["status"] == "succeeded", final["error"]
            assert final["attempts"] == 2
            successor = live_worker(registry)
            assert successor.pid != victim.pid
            glb = client.get(f"/v1/assets/{job['id']}/model.glb")
            path = tmp_path / "recovered.glb"
            path.write_bytes(glb.content)
            assert gltf_report(path)["errors"] == 0
            before = {j["id"]: j for j in client.get("/v1/jobs").json()["jobs"]}
            first_bytes = client.get(f"/v1/assets/{done['id']}/model.glb").content
    finally:
        server.stop()
    assert not list((data_dir / "assets").glob(".tmp-*"))  # no half-written results left

    server = start_server(data_dir)
    try:
        with server.client() as client:
            after = {j["id"]: j for j in client.get("/v1/jobs").json()["jobs"]}
            assert set(after) == set(before)
            assert all(after[i]["status"] == before[i]["status"] for i in before)
            assert client.get(f"/v1/assets/{done['id']}/model.glb").content == first_bytes
            cached = submit_text(client, "a wooden barrel", seed=4)
            assert cached["status"] == "succeeded" and cached["cache_hit"]
    finally:
        server.stop()
