"""Policy options: the numbers and switches a policy config file may set, each a config schema property with a default."""

from collections.abc import Mapping, Sequence
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

    def schema(self) -> dict[str, Any]:
        """This setting as a JSON-schema property (what `pulumi policy publish` shows and validates)."""
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        return {**_json_type(self.default), "default": default, "description": self.description}

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


def config_schema(options: Sequence[PolicyOption[Any]]) -> PolicyConfigSchema:
    """The config schema that declares these settings."""
    return PolicyConfigSchema(properties={setting.key: setting.schema() for setting in options})
