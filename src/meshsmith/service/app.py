"""The FastAPI application: /v1 API, health and metrics, and the web UI's static files.

`create_app(config)` builds one app around a `Services` bundle (job store, worker registry,
file store, keys, queue, rate limiter, metrics). The reaper and the retention sweep run in
the app's lifespan.
The API process never loads the model: workers do the generation.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshsmith import __version__
from meshsmith.service.api_errors import install_handlers
from meshsmith.service.backend import open_backend
from meshsmith.service.config import ServiceConfig
from meshsmith.service.db import Database
from meshsmith.service.files import FileStore
from meshsmith.service.keys import KeyStore
from meshsmith.service.limits import BodyLimitMiddleware, RateLimiter, open_rate_limiter
from meshsmith.service.metrics import build_registry
from meshsmith.service.queue import JobQueue
from meshsmith.service.reaper import PeriodicThread, Reaper, RetentionSweep
from meshsmith.service.registry import WorkerRegistry
from meshsmith.service.store import JobStore

STATIC_DIR = Path(__file__).with_name("static")


@dataclass
class Services:
    """Everything a request handler needs, built once per app."""

    config: ServiceConfig
    jobs: JobStore
    registry: WorkerRegistry
    files: FileStore
    keys: KeyStore
    queue: JobQueue
    limiter: RateLimiter
    metrics: CollectorRegistry
    request_seconds: Histogram

    @classmethod
    def build(cls, config: ServiceConfig) -> Services:
        backend = open_backend(config)
        queue = JobQueue(config.queue_url, config.sqlite_queue_path)
        metrics, request_seconds = build_registry(backend.jobs, backend.registry, queue.depth)
        return cls(
            config=config,
            jobs=backend.jobs,
            registry=backend.registry,
            files=backend.files,
            keys=KeyStore(Database(config.prepare().db_path)),  # keys: the API server's own
            queue=queue,
            limiter=open_rate_limiter(config),
            metrics=metrics,
            request_seconds=request_seconds,
        )


def services(request: Request) -> Services:
    return request.app.state.services


def create_app(config: ServiceConfig) -> FastAPI:
    """The ASGI app for `config` (run it with uvicorn; `meshsmith serve` does)."""
    from meshsmith.service.routes_assets import router as assets_router
    from meshsmith.service.routes_jobs import router as jobs_router

    svc = Services.build(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reaper = Reaper(svc.jobs, svc.queue, config.max_attempts, config.stale_queued_seconds)
        threads = [PeriodicThread("meshsmith-reaper", reaper.run_once, config.reaper_interval)]
        if config.retention_seconds is not None:
            sweep = RetentionSweep(svc.jobs, config.retention_seconds)
            threads.append(PeriodicThread("meshsmith-retention", sweep.run_once,
                                          config.retention_sweep_seconds))  # fmt: skip
        for thread in threads:
            thread.start()
        yield
        for thread in threads:
            thread.stop()

    app = FastAPI(
        title="meshsmith",
        version=__version__,
        summary="Text, images and sketches to textured 3D assets.",
        description="Submit a job, follow its progress, download the files. "
        "See docs/service.md for authentication, limits and deployment.",
        lifespan=lifespan,
    )
    app.state.services = svc
    install_handlers(app)
    app.include_router(jobs_router)
    app.include_router(assets_router)
    _add_operations(app, svc)
    _add_web_ui(app)
    app.add_middleware(BodyLimitMiddleware, limits=config.limits)
    app.add_middleware(RequestTimer, histogram=svc.request_seconds)
    return app


def _add_operations(app: FastAPI, svc: Services) -> None:
    @app.get("/healthz", tags=["operations"], summary="The process is up")
    def healthz() -> dict:
        return {"status": "ok", "version": __version__}

    @app.get("/readyz", tags=["operations"], summary="Job store, queue and a worker are ready")
    def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            svc.jobs.check()
            checks["database"] = "ok"
        except Exception as exc:  # any SQLite or Redis failure means not ready
            checks["database"] = f"error: {exc}"
        try:
            svc.queue.check()
            checks["queue"] = "ok"
        except Exception as exc:
            checks["queue"] = f"error: {exc}"
        workers = svc.registry.live()
        checks["workers"] = f"{len(workers)} live" if workers else "none live"
        ready = checks["database"] == checks["queue"] == "ok" and bool(workers)
        body = {
            "ready": ready,
            "checks": checks,
            "model_version": workers[-1].model_version if workers else None,
        }
        if not ready:
            problems = [f"{k}: {v}" for k, v in checks.items() if v != "ok" and k != "workers"]
            problems += [] if workers else ["no live worker"]
            body["error"] = {"code": "unavailable", "message": "; ".join(problems)}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics() -> Response:
        payload = await run_in_threadpool(generate_latest, svc.metrics)
        return Response(payload, media_type=CONTENT_TYPE_LATEST)


def _add_web_ui(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        page = STATIC_DIR / "index.html"
        if page.is_file():
            return FileResponse(page, media_type="text/html")
        return HTMLResponse(
            "<p>meshsmith: no web UI installed; the API is at <a href=/docs>/docs</a>"
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")


class RequestTimer:
    """Observes each request's time to its response headers, by route template."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")
                self.histogram.labels(
                    scope["method"],
                    getattr(route, "path", "unmatched"),
                    str(message["status"]),
                ).observe(time.perf_counter() - start)
            await send(message)

        await self.app(scope, receive, timed_send)
