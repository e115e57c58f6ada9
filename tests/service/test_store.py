"""The job record protocol on a real SQLite file and a real Huey queue: claim, lease,
reaper, attempts, cancellation, tenancy of lookups."""

from __future__ import annotations

import time

import pytest

from meshsmith.service.db import Database
from meshsmith.service.queue import JobQueue
from meshsmith.service.reaper import Reaper
from meshsmith.service.store import JobStore

REQUEST = {"kind": "text", "prompt": "a stool"}


@pytest.fixture
def parts(tmp_path):
    db = Database(tmp_path / "jobs.db")
    jobs = JobStore(db)
    queue = JobQueue(None, tmp_path / "queue.db")
    return jobs, queue, Reaper(jobs, queue, max_attempts=2, stale_queued_seconds=600)


def dequeued_ids(queue: JobQueue) -> list[str]:
    ids = []
    while (task := queue.huey.dequeue()) is not None:
        ids.append(task.args[0])
    return ids


def test_queue_round_trips_job_ids_as_json(parts, tmp_path):
    _, queue, _ = parts
    queue.enqueue("abc123")
    raw = queue.huey.storage.enqueued_items()
    assert b'"abc123"' in bytes(raw[0])  # JSON on the wire, not pickle
    assert dequeued_ids(queue) == ["abc123"]


def test_claim_is_exclusive_and_writes_need_the_claim(parts):
    jobs, _, _ = parts
    job = jobs.create("alice", "text", REQUEST)
    first = jobs.claim(job.id, "w1", lease_seconds=30)
    assert first.status == "running" and first.attempts == 1 and first.worker == "w1"
    assert jobs.claim(job.id, "w2", lease_seconds=30) is None
    assert jobs.report_progress(first, "encode", 0.1, {"encode": "running"})
    stale = first.__class__(**{**first.__dict__, "worker": "w2"})
    assert not jobs.renew(stale, 30)  # another worker's claim cannot touch it
    assert jobs.succeed(
        first, assets=[{"name": "model.glb"}], asset_dir=job.id, timings={"field": 0.2},
        stages={"encode": "done"}, model_version="v", cache_key="k",
    )  # fmt: skip
    done = jobs.get(job.id)
    assert done.status == "succeeded" and done.assets == [{"name": "model.glb"}]
    assert jobs.find_cached("k").id == job.id
    assert jobs.db.counters()["stage_count:field"] == 1


def test_reaper_requeues_an_expired_lease_once_then_gives_up(parts):
    jobs, queue, reaper = parts
    job = jobs.create("alice", "text", REQUEST)
    claimed = jobs.claim(job.id, "w1", lease_seconds=0.05)
    time.sleep(0.1)
    assert reaper.run_once()["requeued"] == 1
    assert reaper.run_once()["requeued"] == 0  # a second pass (or reaper) finds nothing
    assert dequeued_ids(queue) == [job.id]
    requeued = jobs.get(job.id)
    assert requeued.status == "queued" and requeued.attempts == 1
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
    assert jobs.db.counters()["failures:worker_lost"] == 1


def test_cancel_queued_now_and_running_at_the_next_stage(parts):
    jobs, _, reaper = parts
    queued = jobs.create("alice", "text", REQUEST)
    assert jobs.request_cancel(queued.id).status == "cancelled"
    assert jobs.claim(queued.id, "w1", 30) is None  # its task is skipped by the worker

    running = jobs.create("alice", "text", REQUEST)
    claimed = jobs.claim(running.id, "w1", 0.05)
    after = jobs.request_cancel(running.id)
    assert after.status == "running" and after.cancel_requested
    assert jobs.cancel_requested(running.id)
    time.sleep(0.1)  # the worker died before it noticed: the reaper finishes the cancel
    assert reaper.run_once()["cancelled"] == 1
    assert jobs.get(claimed.id).status == "cancelled"


def test_release_hands_a_job_back_without_using_an_attempt(parts):
    jobs, _, _ = parts
    job = jobs.create("alice", "text", REQUEST)
    claimed = jobs.claim(job.id, "w1", 30)
    assert jobs.release(claimed)
    again = jobs.get(job.id)
    assert again.status == "queued" and again.attempts == 0


def test_owner_scoping_and_pages(parts):
    jobs, _, _ = parts
    ids = [jobs.create("alice", "text", REQUEST).id for _ in range(5)]
    bob = jobs.create("bob", "text", REQUEST)
    assert jobs.get_owned(bob.id, "alice") is None
    first = jobs.list_owned("alice", 3)
    rest = jobs.list_owned("alice", 3, before=first[-1].seq)
    assert [j.id for j in first + rest] == ids[::-1]
    assert jobs.active_count("alice") == 5 and jobs.active_count("bob") == 1


def test_stale_queued_jobs_are_sent_again(parts):
    jobs, queue, _ = parts
    job = jobs.create("alice", "text", REQUEST)
    quick = Reaper(jobs, queue, max_attempts=2, stale_queued_seconds=0.0)
    time.sleep(0.01)
    assert quick.run_once()["resent"] == 1
    assert dequeued_ids(queue) == [job.id]
