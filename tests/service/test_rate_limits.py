"""Per-key submission rates: memory buckets for a lone API server (SQLite queue), Redis
buckets that several API servers sharing one redis-server enforce together."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from meshsmith.service.config import ServiceConfig
from meshsmith.service.limits import MemoryRateLimiter, RedisRateLimiter, open_rate_limiter
from tests.service.conftest import SMALL_JOB, create_key, start_server


@pytest.fixture(params=["memory", "redis"])
def limiters(request):
    """Two limiters that must act as one: a shared memory one, or two Redis clients."""
    if request.param == "memory":
        shared = MemoryRateLimiter()
        return shared, shared
    url = request.getfixturevalue("redis_server").url(0)
    redis.Redis.from_url(url).flushdb()
    return tuple(RedisRateLimiter(redis.Redis.from_url(url, decode_responses=True))
                 for _ in range(2))  # fmt: skip


def test_a_burst_gets_the_rate_then_waits_for_the_next_token(limiters):
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda i: limiters[i % 2].acquire("k1", 5.0), range(16)))
    assert waits.count(0.0) == 5  # 5/min: bursts of 5
    assert all(0 < wait <= 12.0 for wait in waits if wait)  # one token every 12 s
    assert max(waits) == pytest.approx(12.0, abs=0.5)
    assert limiters[0].acquire("k2", 5.0) == 0.0  # a bucket per caller
    assert limiters[1].acquire("k1", None) == 0.0  # no rate: unlimited


def test_a_bucket_refills_at_the_rate(limiters):
    first, second = limiters
    assert [first.acquire("k", 60.0) for _ in range(60)] == [0.0] * 60
    wait = second.acquire("k", 60.0)
    assert 0.9 < wait <= 1.0  # 60/min: a token a second
    time.sleep(1.1)
    assert second.acquire("k", 60.0) == 0.0 and first.acquire("k", 60.0) > 0.5


def test_a_redis_bucket_expires_once_it_would_be_full(redis_server):
    url = redis_server.fresh_url()
    client = redis.Redis.from_url(url, decode_responses=True)
    limiter = RedisRateLimiter(client)
    assert limiter.acquire("k", 60.0) == 0.0
    assert 1000 < client.pttl("meshsmith:rate:k") <= 2000  # 1 token short: 1 s, + 1 s slack
    assert limiter.acquire("k", 60.0) == 0.0
    assert 2000 < client.pttl("meshsmith:rate:k") <= 3000


def test_the_queue_picks_the_buckets(tmp_path):
    assert isinstance(open_rate_limiter(ServiceConfig(data_dir=tmp_path)), MemoryRateLimiter)
    redis_queue = ServiceConfig(data_dir=tmp_path, queue_url="redis://127.0.0.1:1/0")
    assert isinstance(open_rate_limiter(redis_queue), RedisRateLimiter)


@pytest.fixture(scope="module")
def two_api_servers(tmp_path_factory, redis_server):
    """Two API servers (no workers) on one Redis, reading the same API keys."""
    data_dir = tmp_path_factory.mktemp("api") / "data"
    key = create_key(data_dir, "--name", "ci", "--rate", "3/min", "--max-jobs", "100")
    url = redis_server.fresh_url()
    servers = [
        start_server(data_dir, "--queue", url, "--auth", "required", workers=0, ready=False)
        for _ in range(2)
    ]
    yield servers, key
    for server in servers:
        server.stop()


def test_two_api_servers_on_one_redis_allow_the_rate_together(two_api_servers):
    (a, b), key = two_api_servers
    with a.client(key) as on_a, b.client(key) as on_b:
        answers = [
            client.post("/v1/jobs", json={"prompt": "a stool", "seed": seed, **SMALL_JOB})
            for seed, client in enumerate([on_a, on_b] * 3)
        ]
        assert [r.status_code for r in answers] == [202, 202, 202, 429, 429, 429]
        for refused in answers[3:]:
            assert refused.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(refused.headers["retry-after"]) <= 20  # 3/min: a token in 20 s
        accepted = {r.json()["id"] for r in answers[:3]}
        for client in (on_a, on_b):
            assert {j["id"] for j in client.get("/v1/jobs").json()["jobs"]} == accepted
