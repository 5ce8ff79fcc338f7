"""Arguments checked by name, at every level, in every language the component is served to.

A ``TypedDict`` constructor accepts any key at run time, so a misspelled argument would be ignored:
``EcrReplicationArgs(repository_prefix=["prod/"])`` replicates every repository, and
``ReplicationDestinationArgs(manage_registry_policies=False)`` still creates the registry policy. Programs in other
languages fare no better: the SDK's component provider maps the inputs the schema declares and drops the rest. So
the keys given are compared with the ones the args ``TypedDict`` declares, and an unknown one is an error naming it and
the closest declared name.

The declared names are read from the ``TypedDict`` declarations themselves (``typing.get_type_hints``), following
every field typed with another ``TypedDict`` or a list of them: a new args type or field is covered as soon as it is
declared and used in a field's type hint. ``spell`` gives the names in the caller's spelling (the schema's camelCase
for other languages).
"""

import difflib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import pulumi.output

from replication.errors import ReplicationConfigError


@cache
def declared_fields(args_type: type) -> dict[str, type | None]:
    """The fields ``args_type`` declares, each with the ``TypedDict`` its values are (alone or in a list), if any."""
    # pulumi.Input is a Union holding the forward reference "Output[T]", resolved in pulumi's own output module.
    hints = typing.get_type_hints(args_type, localns=vars(pulumi.output))
    return {name: _nested_typed_dict(hint) for name, hint in hints.items()}


def _nested_typed_dict(hint: Any) -> type | None:
    """The ``TypedDict`` a field of type ``hint`` holds: itself, as list items, or inside a union (``Input[...]``)."""
    if typing.is_typeddict(hint):
        return hint
    origin = typing.get_origin(hint)
    if origin in (list, Sequence, typing.Union, types.UnionType):
        for argument in typing.get_args(hint):
            if (found := _nested_typed_dict(argument)) is not None:
                return found
    return None


@dataclass(frozen=True)
class UnknownArgument:
    """A key the args type doesn't declare."""

    path: str
    """Where it was given, in the caller's spelling (``destinations[0].manageRegistryPolicies``)."""
    value: object
    args_type: str
    """The name of the ``TypedDict`` that doesn't declare it."""
    suggestion: str | None
    """The closest declared name, in the caller's spelling."""
    declared: tuple[str, ...]

    @property
    def problem(self) -> str:
        """What is wrong, in words."""
        hint = f"did you mean {self.suggestion!r}?" if self.suggestion else f"its arguments are {', '.join(self.declared)}"
        return f"{self.args_type} has no argument of this name; {hint}"


def unknown_arguments(
    value: object, args_type: type, spell: Callable[[str], str] = str, path: str = ""
) -> list[UnknownArgument]:
    """Every key of ``value`` (and of the nested args in it) that ``args_type`` doesn't declare, in order."""
    if not isinstance(value, Mapping):
        return []
    fields = declared_fields(args_type)
    spelled = {spell(name): name for name in fields}
    found = []
    for key, item in value.items():
        here = f"{path}.{key}" if path else str(key)
        if key not in spelled:
            close = difflib.get_close_matches(str(key), list(spelled), n=1)
            found.append(UnknownArgument(here, item, args_type.__name__, close[0] if close else None,
                                         tuple(sorted(spelled))))
            continue
        nested = fields[spelled[key]]
        if nested is None:
            continue
        if isinstance(item, Sequence) and not isinstance(item, (str, bytes)):
            for index, element in enumerate(item):
                found += unknown_arguments(element, nested, spell, f"{here}[{index}]")
        else:
            found += unknown_arguments(item, nested, spell, here)
    return found


def check_argument_names(args: object, args_type: type) -> None:
    """Raise :class:`ReplicationConfigError` for the first argument ``args_type`` doesn't declare, at any level."""
    for unknown in unknown_arguments(args, args_type):
        raise ReplicationConfigError(unknown.path, unknown.value, unknown.problem)
