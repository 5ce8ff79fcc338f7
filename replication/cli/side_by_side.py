"""Independent AWS reads run side by side in a bounded thread pool, their results kept in the order they were asked
for, so a report reads the same however the calls interleave."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from replication.cli.options import DEFAULT_MAX_WORKERS

T = TypeVar("T")


def in_order(calls: Sequence[Callable[[], T]], max_workers: int = DEFAULT_MAX_WORKERS) -> list[T]:
    """Every call's result, in the order of ``calls``, at most ``max_workers`` running at a time.

    A call that raises stops the calls still queued; its exception is raised once the calls before it are done (so
    it is the first failure in the order given, whichever failed first in time). One call runs in the caller's
    thread.
    """
    if len(calls) <= 1:
        return [call() for call in calls]
    pool = ThreadPoolExecutor(max_workers=min(max_workers, len(calls)))
    try:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(cancel_futures=True)  # after an error (or Ctrl-C), drop the calls still queued
