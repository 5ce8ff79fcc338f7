"""A policy config file checked against what the pack declares: its policies, levels and config schemas.

Stricter than the Pulumi CLI on purpose. The CLI validates each policy's settings against the JSON schema it
builds from the pack's `properties` and `required` (`{"type": "object", "properties": ..., "required": ...}`,
pulumi/pulumi `sdk/go/common/resource/plugin/policy.go`), which lets an unknown key through: a misspelled
`maxDestinatons` is silently ignored and the default limit applies. Neither pulumi-policy's
`PolicyConfigSchema` nor the analyzer protocol's `PolicyConfigSchema` message can say
`additionalProperties: false`, so here an unknown setting is an error naming the closest one; so are
settings under `all`, which the CLI applies only as a level.

Values are checked against the schema keywords a pack is likely to use (`type`, `enum`, `minimum`,
`maximum`, `items`, `required`); the CLI checks every keyword again at `pulumi preview`. Hand-written rather
than the `jsonschema` library (issue 12, point 11): importing it adds 37-67 ms to `ecr-replication plan` and
`--help` (`benchmarks/bench_plan.py --candidate jsonschema`, quiet to loaded machine), 1.09-1.12x their
start-up, at or over the 1.10x a library may cost; it would bring attrs, referencing and the compiled rpds-py
into every install; and the unknown-key errors with the closest name, the part that matters here, would still
be written by hand.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from google.protobuf import json_format
from pulumi.runtime import proto

LEVELS: Final = {"advisory": proto.ADVISORY, "mandatory": proto.MANDATORY, "remediate": proto.REMEDIATE,
                 "disabled": proto.DISABLED}
"""The enforcement levels a config may name, with their protocol values."""

_JSON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "boolean": (bool,), "array": (list,),
                                            "object": (dict,), "number": (int, float), "integer": (int, float),
                                            "null": (type(None),)}


class PolicyConfigError(ValueError):
    """A policy config the pack's policies or schemas don't allow; the message names the entry and value."""


def _closest(word: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest candidate, or nothing."""
    match = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _type_problem(value: Any, expected: Any) -> str | None:
    names = [expected] if isinstance(expected, str) else list(expected)
    for name in names:
        types = _JSON_TYPES.get(name)
        if types is None:
            return None  # a type name this check doesn't know: leave it to the CLI
        if isinstance(value, bool) and name not in ("boolean",):
            continue
        if name == "integer" and isinstance(value, float) and not value.is_integer():
            continue
        if isinstance(value, types):
            return None
    return "must be " + " or ".join(("an " if name[0] in "aeiou" else "a ") + name for name in names)


def _value_problems(path: str, value: Any, schema: Mapping[str, Any]) -> Iterable[str]:
    """What is wrong with `value` under the schema keywords this module checks."""
    if "type" in schema and (problem := _type_problem(value, schema["type"])):
        yield f"{path} {problem} (got {value!r})"
        return
    if "enum" in schema and value not in schema["enum"]:
        yield f"{path} must be one of {', '.join(map(repr, schema['enum']))} (got {value!r})"
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    if numeric and "minimum" in schema and value < schema["minimum"]:
        yield f"{path} must be at least {schema['minimum']:g} (got {value!r})"
    if numeric and "maximum" in schema and value > schema["maximum"]:
        yield f"{path} must be at most {schema['maximum']:g} (got {value!r})"
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            yield from _value_problems(f"{path}[{index}]", item, schema["items"])


def _settings_problems(policy: str, settings: Mapping[str, Any], schema: proto.PolicyConfigSchema) -> Iterable[str]:
    properties: dict[str, Any] = json_format.MessageToDict(schema.properties)
    for key, value in settings.items():
        if key not in properties:
            known = f"its settings are {', '.join(sorted(properties))}" if properties else "it has no settings"
            yield f"{policy}: unknown setting {key!r}{_closest(key, properties)}; {known}"
        else:
            yield from _value_problems(f"{policy}.{key}", value, properties[key])
    missing = [key for key in schema.required if key not in settings]
    if missing:
        yield f"{policy}: {', '.join(missing)} must be set"


def _level_problems(policy: str, level: Any) -> Iterable[str]:
    if level not in LEVELS:
        yield f"{policy}: enforcement level {level!r} is not one of {', '.join(LEVELS)}{_closest(str(level), LEVELS)}"


def _entry_problems(name: str, entry: Any, schemas: Mapping[str, proto.PolicyConfigSchema]) -> Iterable[str]:
    if isinstance(entry, str):
        yield from _level_problems(name, entry)
        return
    if not isinstance(entry, Mapping):
        yield f"{name}: must be an enforcement level or an object of settings (got {entry!r})"
        return
    if "enforcementLevel" in entry:
        yield from _level_problems(name, entry["enforcementLevel"])
    settings = {key: value for key, value in entry.items() if key != "enforcementLevel"}
    if name == "all":
        if settings:
            yield (f"all: only enforcementLevel applies to every policy; move {', '.join(map(repr, settings))} "
                   f"under the policy it belongs to")
        return
    if name in schemas:
        yield from _settings_problems(name, settings, schemas[name])


def check_policy_config(config: Mapping[str, Any], policies: Sequence[proto.PolicyInfo]) -> None:
    """Raise `PolicyConfigError` listing every problem of `config` for a pack with these `policies`: a policy
    or level that doesn't exist, a setting a policy doesn't declare, a value its schema rejects."""
    schemas = {policy.name: policy.configSchema for policy in policies}
    problems = [f"the policy config names {name!r}, a policy the pack doesn't have{_closest(name, schemas)}"
                for name in config if name != "all" and name not in schemas]
    for name, entry in config.items():
        problems.extend(_entry_problems(name, entry, schemas))
    if problems:
        raise PolicyConfigError("; ".join(problems))
