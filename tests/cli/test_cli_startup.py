"""Start-up without the cyclic garbage collector (replication/cli/startup.py): faster, and nothing kept that should
be freed."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

from replication.cli.startup import no_collection_at_exit, paused_gc


class Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_a_cycle_made_while_paused_is_still_collected_afterwards() -> None:
    with paused_gc():
        assert not gc.isenabled()
        first, second = Node(), Node()
        first.other, second.other = second, first
        alive = weakref.ref(first)
        del first, second
        gc.collect(0)
    assert gc.isenabled()
    gc.collect()
    assert alive() is None


def test_what_the_block_made_joins_the_oldest_generation_when_it_ends() -> None:
    """Not walked by the young generations' collections first (each would walk everything the block made)."""
    with paused_gc():
        kept = Node()
    assert any(found is kept for found in gc.get_objects(generation=2))


def test_nested_blocks_leave_the_collector_off_until_the_outermost_ends() -> None:
    with paused_gc():
        with paused_gc():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_frozen_by_someone_else_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with paused_gc():
            Node()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


EXIT_SCRIPT = """
import sys
from replication.cli.startup import no_collection_at_exit

class Finalized:
    def __init__(self):
        self.me = self
    def __del__(self):
        print("collected at exit")

if sys.argv[1] == "skip":
    no_collection_at_exit()
    no_collection_at_exit()
Finalized()
"""


def test_the_collection_at_exit_is_skipped() -> None:
    """Without it, the interpreter's final collection walks every object (and finalizes a cycle left over); with
    it (asked for twice, as a process calling main twice does), that collection finds nothing to walk."""
    def run(mode: str) -> str:
        return subprocess.run([sys.executable, "-c", EXIT_SCRIPT, mode], capture_output=True, text=True,
                              check=True).stdout

    assert run("collect") == "collected at exit\n"
    assert run("skip") == ""
