"""`meshsmith serve`, `meshsmith worker` and `meshsmith keys` (registered by meshsmith.cli).

    meshsmith serve [--host 127.0.0.1] [--port 8000] [--workers N] [--queue URL]
                    [--data-dir DIR] [--auth auto|required|off] [--model NAME]
                    [--retention-days 30|off]
    meshsmith worker [--queue URL] [--data-dir DIR] [--model NAME]
    meshsmith keys create [--name N] [--rate R/min] [--max-jobs N] [--data-dir DIR]
    meshsmith keys list [--json] | meshsmith keys revoke ID

Heavy modules (FastAPI, uvicorn, Huey, the pipeline) are imported inside the commands.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from meshsmith.cli_types import emit, positive_float, positive_int
from meshsmith.errors import InputError

log = logging.getLogger(__name__)


def _config(args: argparse.Namespace, **changes):
    from meshsmith.service.config import ServiceConfig, default_data_dir

    return ServiceConfig(
        data_dir=args.data_dir or default_data_dir(),
        queue_url=args.queue,
        model=args.model,
        lease_seconds=args.lease_seconds,
        max_attempts=args.max_attempts,
        **changes,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from meshsmith.service.app import create_app
    from meshsmith.service.config import is_loopback
    from meshsmith.service.supervisor import WorkerSupervisor

    config = _config(args, host=args.host, port=args.port, workers=args.workers, auth=args.auth,
                     retention_days=args.retention_days)  # fmt: skip
    app = create_app(config)
    app.state.services.queue.check()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            log_level="info" if args.verbose else "warning",
            access_log=args.verbose,
            timeout_graceful_shutdown=5,
        )
    )
    fatal: list[str] = []

    def stop_server(message: str) -> None:
        fatal.append(message)
        server.should_exit = True

    supervisor = WorkerSupervisor(_worker_command(args, config), config.workers, stop_server)
    auth = "keys required" if config.auth_required else "no keys needed"
    kept = "forever" if config.retention_days is None else f"{config.retention_days:g} days"
    sys.stderr.write(
        f"meshsmith: serving http://{config.host}:{config.port} ({auth}; {config.workers} "
        f"worker(s); queue {app.state.services.queue.display_url}; data {config.data_dir}; "
        f"finished jobs kept {kept})\n"
    )
    if config.auth == "off" and not is_loopback(config.host):
        log.warning("--auth off on %s: anyone who can reach this port can use it", config.host)
    supervisor.start()
    try:
        server.run()
    finally:
        supervisor.stop()
    if fatal:
        raise InputError(fatal[0])
    return 0


def _worker_command(args: argparse.Namespace, config) -> list[str]:
    command = [
        sys.executable, "-m", "meshsmith.cli", *(["-v"] if args.verbose else []), "worker",
        "--data-dir", str(config.data_dir), "--model", config.model,
        "--lease-seconds", str(config.lease_seconds), "--max-attempts", str(config.max_attempts),
        "--parent-pid", str(os.getpid()),
    ]  # fmt: skip
    if config.queue_url:
        command += ["--queue", config.queue_url]
    return command


def cmd_worker(args: argparse.Namespace) -> int:
    from meshsmith.service.worker import run_worker

    return run_worker(_config(args), parent_pid=args.parent_pid)


def _keys(args: argparse.Namespace):
    from meshsmith.service.config import ServiceConfig, default_data_dir
    from meshsmith.service.db import Database
    from meshsmith.service.keys import KeyStore

    config = ServiceConfig(data_dir=args.data_dir or default_data_dir()).prepare()
    return KeyStore(Database(config.db_path))


def cmd_keys_create(args: argparse.Namespace) -> int:
    key, record = _keys(args).create(args.name, args.rate, args.max_jobs)
    payload = {"key": key, **record.as_dict()}
    rate = "server default" if record.rate_per_min is None else f"{record.rate_per_min:g}/min"
    emit(
        payload,
        args.json,
        [
            key,
            f"  id {record.id}, name {record.name or '-'}, rate {rate}, "
            f"max jobs {record.max_jobs or 'server default'}",
            "  the key is shown only now: store it safely",
        ],
    )
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    records = _keys(args).list()
    lines = [
        f"{r.id}  {r.name or '-':20s}  rate {r.rate_per_min or 'default'}  "
        f"max jobs {r.max_jobs or 'default'}  created {_when(r.created)}"
        + (f"  REVOKED {_when(r.revoked)}" if r.revoked else "")
        for r in records
    ]
    emit({"keys": [r.as_dict() for r in records]}, args.json, lines or ["no keys"])
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    record = _keys(args).revoke(args.id)
    emit(record.as_dict(), args.json, [f"revoked {record.id} ({record.name or 'no name'})"])
    return 0


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


def rate_per_minute(text: str) -> float:
    """Submissions per minute from "30", "30/min", "2/s" or "100/h"."""
    number, _, unit = text.partition("/")
    per = {"": 1.0, "min": 1.0, "m": 1.0, "s": 60.0, "sec": 60.0, "h": 1 / 60, "hour": 1 / 60}
    try:
        value = float(number) * per[unit.strip().lower()]
    except (ValueError, KeyError):
        raise argparse.ArgumentTypeError(f"a rate like 30/min, 2/s or 100/h, got {text}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def retention_days(text: str) -> float | None:
    """Days from "30" or "0.5"; None (keep everything) from "0" or "off"."""
    if text.strip().lower() == "off":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"days (e.g. 30 or 0.5) or off, got {text}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"days must be 0 (off) or more, got {text}")
    return value or None


def _common(p: argparse.ArgumentParser, queue: bool = True) -> None:
    p.add_argument("--data-dir", type=Path, help="job records, keys and assets; with a redis "
                   "queue only the API keys (default: $MESHSMITH_DATA_DIR or "
                   "~/.local/share/meshsmith)")  # fmt: skip
    if queue:
        p.add_argument("--queue", help="sqlite (default, a file in the data dir), "
                       "sqlite:///PATH or redis://HOST:PORT/DB (Redis then also holds job "
                       "records and files: workers on other machines)")  # fmt: skip
        p.add_argument("--model", default="default", help="model name, .safetensors or run dir")
        p.add_argument("--lease-seconds", type=positive_float, default=30.0,
                       help="retry a running job whose worker is silent this long")  # fmt: skip
        p.add_argument("--max-attempts", type=positive_int, default=3,
                       help="runs per job before it fails")  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the service's subcommands to the `meshsmith` parser."""
    p = subparsers.add_parser("serve", help="run the REST API, web UI and local workers")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=positive_int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="local worker processes (0: none)")
    p.add_argument("--auth", choices=("auto", "required", "off"), default="auto",
                   help="auto: keys required unless listening on loopback only")  # fmt: skip
    p.add_argument("--retention-days", type=retention_days, default=30.0, metavar="DAYS",
                   help="delete jobs this long after they finished (succeeded, failed or "
                   "cancelled), with their result files and uploads unless a kept job "
                   "shares them; queued and running jobs stay; fractions allowed; "
                   "0 or off keeps everything (default: 30)")  # fmt: skip
    _common(p)
    p.set_defaults(func=cmd_serve)

    p = subparsers.add_parser("worker", help="run one worker for a serve's queue")
    _common(p)
    p.add_argument("--parent-pid", type=int, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_worker)

    keys = subparsers.add_parser("keys", help="create, list or revoke API keys")
    sub = keys.add_subparsers(dest="keys_command", required=True, parser_class=type(keys))
    p = sub.add_parser("create", help="create a key (printed once)")
    p.add_argument("--name", default="", help="who or what the key is for")
    p.add_argument("--rate", type=rate_per_minute, help="job submissions, e.g. 30/min")
    p.add_argument("--max-jobs", type=positive_int, help="jobs queued or running at once")
    p.set_defaults(func=cmd_keys_create)
    p = sub.add_parser("list", help="list keys (never the keys themselves)")
    p.set_defaults(func=cmd_keys_list)
    p = sub.add_parser("revoke", help="revoke a key by id")
    p.add_argument("id")
    p.set_defaults(func=cmd_keys_revoke)
    for p in (sub.choices["create"], sub.choices["list"], sub.choices["revoke"]):
        _common(p, queue=False)
        p.add_argument("--json", action="store_true")
