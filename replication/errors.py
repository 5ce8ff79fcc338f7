"""The exception raised for invalid EcrReplication arguments, how it prints the offending value, and the warnings the
component logs about arguments it accepts."""

import contextlib
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


SECRET = "[secret]"
"""How a secret value shows wherever this package prints one: the offline plan, config errors, and an encrypted
config value that can't be decrypted offline."""


class Redacted:
    """A bad value that must not be printed (it came from a secret): renders as :data:`SECRET`."""

    def __repr__(self) -> str:
        return SECRET


REDACTED = Redacted()
"""The value to give :class:`ReplicationConfigError` instead of a secret one."""


def _quoted(text: str) -> str:
    """A YAML single-quoted string: the only escape is ``''`` for a quote."""
    return "'" + text.replace("'", "''") + "'"


def render_value(value: Any) -> str:
    """``value`` in YAML's flow style, the notation of the stack files values usually come from: strings
    single-quoted (``'us-west-2'``, also as keys), ``true``/``false``/``null``, ``[...]`` and ``{...}``; never
    Python's ``True``/``None``. Anything else (an output, a provider) shows as ``<TypeName>``."""
    if isinstance(value, Redacted):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render_value(k)}: {render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    return f"<{type(value).__name__}>"


class ReplicationConfigError(ValueError):
    """Invalid replication arguments: the message names the field path and the bad value.

    Raised before any resource is created, or as soon as a looked-up account id or region resolves. The message
    is ``field: problem (got value)``; without a value (``None``: something missing) it is ``field: problem``.
    """

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        message = f"{field}: {problem}"
        if value is not None:
            message += f" (got {render_value(value)})"
        super().__init__(message)


@dataclass(frozen=True)
class ReplicationWarning:
    """What the component warns about valid arguments (``pulumi preview`` prints it): the argument path it concerns
    and what to know, as ``field: problem``, like an error without a value. Kept apart from its text so that a program
    that made the arguments from its own config can tell it in its own keys (:func:`warnings_told_as`)."""

    field: str
    problem: str

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}"


_WARNING_TEXT: ContextVar[Callable[[ReplicationWarning], str]] = ContextVar("replication_warning_text", default=str)
"""How the warnings of the components constructed here read: by default in the component's argument names."""


def warning_text(warning: ReplicationWarning) -> str:
    """The text of ``warning`` where it is logged: its argument path and problem, unless :func:`warnings_told_as`
    gives them another wording."""
    return _WARNING_TEXT.get()(warning)


@contextlib.contextmanager
def warnings_told_as(text: Callable[[ReplicationWarning], str]) -> Iterator[None]:
    """The components constructed in this block log each warning as ``text(warning)`` (the example program names the
    config keys the arguments came from)."""
    token = _WARNING_TEXT.set(text)
    try:
        yield
    finally:
        _WARNING_TEXT.reset(token)
