"""Job records in Redis, so that workers on other machines need nothing but the Redis URL.

Keys (all under `PREFIX`):

    job:<id>           hash: the fields of `Job` (request, stages, timings and assets as
                       JSON); a field that is None is absent
    seq                counter: each new job's `seq`
    owner:<owner>      sorted set: the owner's job ids scored by seq (pages, newest first)
    active:<owner>     set: the owner's queued and running job ids (the per-key quota)
    status:<status>    sorted set per status: queued ids scored by queued_at, running ids
                       by lease_until, finished ones by finished (counts, the reaper)
    cache:<cache key>  the id of a job that succeeded with that key
    asset_refs:<dir>   set: the ids of the succeeded jobs whose `asset_dir` is <dir>
    input_refs:<sha>   set: the ids of the jobs whose request names upload <sha>
    references_indexed set once the reference sets cover jobs stored before they existed
    counters           hash: the durable counters behind /metrics

`assets:<dir>` and `input:<sha>` hold the files (`meshsmith.service.files`), `rate:<caller>`
the submission rate buckets (`meshsmith.service.limits`).

Each write is one Lua script, so it is atomic: the claim, every write of a claimed job
(guarded like the SQL store's WHERE clauses: still running, same attempt, same worker) and
the indexes it moves. The purge deletes old finished jobs with every index entry and,
when a reference set empties, the file it counts for, in one script; a cache hit checks
its source in one script too, so it never points at deleted files. Times come from the
Redis server's clock (TIME), so leases written and checked on different machines compare
against one clock. One Redis server (or a primary with replicas), not Redis Cluster: the
scripts touch keys they compute.

Jobs are purged by a sweep rather than by EXPIRE on their keys: a job is also an entry in
its owner's pages, the status counts and the cache index, and its result files may be
shared with later cache hits; an expiring hash would leave those pointing at nothing.
"""

from __future__ import annotations

import json

import redis

from meshsmith.service.metrics import stage_observations
from meshsmith.service.store import STATUSES, Job, new_job_id

PREFIX = "meshsmith:"

_INT = ("seq", "attempts")
_FLOAT = ("fraction", "lease_until", "created", "queued_at", "started", "finished", "updated")
_BOOL = ("cache_hit", "cancel_requested")
_JSON = ("request", "stages", "timings", "assets")

# Prepended to every script. ARGV[1] is the key prefix, ARGV[2] the job id; KEYS[1] the
# job's hash.
_PRELUDE = """
local P, id, key = ARGV[1], ARGV[2], KEYS[1]
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function held(attempts, worker)
  local v = redis.call('HMGET', key, 'status', 'attempts', 'worker')
  return v[1] == 'running' and v[2] == attempts and v[3] == worker
end
local function index(from, to, score)
  if from then redis.call('ZREM', P .. 'status:' .. from, id) end
  redis.call('ZADD', P .. 'status:' .. to, score, id)
end
local function finish(status, t)
  local v = redis.call('HMGET', key, 'status', 'owner')
  redis.call('HSET', key, 'status', status, 'finished', t, 'updated', t)
  redis.call('HDEL', key, 'lease_until')
  index(v[1], status, t)
  redis.call('SREM', P .. 'active:' .. v[2], id)
end
local function count(name, amount)
  redis.call('HINCRBYFLOAT', P .. 'counters', name, amount)
end
local function refer(kind, name, job)
  if name and name ~= '' then redis.call('SADD', P .. kind .. '_refs:' .. name, job) end
end
"""

_SCRIPTS = {
    # ARGV: owner, kind, request, cache key ('' for none), upload sha256 ('' for none)
    "create": """
local owner, t = ARGV[3], now()
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', key, 'seq', seq, 'id', id, 'owner', owner, 'kind', ARGV[4],
  'status', 'queued', 'request', ARGV[5], 'fraction', 0, 'stages', '{}', 'timings', '{}',
  'assets', '[]', 'cache_hit', 0, 'attempts', 0, 'cancel_requested', 0,
  'created', t, 'queued_at', t, 'updated', t)
if ARGV[6] ~= '' then redis.call('HSET', key, 'cache_key', ARGV[6]) end
redis.call('ZADD', P .. 'owner:' .. owner, seq, id)
redis.call('SADD', P .. 'active:' .. owner, id)
refer('input', ARGV[7], id)
index(false, 'queued', t)
""",
    # KEYS[2]: the source job's hash. ARGV: owner, kind, request, upload sha256 ('' for none)
    "create_from_cache": """
local owner, t = ARGV[3], now()
if redis.call('HGET', KEYS[2], 'status') ~= 'succeeded' then return 0 end  -- purged
local src = redis.call('HMGET', KEYS[2], 'cache_key', 'model_version', 'stages', 'timings',
  'assets', 'asset_dir')
local seq = redis.call('INCR', P .. 'seq')
redis.call('HSET', key, 'seq', seq, 'id', id, 'owner', owner, 'kind', ARGV[4],
  'status', 'succeeded', 'request', ARGV[5], 'cache_key', src[1], 'model_version', src[2],
  'fraction', 1, 'stages', src[3], 'timings', src[4], 'assets', src[5], 'asset_dir', src[6],
  'cache_hit', 1, 'attempts', 0, 'cancel_requested', 0,
  'created', t, 'queued_at', t, 'started', t, 'finished', t, 'updated', t)
redis.call('ZADD', P .. 'owner:' .. owner, seq, id)
index(false, 'succeeded', t)
refer('asset', src[6], id)
refer('input', ARGV[6], id)
count('cache_hits', 1)
return 1
""",
    "request_cancel": """
local status = redis.call('HGET', key, 'status')
if status == 'queued' then
  finish('cancelled', now())
elseif status == 'running' then
  redis.call('HSET', key, 'cancel_requested', 1, 'updated', now())
end
""",
    # ARGV: worker, lease seconds
    "claim": """
if redis.call('HGET', key, 'status') ~= 'queued' then return 0 end
local t = now()
local lease_until = t + tonumber(ARGV[4])
redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HSET', key, 'status', 'running', 'worker', ARGV[3], 'lease_until', lease_until,
  'fraction', 0, 'stages', '{}', 'updated', t)
redis.call('HSETNX', key, 'started', t)
redis.call('HDEL', key, 'stage')
index('queued', 'running', lease_until)
return 1
""",
    # The scripts below take ARGV[3], ARGV[4]: the attempt and worker of the claim.
    # ARGV[5]: lease seconds
    "renew": """
if not held(ARGV[3], ARGV[4]) then return 0 end
local t = now()
local lease_until = t + tonumber(ARGV[5])
redis.call('HSET', key, 'lease_until', lease_until, 'updated', t)
redis.call('ZADD', P .. 'status:running', lease_until, id)
return 1
""",
    # ARGV: stage, fraction, stages
    "report_progress": """
if not held(ARGV[3], ARGV[4]) then return 0 end
redis.call('HSET', key, 'stage', ARGV[5], 'fraction', ARGV[6], 'stages', ARGV[7],
  'updated', now())
return 1
""",
    # ARGV: assets, asset_dir, timings, stages, model_version, cache_key, cache_hit, then
    # counter names and amounts. A cache hit's asset_dir must still be named by a job.
    "succeed": """
if not held(ARGV[3], ARGV[4]) then return 0 end
if ARGV[11] == '1' and redis.call('EXISTS', P .. 'asset_refs:' .. ARGV[6]) == 0 then
  return 0
end
redis.call('HSET', key, 'assets', ARGV[5], 'asset_dir', ARGV[6], 'timings', ARGV[7],
  'stages', ARGV[8], 'fraction', 1, 'model_version', ARGV[9], 'cache_key', ARGV[10],
  'cache_hit', ARGV[11])
redis.call('HDEL', key, 'stage')
finish('succeeded', now())
redis.call('SETNX', P .. 'cache:' .. ARGV[10], id)
refer('asset', ARGV[6], id)
for i = 12, #ARGV, 2 do count(ARGV[i], ARGV[i + 1]) end
return 1
""",
    # ARGV: code, message
    "fail": """
if not held(ARGV[3], ARGV[4]) then return 0 end
redis.call('HSET', key, 'error_code', ARGV[5], 'error_message', ARGV[6])
finish('failed', now())
count('failures:' .. ARGV[5], 1)
return 1
""",
    "mark_cancelled": """
if not held(ARGV[3], ARGV[4]) then return 0 end
finish('cancelled', now())
return 1
""",
    "release": """
if not held(ARGV[3], ARGV[4]) then return 0 end
local t = now()
redis.call('HINCRBY', key, 'attempts', -1)
redis.call('HSET', key, 'status', 'queued', 'queued_at', t, 'updated', t)
redis.call('HDEL', key, 'lease_until', 'worker')
index('running', 'queued', t)
return 1
""",
    "requeue_expired": """
if not held(ARGV[3], ARGV[4]) then return 0 end
local t = now()
if tonumber(redis.call('HGET', key, 'lease_until')) >= t then return 0 end
redis.call('HSET', key, 'status', 'queued', 'queued_at', t, 'updated', t)
redis.call('HDEL', key, 'lease_until', 'worker')
index('running', 'queued', t)
return 1
""",
    # No job (id and KEYS[1] unused). Returns the ids of running jobs whose lease expired.
    "expired": """
return redis.call('ZRANGEBYSCORE', P .. 'status:running', '-inf', '(' .. now())
""",
    # No job. ARGV[3]: seconds. Returns the ids queued longer; their queue time is reset.
    "stale_queued": """
local t = now()
local queued = P .. 'status:queued'
local ids = redis.call('ZRANGEBYSCORE', queued, '-inf', '(' .. (t - tonumber(ARGV[3])))
for _, stale in ipairs(ids) do
  redis.call('HSET', P .. 'job:' .. stale, 'queued_at', t)
  redis.call('ZADD', queued, t, stale)
end
return ids
""",
    # No job. ARGV[3]: seconds since finishing, ARGV[4]: at most this many jobs per status.
    # Returns how many jobs were deleted.
    "purge_finished": """
local function release(kind, name, job, file)
  local refs = P .. kind .. '_refs:' .. name
  redis.call('SREM', refs, job)
  if redis.call('SCARD', refs) == 0 then redis.call('DEL', P .. file .. ':' .. name) end
end
local function purge(job, status)
  local v = redis.call('HMGET', P .. 'job:' .. job, 'owner', 'asset_dir', 'cache_key', 'request')
  redis.call('ZREM', P .. 'status:' .. status, job)
  if not v[1] then return end
  redis.call('DEL', P .. 'job:' .. job)
  redis.call('ZREM', P .. 'owner:' .. v[1], job)
  release('asset', job, job, 'assets')  -- files a lost attempt may have published
  if v[2] then release('asset', v[2], job, 'assets') end
  local input = cjson.decode(v[4])['input']
  if type(input) == 'table' then release('input', input['sha256'], job, 'input') end
  local cache = v[3] and P .. 'cache:' .. v[3]
  if cache and redis.call('GET', cache) == job then
    -- every job naming the same files succeeded with the same cache key
    local heir = v[2] and redis.call('SRANDMEMBER', P .. 'asset_refs:' .. v[2])
    if heir then redis.call('SET', cache, heir) else redis.call('DEL', cache) end
  end
end
local cutoff, purged = '(' .. (now() - tonumber(ARGV[3])), 0
for _, status in ipairs({'succeeded', 'failed', 'cancelled'}) do
  local ids = redis.call('ZRANGEBYSCORE', P .. 'status:' .. status, '-inf', cutoff,
    'LIMIT', 0, ARGV[4])
  for _, job in ipairs(ids) do purge(job, status) end
  if #ids > 0 then count('purged:' .. status, #ids) end
  purged = purged + #ids
end
return purged
""",
    # No job. ARGV[3...]: job ids. Adds them to the reference sets (jobs written before
    # the sets existed); ids no longer stored are skipped, so it races safely with a purge.
    "index_references": """
for i = 3, #ARGV do
  local job = ARGV[i]
  local v = redis.call('HMGET', P .. 'job:' .. job, 'status', 'asset_dir', 'request')
  if v[1] then
    if v[1] == 'succeeded' then refer('asset', v[2], job) end
    local input = cjson.decode(v[3])['input']
    if type(input) == 'table' then refer('input', input['sha256'], job) end
  end
end
""",
}

REFERENCES_INDEXED = f"{PREFIX}references_indexed"


class RedisJobStore:
    """Job records in Redis (`JobStore` protocol).

    Parameters
    ----------
    client : redis.Redis
        A client with ``decode_responses=True``.
    """

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._scripts = {
            name: client.register_script(_PRELUDE + body) for name, body in _SCRIPTS.items()
        }
        self._references_indexed = False

    def _run(self, name: str, job_id: str = "", *args, keys: tuple = ()) -> object:
        return self._scripts[name](keys=[_job_key(job_id), *keys], args=[PREFIX, job_id, *args])

    def _held(self, name: str, job: Job, *args) -> bool:
        return bool(self._run(name, job.id, job.attempts, job.worker, *args))

    # ---- API side
    def create(self, owner: str, kind: str, request: dict, cache_key: str | None = None) -> Job:
        job_id = new_job_id()
        self._run("create", job_id, owner, kind, json.dumps(request), cache_key or "",
                  _upload(request))  # fmt: skip
        return self._must_get(job_id)

    def create_from_cache(self, owner: str, kind: str, request: dict, source: Job) -> Job | None:
        job_id = new_job_id()
        keys = (_job_key(source.id),)
        created = self._run("create_from_cache", job_id, owner, kind, json.dumps(request),
                            _upload(request), keys=keys)  # fmt: skip
        return self._must_get(job_id) if created else None

    def get(self, job_id: str) -> Job | None:
        return _job(self.client.hgetall(_job_key(job_id)))

    def _must_get(self, job_id: str) -> Job:
        job = self.get(job_id)
        assert job is not None  # just written by a script
        return job

    def _get_many(self, ids: list[str]) -> list[Job]:
        pipe = self.client.pipeline(transaction=False)
        for job_id in ids:
            pipe.hgetall(_job_key(job_id))
        return [job for job in map(_job, pipe.execute()) if job is not None]

    def get_owned(self, job_id: str, owner: str) -> Job | None:
        job = self.get(job_id)
        return job if job is not None and job.owner == owner else None

    def list_owned(self, owner: str, limit: int, before: int | None = None) -> list[Job]:
        top = f"({before}" if before is not None else "+inf"
        ids = self.client.zrevrangebyscore(f"{PREFIX}owner:{owner}", top, "-inf", 0, limit)
        return self._get_many(ids)

    def active_count(self, owner: str) -> int:
        return self.client.scard(f"{PREFIX}active:{owner}")

    def find_cached(self, cache_key: str) -> Job | None:
        job_id = self.client.get(f"{PREFIX}cache:{cache_key}")
        return self.get(job_id) if job_id else None

    def request_cancel(self, job_id: str) -> Job | None:
        self._run("request_cancel", job_id)
        return self.get(job_id)

    def status_counts(self) -> dict[str, int]:
        pipe = self.client.pipeline(transaction=False)
        for status in STATUSES:
            pipe.zcard(f"{PREFIX}status:{status}")
        return dict(zip(STATUSES, pipe.execute(), strict=True))

    def counters(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.client.hgetall(f"{PREFIX}counters").items()}

    def check(self) -> None:
        self.client.ping()

    # ---- worker side
    def claim(self, job_id: str, worker: str, lease_seconds: float) -> Job | None:
        return self.get(job_id) if self._run("claim", job_id, worker, lease_seconds) else None

    def renew(self, job: Job, lease_seconds: float) -> bool:
        return self._held("renew", job, lease_seconds)

    def report_progress(self, job: Job, stage: str, fraction: float, stages: dict) -> bool:
        return self._held("report_progress", job, stage, fraction, json.dumps(stages))

    def cancel_requested(self, job_id: str) -> bool:
        return self.client.hget(_job_key(job_id), "cancel_requested") == "1"

    def succeed(
        self,
        job: Job,
        *,
        assets: list[dict],
        asset_dir: str,
        timings: dict[str, float],
        stages: dict[str, str],
        model_version: str,
        cache_key: str,
        cache_hit: bool = False,
    ) -> bool:
        counted = {"cache_hits": 1.0} if cache_hit else stage_observations(timings)
        return self._held(
            "succeed", job, json.dumps(assets), asset_dir, json.dumps(timings),
            json.dumps(stages), model_version, cache_key, int(cache_hit),
            *[item for pair in counted.items() for item in pair],
        )  # fmt: skip

    def fail(self, job: Job, code: str, message: str) -> bool:
        return self._held("fail", job, code, message)

    def mark_cancelled(self, job: Job) -> bool:
        return self._held("mark_cancelled", job)

    def release(self, job: Job) -> bool:
        return self._held("release", job)

    # ---- reaper side
    def expired(self) -> list[Job]:
        ids = self._run("expired")
        return [job for job in self._get_many(ids) if job.status == "running"]

    def requeue_expired(self, job: Job) -> bool:
        return self._held("requeue_expired", job)

    def stale_queued(self, older_than: float) -> list[str]:
        return list(self._run("stale_queued", "", older_than))

    # ---- retention
    def purge_finished(self, older_than: float, limit: int) -> int:
        if not self._references_indexed:
            self._index_references()
        return int(self._run("purge_finished", "", older_than, limit))

    def _index_references(self, batch: int = 500) -> None:
        """Put jobs stored before the reference sets existed into them, once per database."""
        if not self.client.exists(REFERENCES_INDEXED):
            ids: list[str] = []
            for key in self.client.scan_iter(_job_key("*"), count=batch):
                ids.append(key.removeprefix(_job_key("")))
                if len(ids) == batch:
                    self._run("index_references", "", *ids)
                    ids.clear()
            if ids:
                self._run("index_references", "", *ids)
            self.client.set(REFERENCES_INDEXED, 1)
        self._references_indexed = True


def redis_now(client: redis.Redis) -> float:
    """The Redis server's clock in Unix seconds: one clock for every machine."""
    seconds, micros = client.time()
    return seconds + micros / 1e6


def _job_key(job_id: str) -> str:
    return f"{PREFIX}job:{job_id}"


def _upload(request: dict) -> str:
    """The sha256 of the upload a request names; "" for text jobs."""
    return (request.get("input") or {}).get("sha256", "")


def _job(fields: dict[str, str]) -> Job | None:
    """A job hash as a Job; None for a missing key (HGETALL gives {})."""
    if not fields:
        return None
    values: dict = {name: fields.get(name) for name in Job.__dataclass_fields__}
    for name in _INT:
        values[name] = int(values[name])
    for name in _FLOAT:
        values[name] = float(values[name]) if values[name] is not None else None
    for name in _BOOL:
        values[name] = values[name] == "1"
    for name in _JSON:
        values[name] = json.loads(values[name])
    return Job(**values)
