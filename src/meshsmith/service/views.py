"""The JSON shape of a job, as GET /v1/jobs/{id}, the job list and the event stream show it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from meshsmith.service.store import Job

# The pipeline's stages in order, then the service's own file writing.
STAGES = ("encode", "sample", "field", "cleanup", "simplify", "unwrap", "bake", "export")


def iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


def asset_url(job_id: str, name: str) -> str:
    return f"/v1/assets/{job_id}/{name}"


def job_view(job: Job) -> dict[str, Any]:
    """A job for its owner: status, progress by stage, timings, result links, error."""
    stages = {name: job.stages.get(name, "pending") for name in STAGES}
    stages.update(job.stages)  # stages the pipeline added beyond the known list
    if job.status == "succeeded":
        stages = dict.fromkeys(stages, "done")
    assets = [{**asset, "url": asset_url(job.id, asset["name"])} for asset in job.assets]
    preview = next((a["url"] for a in assets if a.get("role") == "preview"), None)
    return {
        "id": job.id,
        "status": job.status,
        "kind": job.kind,
        "request": job.request,
        "progress": {"fraction": job.fraction, "stage": job.stage, "stages": stages},
        "timings": job.timings,
        "assets": assets,
        "preview": preview,
        "cache_hit": job.cache_hit,
        "attempts": job.attempts,
        "cancel_requested": job.cancel_requested,
        "model_version": job.model_version,
        "error": (
            {"code": job.error_code, "message": job.error_message} if job.error_code else None
        ),
        "created_at": iso(job.created),
        "started_at": iso(job.started),
        "finished_at": iso(job.finished),
        "links": {"self": f"/v1/jobs/{job.id}", "events": f"/v1/jobs/{job.id}/events"},
    }
