"""The engine's worker threads: one pool per worker count, kept for the life of the process.

Starting threads costs a few milliseconds per projection on a busy virtual machine, as much as
a tenth of a 10,000-path run; the kernels and NumPy's sorts release the GIL, so threads share
the work of one projection, and several projections (web requests) share the pools.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_POOLS: dict[int, ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


def executor(workers: int) -> ThreadPoolExecutor:
    """The process's pool of ``workers`` threads (started lazily, idle threads cost nothing)."""
    with _LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            pool = _POOLS[workers] = ThreadPoolExecutor(workers, thread_name_prefix="milex")
        return pool


def parallel_map(fn: Callable[[Any], T], items: Iterable[Any], workers: int) -> list[T]:
    """``[fn(x) for x in items]`` on ``workers`` threads (in this thread when there is one)."""
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    return list(executor(workers).map(fn, items))


def run_ordered(
    tasks: Iterable[Callable[[], Any]], workers: int, collect: Callable[[Any], None]
) -> None:
    """Run tasks on ``workers`` threads, collecting results in order, a bounded number in flight."""
    if workers == 1:
        for task in tasks:
            collect(task())
        return
    pool = executor(workers)
    pending: deque[Any] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(task))
            if len(pending) >= 2 * workers:
                collect(pending.popleft().result())
        while pending:
            collect(pending.popleft().result())
    finally:  # on an error, cancel the tasks not started and wait for those running
        for future in pending:
            if not future.cancel():
                future.exception()
