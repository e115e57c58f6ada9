"""Prometheus metrics at /metrics.

Job metrics come from the durable counters in the job store (SQLite or Redis), written by
whichever process did the work (workers record stage durations and failures, the API
records cache hits), so they add up across processes and machines and survive restarts.
Request latencies are the API process's own, kept in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from meshsmith.service.registry import WorkerRegistry
    from meshsmith.service.store import JobStore

# Seconds. Stages run from milliseconds (encode) to minutes (a large bake on a slow CPU).
STAGE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def stage_observations(timings: dict[str, float]) -> dict[str, float]:
    """Counter increments that add one job's stage durations (seconds) to the histograms."""
    counted: dict[str, float] = {}
    for stage, seconds in timings.items():
        for bound in STAGE_BUCKETS:
            if seconds <= bound:
                counted[f"stage_bucket:{stage}:{bound}"] = 1.0
        counted[f"stage_sum:{stage}"] = float(seconds)
        counted[f"stage_count:{stage}"] = 1.0
    return counted


class JobCollector(Collector):
    """Queue depth, jobs by status, live workers, stage durations, failures, cache hits,
    purged jobs."""

    def __init__(self, jobs: JobStore, registry: WorkerRegistry, queue_depth: Callable[[], int]):
        self.jobs = jobs
        self.registry = registry
        self.queue_depth = queue_depth

    def collect(self) -> Iterator:
        counts = self.jobs.status_counts()
        yield _gauge("meshsmith_queue_depth", "Jobs waiting for a worker.", counts["queued"])
        try:
            pending = float(self.queue_depth())
        except Exception:  # an unreachable queue shows as NaN; /readyz says why
            pending = float("nan")
        yield _gauge("meshsmith_queue_pending_tasks", "Tasks in the Huey queue.", pending)
        jobs = GaugeMetricFamily("meshsmith_jobs", "Job records by status.", labels=["status"])
        for status, n in counts.items():
            jobs.add_metric([status], n)
        yield jobs
        live = len(self.registry.live())
        yield _gauge("meshsmith_workers_live", "Workers with a recent heartbeat.", live)

        values = self.jobs.counters()
        hits = CounterMetricFamily("meshsmith_cache_hits", "Jobs answered from the cache.")
        hits.add_metric([], values.get("cache_hits", 0.0))
        yield hits
        failures = CounterMetricFamily(
            "meshsmith_job_failures", "Failed jobs by error code.", labels=["code"]
        )
        for name, value in sorted(values.items()):
            if name.startswith("failures:"):
                failures.add_metric([name.split(":", 1)[1]], value)
        yield failures
        purged = CounterMetricFamily(
            "meshsmith_jobs_purged",
            "Finished jobs deleted after the retention, by their final status.",
            labels=["status"],
        )
        for status in ("succeeded", "failed", "cancelled"):
            purged.add_metric([status], values.get(f"purged:{status}", 0.0))
        yield purged
        yield _stage_histogram(values)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _stage_histogram(values: dict[str, float]) -> HistogramMetricFamily:
    histogram = HistogramMetricFamily(
        "meshsmith_job_stage_seconds", "Duration of each generation stage.", labels=["stage"]
    )
    stages = sorted(name.split(":", 1)[1] for name in values if name.startswith("stage_count:"))
    for stage in stages:
        count = values[f"stage_count:{stage}"]
        buckets = [
            (str(bound), values.get(f"stage_bucket:{stage}:{bound}", 0.0))
            for bound in STAGE_BUCKETS
        ]
        buckets.append(("+Inf", count))
        histogram.add_metric([stage], buckets, sum_value=values[f"stage_sum:{stage}"])
    return histogram


def build_registry(jobs: JobStore, workers: WorkerRegistry, queue_depth: Callable[[], int]):
    """A registry with the job collector and the request-latency histogram.

    Returns
    -------
    registry : CollectorRegistry
    request_seconds : Histogram
        Labelled by method, route template and status code.
    """
    registry = CollectorRegistry()
    registry.register(JobCollector(jobs, workers, queue_depth))
    request_seconds = Histogram(
        "meshsmith_http_request_seconds",
        "Time to answer an HTTP request (streams: time to the first byte).",
        labelnames=["method", "route", "status"],
        registry=registry,
        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    )
    return registry, request_seconds
