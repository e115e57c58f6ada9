"""/v1/jobs: submit (JSON text or multipart image/sketch), read, list, cancel, follow (SSE)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from meshsmith.errors import InputError
from meshsmith.service.api_errors import ApiError, not_found
from meshsmith.service.auth import Caller, identify
from meshsmith.service.jobspec import OPTION_NAMES, JobSpec, parse_options, text_spec
from meshsmith.service.limits import rate_limited
from meshsmith.service.registry import live_model_version
from meshsmith.service.store import TERMINAL, Job
from meshsmith.service.uploads import check_upload
from meshsmith.service.views import job_view

router = APIRouter(prefix="/v1", tags=["jobs"])

FILE_FIELDS = ("image", "sketch")
EVENT_POLL_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0
MAX_STREAM_SECONDS = 3600.0

_OPTIONS_SCHEMA = {
    "seed": {"type": "integer", "minimum": 0, "default": 0},
    "faces": {"type": "integer", "minimum": 100, "maximum": 200000, "default": 10000},
    "texture_size": {"type": "integer", "enum": [128, 256, 512, 1024, 2048], "default": 1024},
    "formats": {
        "type": "array",
        "items": {"type": "string", "enum": ["glb", "obj", "usdz", "stl", "3mf", "ply"]},
        "default": ["glb"],
        "description": "In a form: one comma-separated string.",
    },
    "preview": {"type": "boolean", "default": False, "description": "Also render preview.png"},
}
_SUBMIT_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["prompt"],
                    "additionalProperties": False,
                    "properties": {
                        "prompt": {"type": "string", "maxLength": 300},
                        **_OPTIONS_SCHEMA,
                    },
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": "Exactly one of image or sketch (PNG, JPEG or WebP).",
                    "properties": {
                        "image": {"type": "string", "format": "binary"},
                        "sketch": {"type": "string", "format": "binary"},
                        **_OPTIONS_SCHEMA,
                    },
                }
            },
        },
    }
}


def _services(request: Request):
    return request.app.state.services


def _caller(request: Request) -> Caller:
    svc = _services(request)
    return identify(request.headers, svc.keys, svc.config)


@router.post(
    "/jobs",
    status_code=202,
    summary="Submit a text, image or sketch job",
    openapi_extra=_SUBMIT_OPENAPI,
    responses={202: {"description": "The job record (already succeeded on a cache hit)"}},
)
async def submit_job(request: Request) -> JSONResponse:
    svc = _services(request)
    caller = await run_in_threadpool(_caller, request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    upload: bytes | None = None
    if content_type == "application/json":
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise ApiError(400, "bad_request", "the body is not valid JSON") from None
        spec = text_spec(body)
    elif content_type == "multipart/form-data":
        kind, upload, options = await _read_form(request)
        checked = await run_in_threadpool(check_upload, upload, kind, svc.config.limits)
        spec = JobSpec(kind=kind, options=options, input=checked)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send application/json (text jobs) or multipart/form-data (image or sketch jobs)",
        )
    job = await run_in_threadpool(_submit, svc, caller, spec, upload)
    return JSONResponse(job_view(job), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


async def _read_form(request: Request):
    """(kind, file bytes, options) from a multipart form; unknown fields are refused."""
    limits = _services(request).config.limits
    # A few fields beyond the known ones, so that unknown names get a clear 422 below.
    fields = len(OPTION_NAMES) + 4
    async with request.form(
        max_files=len(FILE_FIELDS), max_fields=fields, max_part_size=4096
    ) as form:
        unknown = sorted(set(form.keys()) - {*FILE_FIELDS, *OPTION_NAMES})
        if unknown:
            raise InputError(
                f"unknown field(s) {', '.join(unknown)}; "
                f"allowed: image or sketch, {', '.join(OPTION_NAMES)}"
            )
        files = [(name, form[name]) for name in FILE_FIELDS if name in form]
        if len(files) != 1 or not isinstance(files[0][1], UploadFile):
            raise InputError("send exactly one file, in the field image or sketch")
        kind, upload = files[0]
        data = await upload.read(limits.max_upload_bytes + 1)
        options = parse_options({k: v for k, v in form.items() if k in OPTION_NAMES}, True)
    return kind, data, options


def _submit(svc, caller: Caller, spec: JobSpec, upload: bytes | None) -> Job:
    """Quota, rate limit, cache lookup, then a new queued job."""
    if caller.max_jobs is not None and svc.jobs.active_count(caller.owner) >= caller.max_jobs:
        raise ApiError(
            429,
            "too_many_jobs",
            f"{caller.max_jobs} jobs already queued or running; wait for one to finish",
            headers={"Retry-After": "5"},
        )
    wait = svc.limiter.acquire(caller.owner, caller.rate_per_min)
    if wait > 0:
        raise rate_limited(wait)
    model_version = live_model_version(svc.registry)
    cache_key = spec.cache_key(model_version) if model_version else None
    cached = svc.jobs.find_cached(cache_key) if cache_key else None
    if cached is not None:
        copy = svc.jobs.create_from_cache(caller.owner, spec.kind, spec.as_json(), cached)
        if copy is not None:  # None: purged since the lookup
            return copy
    if upload is not None and spec.input is not None:
        svc.files.put_input(spec.input.sha256, upload)
    job = svc.jobs.create(caller.owner, spec.kind, spec.as_json(), cache_key)
    if upload is not None and spec.input is not None:
        # Again, now that the job names it: a purge in between may have deleted an
        # identical upload that only old jobs named.
        svc.files.put_input(spec.input.sha256, upload)
    svc.queue.enqueue(job.id)
    return job


@router.get("/jobs", summary="Your jobs, newest first")
def list_jobs(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> dict:
    svc = _services(request)
    caller = _caller(request)
    if cursor is not None and not cursor.isdigit():
        raise ApiError(422, "invalid_request", "cursor: use the next_cursor of a previous page")
    jobs = svc.jobs.list_owned(caller.owner, limit + 1, int(cursor) if cursor else None)
    page = jobs[:limit]
    more = len(jobs) > limit
    return {
        "jobs": [job_view(job) for job in page],
        "next_cursor": str(page[-1].seq) if more else None,
    }


@router.get("/jobs/{job_id}", summary="Status, progress, timings and result links")
def get_job(job_id: str, request: Request) -> dict:
    return job_view(_owned(request, job_id))


@router.delete(
    "/jobs/{job_id}",
    summary="Cancel: a queued job at once, a running one at its next stage",
    responses={202: {"description": "Cancellation requested; the job is still running"}},
)
def cancel_job(job_id: str, request: Request) -> JSONResponse:
    job = _owned(request, job_id)
    if job.status in ("succeeded", "failed"):
        raise ApiError(409, "conflict", f"the job has already {job.status}")
    job = _services(request).jobs.request_cancel(job.id)
    status = 200 if job.status in TERMINAL else 202
    return JSONResponse(job_view(job), status_code=status)


@router.get(
    "/jobs/{job_id}/events",
    summary="Server-sent events: `progress` on every change, then `done`",
    response_class=StreamingResponse,
)
async def job_events(job_id: str, request: Request) -> StreamingResponse:
    job = await run_in_threadpool(_owned, request, job_id)
    jobs = _services(request).jobs
    return StreamingResponse(
        _event_stream(request, job.id, jobs),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _event_stream(request: Request, job_id: str, jobs) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    start = last_sent = loop.time()
    previous = None
    yield "retry: 2000\n\n"
    while loop.time() - start < MAX_STREAM_SECONDS:
        job = await run_in_threadpool(jobs.get, job_id)
        if job is None:  # a finished job, purged after the retention
            return
        payload = json.dumps(job_view(job))
        done = job.status in TERMINAL
        if payload != previous:
            yield f"event: {'done' if done else 'progress'}\ndata: {payload}\n\n"
            previous, last_sent = payload, loop.time()
        if done or await request.is_disconnected():
            return
        if loop.time() - last_sent > KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            last_sent = loop.time()
        await asyncio.sleep(EVENT_POLL_SECONDS)


def _owned(request: Request, job_id: str) -> Job:
    svc = _services(request)
    job = svc.jobs.get_owned(job_id, _caller(request).owner)
    if job is None:
        raise not_found()
    return job
