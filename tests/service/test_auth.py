"""API keys, tenancy, rate limits and quotas on a real server with `--auth required`."""

from __future__ import annotations

import httpx
import pytest

from meshsmith.service.config import ServiceConfig
from tests.conftest import run_meshsmith
from tests.service.conftest import create_key, start_server, submit_text, wait_for


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("secured") / "data"
    keys = {
        "alice": create_key(data_dir, "--name", "alice"),
        "bob": create_key(data_dir, "--name", "bob"),
        "slow": create_key(data_dir, "--rate", "2/min"),
        "single": create_key(data_dir, "--max-jobs", "1"),
    }
    server = start_server(data_dir, "--auth", "required")
    yield server, keys
    server.stop()


def test_auth_auto_requires_keys_off_loopback_only():
    assert not ServiceConfig(host="127.0.0.1").auth_required
    assert not ServiceConfig(host="::1").auth_required
    assert ServiceConfig(host="0.0.0.0").auth_required
    assert ServiceConfig(host="192.168.1.5").auth_required
    assert not ServiceConfig(host="0.0.0.0", auth="off").auth_required
    assert ServiceConfig(host="127.0.0.1", auth="required").auth_required


def test_requests_without_a_valid_key_get_401(secured):
    server, keys = secured
    for headers in ({}, {"Authorization": "Bearer ms_00000000_" + "x" * 32},
                    {"Authorization": "Basic abc"}, {"X-API-Key": "nope"}):  # fmt: skip
        response = httpx.get(server.url + "/v1/jobs", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"
    response = httpx.post(server.url + "/v1/jobs", json={"prompt": "a chair"})
    assert response.status_code == 401
    ok = httpx.get(server.url + "/v1/jobs", headers={"X-API-Key": keys["alice"]})
    assert ok.status_code == 200
    for open_path in ("/healthz", "/readyz", "/metrics"):
        assert httpx.get(server.url + open_path).status_code == 200


def test_a_key_sees_only_its_own_jobs_and_assets(secured):
    server, keys = secured
    with server.client(keys["alice"]) as alice, server.client(keys["bob"]) as bob:
        job = wait_for(alice, submit_text(alice, "a red armchair", seed=2)["id"])
        assert job["status"] == "succeeded", job["error"]
        url = job["assets"][0]["url"]
        assert alice.get(url).status_code == 200
        for response in (
            bob.get(f"/v1/jobs/{job['id']}"),
            bob.get(f"/v1/jobs/{job['id']}/events"),
            bob.get(url),
            bob.delete(f"/v1/jobs/{job['id']}"),
        ):
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        assert job["id"] not in {j["id"] for j in bob.get("/v1/jobs").json()["jobs"]}
        assert job["id"] in {j["id"] for j in alice.get("/v1/jobs").json()["jobs"]}


def test_rate_limit_answers_429_with_retry_after(secured):
    server, keys = secured
    with server.client(keys["slow"]) as slow:
        codes = [
            slow.post("/v1/jobs", json={"prompt": "a red armchair", "seed": 2,
                                        "faces": 2000, "texture_size": 256})
            for _ in range(3)
        ]  # fmt: skip
    assert [r.status_code for r in codes] == [202, 202, 429]
    assert codes[2].json()["error"]["code"] == "rate_limited"
    assert 1 <= int(codes[2].headers["retry-after"]) <= 60


def test_concurrent_job_quota_answers_429(secured):
    server, keys = secured
    with server.client(keys["single"]) as single:
        first = submit_text(single, "a long dining table", seed=8, texture_size=1024)
        second = single.post("/v1/jobs", json={"prompt": "a stool", "seed": 9})
        assert second.status_code == 429
        assert second.json()["error"]["code"] == "too_many_jobs"
        assert wait_for(single, first["id"])["status"] == "succeeded"
        third = single.post("/v1/jobs", json={"prompt": "a stool", "seed": 9, "faces": 2000,
                                              "texture_size": 256})  # fmt: skip
        assert third.status_code == 202


def test_a_revoked_key_stops_working(secured):
    server, _ = secured
    key = create_key(server.data_dir, "--name", "temporary")
    with server.client(key) as client:
        assert client.get("/v1/jobs").status_code == 200
        revoked = run_meshsmith("keys", "revoke", key.split("_")[1], "--data-dir", server.data_dir)
        assert revoked.returncode == 0
        assert client.get("/v1/jobs").status_code == 401
