"""API keys: created once, stored only as a salted HMAC-SHA256, looked up by that hash.

A key reads ``ms_<id>_<secret>``: the id names the key in listings, logs and job
ownership; the secret is 192 random bits. Only HMAC-SHA256(salt, key) is stored (the salt
is random per data dir), so the database alone does not let anyone call the API.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from meshsmith.errors import InputError
from meshsmith.service.db import Database, now

KEY_PATTERN = re.compile(r"^ms_([0-9a-f]{8})_[A-Za-z0-9_-]{32}$")


@dataclass(frozen=True)
class ApiKey:
    """One key's public record (never the key itself).

    `rate_per_min` and `max_jobs` are None when the key uses the server's defaults.
    """

    id: str
    name: str
    rate_per_min: float | None
    max_jobs: int | None
    created: float
    revoked: float | None

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "rate_per_min": self.rate_per_min,
            "max_jobs": self.max_jobs,
            "created": self.created,
            "revoked": self.revoked,
        }


class KeyStore:
    """Create, list, revoke and check API keys in the service database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        salt = db.meta("key_salt")
        assert salt is not None  # Database creates it with the schema
        self._salt = bytes.fromhex(salt)

    def _hash(self, key: str) -> str:
        return hmac.new(self._salt, key.encode(), hashlib.sha256).hexdigest()

    def create(
        self, name: str = "", rate_per_min: float | None = None, max_jobs: int | None = None
    ) -> tuple[str, ApiKey]:
        """A new key: returns (the plain key, to show once; its record)."""
        key_id = secrets.token_hex(4)
        key = f"ms_{key_id}_{secrets.token_urlsafe(24)}"
        self.db.execute(
            "INSERT INTO keys (id, name, hash, rate_per_min, max_jobs, created)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (key_id, name, self._hash(key), rate_per_min, max_jobs, now()),
        )
        return key, self.get(key_id)

    def get(self, key_id: str) -> ApiKey:
        rows = self.db.query("SELECT * FROM keys WHERE id = ?", (key_id,))
        if not rows:
            raise InputError(f"no API key with id {key_id!r} (see `meshsmith keys list`)")
        return _record(rows[0])

    def list(self) -> list[ApiKey]:
        return [_record(row) for row in self.db.query("SELECT * FROM keys ORDER BY created")]

    def revoke(self, key_id: str) -> ApiKey:
        self.get(key_id)
        self.db.execute(
            "UPDATE keys SET revoked = ? WHERE id = ? AND revoked IS NULL", (now(), key_id)
        )
        return self.get(key_id)

    def authenticate(self, key: str) -> ApiKey | None:
        """The live key record for a presented key, or None (unknown, malformed, revoked)."""
        if not KEY_PATTERN.match(key):
            return None
        rows = self.db.query(
            "SELECT * FROM keys WHERE hash = ? AND revoked IS NULL", (self._hash(key),)
        )
        return _record(rows[0]) if rows else None


def _record(row) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        rate_per_min=row["rate_per_min"],
        max_jobs=row["max_jobs"],
        created=row["created"],
        revoked=row["revoked"],
    )
