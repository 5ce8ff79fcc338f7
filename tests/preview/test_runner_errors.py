"""The offline runner re-raises the error a program raised, without the SDK's wrappers, whatever failed first."""

from __future__ import annotations

from replication.errors import ReplicationConfigError
from replication.preview.runner import _original_error


def wrapped(original: Exception) -> ValueError:
    """``original`` wrapped as the SDK wraps an error raised inside an output it serializes."""
    try:
        try:
            raise original
        except ValueError as error:
            raise ValueError(f"While processing input: 'source_registry'\nValueError has risen: {error}") from error
    except ValueError as wrapper:
        return wrapper


def test_the_wrapped_error_is_unwrapped() -> None:
    original = ReplicationConfigError("destinations[0]", "x", "problem")
    assert _original_error(wrapped(original)) is original


def test_a_wrapper_that_is_its_own_cause_still_leads_to_the_error() -> None:
    """The SDK's ``wait_for_rpcs`` re-raises the first failed RPC ``from`` the failure it recorded; when they are the
    same exception it becomes its own cause, and only its context still leads to the program's error."""
    original = ReplicationConfigError("destinations[0]", "x", "problem")
    wrapper = wrapped(original)
    wrapper.__cause__ = wrapper
    assert _original_error(wrapper) is original


def test_an_error_raised_while_handling_another_is_not_unwrapped_to_it() -> None:
    """Only a wrapper's context is followed, never that of the program's own error."""
    try:
        try:
            raise KeyError("unrelated")
        except KeyError:
            raise ReplicationConfigError("f", "v", "p")
    except ReplicationConfigError as error:
        assert _original_error(error) is error
