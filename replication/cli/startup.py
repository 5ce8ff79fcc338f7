"""Start-up and exit without needless work of the cyclic garbage collector.

A command's start-up (importing the Pulumi SDK, pulumi-aws's ECR and IAM modules, botocore; running a stack's
program in mock mode) allocates several hundred thousand objects that live as long as the process and frees
almost none of them in cycles. CPython's collector, triggered by allocation counts, walks them again and again
for nothing, and once more at exit: together more than a third of ``plan --stack dev``'s time beyond importing
``pulumi`` and ``pulumi_aws`` (benchmarks/bench_plan.py; docs/performance.md has the figures).
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, then turn it back on if it was on.

    What the block allocated then joins the collector's oldest generation at once instead of being walked by the
    young generations' collections first; garbage cycles among it are collected by the next full collection, as
    any old object's. Nested blocks leave the collector off until the outermost one ends. Reference counting
    frees everything that is not in a cycle all along.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _make_old()
            gc.enable()


def _make_old() -> None:
    """Move every object the collector tracks to its oldest generation without walking them: ``freeze`` moves
    them all to the permanent generation, ``unfreeze`` the permanent generation to the oldest. Skipped when
    something else has frozen objects (unfreezing would thaw them too)."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def no_collection_at_exit() -> None:
    """At interpreter exit, freeze every object before the final collection, so it doesn't walk them all: the
    process's memory goes back to the system anyway. (Python doesn't promise to finalize objects that still exist
    at exit; every file and stream the CLI writes is flushed or closed before.) Registered once however often it
    is called."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
