"""Reading resource properties that may be unknown during preview.

The policy SDK wraps props in proxies that raise `UnknownValueError` when a value can't be known yet.
These helpers turn that into the `UNKNOWN` marker so a policy can skip exactly the value it can't judge
and still check the rest; nothing here ever raises for an unknown value.
"""

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    """The type of `UNKNOWN`."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""A value that can't be known during preview: skip it, never report it."""


def field(node: Any, key: str) -> Any:
    """The value under `key`: `None` when missing (or `node` isn't a mapping), `UNKNOWN` when unknown."""
    if not isinstance(node, Mapping):
        return UNKNOWN if node is UNKNOWN else None
    try:
        return node.get(key)
    except UnknownValueError:
        return UNKNOWN


def text(node: Any, key: str) -> Any:
    """The string under `key`, `None` when missing or not a string, or `UNKNOWN`."""
    value = field(node, key)
    if value is UNKNOWN or isinstance(value, str):
        return value
    return None


def elements(node: Any) -> Iterator[Any]:
    """The known elements of a list value; a missing, unknown or non-list value has none."""
    if isinstance(node, str) or not isinstance(node, Sequence):
        return
    for index in range(len(node)):
        try:
            yield node[index]
        except UnknownValueError:
            continue


def items(node: Any) -> list[Any]:
    """Every element of a list value, an unknown one as `UNKNOWN` (so positions keep their meaning); a missing,
    unknown or non-list value has none."""
    if isinstance(node, str) or not isinstance(node, Sequence):
        return []
    found = []
    for index in range(len(node)):
        try:
            found.append(node[index])
        except UnknownValueError:
            found.append(UNKNOWN)
    return found


def first(node: Any) -> Any:
    """The first element of a list value: `None` when the list is missing or empty, `UNKNOWN` when the list
    or that element is unknown."""
    if node is UNKNOWN:
        return UNKNOWN
    if isinstance(node, str) or not isinstance(node, Sequence) or len(node) == 0:
        return None
    try:
        return node[0]
    except UnknownValueError:
        return UNKNOWN


def length(node: Any) -> int:
    """How many elements a list value declares, unknown ones included; 0 for a missing, unknown or non-list value."""
    if isinstance(node, str) or not isinstance(node, Sequence):
        return 0
    return len(node)


def json_value(node: Any, key: str) -> Any:
    """The value under `key`, decoding it when it is a JSON-encoded list or object (as provider config can be)."""
    value = field(node, key)
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
