"""The job record protocol, on each store (a real SQLite file; a real redis-server) with its
real Huey queue: claim, lease, reaper, attempts, cancellation, tenancy of lookups, races."""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest

from meshsmith.service.backend import open_backend
from meshsmith.service.queue import JobQueue
from meshsmith.service.reaper import Reaper

REQUEST = {"kind": "text", "prompt": "a stool"}


@pytest.fixture
def parts(backend_config):
    jobs = open_backend(backend_config).jobs
    queue = JobQueue(backend_config.queue_url, backend_config.sqlite_queue_path)
    return jobs, queue, Reaper(jobs, queue, max_attempts=2, stale_queued_seconds=600)


def dequeued_ids(queue: JobQueue) -> list[str]:
    ids = []
    while (task := queue.huey.dequeue()) is not None:
        ids.append(task.args[0])
    return ids


def all_at_once(calls: int, call) -> list:
    """`call()` from `calls` threads released together; their results."""
    barrier = threading.Barrier(calls)
    results = [None] * calls

    def run(i: int) -> None:
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_queue_round_trips_job_ids_as_json(tmp_path):
    queue = JobQueue(None, tmp_path / "queue.db")
    queue.enqueue("abc123")
    raw = queue.huey.storage.enqueued_items()
    assert b'"abc123"' in bytes(raw[0])  # JSON on the wire, not pickle
    assert dequeued_ids(queue) == ["abc123"]


def test_claim_is_exclusive_and_writes_need_the_claim(parts):
    jobs, _, _ = parts
    job = jobs.create("alice", "text", REQUEST)
    assert job.status == "queued" and job.request == REQUEST and job.assets == []
    first = jobs.claim(job.id, "w1", lease_seconds=30)
    assert first.status == "running" and first.attempts == 1 and first.worker == "w1"
    assert first.lease_until == pytest.approx(time.time() + 30, abs=5)
    assert jobs.claim(job.id, "w2", lease_seconds=30) is None
    assert jobs.report_progress(first, "encode", 0.1, {"encode": "running"})
    progressed = jobs.get(job.id)
    assert progressed.stage == "encode" and progressed.fraction == pytest.approx(0.1)
    assert progressed.stages == {"encode": "running"}
    stale = dataclasses.replace(first, worker="w2")
    assert not jobs.renew(stale, 30)  # another worker's claim cannot touch it
    assert jobs.renew(first, 60)
    assert jobs.get(job.id).lease_until > first.lease_until + 20
    assert jobs.succeed(
        first, assets=[{"name": "model.glb"}], asset_dir=job.id, timings={"field": 0.2},
        stages={"encode": "done"}, model_version="v", cache_key="k",
    )  # fmt: skip
    done = jobs.get(job.id)
    assert done.status == "succeeded" and done.assets == [{"name": "model.glb"}]
    assert done.fraction == 1 and done.stage is None and done.finished >= done.started
    assert done.timings == {"field": 0.2} and done.lease_until is None
    assert jobs.find_cached("k").id == job.id and jobs.find_cached("other") is None
    counters = jobs.counters()
    assert counters["stage_count:field"] == 1 and counters["stage_sum:field"] == 0.2
    assert counters["stage_bucket:field:0.25"] == 1 and "stage_bucket:field:0.1" not in counters
    assert jobs.status_counts() == {
        "queued": 0, "running": 0, "succeeded": 1, "failed": 0, "cancelled": 0
    }  # fmt: skip

    copy = jobs.create_from_cache("bob", "text", REQUEST, done)
    assert copy.status == "succeeded" and copy.cache_hit and copy.owner == "bob"
    assert copy.asset_dir == job.id and copy.assets == done.assets
    assert jobs.counters()["cache_hits"] == 1
    assert jobs.find_cached("k").id == job.id  # still the first one


def test_only_one_of_many_racing_workers_claims_a_job(parts):
    jobs, _, _ = parts
    job = jobs.create("alice", "text", REQUEST)
    claims = all_at_once(8, lambda: jobs.claim(job.id, threading.current_thread().name, 30))
    winners = [claim for claim in claims if claim is not None]
    assert len(winners) == 1
    assert jobs.get(job.id).worker == winners[0].worker and winners[0].attempts == 1


def test_reaper_requeues_an_expired_lease_once_then_gives_up(parts):
    jobs, queue, reaper = parts
    job = jobs.create("alice", "text", REQUEST)
    claimed = jobs.claim(job.id, "w1", lease_seconds=0.05)
    time.sleep(0.1)
    assert [j.id for j in jobs.expired()] == [job.id]
    assert reaper.run_once()["requeued"] == 1
    assert reaper.run_once()["requeued"] == 0  # a second pass (or reaper) finds nothing
    assert dequeued_ids(queue) == [job.id]
    requeued = jobs.get(job.id)
    assert requeued.status == "queued" and requeued.attempts == 1 and requeued.worker is None
    assert not jobs.succeed(
        claimed, assets=[], asset_dir=job.id, timings={}, stages={}, model_version="v",
        cache_key="k",
    )  # fmt: skip  # the dead worker's claim is void

    jobs.claim(job.id, "w2", lease_seconds=0.05)
    time.sleep(0.1)
    assert reaper.run_once()["failed"] == 1
    failed = jobs.get(job.id)
    assert failed.status == "failed" and failed.error_code == "worker_lost"
    assert "2 attempts" in failed.error_message
    assert jobs.counters()["failures:worker_lost"] == 1
    assert jobs.active_count("alice") == 0 and jobs.expired() == []


def test_racing_reapers_requeue_an_expired_job_once(parts):
    jobs, _, _ = parts
    job = jobs.create("alice", "text", REQUEST)
    jobs.claim(job.id, "w1", lease_seconds=0.05)
    time.sleep(0.1)
    (expired,) = jobs.expired()
    assert sum(all_at_once(8, lambda: jobs.requeue_expired(expired))) == 1
    claimed = jobs.claim(job.id, "w2", lease_seconds=30)
    assert claimed.attempts == 2 and not jobs.requeue_expired(claimed)  # lease not expired


def test_cancel_queued_now_and_running_at_the_next_stage(parts):
    jobs, _, reaper = parts
    queued = jobs.create("alice", "text", REQUEST)
    assert jobs.request_cancel(queued.id).status == "cancelled"
    assert jobs.claim(queued.id, "w1", 30) is None  # its task is skipped by the worker

    running = jobs.create("alice", "text", REQUEST)
    claimed = jobs.claim(running.id, "w1", 0.05)
    assert not jobs.cancel_requested(running.id)
    after = jobs.request_cancel(running.id)
    assert after.status == "running" and after.cancel_requested
    assert jobs.cancel_requested(running.id)
    time.sleep(0.1)  # the worker died before it noticed: the reaper finishes the cancel
    assert reaper.run_once()["cancelled"] == 1
    assert jobs.get(claimed.id).status == "cancelled"
    assert jobs.active_count("alice") == 0 and jobs.status_counts()["cancelled"] == 2


def test_release_hands_a_job_back_without_using_an_attempt(parts):
    jobs, _, _ = parts
    job = jobs.create("alice", "text", REQUEST)
    claimed = jobs.claim(job.id, "w1", 30)
    assert jobs.release(claimed)
    again = jobs.get(job.id)
    assert again.status == "queued" and again.attempts == 0 and again.lease_until is None
    assert not jobs.release(claimed)
    assert jobs.claim(job.id, "w2", 30).attempts == 1


def test_owner_scoping_and_pages(parts):
    jobs, _, _ = parts
    ids = [jobs.create("alice", "text", REQUEST).id for _ in range(5)]
    bob = jobs.create("bob", "text", REQUEST)
    assert jobs.get_owned(bob.id, "alice") is None and jobs.get_owned(bob.id, "bob") == bob
    assert jobs.get("0" * 32) is None
    first = jobs.list_owned("alice", 3)
    rest = jobs.list_owned("alice", 3, before=first[-1].seq)
    assert [j.id for j in first + rest] == ids[::-1]
    assert jobs.active_count("alice") == 5 and jobs.active_count("bob") == 1
    assert jobs.status_counts()["queued"] == 6


def test_stale_queued_jobs_are_sent_again(parts):
    jobs, queue, _ = parts
    job = jobs.create("alice", "text", REQUEST)
    quick = Reaper(jobs, queue, max_attempts=2, stale_queued_seconds=0.0)
    time.sleep(0.01)
    assert quick.run_once()["resent"] == 1
    assert dequeued_ids(queue) == [job.id]
    assert jobs.get(job.id).queued_at > job.queued_at
