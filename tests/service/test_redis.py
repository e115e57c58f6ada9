"""The Redis queue: an API server with no workers of its own and a separate worker."""

from __future__ import annotations

import subprocess

import pytest
import redis

from tests.service.conftest import (
    MESHSMITH,
    TEST_MODEL,
    start_server,
    stop_process,
    submit_text,
    wait_for,
    wait_until_up,
)


@pytest.mark.slow
def test_jobs_go_through_redis_to_a_separate_worker(tmp_path, redis_url):
    data_dir = tmp_path / "data"
    server = start_server(data_dir, "--queue", redis_url, workers=0, ready=False)
    worker = None
    try:
        with server.client() as client:
            assert client.get("/readyz").status_code == 503  # no worker yet
            job = submit_text(client, "a wooden crate", seed=1)
            assert redis.Redis.from_url(redis_url).llen("huey.redis.meshsmith") == 1

            with open(tmp_path / "worker.log", "wb") as log:
                worker = subprocess.Popen(
                    [MESHSMITH, "worker", "--queue", redis_url, "--data-dir", str(data_dir),
                     "--model", TEST_MODEL],
                    stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            wait_until_up(server, "/readyz", timeout=240)
            done = wait_for(client, job["id"])
            assert done["status"] == "succeeded", done["error"]
            assert client.get(done["assets"][0]["url"]).status_code == 200
            assert redis.Redis.from_url(redis_url).llen("huey.redis.meshsmith") == 0
        assert not (data_dir / "queue.db").exists()  # nothing went through SQLite
    finally:
        if worker is not None:
            stop_process(worker)
        server.stop()
