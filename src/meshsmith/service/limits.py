"""Per-caller submission rate (token bucket) and the request body size limit.

The rate limit counts job submissions, the only expensive request; reads (polling, event
streams, downloads) are not limited here. The body limit is enforced while the body is
read, so a client that sends no Content-Length (chunked) is cut off too.
"""

from __future__ import annotations

import math
import threading
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshsmith.service.api_errors import ApiError, error_response
from meshsmith.service.config import Limits


class RateLimiter:
    """One token bucket per caller: `rate` tokens a minute, bursts of up to `rate`."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, caller: str, rate_per_min: float | None) -> float:
        """Take one token; returns 0 on success, else the seconds until one is free."""
        if rate_per_min is None:
            return 0.0
        capacity = max(1.0, rate_per_min)
        per_second = rate_per_min / 60.0
        t = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(caller, (capacity, t))
            tokens = min(capacity, tokens + (t - last) * per_second)
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - 1.0, t)
                return 0.0
            self._buckets[caller] = (tokens, t)
            return (1.0 - tokens) / per_second if per_second > 0 else math.inf


def rate_limited(seconds: float) -> ApiError:
    retry = max(1, math.ceil(seconds)) if math.isfinite(seconds) else 3600
    return ApiError(
        429,
        "rate_limited",
        f"too many jobs submitted; try again in {retry} s",
        headers={"Retry-After": str(retry)},
    )


class BodyLimitMiddleware:
    """413 for request bodies over the limit: JSON bodies and multipart uploads differ."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        multipart = headers.get("content-type", "").startswith("multipart/")
        limit = self.limits.max_multipart_bytes if multipart else self.limits.max_json_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ApiError(413, "payload_too_large", _message(limit))
            return message

        await self.app(scope, limited_receive, send)


def _message(limit: int) -> str:
    return f"request body larger than {limit} bytes"


def _too_large(limit: int):
    return error_response(413, "payload_too_large", _message(limit), {"Connection": "close"})
