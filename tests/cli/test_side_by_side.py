"""Reads run side by side, results in the order asked: what keeps every report the same however calls interleave."""

from __future__ import annotations

import threading

import pytest

from replication.cli.side_by_side import in_order


def test_results_keep_the_order_asked_for_when_calls_end_in_reverse() -> None:
    """Each call waits for the one after it to end first, so they end last-to-first, all under way at once."""
    ended = [threading.Event() for _ in range(4)]

    def call(number: int) -> int:
        if number + 1 < len(ended):
            assert ended[number + 1].wait(timeout=10), "calls did not run side by side"
        ended[number].set()
        return number * 10

    assert in_order([lambda n=n: call(n) for n in range(4)]) == [0, 10, 20, 30]


def test_the_first_failure_in_the_order_given_is_raised() -> None:
    """The second call fails after the third has failed: the second's error is the one raised."""
    third_failed = threading.Event()

    def second() -> int:
        assert third_failed.wait(timeout=10)
        raise ValueError("second")

    def third() -> int:
        third_failed.set()
        raise ValueError("third")

    with pytest.raises(ValueError, match="second"):
        in_order([lambda: 1, second, third], max_workers=3)


def test_one_call_runs_in_the_callers_thread() -> None:
    assert in_order([threading.current_thread]) == [threading.current_thread()]
