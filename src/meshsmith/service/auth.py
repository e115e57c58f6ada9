"""Who is calling: an API key from `Authorization: Bearer KEY` or `X-API-Key: KEY`.

With auth required, every /v1 request needs a live key (401 otherwise). With auth off (or
`auto` on loopback) a request without a key acts as the local user, "local"; a request
that presents a key is still checked and scoped to that key. Job ownership is the key id,
so a key sees only its own jobs and assets.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import Headers

from meshsmith.service.api_errors import ApiError
from meshsmith.service.config import ServiceConfig
from meshsmith.service.keys import KeyStore

LOCAL_OWNER = "local"


@dataclass(frozen=True)
class Caller:
    """The owner id jobs are filed under, and the limits that apply to it."""

    owner: str
    rate_per_min: float | None
    max_jobs: int | None


def presented_key(headers: Headers) -> str | None:
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    key = headers.get("x-api-key", "").strip()
    return key or None


def identify(headers: Headers, keys: KeyStore, config: ServiceConfig) -> Caller:
    """The caller for these request headers.

    Raises
    ------
    ApiError
        401 when a key is required and missing, or a presented key is unknown or revoked.
    """
    key = presented_key(headers)
    if key is None:
        if config.auth_required:
            raise _unauthorized("an API key is required (Authorization: Bearer KEY)")
        return Caller(LOCAL_OWNER, config.limits.local_rate_per_min, config.limits.local_max_jobs)
    record = keys.authenticate(key)
    if record is None:
        raise _unauthorized("invalid or revoked API key")
    limits = config.limits
    return Caller(
        owner=record.id,
        rate_per_min=record.rate_per_min if record.rate_per_min is not None
        else limits.key_rate_per_min,
        max_jobs=record.max_jobs if record.max_jobs is not None else limits.key_max_jobs,
    )  # fmt: skip


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})
