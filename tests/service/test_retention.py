"""Retention: finished jobs past it are deleted with the files no remaining job names.

On each store (a real SQLite file and data dir; a real redis-server), then end to end on
real `meshsmith serve` processes: SQLite with a worker, Redis with the API alone.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
import redis

from meshsmith.service.backend import open_backend
from meshsmith.service.commands import retention_days
from meshsmith.service.config import ServiceConfig
from meshsmith.service.reaper import RetentionSweep
from meshsmith.service.store_redis import RedisJobStore
from tests.service.conftest import start_server, submit_text, wait_for

UPLOAD = "ab" * 32
TEXT = {"kind": "text", "prompt": "a stool"}
IMAGE = {"kind": "image", "input": {"sha256": UPLOAD, "type": "png", "bytes": 9}}
OLD = 0.3  # seconds: jobs finished this long ago are past the retention below
RETENTION = 0.2
# A few seconds, in the days that `serve --retention-days` takes.
RETENTION_DAYS = "0.00004"  # 3.5 s


@pytest.fixture
def backend(backend_config):
    stores = open_backend(backend_config)
    return stores.jobs, stores.files


def read(body: Path | bytes | None) -> bytes | None:
    return body.read_bytes() if isinstance(body, Path) else body


def publish(files, job_id: str) -> None:
    with files.staging(job_id) as staging:
        (staging / "model.glb").write_bytes(b"glTF " + job_id.encode())
        files.publish(job_id, staging)


def succeeded(jobs, files, owner: str, request: dict, cache_key: str):
    """A job run to success by a worker, its files published."""
    job = jobs.create(owner, request["kind"], request, cache_key)
    claimed = jobs.claim(job.id, "w1", 30)
    publish(files, job.id)
    assert jobs.succeed(
        claimed, assets=[{"name": "model.glb"}], asset_dir=job.id, timings={"field": 0.1},
        stages={"field": "done"}, model_version="v", cache_key=cache_key,
    )  # fmt: skip
    return jobs.get(job.id)


def test_old_finished_jobs_go_with_the_files_only_they_name(backend):
    jobs, files = backend
    files.put_input(UPLOAD, b"png bytes")
    source = succeeded(jobs, files, "alice", IMAGE, "k")
    failed = jobs.claim(jobs.create("alice", "text", TEXT).id, "w1", 30)
    publish(files, failed.id)  # an attempt that published, then lost its lease
    assert jobs.fail(failed, "generation_failed", "no")
    cancelled = jobs.request_cancel(jobs.create("alice", "text", TEXT).id)
    running = jobs.claim(jobs.create("alice", "text", TEXT).id, "w2", 30)
    queued = jobs.create("carol", "image", IMAGE)  # names the same upload
    time.sleep(OLD)
    copy = jobs.create_from_cache("bob", "image", IMAGE, source)  # a cache hit: newer

    assert jobs.purge_finished(RETENTION, limit=100) == 3
    assert [jobs.get(j.id) for j in (source, failed, cancelled)] == [None, None, None]
    assert [j.id for j in jobs.list_owned("alice", 10)] == [running.id]
    assert jobs.get(running.id).status == "running" and jobs.get(queued.id).status == "queued"
    assert files.asset(failed.id, "model.glb") is None
    # The cache hit still names the source's files: they stay, and the cache answers with it.
    assert read(files.asset(source.id, "model.glb")) == b"glTF " + source.id.encode()
    assert jobs.find_cached("k").id == copy.id
    assert jobs.status_counts() == {
        "queued": 1, "running": 1, "succeeded": 1, "failed": 0, "cancelled": 0
    }  # fmt: skip
    counted = jobs.counters()
    assert [counted[f"purged:{s}"] for s in ("succeeded", "failed", "cancelled")] == [1, 1, 1]

    time.sleep(OLD)
    assert jobs.purge_finished(RETENTION, limit=100) == 1  # the cache hit, now old too
    assert jobs.get(copy.id) is None and jobs.list_owned("bob", 10) == []
    assert files.asset(source.id, "model.glb") is None and jobs.find_cached("k") is None
    assert files.read_input(UPLOAD) == b"png bytes"  # the queued job still names it

    jobs.request_cancel(queued.id)
    time.sleep(OLD)
    assert RetentionSweep(jobs, RETENTION, batch=1).run_once() == 1
    with pytest.raises(FileNotFoundError):
        files.read_input(UPLOAD)
    assert jobs.purge_finished(RETENTION, limit=100) == 0
    assert jobs.get(running.id).status == "running"  # however old, never purged
    assert jobs.counters()["purged:succeeded"] == 2


def test_the_sweep_deletes_in_batches_until_none_is_left(backend):
    jobs, files = backend
    for i in range(7):
        succeeded(jobs, files, "alice", {**TEXT, "seed": i}, f"k{i}")
    time.sleep(OLD)
    assert RetentionSweep(jobs, RETENTION, batch=2).run_once() == 7
    assert jobs.list_owned("alice", 10) == [] and jobs.counters()["purged:succeeded"] == 7


def test_a_cache_hit_on_a_purged_result_is_refused(backend):
    jobs, files = backend
    source = succeeded(jobs, files, "alice", TEXT, "k")
    time.sleep(OLD)
    assert jobs.purge_finished(RETENTION, limit=100) == 1
    # Both lookups found `source` just before the purge: neither may point at its files.
    assert jobs.create_from_cache("bob", "text", TEXT, source) is None
    claimed = jobs.claim(jobs.create("bob", "text", TEXT, "k").id, "w1", 30)
    assert not jobs.succeed(
        claimed, assets=source.assets, asset_dir=source.asset_dir, timings=source.timings,
        stages=source.stages, model_version="v", cache_key="k", cache_hit=True,
    )  # fmt: skip
    assert jobs.get(claimed.id).status == "running"  # the worker generates it instead
    assert "cache_hits" not in jobs.counters()


def test_redis_jobs_stored_before_the_reference_sets_keep_shared_files(redis_server, tmp_path):
    client = redis.Redis.from_url(redis_server.url(0), decode_responses=True)
    client.flushdb()
    stores = open_backend(ServiceConfig(data_dir=tmp_path, queue_url=redis_server.url(0)))
    jobs, files = stores.jobs, stores.files
    source = succeeded(jobs, files, "alice", TEXT, "k")
    time.sleep(OLD)
    copy = jobs.create_from_cache("bob", "text", TEXT, source)
    for key in client.scan_iter("meshsmith:*_refs:*"):  # as an older version left them
        client.delete(key)
    client.delete("meshsmith:references_indexed")

    assert RedisJobStore(client).purge_finished(RETENTION, limit=100) == 1
    assert read(files.asset(source.id, "model.glb")) is not None  # the copy names them
    assert jobs.find_cached("k").id == copy.id


def metric(client: httpx.Client, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", client.get("/metrics").text, re.M)
    return float(found.group(1)) if found else 0.0


def wait_gone(client: httpx.Client, job_id: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get(f"/v1/jobs/{job_id}").status_code != 404:
        assert time.monotonic() < deadline, f"job {job_id} still there after {timeout} s"
        time.sleep(0.2)


@pytest.mark.slow
def test_serve_purges_finished_jobs_and_their_files(tmp_path):
    data_dir = tmp_path / "data"
    server = start_server(data_dir, "--retention-days", RETENTION_DAYS)
    try:
        with server.client() as client:
            job = wait_for(client, submit_text(client, "a wooden barrel", seed=4)["id"])
            assert job["status"] == "succeeded", job["error"]
            hit = submit_text(client, "a wooden barrel", seed=4)
            assert hit["cache_hit"]
            assert (data_dir / "assets" / job["id"] / "model.glb").is_file()

            wait_gone(client, job["id"])
            wait_gone(client, hit["id"])
            assert client.get(job["assets"][0]["url"]).status_code == 404
            assert client.get(hit["assets"][0]["url"]).status_code == 404
            assert client.get("/v1/jobs").json()["jobs"] == []
            assert not (data_dir / "assets" / job["id"]).exists()
            assert metric(client, 'meshsmith_jobs_purged_total{status="succeeded"}') == 2
            again = submit_text(client, "a wooden barrel", seed=4)
            assert not again["cache_hit"]  # the cache forgot the purged result: run again
            assert wait_for(client, again["id"])["status"] == "succeeded"
    finally:
        server.stop()


def test_serve_on_redis_purges_finished_jobs_and_keeps_queued_ones(redis_server, tmp_path):
    url = redis_server.fresh_url()
    server = start_server(
        tmp_path / "a", "--queue", url, "--retention-days", RETENTION_DAYS, workers=0, ready=False
    )
    try:
        with server.client() as client:
            waiting = submit_text(client, "a stool", seed=1)  # no worker: stays queued
            dropped = submit_text(client, "a stool", seed=2)
            assert client.delete(f"/v1/jobs/{dropped['id']}").json()["status"] == "cancelled"
            wait_gone(client, dropped["id"])
            assert [j["id"] for j in client.get("/v1/jobs").json()["jobs"]] == [waiting["id"]]
            assert client.get(f"/v1/jobs/{waiting['id']}").json()["status"] == "queued"
            assert metric(client, 'meshsmith_jobs_purged_total{status="cancelled"}') == 1
            assert metric(client, 'meshsmith_jobs{status="queued"}') == 1
        assert not redis.Redis.from_url(url).keys(f"meshsmith:job:{dropped['id']}")
    finally:
        server.stop()


def test_retention_days_option():
    assert retention_days("30") == 30 and retention_days("0.5") == 0.5
    assert retention_days("0") is None and retention_days("off") is None
    assert ServiceConfig().retention_seconds == 30 * 86400
    assert ServiceConfig(retention_days=None).retention_seconds is None
    assert ServiceConfig(retention_days=30).retention_sweep_seconds == 60
    assert ServiceConfig(retention_days=0.0001).retention_sweep_seconds == pytest.approx(2.16)
