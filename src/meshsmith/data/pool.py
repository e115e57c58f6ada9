"""Run one function over many items on all cores, with a progress bar on stderr.

Workers are fresh processes (forkserver: no inherited OpenGL or thread state),
each with its own EGL context made on first render. With several workers each
gets an equal share of the cores for libigl's and llvmpipe's own threads, so the
processes do not fight over them. Results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")

#: Environment variables that size the thread pools of libigl, llvmpipe and BLAS.
THREAD_VARIABLES = ("IGL_NUM_THREADS", "LP_NUM_THREADS", "OMP_NUM_THREADS")


def available_cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _limit_threads(threads: int) -> None:
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )


def parallel_map(
    fn: Callable[[Any], T], items: Sequence[Any], workers: int, description: str
) -> list[T]:
    """``[fn(item) for item in items]`` on `workers` processes (1: in this process).

    `fn` and the items must be picklable (a module-level function or a
    ``functools.partial`` of one).
    """
    results: list[Any] = [None] * len(items)
    with _progress() as progress:
        task = progress.add_task(description, total=len(items), rate="")

        def done(index: int, value: T) -> None:
            results[index] = value
            elapsed = progress.tasks[task].elapsed or 0.0
            finished = progress.tasks[task].completed + 1
            rate = f"{finished / elapsed:.2f}/s" if elapsed > 0 else ""
            progress.update(task, advance=1, rate=rate)

        if workers <= 1 or len(items) <= 1:
            for index, item in enumerate(items):
                done(index, fn(item))
            return results
        threads = max(1, available_cores() // workers)
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_limit_threads, initargs=(threads,)
        ) as pool:
            futures = {pool.submit(fn, item): index for index, item in enumerate(items)}
            try:
                for future in as_completed(futures):
                    done(futures[future], future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    return results
