"""A worker process: load the pipeline once, then consume the Huey queue.

    meshsmith worker [--queue URL] [--data-dir DIR] [--model NAME]

Besides Huey's consumer thread, a heartbeat thread renews the running job's lease,
records the worker as live (for /readyz and cache keys) and runs the reaper.
SIGINT lets the running job finish; SIGTERM hands it back to the queue at once.
With a Redis queue the worker keeps everything in Redis and needs no data dir, so it can
run on any machine that reaches Redis.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading

from meshsmith.service.backend import open_backend
from meshsmith.service.config import ServiceConfig
from meshsmith.service.execute import JobRunner
from meshsmith.service.queue import JobQueue
from meshsmith.service.reaper import Reaper
from meshsmith.service.registry import WorkerRegistry

log = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Renews the current job's lease, marks the worker live, reaps, watches the parent."""

    def __init__(
        self,
        runner: JobRunner,
        registry: WorkerRegistry,
        reaper: Reaper,
        interval: float,
        on_orphaned,
        parent_pid: int | None = None,
    ) -> None:
        super().__init__(name="meshsmith-heartbeat", daemon=True)
        self.runner = runner
        self.registry = registry
        self.reaper = reaper
        self.interval = interval
        self.on_orphaned = on_orphaned
        self.parent_pid = parent_pid
        self._stop_event = threading.Event()

    def run(self) -> None:
        while True:
            self.runner.changed.wait(self.interval)  # an interval, or a job claimed or done
            self.runner.changed.clear()
            if self._stop_event.is_set():
                return
            if self.parent_pid is not None and os.getppid() != self.parent_pid:
                log.warning("the serving process exited; stopping")
                self.on_orphaned()
                return
            try:
                self.beat()
            except Exception:  # a busy database: the lease has slack for a missed beat
                log.exception("heartbeat failed")

    def beat(self) -> None:
        job = self.runner.current
        if job is not None and not self.runner.jobs.renew(job, self.runner.config.lease_seconds):
            self.runner.lease_lost.set()
        self.registry.heartbeat(self.runner.worker_id, job.id if job else None)
        self.reaper.run_once()

    def stop(self) -> None:
        self._stop_event.set()
        self.runner.changed.set()


def run_worker(config: ServiceConfig, parent_pid: int | None = None) -> int:
    """Serve jobs until a signal stops the consumer; returns the exit code."""
    backend = open_backend(config)
    jobs = backend.jobs
    queue = JobQueue(config.queue_url, config.sqlite_queue_path)
    queue.check()

    from meshsmith.pipeline import Pipeline

    pipe = Pipeline.load(model=config.model)
    worker_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
    runner = JobRunner(config, jobs, backend.files, pipe, worker_id)
    queue.set_handler(runner.run)
    registry = backend.registry
    registry.forget_dead(older_than=3600.0)  # rows of workers killed without a goodbye
    registry.register(worker_id, pipe.model_name, pipe.model_version, queue.display_url)
    reaper = Reaper(jobs, queue, config.max_attempts, config.stale_queued_seconds)
    consumer = queue.huey.create_consumer(
        workers=1,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=0.5,
    )
    heartbeat = Heartbeat(
        runner,
        registry,
        reaper,
        config.heartbeat_seconds,
        on_orphaned=lambda: os.kill(os.getpid(), signal.SIGTERM),
        parent_pid=parent_pid,
    )
    heartbeat.start()
    log.info("worker %s ready: model %s (%s), queue %s", worker_id, pipe.model_name,
             pipe.model_version, queue.display_url)  # fmt: skip
    try:
        consumer.run()
    finally:
        heartbeat.stop()
        job = runner.current
        if job is not None and jobs.release(job):
            queue.enqueue(job.id)
            log.info("job %s handed back to the queue", job.id)
        registry.unregister(worker_id)
    if job is not None:  # the consumer thread is still inside the pipeline: do not wait
        logging.shutdown()
        os._exit(0)
    return 0
