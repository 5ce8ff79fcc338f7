"""Start-up without the cyclic garbage collector.

A command's start-up (importing the Pulumi SDK, pulumi-aws's ECR and IAM modules, botocore; running a stack's
program in mock mode) allocates several hundred thousand objects that live as long as the process and frees
almost none of them in cycles. CPython's collector, triggered by allocation counts, walks them again and again
for nothing: a third of ``plan --stack dev``'s time beyond the bare imports went there (benchmarks/bench_plan.py).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, then turn it back on if it was on.

    Nested blocks leave it off until the outermost one ends. Reference counting still frees everything that is
    not in a cycle; cycles made inside the block are collected by the next collection after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
