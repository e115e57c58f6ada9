"""Running one job in a worker: claim, cache check, generate, save, record.

Cancellation and a lost lease are noticed at stage boundaries: the pipeline calls the
progress callback as each stage starts and ends, and the callback raises to stop it.
Result files are written into a private staging folder and published in one step (a
rename in the data dir, a transaction in Redis), so a job never points at half-written
files.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from meshsmith.errors import InputError, MeshsmithError
from meshsmith.service.config import ServiceConfig
from meshsmith.service.files import FileStore
from meshsmith.service.jobspec import JobSpec
from meshsmith.service.store import Job, JobStore

log = logging.getLogger(__name__)

PREVIEW_NAME = "preview.png"


class JobCancelled(Exception):
    """The job's owner cancelled it; stop at this stage boundary."""


class LeaseLost(Exception):
    """Another worker owns the job now; stop without writing anything."""


class JobRunner:
    """Runs the jobs a worker dequeues with one loaded pipeline.

    `current` is the claimed job while one runs; the worker's heartbeat thread renews its
    lease and sets `lease_lost` when renewal fails. `changed` is set whenever `current`
    changes, so the heartbeat records a claimed or finished job at once, not an interval
    later (a job shorter than the interval would otherwise never show in the registry).
    """

    def __init__(
        self, config: ServiceConfig, jobs: JobStore, files: FileStore, pipe: Any, worker_id: str
    ) -> None:
        self.config = config
        self.jobs = jobs
        self.files = files
        self.pipe = pipe
        self.worker_id = worker_id
        self.current: Job | None = None
        self.lease_lost = threading.Event()
        self.changed = threading.Event()

    def run(self, job_id: str) -> None:
        """The queue's handler: run `job_id` if it is still queued, else skip it."""
        job = self.jobs.claim(job_id, self.worker_id, self.config.lease_seconds)
        if job is None:
            log.info("job %s is not queued any more (cancelled, done or taken); skipped", job_id)
            return
        self.lease_lost.clear()
        self.current = job
        self.changed.set()
        try:
            self._run(job)
        finally:
            self.current = None
            self.changed.set()

    def _run(self, job: Job) -> None:
        spec = JobSpec.from_json(job.request)
        cache_key = spec.cache_key(self.pipe.model_version)
        cached = self.jobs.find_cached(cache_key)
        # False: purged since the lookup (generate after all), or the claim was lost (the
        # first progress report notices).
        if cached is not None and self.jobs.succeed(
            job, assets=cached.assets, asset_dir=cached.asset_dir, timings=cached.timings,
            stages=cached.stages, model_version=cached.model_version, cache_key=cache_key,
            cache_hit=True,
        ):  # fmt: skip
            return
        progress = Progress(self, job)
        try:
            asset = self._generate(spec, progress)
            progress("export", 1.0)  # generation done; the files are next
            assets = self._save(job, spec, asset)
        except JobCancelled:
            self.jobs.mark_cancelled(job)
            return
        except LeaseLost:
            log.warning("job %s: lease lost, another worker runs it now", job.id)
            return
        except InputError as exc:
            self.jobs.fail(job, "invalid_input", str(exc))
            return
        except MeshsmithError as exc:
            self.jobs.fail(job, "generation_failed", str(exc))
            return
        except Exception as exc:  # a bug: keep the worker alive, record and log it
            log.exception("job %s failed", job.id)
            self.jobs.fail(job, "internal", f"internal error: {type(exc).__name__}: {exc}")
            return
        timings = {**asset.timings, "total": sum(asset.timings.values())}
        self.jobs.succeed(
            job, assets=assets, asset_dir=job.id, timings=timings, stages=progress.finished(),
            model_version=self.pipe.model_version, cache_key=cache_key,
        )  # fmt: skip

    def _generate(self, spec: JobSpec, progress: Progress):
        options = {
            "seed": spec.options.seed,
            "faces": spec.options.faces,
            "texture_size": spec.options.texture_size,
            "progress": progress,
        }
        if spec.kind == "text":
            return self.pipe.text(spec.normalised_prompt, **options)
        assert spec.input is not None  # image and sketch jobs always carry their upload
        data = self.files.read_input(spec.input.sha256)
        generate = self.pipe.sketch if spec.kind == "sketch" else self.pipe.image
        return generate(data, **options)

    def _save(self, job: Job, spec: JobSpec, asset) -> list[dict]:
        """Write every requested format (and the preview) and publish them together."""
        with self.files.staging(job.id) as staging:
            records = []
            for fmt in spec.options.formats:
                written = asset.save(staging / f"model.{fmt}", fmt=fmt)
                records.append(_record(written[0], fmt, "model"))
                records.extend(_record(p, p.suffix[1:].lower(), "part") for p in written[1:])
            if spec.options.preview:
                records.append(_record(asset.preview(staging / PREVIEW_NAME), "png", "preview"))
            self._check_still_ours(job)
            self.files.publish(job.id, staging)
        return records

    def _check_still_ours(self, job: Job) -> None:
        if self.lease_lost.is_set():
            raise LeaseLost
        if self.jobs.cancel_requested(job.id):
            raise JobCancelled


class Progress:
    """The pipeline's progress callback: records stages, stops on cancel or lost lease.

    The pipeline's overall fraction covers generation; writing the files ("export") is
    reported as the last `1 - GENERATION_SHARE` of the job.
    """

    GENERATION_SHARE = 0.9

    def __init__(self, runner: JobRunner, job: Job) -> None:
        self.runner = runner
        self.job = job
        self.stages: dict[str, str] = {}

    def __call__(self, stage: str, fraction: float) -> None:
        self.runner._check_still_ours(self.job)
        for name, state in self.stages.items():
            if name != stage and state == "running":
                self.stages[name] = "done"
        self.stages[stage] = "running"
        overall = self.GENERATION_SHARE * min(max(float(fraction), 0.0), 1.0)
        held = self.runner.jobs.report_progress(self.job, stage, overall, self.stages)
        if not held:
            raise LeaseLost

    def finished(self) -> dict[str, str]:
        return dict.fromkeys(self.stages, "done")


def _record(path: Path, fmt: str, role: str) -> dict:
    """One asset entry: role "model" (a requested format), "part" (MTL, textures), "preview"."""
    return {"name": path.name, "format": fmt, "role": role, "bytes": path.stat().st_size}
