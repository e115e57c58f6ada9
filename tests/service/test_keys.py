"""API keys: `meshsmith keys create|list|revoke` and how they are stored."""

from __future__ import annotations

import json
import sqlite3

from meshsmith.service.db import Database
from meshsmith.service.keys import KeyStore
from tests.conftest import run_meshsmith


def test_keys_cli_creates_lists_and_revokes(tmp_path):
    data = tmp_path / "data"
    created = run_meshsmith(
        "keys", "create", "--name", "ci", "--rate", "2/s", "--max-jobs", "3",
        "--data-dir", data, "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    record = json.loads(created.stdout)
    key = record["key"]
    assert key.startswith(f"ms_{record['id']}_")
    assert record["rate_per_min"] == 120 and record["max_jobs"] == 3

    listed = run_meshsmith("keys", "list", "--data-dir", data)
    assert record["id"] in listed.stdout and key not in listed.stdout

    store = KeyStore(Database(data / "jobs.db"))
    assert store.authenticate(key).id == record["id"]
    assert store.authenticate(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    stored = sqlite3.connect(data / "jobs.db").execute("SELECT hash FROM keys").fetchall()
    assert key not in str(stored)  # only the HMAC is kept

    revoked = run_meshsmith("keys", "revoke", record["id"], "--data-dir", data)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert store.authenticate(key) is None


def test_keys_cli_bad_input_is_one_line(tmp_path):
    result = run_meshsmith("keys", "revoke", "nope", "--data-dir", tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no API key" in result.stderr
    result = run_meshsmith("keys", "create", "--rate", "fast", "--data-dir", tmp_path)
    assert result.returncode == 2 and "30/min" in result.stderr
