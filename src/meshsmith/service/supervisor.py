"""`meshsmith serve`'s local workers: child processes, restarted when they die.

Each worker is a `meshsmith worker` process (its own Python, its own loaded model), so a
crash or a kill -9 takes down one job's attempt, not the API. A worker that exits with
code 2 could not start (bad model, unreachable queue): restarting would not help, so the
supervisor reports it and the server stops.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

BAD_CONFIG_EXIT = 2


class WorkerSupervisor(threading.Thread):
    """Keeps `count` processes running `command`.

    Parameters
    ----------
    command : list of str
        argv of one worker.
    count : int
        Processes to keep alive.
    on_fatal : callable
        Called (from this thread) with a message when a worker cannot start.
    """

    def __init__(self, command: list[str], count: int, on_fatal: Callable[[str], None]) -> None:
        super().__init__(name="meshsmith-supervisor", daemon=True)
        self.command = command
        self.count = count
        self.on_fatal = on_fatal
        self.processes: list[subprocess.Popen | None] = [None] * count
        self._started_at = [0.0] * count
        self._retry_at = [0.0] * count
        self._backoff = [1.0] * count
        self._stop_event = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self._stop_event.is_set():
            with self._lock:
                for slot in range(self.count):
                    self._check(slot)
            self._stop_event.wait(0.25)

    def _check(self, slot: int) -> None:
        process, t = self.processes[slot], time.monotonic()
        if process is not None and process.poll() is None:
            if t - self._started_at[slot] > 60:
                self._backoff[slot] = 1.0  # it stayed up: forget earlier crashes
            return
        if process is not None:
            self.processes[slot] = None
            if process.returncode == BAD_CONFIG_EXIT:
                self._stop_event.set()
                self.on_fatal(f"worker {slot + 1} could not start (see its message above)")
                return
            log.warning("worker %d (pid %d) exited with %s; restarting in %.0f s", slot + 1,
                        process.pid, process.returncode, self._backoff[slot])  # fmt: skip
            self._retry_at[slot] = t + self._backoff[slot]
            self._backoff[slot] = min(self._backoff[slot] * 2, 30.0)
        if t >= self._retry_at[slot]:
            self.processes[slot] = subprocess.Popen(self.command)
            self._started_at[slot] = t

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM every worker (each hands its running job back to the queue), then wait."""
        self._stop_event.set()
        with self._lock:
            running = [p for p in self.processes if p is not None and p.poll() is None]
            for process in running:
                process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for process in running:
                try:
                    process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
