"""A command's start-up without the cyclic garbage collector (replication/cli/startup.py): what start-up made is
not walked again while the command runs, nothing is kept after it that should be freed, and the collection at
exit walks nothing."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref

from replication.cli.startup import command, paused_gc


class Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    """A garbage reference cycle, and a weak reference telling whether it was freed."""
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_start_up_runs_without_the_collector_and_is_frozen_for_the_rest_of_the_command() -> None:
    with command():
        with paused_gc():
            assert not gc.isenabled()
            kept = Node()
            made_at_start_up = cycle()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0 and not any(found is kept for found in gc.get_objects())
        gc.collect()
        assert made_at_start_up() is not None  # frozen: no collection walks it while the command runs
    assert any(found is kept for found in gc.get_objects(generation=2))


def test_a_cycle_made_at_start_up_is_collected_after_the_command() -> None:
    with command():
        with paused_gc():
            made_at_start_up = cycle()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert made_at_start_up() is None


def test_a_cycle_made_after_start_up_is_collected_while_the_command_runs() -> None:
    with command():
        with paused_gc():
            pass
        made_later = cycle()
        gc.collect()
        assert made_later() is None


def test_nested_blocks_leave_the_collector_off_until_the_outermost_ends() -> None:
    with command():
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


EXIT_SCRIPT = """
import sys
from replication.cli.startup import command

class Finalized:
    def __init__(self):
        self.me = self
    def __del__(self):
        print("collected at exit")

if sys.argv[1] == "command":
    for _ in range(2):
        with command():
            pass
Finalized()
"""


def test_the_collection_at_exit_walks_nothing_after_a_command() -> None:
    """Without a command, the interpreter's final collection walks every object (and finalizes a cycle left over);
    after commands (two, as a process that runs two does), it walks none."""
    def run(mode: str) -> str:
        return subprocess.run([sys.executable, "-c", EXIT_SCRIPT, mode], capture_output=True, text=True,
                              check=True).stdout

    assert run("none") == "collected at exit\n"
    assert run("command") == ""
