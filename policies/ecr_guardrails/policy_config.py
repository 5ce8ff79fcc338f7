"""Policy options: the numbers and switches a policy config file may set, each a config schema property with a default."""

import difflib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pulumi_policy import PolicyConfigSchema

T = TypeVar("T", int, bool, tuple)


class HasConfig(Protocol):
    """What policies read settings from: `ResourceValidationArgs` and `StackValidationArgs`."""

    def get_config(self) -> Mapping[str, Any]:
        """The policy's configuration from the policy config file (may omit any key)."""


def _json_type(default: object) -> dict[str, Any]:
    if isinstance(default, bool):
        return {"type": "boolean"}
    if isinstance(default, int):
        return {"type": "integer", "minimum": 0}
    return {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True)
class PolicyOption(Generic[T]):
    """One configurable number, switch or list of a policy."""

    key: str
    default: T
    description: str
    bound: str = ""
    """For a number that is an AWS limit: `"maximum"` or `"minimum"`, the side AWS's value (the default) bounds,
    so an organisation may choose a stricter limit but never one AWS would reject."""

    def schema(self) -> dict[str, Any]:
        """This setting as a JSON-schema property (what `pulumi policy publish` shows and validates)."""
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        schema = {**_json_type(self.default), "default": default, "description": self.description}
        if self.bound:
            schema[self.bound] = self.default
        return schema

    def read(self, args: HasConfig) -> T:
        """The configured value, or the default when the config doesn't set it.

        Config numbers arrive as floats over the analyzer protocol; integers are returned as `int`.
        """
        value = args.get_config().get(self.key)
        if value is None:
            return self.default
        if isinstance(self.default, bool):
            return bool(value)  # type: ignore[return-value]
        if isinstance(self.default, int):
            return int(value)  # type: ignore[return-value]
        return tuple(value)  # type: ignore[return-value]

    def most(self, args: HasConfig, authority: str = "AWS allows") -> tuple[T, str]:
        """A limit in force and how a message words it: `AWS allows at most 25` for AWS's own value (the
        default), `your limit is 20 (maxDestinations in the policy config; AWS allows 25)` for one the
        organisation chose, so a violation never blames AWS for a stricter or looser rule of its own."""
        value = self.read(args)
        if value == self.default:
            return value, f"{authority} at most {value}"
        return value, f"your limit is {value} ({self.key} in the policy config; {authority} {self.default})"


def config_schema(options: Sequence[PolicyOption[Any]]) -> PolicyConfigSchema:
    """The config schema that declares these settings."""
    return PolicyConfigSchema(properties={setting.key: setting.schema() for setting in options})


class UnknownSettingError(ValueError):
    """The policy config sets something a policy doesn't have (a typo would otherwise be silently ignored)."""


def check_settings(policy: str, known: Collection[str], args: HasConfig) -> None:
    """Raise `UnknownSettingError` when the policy config sets a key other than the `known` settings.

    The Pulumi CLI validates a policy config against each policy's schema, but a schema can't refuse unknown
    keys (pulumi-policy's `PolicyConfigSchema` and the analyzer protocol have no `additionalProperties`), so
    the policy refuses them when it runs: the preview fails with this message instead of applying a default.
    """
    for key in args.get_config():
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            settings = f"its settings are {', '.join(sorted(known))}" if known else "it has no settings"
            raise UnknownSettingError(f"policy config of {policy}: unknown setting {key!r}{hint}; {settings}")
