"""A command's start-up and exit without needless work of the cyclic garbage collector.

A command's start-up (importing the Pulumi SDK, pulumi-aws's ECR and IAM modules, botocore; running a stack's
program in mock mode) allocates several hundred thousand objects that live as long as the command and frees almost
none of them in cycles. CPython's collector, triggered by allocation counts, walks them again and again for
nothing: during the imports, in the first full collection after them (which botocore's client models trigger, and
which then walks every object of the Pulumi SDK too), and once more at exit. Together that was more than a third of
``plan --stack dev``'s time beyond importing ``pulumi`` and ``pulumi_aws``, and more than the evaluation itself in a
live command's ``--stack`` (benchmarks/bench_plan.py, benchmarks/bench_stack.py; docs/performance.md).

So the start-up runs with the collector off (:func:`paused_gc`), what it allocated is then frozen (``gc.freeze``:
later collections don't walk it) until the command ends (:func:`command`), and the collection at interpreter exit
walks nothing. Reference counting frees everything that is not in a cycle all along.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off; then freeze what it allocated (collections while the
    command runs don't walk it; :func:`command` gives it back) and turn the collector back on if it was on. Nested
    blocks leave it off until the outermost one ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


@contextmanager
def command() -> Iterator[None]:
    """One command's run: at its end, every frozen object goes back to the collector (its oldest generation, not
    walked until the next full collection), so a process that runs commands in turn, as the test suite does, frees
    their garbage cycles; at interpreter exit, everything is frozen again before the final collection, which so
    walks nothing (the process's memory goes back to the system anyway; Python doesn't promise to finalize objects
    that still exist at exit, and the CLI flushes or closes what it writes before)."""
    atexit.unregister(gc.freeze)  # registered once, however many commands a process runs
    atexit.register(gc.freeze)
    try:
        yield
    finally:
        gc.unfreeze()
