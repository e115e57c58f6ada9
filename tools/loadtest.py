"""A bounded load run against `meshsmith serve` on loopback.

    python tools/loadtest.py --clients 8 --jobs 5 [--workers 2] [--model M] [--url URL]

Without --url it starts its own server (fresh data dir, SQLite queue, auth off) and
stops it at the end. Each of N client threads submits `--jobs` text jobs one after
another and polls each until it ends; a share of the requests repeat earlier ones
(cache hits). Every API call is timed: all of them are non-generation endpoints (a
submission returns at once). At the end every submitted job must be found, finished,
in the server's job list: the run reports any that were lost or failed.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

MESHSMITH = str(Path(sys.executable).with_name("meshsmith"))
PROMPTS = ("a wooden stool", "a red mug", "a tall bookshelf", "a round table", "a barrel")
TERMINAL = ("succeeded", "failed", "cancelled")


class Timings:
    """Latencies in seconds per endpoint, from all client threads."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

    def call(self, client: httpx.Client, name: str, method: str, url: str, **kwargs):
        start = time.perf_counter()
        response = client.request(method, url, **kwargs)
        elapsed = time.perf_counter() - start
        with self.lock:
            self.samples[name].append(elapsed)
        return response


def client_run(url, index, jobs, options, timings, results, deadline):
    rng = random.Random(index)
    with httpx.Client(base_url=url, timeout=60) as client:
        for n in range(jobs):
            repeat = rng.random() < options["repeat_share"]
            seed = rng.randrange(3) if repeat else 1000 * (index + 1) + n  # shared or unique
            body = {"prompt": rng.choice(PROMPTS), "seed": seed, "faces": options["faces"],
                    "texture_size": options["texture_size"]}  # fmt: skip
            response = timings.call(client, "POST /v1/jobs", "POST", "/v1/jobs", json=body)
            if response.status_code != 202:
                results.append({"id": None, "status": f"http {response.status_code}"})
                continue
            job = response.json()
            while job["status"] not in TERMINAL and time.monotonic() < deadline:
                time.sleep(0.25)
                job = timings.call(client, "GET /v1/jobs/{id}", "GET", f"/v1/jobs/{job['id']}")
                job = job.json()
            results.append({"id": job["id"], "status": job["status"], "hit": job["cache_hit"]})
            timings.call(client, "GET /v1/jobs", "GET", "/v1/jobs", params={"limit": 20})
            if job["status"] == "succeeded":
                asset = job["assets"][0]["url"]
                timings.call(client, "GET /v1/assets/{id}/{name}", "GET", asset)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def all_listed(url: str) -> dict[str, str]:
    """Every job the server lists, id → status (all pages)."""
    found, cursor = {}, None
    with httpx.Client(base_url=url, timeout=60) as client:
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/jobs", params=params).json()
            found.update({job["id"]: job["status"] for job in page["jobs"]})
            cursor = page["next_cursor"]
            if cursor is None:
                return found


def start_server(workers: int, model: str, data_dir: Path) -> tuple[str, subprocess.Popen]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(data_dir.parent / "serve.log", "wb")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [MESHSMITH, "serve", "--port", str(port), "--workers", str(workers), "--data-dir",
         str(data_dir), "--model", model],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return url, process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.25)
    process.terminate()
    raise SystemExit(f"the server did not become ready; see {data_dir.parent / 'serve.log'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server (auth off)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=5, help="jobs per client")
    parser.add_argument("--workers", type=int, default=2, help="workers of a started server")
    parser.add_argument("--model", default="default")
    parser.add_argument("--faces", type=int, default=2000)
    parser.add_argument("--texture-size", type=int, default=256)
    parser.add_argument("--repeat-share", type=float, default=0.3, help="requests that repeat")
    parser.add_argument("--max-minutes", type=float, default=30.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    process = None
    url = args.url
    if url is None:
        data_dir = Path(tempfile.mkdtemp(prefix="meshsmith-load-")) / "data"
        url, process = start_server(args.workers, args.model, data_dir)
    options = {"faces": args.faces, "texture_size": args.texture_size,
               "repeat_share": args.repeat_share}  # fmt: skip
    timings, results = Timings(), []
    deadline = time.monotonic() + args.max_minutes * 60
    threads = [
        threading.Thread(target=client_run,
                         args=(url, i, args.jobs, options, timings, results, deadline))
        for i in range(args.clients)
    ]  # fmt: skip
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    listed = all_listed(url)
    if process is not None:
        process.terminate()
        process.wait(60)

    submitted = [r for r in results if r["id"]]
    lost = [r["id"] for r in submitted if r["id"] not in listed]
    statuses = defaultdict(int)
    for r in results:
        statuses[r["status"]] += 1
    report = {
        "clients": args.clients,
        "jobs_submitted": len(results),
        "statuses": dict(statuses),
        "cache_hits": sum(1 for r in submitted if r.get("hit")),
        "lost": lost,
        "wall_seconds": round(wall, 1),
        "jobs_per_minute": round(statuses["succeeded"] / wall * 60, 2),
        "generated_per_minute": round(
            sum(1 for r in submitted if r["status"] == "succeeded" and not r.get("hit"))
            / wall * 60, 2),
        "latency_ms": {
            name: {"n": len(v), "p50": round(1000 * statistics.median(v), 1),
                   "p99": round(1000 * percentile(v, 0.99), 1)}
            for name, v in sorted(timings.samples.items())
        },
    }  # fmt: skip
    print(json.dumps(report, indent=2) if args.json else _text(report))
    return 0 if not lost and statuses["succeeded"] == len(results) else 1


def _text(report: dict) -> str:
    lines = [
        f"{report['jobs_submitted']} jobs from {report['clients']} clients in "
        f"{report['wall_seconds']} s: {report['statuses']}, {report['cache_hits']} cache hits",
        f"jobs per minute {report['jobs_per_minute']} "
        f"(generated, not cached: {report['generated_per_minute']})",
        f"lost: {len(report['lost'])}",
    ]
    for name, stats in report["latency_ms"].items():
        lines.append(f"  {name:28s} n={stats['n']:4d}  p50 {stats['p50']:7.1f} ms  "
                     f"p99 {stats['p99']:7.1f} ms")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
