"""The exception raised for invalid EcrReplication arguments, and how it prints the offending value."""

from collections.abc import Mapping
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
