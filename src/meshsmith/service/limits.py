"""Per-caller submission rate (token bucket) and the request body size limit.

The rate limit counts job submissions, the only expensive request; reads (polling, event
streams, downloads) are not limited here. With a SQLite queue (one API server per data
dir) the buckets live in the API process's memory; with a Redis queue, where several API
servers may share one Redis, they live in Redis and one Lua script takes a token, so the
servers together allow no more than the rate. The body limit is enforced while the body
is read, so a client that sends no Content-Length (chunked) is cut off too.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

import redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meshsmith.service.api_errors import ApiError, error_response
from meshsmith.service.config import Limits, ServiceConfig
from meshsmith.service.queue import is_redis_url
from meshsmith.service.store_redis import PREFIX


class RateLimiter(Protocol):
    def acquire(self, caller: str, rate_per_min: float | None) -> float:
        """Take one token; returns 0 on success, else the seconds until one is free.

        One bucket per caller: `rate_per_min` tokens a minute, bursts of up to the rate
        (at least 1); None means unlimited.
        """
        ...


def bucket_shape(rate_per_min: float) -> tuple[float, float]:
    """(capacity in tokens, refill in tokens per second) for a rate per minute."""
    return max(1.0, rate_per_min), rate_per_min / 60.0


class MemoryRateLimiter:
    """Buckets in this process's memory: for the one API server of a data dir."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def acquire(self, caller: str, rate_per_min: float | None) -> float:
        if rate_per_min is None:
            return 0.0
        capacity, per_second = bucket_shape(rate_per_min)
        t = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(caller, (capacity, t))
            tokens = min(capacity, tokens + (t - last) * per_second)
            if tokens >= 1.0:
                self._buckets[caller] = (tokens - 1.0, t)
                return 0.0
            self._buckets[caller] = (tokens, t)
            return (1.0 - tokens) / per_second if per_second > 0 else math.inf


# KEYS[1]: the caller's bucket, a hash {tokens, at}. ARGV: capacity, tokens per second.
# Returns the seconds to wait as a string (Redis would truncate a Lua number to an integer).
_TAKE_TOKEN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity, per_second = tonumber(ARGV[1]), tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = capacity
if bucket[1] then
  local elapsed = math.max(0, now - tonumber(bucket[2]))
  tokens = math.min(capacity, tonumber(bucket[1]) + elapsed * per_second)
end
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / per_second end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
-- A bucket left alone refills to capacity, which is what no bucket means: let it expire.
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / per_second * 1000) + 1000)
return tostring(wait)
"""


class RedisRateLimiter:
    """Buckets in Redis (`rate:<caller>`), shared by every API server using that Redis.

    Timed by the Redis server's clock, so the servers' clocks need not agree.
    """

    def __init__(self, client: redis.Redis) -> None:
        self._take = client.register_script(_TAKE_TOKEN)

    def acquire(self, caller: str, rate_per_min: float | None) -> float:
        if rate_per_min is None:
            return 0.0
        capacity, per_second = bucket_shape(rate_per_min)
        return float(self._take(keys=[f"{PREFIX}rate:{caller}"], args=[capacity, per_second]))


def open_rate_limiter(config: ServiceConfig) -> RateLimiter:
    """Redis buckets for a Redis queue (API servers may be several), else memory."""
    if config.queue_url and is_redis_url(config.queue_url):
        return RedisRateLimiter(redis.Redis.from_url(config.queue_url, decode_responses=True))
    return MemoryRateLimiter()


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
